//! Lambda mode: the API key and the intake client are set up once at start-up (the S3 client
//! on first use, so functions that only receive findings never load it), then the
//! `lambda_runtime` loop hands each event to the forwarder. An invocation fails (so Lambda retries it or sends it to the
//! on-failure destination) unless every record was accepted or dropped on purpose; SQS
//! batches report failed messages in `batchItemFailures` instead, and S3 Batch Operations
//! tasks get a result code each.

use std::sync::Arc;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::value::RawValue;

use crate::api_key::ApiKey;
use crate::aws_sdk::SharedSdkConfig;
use crate::config::Config;
use crate::deadline::Deadline;
use crate::intake::HttpIntake;
use crate::pipeline::Forwarder;
use crate::store::S3Store;

/// Runs the Lambda loop until the runtime stops. The SDK configuration is loaded once and
/// shared by the Secrets Manager and S3 clients.
pub async fn run(config: Config) -> Result<(), lambda_runtime::Error> {
    let sdk = SharedSdkConfig::new(config.aws.clone());
    let key = ApiKey::resolve(&config.api_key, &sdk)
        .await
        .map_err(|err| crate::error_chain(&err))?
        .ok_or("no Datadog API key: set DD_API_KEY_SECRET_ARN (recommended), DD_API_KEY_SSM_NAME, DD_KMS_API_KEY or DD_API_KEY")?;
    let client = crate::http_client::build(&config.proxies)?;
    let intake = HttpIntake::with_client(client.clone(), &config.intake, Arc::new(key));
    let store = S3Store::new(sdk.clone());
    let forwarder = match config.slack {
        Some(slack) => {
            let alerts = slack.connect(client, &sdk).await.map_err(|err| crate::error_chain(&err))?;
            Forwarder::with_alerts(config.forwarder, intake, store, alerts)
        }
        None => Forwarder::new(config.forwarder, intake, store),
    };
    if let Some(url) = &config.failure_queue_url {
        forwarder.set_failure_queue(crate::failure_queue::FailureQueue::new(sdk.clone(), url.clone()));
    }
    let (forwarder, function_name) = (&forwarder, config.function_name.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        handle(forwarder, function_name, event).await
    }))
    .await
}

async fn handle(
    forwarder: &Forwarder<HttpIntake, S3Store>,
    function_name: &str,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<serde_json::Value, Diagnostic> {
    let deadline = Deadline::from_lambda(event.context.deadline());
    let outcome = forwarder.handle(event.payload.get().as_bytes(), deadline).await;
    tracing::info!(request_id = %event.context.request_id, "summary {}", outcome.stats);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    println!("{}", crate::metrics::emf(&outcome.stats, function_name, now_ms));
    match outcome.error {
        Some(err) if !outcome.partial_batch => {
            let (error_type, message) = (err.error_type(), err.describe());
            tracing::error!(error_type = error_type.as_str(), "invocation failed: {message}");
            Err(Diagnostic { error_type: error_type.as_str().to_owned(), error_message: message })
        }
        Some(err) => {
            let error_type = err.error_type();
            tracing::error!(
                error_type = error_type.as_str(),
                "some items failed and are reported in the response (SQS messages come back, Batch Operations retries temporary failures): {}",
                err.describe()
            );
            Ok(outcome.response)
        }
        None => Ok(outcome.response),
    }
}
