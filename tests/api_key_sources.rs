//! The API key from SSM Parameter Store and from a KMS ciphertext, through the emulator: each
//! read at start-up; a SecureString re-read after a 403 (rotation); bad input (a parameter that
//! does not exist, a ciphertext KMS cannot decrypt, two sources) stops the start with a clear
//! error and nothing sent.

mod support;

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use security_log_forwarder::api_key::ApiKey;
use security_log_forwarder::aws_sdk::SharedSdkConfig;
use security_log_forwarder::config::Config;
use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::Forwarder;
use security_log_forwarder::store::S3Store;
use support::intake::TestIntake;

async fn sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(support::moto::endpoint()).load().await
}

async fn put_parameter(name: &str, value: &str) {
    let ssm = aws_sdk_ssm::Client::new(&sdk().await);
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

/// `plaintext` encrypted under a new KMS key (with the Lambda console's encryption context
/// when `function` is given), base64.
async fn encrypt(plaintext: &str, function: Option<&str>) -> String {
    let kms = aws_sdk_kms::Client::new(&sdk().await);
    let key = kms.create_key().send().await.unwrap().key_metadata.unwrap().key_id;
    let mut request = kms.encrypt().key_id(key).plaintext(aws_sdk_kms::primitives::Blob::new(plaintext.as_bytes()));
    if let Some(function) = function {
        request = request.encryption_context("LambdaFunctionName", function);
    }
    let blob = request.send().await.unwrap().ciphertext_blob.unwrap();
    base64::engine::general_purpose::STANDARD.encode(blob.as_ref())
}

fn config(vars: &[(&str, &str)]) -> Config {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(|k| env.get(k).cloned()).unwrap()
}

async fn resolve(vars: &[(&str, &str)]) -> Result<ApiKey, String> {
    let config = config(vars);
    match ApiKey::resolve(&config.api_key, &SharedSdkConfig::new(config.aws.clone())).await {
        Ok(key) => Ok(key.unwrap()),
        Err(err) => Err(security_log_forwarder::error_chain(&err)),
    }
}

#[tokio::test]
async fn ssm_secure_strings_plain_and_json() {
    put_parameter("/slf/plain-key", " ssmkey0001 \n").await;
    put_parameter("/slf/json-key", r#"{"api_key":"ssmkey0002"}"#).await;
    let key = resolve(&[("DD_API_KEY_SSM_NAME", "/slf/plain-key")]).await.unwrap();
    assert_eq!(&*key.current(), "ssmkey0001");
    let key = resolve(&[("DD_API_KEY_SSM_NAME", "/slf/json-key")]).await.unwrap();
    assert_eq!(&*key.current(), "ssmkey0002");
    let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/slf/plain-key";
    let key = resolve(&[("DD_API_KEY_SSM_NAME", arn)]).await.unwrap();
    assert_eq!(&*key.current(), "ssmkey0001");
}

#[tokio::test]
async fn kms_ciphertexts_with_and_without_the_lambda_encryption_context() {
    let with_context = encrypt("kmskey0001", Some("my-forwarder")).await;
    let vars = [("DD_KMS_API_KEY", with_context.as_str()), ("AWS_LAMBDA_FUNCTION_NAME", "my-forwarder")];
    assert_eq!(&*resolve(&vars).await.unwrap().current(), "kmskey0001");
    let without = encrypt("kmskey0002", None).await;
    let vars = [("DD_KMS_API_KEY", without.as_str()), ("AWS_LAMBDA_FUNCTION_NAME", "my-forwarder")];
    assert_eq!(&*resolve(&vars).await.unwrap().current(), "kmskey0002", "falls back to no context");
    assert_eq!(&*resolve(&[("DD_KMS_API_KEY", &without)]).await.unwrap().current(), "kmskey0002");
}

#[tokio::test]
async fn missing_parameters_and_undecryptable_ciphertexts_are_clear_errors() {
    let err = resolve(&[("DD_API_KEY_SSM_NAME", "/slf/does-not-exist")]).await.err().unwrap();
    assert!(err.contains("SSM parameter /slf/does-not-exist"), "{err}");
    assert!(err.contains("ParameterNotFound"), "{err}");
    let garbage = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    let err = resolve(&[("DD_KMS_API_KEY", &garbage)]).await.err().unwrap();
    assert!(err.contains("KMS cannot decrypt DD_KMS_API_KEY"), "{err}");
    put_parameter("/slf/empty-json", r#"{"other":"x"}"#).await;
    let err = resolve(&[("DD_API_KEY_SSM_NAME", "/slf/empty-json")]).await.err().unwrap();
    assert!(err.contains("SSM parameter /slf/empty-json") && err.contains("api_key"), "{err}");
}

#[tokio::test]
async fn a_rotated_parameter_is_reread_once_after_a_403() {
    put_parameter("/slf/rotating", "old-ssm-key-0001").await;
    let intake = TestIntake::start("old-ssm-key-0001").await;
    let url = intake.url();
    let config = config(&[("DD_API_KEY_SSM_NAME", "/slf/rotating"), ("DD_URL", &url)]);
    let key = ApiKey::resolve(&config.api_key, &SharedSdkConfig::new(config.aws.clone())).await.unwrap().unwrap();
    let forwarder =
        Forwarder::new(config.forwarder, HttpIntake::new(&config.intake, Arc::new(key)).unwrap(), S3Store::lazy());

    put_parameter("/slf/rotating", "new-ssm-key-0002").await;
    intake.set_expected_key("new-ssm-key-0002");
    let event = std::fs::read(format!("{}/events/guardduty-finding-high.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let outcome = forwarder.handle(&event, Deadline::none()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let keys: Vec<_> = intake.requests().iter().map(|r| (r.api_key.clone().unwrap(), r.status)).collect();
    assert_eq!(keys, [("old-ssm-key-0001".to_string(), 403), ("new-ssm-key-0002".to_string(), 202)]);
}

/// Runs `invoke` on a finding with `vars` and the emulator's settings; returns whether it
/// succeeded and its stderr.
fn invoke(vars: &[(String, String)]) -> (bool, String) {
    let event = format!("{}/events/guardduty-finding-high.json", env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
    command.env_clear().args(["invoke", &event]);
    for var in ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        if let Ok(value) = std::env::var(var) {
            command.env(var, value);
        }
    }
    let output = command.env("AWS_EC2_METADATA_DISABLED", "true").envs(vars.iter().cloned()).output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn end_to_end_each_source_or_a_clear_error_and_nothing_sent() {
    put_parameter("/slf/e2e-key", "e2e-ssm-key-0001").await;
    let ciphertext = encrypt("e2e-kms-key-0002", None).await;
    let bad_ciphertext = base64::engine::general_purpose::STANDARD.encode([9u8; 48]);
    for (vars, key, problem) in [
        (vec![("DD_API_KEY_SSM_NAME", "/slf/e2e-key")], "e2e-ssm-key-0001", None),
        (vec![("DD_KMS_API_KEY", ciphertext.as_str())], "e2e-kms-key-0002", None),
        (vec![("DD_API_KEY_SSM_NAME", "/slf/e2e-missing")], "x", Some("SSM parameter /slf/e2e-missing")),
        (vec![("DD_KMS_API_KEY", bad_ciphertext.as_str())], "x", Some("KMS cannot decrypt DD_KMS_API_KEY")),
        (
            vec![("DD_KMS_API_KEY", ciphertext.as_str()), ("DD_API_KEY", "plain")],
            "x",
            Some("invalid DD_KMS_API_KEY: the API key has one source, but DD_KMS_API_KEY, DD_API_KEY are set"),
        ),
    ] {
        let intake = TestIntake::start(key).await;
        let url = intake.url();
        let mut vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.push(("DD_URL".into(), url));
        let (ok, log) = tokio::task::spawn_blocking(move || invoke(&vars)).await.unwrap();
        match problem {
            None => {
                assert!(ok, "{log}");
                assert_eq!(intake.accepted_entries().len(), 1, "{log}");
            }
            Some(problem) => {
                assert!(!ok && log.contains(problem), "{log}");
                assert!(intake.requests().is_empty(), "nothing sent: {log}");
            }
        }
    }
}
