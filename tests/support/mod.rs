//! Shared integration-test support: a test Datadog intake, a Lambda Runtime API emulator and
//! the S3 / Secrets Manager emulator helpers. Each test file uses part of it.
#![allow(dead_code)]

pub mod http;
pub mod intake;
pub mod moto;
pub mod runtime_api;
pub mod s3_proxy;
