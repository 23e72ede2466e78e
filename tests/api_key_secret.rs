//! The API key from Secrets Manager (through the emulator): plain and JSON secrets, a
//! missing secret, and rotation (403 → re-read the secret → success). The key only ever
//! travels in the `DD-API-KEY` header.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use security_log_forwarder::api_key::ApiKey;
use security_log_forwarder::api_key::ApiKeySource;
use security_log_forwarder::aws_sdk::SharedSdkConfig;
use security_log_forwarder::config::Config;
use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::Forwarder;
use security_log_forwarder::store::S3Store;
use support::intake::TestIntake;
use support::moto;

async fn create_secret(name: &str, value: &str) -> String {
    let client = moto::secrets().await;
    let _ = client.delete_secret().secret_id(name).force_delete_without_recovery(true).send().await;
    let out = client.create_secret().name(name).secret_string(value).send().await.unwrap();
    out.arn().unwrap().to_owned()
}

#[tokio::test]
async fn plain_and_json_secrets() {
    for (name, value, expected) in [
        ("slf-plain", "  plainkey123\n", "plainkey123"),
        ("slf-json-api-key", r#"{"api_key":"jsonkey1"}"#, "jsonkey1"),
        ("slf-json-dd", r#"{"other":"x","DD_API_KEY":"jsonkey2"}"#, "jsonkey2"),
        ("slf-json-camel", r#"{"apiKey":"jsonkey3"}"#, "jsonkey3"),
    ] {
        let arn = create_secret(name, value).await;
        let key = ApiKey::resolve(&ApiKeySource::Secret(arn), &SharedSdkConfig::from_env()).await.unwrap().unwrap();
        assert_eq!(&*key.current(), expected, "{name}");
    }
}

#[tokio::test]
async fn missing_or_empty_secrets_are_clear_errors() {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slf-does-not-exist-AbCdEf";
    let err = ApiKey::resolve(&ApiKeySource::Secret(arn.into()), &SharedSdkConfig::from_env()).await.unwrap_err();
    let err = security_log_forwarder::error_chain(&err);
    assert!(err.contains(arn), "{err}");
    let arn = create_secret("slf-wrong-field", r#"{"key":"x"}"#).await;
    let err = ApiKey::resolve(&ApiKeySource::Secret(arn), &SharedSdkConfig::from_env()).await.unwrap_err().to_string();
    assert!(err.contains("api_key"), "{err}");
}

#[tokio::test]
async fn a_rotated_key_is_reread_once_after_a_403() {
    let arn = create_secret("slf-rotating", "old-key-0001").await;
    let intake = TestIntake::start("old-key-0001").await;
    let env: HashMap<&str, String> = [("DD_API_KEY_SECRET_ARN", arn.clone()), ("DD_URL", intake.url())].into();
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let key = ApiKey::resolve(&config.api_key, &SharedSdkConfig::from_env()).await.unwrap().unwrap();
    let forwarder =
        Forwarder::new(config.forwarder, HttpIntake::new(&config.intake, Arc::new(key)).unwrap(), S3Store::lazy());

    // Rotation: the secret and the intake move to a new key.
    moto::secrets().await.put_secret_value().secret_id(&arn).secret_string("new-key-0002").send().await.unwrap();
    intake.set_expected_key("new-key-0002");
    let event = std::fs::read(format!("{}/events/guardduty-finding-high.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let outcome = forwarder.handle(&event, Deadline::none()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.entries_sent, 1);
    let keys: Vec<_> = intake.requests().iter().map(|r| (r.api_key.clone().unwrap(), r.status)).collect();
    assert_eq!(keys, [("old-key-0001".to_string(), 403), ("new-key-0002".to_string(), 202)]);
    assert!(intake.requests().iter().all(|r| !r.query.clone().unwrap_or_default().contains("key")));

    // A key that stays wrong is reported, not retried forever.
    intake.set_expected_key("something-else");
    let outcome = forwarder.handle(&event, Deadline::none()).await;
    assert_eq!(outcome.error.as_ref().unwrap().error_type().as_str(), "ApiKeyRejected");
    assert_eq!(intake.requests().len(), 3);
}
