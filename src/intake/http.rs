//! The Datadog logs intake over HTTPS: `POST …/api/v2/logs` with the API key in the
//! `DD-API-KEY` header, retries with backoff and jitter until the deadline (`retry`), halving on 413.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};

use super::verdict::{Verdict, verdict};
use super::{AttemptError, Delivery, Intake, IntakeError};
use crate::api_key::ApiKey;
use crate::batch::Batch;
use crate::compress;
use crate::deadline::Deadline;
use crate::error_chain as chain;
use crate::retry::{Attempt, GaveUp, RetrySettings, retry_after_of, transport_kind, with_retries};
use crate::{NAME, VERSION};

/// Where and how bodies are sent.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Full intake URL (`…/api/v2/logs`).
    pub url: String,
    /// The API key validation URL (`https://api.<site>/api/v1/validate`, or on the `DD_URL`
    /// host), used by `doctor` only.
    pub validate_url: String,
    /// Retry settings.
    pub retry: RetrySettings,
    /// `DD_FAIL_ON_REJECTED`: entries the intake refuses fail the invocation instead of being
    /// dropped and counted.
    pub fail_on_rejected: bool,
}

/// Most entries of one body isolated as refused: a body that is refused for more is refused
/// for something else than its entries (a proxy, a broken body), and fails as a whole.
const ISOLATED_PER_BODY: u32 = 4;

/// Sends bodies to the intake.
pub struct HttpIntake {
    client: reqwest::Client,
    url: String,
    key: Arc<ApiKey>,
    retry: RetrySettings,
    fail_on_rejected: bool,
}

enum Failure {
    Split,
    Refused(u16),
    Failed(IntakeError),
}

impl HttpIntake {
    /// An intake with its own HTTP client, without proxies.
    pub fn new(settings: &HttpSettings, key: Arc<ApiKey>) -> Result<Self, reqwest::Error> {
        Ok(Self::with_client(crate::http_client::build(&Default::default())?, settings, key))
    }

    /// An intake sending with `client` (the process's shared HTTP client).
    pub fn with_client(client: reqwest::Client, settings: &HttpSettings, key: Arc<ApiKey>) -> Self {
        Self {
            client,
            url: settings.url.clone(),
            key,
            retry: settings.retry.clone(),
            fail_on_rejected: settings.fail_on_rejected,
        }
    }

    async fn send_with_retries(&self, batch: &Batch, deadline: Deadline, retries: &mut u64) -> Result<(), Failure> {
        let key_reread = AtomicBool::new(false);
        let key_reread = &key_reread;
        let sent = with_retries(&self.retry, deadline, "intake", |timeout| async move {
            loop {
                let key = self.key.current();
                let mut request = self
                    .client
                    .post(&self.url)
                    .header("DD-API-KEY", &*key)
                    .header(CONTENT_TYPE, "application/json")
                    .header("DD-EVP-ORIGIN", NAME)
                    .header("DD-EVP-ORIGIN-VERSION", VERSION)
                    .timeout(timeout)
                    .body(batch.body.clone());
                if let Some(encoding) = compress::content_encoding(batch.compression.codec) {
                    request = request.header(CONTENT_ENCODING, encoding);
                }
                let response = match request.send().await {
                    Ok(response) => response,
                    Err(err) => return Attempt::Retry { last: transport(err), retry_after: None },
                };
                let status = response.status().as_u16();
                let location = crate::http_client::location_host(&response);
                let retry_after = retry_after_of(&response);
                // The body is drained, never logged: an intake may echo what it received.
                let _ = response.bytes().await;
                return Attempt::Done(match verdict(status) {
                    Verdict::Accepted => Ok(()),
                    Verdict::Split => Err(Failure::Split),
                    Verdict::ProxyAuthentication => Err(Failure::Failed(IntakeError::ProxyAuthentication { status })),
                    Verdict::Redirected => Err(Failure::Failed(IntakeError::Redirected { status, location })),
                    Verdict::Rejected if status == 400 => Err(Failure::Refused(status)),
                    Verdict::Rejected => {
                        Err(Failure::Failed(IntakeError::Rejected { status, entries: batch.entries() }))
                    }
                    Verdict::KeyRejected => {
                        // A rotated key is read again once, and the request sent again at once.
                        if !key_reread.load(Ordering::Relaxed) && self.key.refresh_after_rejection(&key).await {
                            key_reread.store(true, Ordering::Relaxed);
                            continue;
                        }
                        Err(Failure::Failed(IntakeError::ApiKeyRejected { status }))
                    }
                    Verdict::Retry => return Attempt::Retry { last: AttemptError::Status(status), retry_after },
                });
            }
        })
        .await;
        match sent {
            Ok((done, attempts)) => {
                *retries += u64::from(attempts - 1);
                done
            }
            Err(GaveUp::Exhausted { attempts, last }) => {
                *retries += u64::from(attempts - 1);
                Err(Failure::Failed(IntakeError::Unavailable { attempts, last }))
            }
            Err(GaveUp::Deadline { attempts, last }) => {
                *retries += u64::from(attempts.saturating_sub(1));
                Err(Failure::Failed(IntakeError::Deadline { attempts, last: last.unwrap_or(AttemptError::NoTimeLeft) }))
            }
        }
    }
}

