//! An AWS Lambda Runtime API emulator on loopback: queues invocations, serves them on
//! `/next`, records responses and errors.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::BufReader;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::http::{read_request, write_response};

/// How an invocation ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Response(serde_json::Value),
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
    outcomes: HashMap<String, Outcome>,
    init_error: Option<serde_json::Value>,
}

/// The running emulator.
pub struct RuntimeApi {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    ready: Arc<Notify>,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let ready = Arc::new(Notify::new());
        let (s, r) = (state.clone(), ready.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(BufReader::new(stream), s.clone(), r.clone()));
            }
        });
        RuntimeApi { addr, state, ready }
    }

    /// Value for `AWS_LAMBDA_RUNTIME_API`.
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
        self.ready.notify_one();
    }

    /// Waits up to `wait` for the outcome of `request_id`.
    pub async fn outcome(&self, request_id: &str, wait: Duration) -> Option<Outcome> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            if let Some(outcome) = self.state.lock().unwrap().outcomes.get(request_id) {
                return Some(outcome.clone());
            }
            if tokio::time::Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn init_error(&self) -> Option<serde_json::Value> {
        self.state.lock().unwrap().init_error.clone()
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

async fn serve(mut conn: BufReader<tokio::net::TcpStream>, state: Arc<Mutex<State>>, ready: Arc<Notify>) {
    while let Some(request) = read_request(&mut conn).await {
        let path = request.path.trim_start_matches("/2018-06-01/runtime/");
        let ok = if request.method == "GET" && path == "invocation/next" {
            let next = loop {
                let queued = state.lock().unwrap().queue.pop_front();
                match queued {
                    Some(q) => break q,
                    None => ready.notified().await,
                }
            };
            let headers = [
                ("lambda-runtime-aws-request-id", next.id.clone()),
                ("lambda-runtime-deadline-ms", next.deadline_ms.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:security-log-forwarder-test".into(),
                ),
                ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0".into()),
            ];
            write_response(&mut conn, 200, &headers, &next.payload).await
        } else if request.method == "POST" && path == "init/error" {
            state.lock().unwrap().init_error = serde_json::from_slice(&request.body).ok();
            write_response(&mut conn, 202, &[], b"{}").await
        } else if let Some(rest) = path.strip_prefix("invocation/").filter(|_| request.method == "POST") {
            let (id, kind) = rest.rsplit_once('/').unwrap_or((rest, ""));
            let outcome = match kind {
                "response" => {
                    Some(Outcome::Response(serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null)))
                }
                "error" => {
                    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
                    Some(Outcome::Error {
                        error_type: body["errorType"].as_str().unwrap_or_default().to_owned(),
                        error_message: body["errorMessage"].as_str().unwrap_or_default().to_owned(),
                    })
                }
                _ => None,
            };
            if let Some(outcome) = outcome {
                state.lock().unwrap().outcomes.insert(id.to_owned(), outcome);
            }
            write_response(&mut conn, 202, &[], b"{}").await
        } else {
            write_response(&mut conn, 404, &[], b"{}").await
        };
        if !ok {
            return;
        }
    }
}
