//! Shared integration-test support: a test Datadog intake, a Lambda Runtime API emulator, the
//! S3 / Secrets Manager emulator helpers, and the forwarder as every test builds it. Each
//! test file compiles this module and uses part of it, so the compiler cannot tell an unused
//! helper from one another test file uses; `support_selftest.rs` checks instead that every
//! public helper is used by some test.
#![allow(dead_code)]

pub mod function;
pub mod http;
pub mod intake;
pub mod logs_policies;
pub mod moto;
pub mod proxy;
pub mod runtime_api;
pub mod s3_proxy;
pub mod slack;
pub mod trail;
pub mod wiring;

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use security_log_forwarder::api_key::ApiKey;
use security_log_forwarder::config::Config;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::{Forwarder, ObjectName};
use security_log_forwarder::store::S3Store;

/// The configuration from `DD_API_KEY=key`, `DD_URL=url` and `vars` (which win).
pub fn config(url: &str, key: &str, vars: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> =
        HashMap::from([("DD_API_KEY".into(), key.into()), ("DD_URL".into(), url.into())]);
    env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|k| env.get(k).cloned()).unwrap()
}

/// A forwarder sending to the intake at `url` with `key`, reading S3 from the emulator.
pub fn forwarder(url: &str, key: &str, vars: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    forwarder_with_store(url, key, vars, S3Store::lazy())
}

/// A forwarder as [`forwarder`] builds it, reading S3 through `store`.
pub fn forwarder_with_store(
    url: &str,
    key: &str,
    vars: &[(&str, &str)],
    store: S3Store,
) -> Forwarder<HttpIntake, S3Store> {
    let config = config(url, key, vars);
    let intake = HttpIntake::new(&config.intake, Arc::new(ApiKey::fixed(key))).unwrap();
    Forwarder::new(config.forwarder, intake, store)
}

/// A forwarder as [`forwarder`] builds it, also alerting in Slack as `vars` (`SLACK_*`) say.
pub async fn forwarder_with_alerts(url: &str, key: &str, vars: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    let config = config(url, key, vars);
    let intake = HttpIntake::new(&config.intake, Arc::new(ApiKey::fixed(key))).unwrap();
    let slack = config.slack.expect("SLACK_WEBHOOK_URL in vars");
    let sdk = security_log_forwarder::aws_sdk::SharedSdkConfig::from_env();
    let alerts = slack.connect(reqwest::Client::new(), &sdk).await.unwrap();
    Forwarder::with_alerts(config.forwarder, intake, S3Store::lazy(), alerts)
}

/// gzip of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// The name of an S3 object.
pub fn s3_name(bucket: &str, key: &str) -> ObjectName {
    ObjectName::S3 { bucket: bucket.into(), key: key.into() }
}
