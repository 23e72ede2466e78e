//! Lambda mode: the API key and the intake client are set up once at start-up (the S3 client
//! on first use, so functions that only receive findings never load it), then the
//! `lambda_runtime` loop hands each event to the forwarder. An invocation fails (so Lambda retries it or sends it to the
//! on-failure destination) unless every record was accepted or dropped on purpose; SQS
//! batches report failed messages in `batchItemFailures` instead.

use std::sync::Arc;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::value::RawValue;

use crate::api_key::ApiKey;
use crate::config::Config;
use crate::deadline::Deadline;
use crate::forwarder::Forwarder;
use crate::intake::http::HttpIntake;
use crate::source::s3_store::S3Store;

/// Runs the Lambda loop until the runtime stops.
pub async fn run(config: Config) -> Result<(), lambda_runtime::Error> {
    let key = ApiKey::resolve(&config.api_key)
        .await?
        .ok_or("no Datadog API key: set DD_API_KEY_SECRET_ARN (recommended) or DD_API_KEY")?;
    let intake = HttpIntake::new(&config, Arc::new(key))?;
    let store = S3Store::lazy();
    let forwarder = Forwarder::new(config, intake, store);
    let forwarder = &forwarder;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move { handle(forwarder, event).await },
    ))
    .await
}

async fn handle(
    forwarder: &Arc<Forwarder<HttpIntake, S3Store>>,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<serde_json::Value, Diagnostic> {
    let deadline = Deadline::from_lambda(event.context.deadline());
    let outcome = forwarder.handle(event.payload.get().as_bytes(), deadline).await;
    tracing::info!(request_id = %event.context.request_id, "summary {}", outcome.stats);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    println!("{}", crate::metrics::emf(&outcome.stats, &forwarder.config().function_name, now_ms));
    match outcome.error {
        Some(err) if !outcome.partial_batch => {
            tracing::error!(error_type = err.error_type(), "invocation failed: {err}");
            Err(Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() })
        }
        Some(err) => {
            tracing::error!(error_type = err.error_type(), "some SQS messages failed and will be retried: {err}");
            Ok(outcome.response)
        }
        None => Ok(outcome.response),
    }
}