pub(super) fn transport(source: reqwest::Error) -> AttemptError {
    AttemptError::Transport { kind: transport_kind(&source), source }
}

impl Intake for HttpIntake {
    /// Sends the body; a body refused as too large (413) is sent again in halves; a body
    /// refused as bad (400) is halved down to the entries the intake refuses on their own,
    /// which are dropped (or, with `DD_FAIL_ON_REJECTED`, failed) while the rest is delivered
    /// — at most [`ISOLATED_PER_BODY`] of them, for at most 2·⌈log2 n⌉ extra requests each.
    async fn deliver(&self, batch: Batch, deadline: Deadline) -> Delivery {
        let mut delivery = Delivery::default();
        let mut budget =
            u64::from(ISOLATED_PER_BODY) * 2 * u64::from(batch.entries().max(2).next_power_of_two().ilog2());
        let mut isolated = 0;
        let mut queue = vec![batch];
        while let Some(batch) = queue.pop() {
            let entries = batch.entries() as u64;
            let failure = match self.send_with_retries(&batch, deadline, &mut delivery.retries).await {
                Ok(()) => {
                    delivery.accepted += entries;
                    continue;
                }
                Err(Failure::Refused(status)) if isolated < ISOLATED_PER_BODY && entries == 1 => {
                    isolated += 1;
                    if self.fail_on_rejected {
                        IntakeError::Rejected { status, entries: 1 }
                    } else {
                        delivery.rejected.extend_from_slice(batch.records());
                        continue;
                    }
                }
                Err(Failure::Refused(status)) if isolated < ISOLATED_PER_BODY && budget >= 2 => match batch.split() {
                    Ok(Some((first, second))) => {
                        tracing::warn!(
                            entries,
                            status,
                            "the intake refused a body; sending it in halves to find the entries it refuses"
                        );
                        budget -= 2;
                        delivery.isolating_requests += 2;
                        queue.push(second);
                        queue.push(first);
                        continue;
                    }
                    Ok(None) => IntakeError::Rejected { status, entries: batch.entries() },
                    Err(err) => IntakeError::Split(err),
                },
                Err(Failure::Refused(status)) => IntakeError::Rejected { status, entries: batch.entries() },
                Err(Failure::Split) => match batch.split() {
                    Ok(Some((first, second))) => {
                        tracing::warn!(entries, "the intake answered 413; sending the body in two halves");
                        queue.push(second);
                        queue.push(first);
                        continue;
                    }
                    Ok(None) => IntakeError::Rejected { status: 413, entries: 1 },
                    Err(err) => IntakeError::Split(err),
                },
                Err(Failure::Failed(err)) => err,
            };
            tracing::error!(entries, error = %chain(&failure), "entries not delivered");
            delivery.failed += entries;
            delivery.error.get_or_insert(failure);
        }
        delivery
    }
}
