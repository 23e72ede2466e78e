//! Where the Datadog API key comes from: exactly one of `DD_API_KEY_SECRET_ARN` (Secrets
//! Manager), `DD_API_KEY_SSM_NAME` (an SSM SecureString), `DD_KMS_API_KEY` (a KMS ciphertext,
//! base64) or `DD_API_KEY` (plain). The Datadog Forwarder's names.

use base64::Engine as _;

use super::parse::{ConfigError, invalid};
use crate::api_key::ApiKeySource;

/// The variables that name a key source, in the order errors list them.
const SOURCES: [&str; 4] = ["DD_API_KEY_SECRET_ARN", "DD_API_KEY_SSM_NAME", "DD_KMS_API_KEY", "DD_API_KEY"];

/// The configured key source; two or more is an error naming them.
pub(super) fn api_key_source(get: &impl Fn(&str) -> Option<String>) -> Result<ApiKeySource, ConfigError> {
    let set: Vec<&'static str> = SOURCES.into_iter().filter(|var| get(var).is_some()).collect();
    let [var] = set[..] else {
        if set.is_empty() {
            return Ok(ApiKeySource::None);
        }
        return Err(invalid(set[0], format!("the API key has one source, but {} are set: keep one", set.join(", "))));
    };
    let value = get(var).unwrap_or_default();
    match var {
        "DD_API_KEY_SECRET_ARN" => {
            if !value.starts_with("arn:") || value.split(':').count() < 7 {
                return Err(invalid(var, "not a Secrets Manager secret ARN"));
            }
            Ok(ApiKeySource::Secret(value))
        }
        "DD_API_KEY_SSM_NAME" => {
            if !is_parameter_name(&value) {
                return Err(invalid(
                    var,
                    "not an SSM parameter name (/path/name: letters, digits, _ . - /) or parameter ARN",
                ));
            }
            Ok(ApiKeySource::Ssm(value))
        }
        "DD_KMS_API_KEY" => {
            let blob = base64::engine::general_purpose::STANDARD.decode(value.as_bytes()).ok();
            if blob.is_none_or(|blob| blob.is_empty()) {
                return Err(invalid(var, "not a base64 KMS ciphertext (aws kms encrypt … --query CiphertextBlob)"));
            }
            Ok(ApiKeySource::Kms { ciphertext: value, function_name: get("AWS_LAMBDA_FUNCTION_NAME") })
        }
        _ if !crate::api_key::fits_a_header(&value) => {
            // Never the value: it is a credential.
            Err(invalid(var, "holds characters an HTTP header cannot carry (only visible ASCII)"))
        }
        _ => Ok(ApiKeySource::Plain(value)),
    }
}

/// An SSM parameter name (`dd-api-key`, `/datadog/api-key`) or ARN.
fn is_parameter_name(name: &str) -> bool {
    if let Some(rest) = name.strip_prefix("arn:") {
        return rest.split(':').count() == 5 && rest.contains(":parameter/");
    }
    name.len() <= 2048
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b))
        && !name.ends_with('/')
}

#[cfg(test)]
mod tests {
    use super::super::tests::config;
    use crate::api_key::ApiKeySource;

    #[test]
    fn each_source() {
        let key = |vars: &[(&str, &str)]| config(vars).unwrap().api_key;
        assert_eq!(key(&[("DD_API_KEY_SSM_NAME", "/datadog/api-key")]), ApiKeySource::Ssm("/datadog/api-key".into()));
        let arn = "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/datadog/api-key";
        assert_eq!(key(&[("DD_API_KEY_SSM_NAME", arn)]), ApiKeySource::Ssm(arn.into()));
        assert_eq!(
            key(&[("DD_KMS_API_KEY", "AQICAHh0ZXN0"), ("AWS_LAMBDA_FUNCTION_NAME", "fwd")]),
            ApiKeySource::Kms { ciphertext: "AQICAHh0ZXN0".into(), function_name: Some("fwd".into()) }
        );
        // An empty variable counts as unset, as the template leaves the unused ones.
        assert_eq!(key(&[("DD_API_KEY", "k"), ("DD_API_KEY_SSM_NAME", " ")]), ApiKeySource::Plain("k".into()));
    }

    #[test]
    fn two_sources_or_a_bad_one_are_errors() {
        let err = config(&[("DD_API_KEY", "abc"), ("DD_API_KEY_SSM_NAME", "/dd/key")]).unwrap_err();
        assert_eq!(err.var, "DD_API_KEY_SSM_NAME");
        assert!(err.to_string().contains("DD_API_KEY_SSM_NAME, DD_API_KEY are set"), "{err}");
        assert!(!err.to_string().contains("abc"));
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-key-AbCdEf";
        let err = config(&[("DD_API_KEY_SECRET_ARN", arn), ("DD_KMS_API_KEY", "AQID")]).unwrap_err();
        assert_eq!(err.var, "DD_API_KEY_SECRET_ARN");
        for (var, value) in [
            ("DD_API_KEY_SSM_NAME", "has space"),
            ("DD_API_KEY_SSM_NAME", "/trailing/"),
            ("DD_API_KEY_SSM_NAME", "arn:aws:ssm:us-east-1:123456789012:secret/x"),
            ("DD_KMS_API_KEY", "not base64!"),
        ] {
            assert_eq!(config(&[(var, value)]).unwrap_err().var, var, "{value}");
        }
    }
}
