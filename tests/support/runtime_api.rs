//! An AWS Lambda Runtime API emulator on loopback: queues invocations, hands them out on
//! `GET /2018-06-01/runtime/invocation/next` (long poll), records responses, invocation errors
//! and init errors.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::http::{read_request, write_response};

/// Function ARN handed out with every invocation.
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:security-log-forwarder-test";
/// Trace header handed out with every invocation.
pub const TRACE_ID: &str = "Root=1-00000000-000000000000000000000000;Sampled=0";

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `POST /invocation/{id}/response` with this JSON body (`Null` if not JSON).
    Response(serde_json::Value),
    /// `POST /invocation/{id}/error` with this `errorType` / `errorMessage`.
    Error { error_type: String, error_message: String },
}

struct Queued {
    id: String,
    payload: Vec<u8>,
    deadline_ms: u128,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    delivered: Vec<String>,
    outcomes: HashMap<String, Outcome>,
    error_types: HashMap<String, String>,
    init_error: Option<serde_json::Value>,
}

/// The running emulator.
pub struct RuntimeApi {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    queued: Arc<Notify>,
    settled: Arc<Notify>,
}

impl RuntimeApi {
    /// Starts on 127.0.0.1 (ephemeral port).
    pub async fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let queued = Arc::new(Notify::new());
        let settled = Arc::new(Notify::new());
        let server = Server { state: state.clone(), queued: queued.clone(), settled: settled.clone() };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(server.clone().serve(BufReader::new(stream)));
            }
        });
        RuntimeApi { addr, state, queued, settled }
    }

    /// Value for `AWS_LAMBDA_RUNTIME_API` (`127.0.0.1:PORT`).
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Queues an invocation whose deadline is `timeout` from now.
    pub fn invoke(&self, request_id: &str, payload: &[u8], timeout: Duration) {
        let deadline_ms = (SystemTime::now() + timeout).duration_since(UNIX_EPOCH).unwrap().as_millis();
        self.state.lock().unwrap().queue.push_back(Queued {
            id: request_id.to_owned(),
            payload: payload.to_vec(),
            deadline_ms,
        });
        self.queued.notify_one();
    }

    /// Waits up to `wait` for the outcome of `request_id`; `None` if there is none by then.
    pub async fn outcome(&self, request_id: &str, wait: Duration) -> Option<Outcome> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            let settled = self.settled.notified();
            if let Some(outcome) = self.state.lock().unwrap().outcomes.get(request_id) {
                return Some(outcome.clone());
            }
            // The short sleep bounds the wait even if a wake-up is missed.
            let nap = (tokio::time::Instant::now() + Duration::from_millis(50)).min(until);
            tokio::select! {
                () = settled => {}
                () = tokio::time::sleep_until(nap) => {}
            }
            if tokio::time::Instant::now() >= until {
                return self.state.lock().unwrap().outcomes.get(request_id).cloned();
            }
        }
    }

    /// The `Lambda-Runtime-Function-Error-Type` header sent with the error of `request_id`.
    pub fn function_error_type(&self, request_id: &str) -> Option<String> {
        self.state.lock().unwrap().error_types.get(request_id).cloned()
    }

    /// The body posted to `/runtime/init/error`, if any (`Null` if not JSON).
    pub fn init_error(&self) -> Option<serde_json::Value> {
        self.state.lock().unwrap().init_error.clone()
    }

    /// Request ids handed out by `/next`, in order.
    pub fn delivered(&self) -> Vec<String> {
        self.state.lock().unwrap().delivered.clone()
    }

    /// Invocations queued and not handed out yet.
    pub fn pending(&self) -> usize {
        self.state.lock().unwrap().queue.len()
    }
}

/// The environment a Lambda function process sees.
pub fn lambda_env(runtime: &RuntimeApi) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime.address()),
        ("AWS_LAMBDA_FUNCTION_NAME", "security-log-forwarder-test".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[$LATEST]0123456789abcdef".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/security-log-forwarder-test".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[derive(Clone)]
struct Server {
    state: Arc<Mutex<State>>,
    queued: Arc<Notify>,
    settled: Arc<Notify>,
}

impl Server {
    async fn serve(self, mut conn: BufReader<TcpStream>) {
        while let Some(request) = read_request(&mut conn).await {
            let method = request.method.as_str();
            let path = request.path.strip_prefix("/2018-06-01/runtime/").unwrap_or("");
            let written = match (method, path) {
                ("GET", "invocation/next") => {
                    let Some(next) = self.next(&mut conn).await else { return };
                    let headers = [
                        ("lambda-runtime-aws-request-id", next.id.clone()),
                        ("lambda-runtime-deadline-ms", next.deadline_ms.to_string()),
                        ("lambda-runtime-invoked-function-arn", FUNCTION_ARN.to_owned()),
                        ("lambda-runtime-trace-id", TRACE_ID.to_owned()),
                    ];
                    let written = write_response(&mut conn, 200, &headers, &next.payload).await;
                    if !written {
                        // Hand it to the next poller instead.
                        let mut state = self.state.lock().unwrap();
                        if let Some(i) = state.delivered.iter().rposition(|id| *id == next.id) {
                            state.delivered.remove(i);
                        }
                        state.queue.push_front(next);
                        self.queued.notify_one();
                    }
                    written
                }
                ("POST", "init/error") => {
                    self.state.lock().unwrap().init_error =
                        Some(serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null));
                    write_response(&mut conn, 202, &[], br#"{"status":"OK"}"#).await
                }
                ("POST", _) => {
                    let settled = path.strip_prefix("invocation/").and_then(|rest| rest.rsplit_once('/')).and_then(
                        |(id, kind)| {
                            let outcome = match kind {
                                "response" => Outcome::Response(
                                    serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null),
                                ),
                                "error" => {
                                    let body: serde_json::Value =
                                        serde_json::from_slice(&request.body).unwrap_or_default();
                                    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
                                    Outcome::Error {
                                        error_type: text("errorType"),
                                        error_message: text("errorMessage"),
                                    }
                                }
                                _ => return None,
                            };
                            Some((id.to_owned(), outcome))
                        },
                    );
                    match settled {
                        Some((id, outcome)) => {
                            {
                                let mut state = self.state.lock().unwrap();
                                if let Some(kind) = request.headers.get("lambda-runtime-function-error-type") {
                                    state.error_types.insert(id.clone(), kind.clone());
                                }
                                state.outcomes.insert(id, outcome);
                            }
                            self.settled.notify_waiters();
                            write_response(&mut conn, 202, &[], br#"{"status":"OK"}"#).await
                        }
                        None => write_response(&mut conn, 404, &[], b"{}").await,
                    }
                }
                _ => write_response(&mut conn, 404, &[], b"{}").await,
            };
            if !written {
                return;
            }
        }
    }

    /// Long-polls for the next invocation; `None` if the client hung up meanwhile (the
    /// invocation then stays queued for the next poller).
    async fn next(&self, conn: &mut BufReader<TcpStream>) -> Option<Queued> {
        loop {
            {
                let mut state = self.state.lock().unwrap();
                if let Some(next) = state.queue.pop_front() {
                    state.delivered.push(next.id.clone());
                    return Some(next);
                }
            }
            tokio::select! {
                biased;
                () = hung_up(conn) => return None,
                () = self.queued.notified() => {}
            }
        }
    }
}

/// Completes when the peer closes the connection; never if it sends more data first.
async fn hung_up(conn: &mut BufReader<TcpStream>) {
    match conn.fill_buf().await {
        Ok([]) | Err(_) => {}
        Ok(_) => std::future::pending().await,
    }
}
