//! A test Datadog logs intake on loopback: enforces the intake's rules (API key header,
//! encodings, 5,000,000-byte bodies, 1000-entry arrays) and can be scripted to fail.

use std::collections::VecDeque;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::TcpListener;

use super::http::{read_request, write_response};

/// A scripted behaviour for the next request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer this status without accepting.
    Status(u16),
    /// Answer this status with `Retry-After: <secs>`.
    RetryAfter(u16, u64),
    /// Sleep, then behave normally.
    Delay(Duration),
    /// Close the connection without answering.
    Reset,
}

/// What the intake saw of one request.
#[derive(Debug, Clone)]
pub struct Received {
    pub api_key: Option<String>,
    pub content_encoding: Option<String>,
    pub content_type: Option<String>,
    pub origin: Option<String>,
    pub query: Option<String>,
    pub compressed_len: usize,
    pub raw_len: usize,
    pub entries: usize,
    pub status: u16,
    /// Entries over 1,000,000 bytes (the real intake truncates them silently).
    pub oversized_entries: usize,
    /// Entries dated outside [now - 18 h, now + 2 h] (the real intake drops them silently).
    pub stale_timestamps: usize,
}

struct State {
    expected_key: String,
    steps: VecDeque<Step>,
    requests: Vec<Received>,
    accepted: Vec<serde_json::Value>,
}

/// The running intake.
pub struct TestIntake {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl TestIntake {
    /// Starts on 127.0.0.1, expecting `expected_key`.
    pub async fn start(expected_key: &str) -> TestIntake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            expected_key: expected_key.to_owned(),
            steps: VecDeque::new(),
            requests: Vec::new(),
            accepted: Vec::new(),
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(BufReader::new(stream), shared.clone()));
            }
        });
        TestIntake { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.state.lock().unwrap().steps.extend(steps);
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn accepted_entries(&self) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().accepted.clone()
    }

    pub fn set_expected_key(&self, key: &str) {
        self.state.lock().unwrap().expected_key = key.to_owned();
    }
}

async fn serve(mut conn: BufReader<tokio::net::TcpStream>, state: Arc<Mutex<State>>) {
    while let Some(request) = read_request(&mut conn).await {
        let step = state.lock().unwrap().steps.pop_front();
        let header = |name: &str| request.headers.get(name).cloned();
        let mut received = Received {
            api_key: header("dd-api-key"),
            content_encoding: header("content-encoding"),
            content_type: header("content-type"),
            origin: header("dd-evp-origin"),
            query: request.query.clone(),
            compressed_len: request.body.len(),
            raw_len: 0,
            entries: 0,
            status: 0,
            oversized_entries: 0,
            stale_timestamps: 0,
        };
        let (status, extra, accepted) = match step {
            Some(Step::Reset) => {
                received.status = 0;
                state.lock().unwrap().requests.push(received);
                drop(conn);
                return;
            }
            Some(Step::Status(status)) => {
                measure(&request, &state, &mut received);
                (status, vec![], vec![])
            }
            Some(Step::RetryAfter(status, secs)) => {
                measure(&request, &state, &mut received);
                (status, vec![("retry-after", secs.to_string())], vec![])
            }
            Some(Step::Delay(delay)) => {
                tokio::time::sleep(delay).await;
                let expected = state.lock().unwrap().expected_key.clone();
                validate(&request, &expected, &mut received)
            }
            None => {
                let expected = state.lock().unwrap().expected_key.clone();
                validate(&request, &expected, &mut received)
            }
        };
        received.status = status;
        {
            let mut state = state.lock().unwrap();
            state.requests.push(received);
            state.accepted.extend(accepted);
        }
        let body: &[u8] = if status == 202 { b"{}" } else { br#"{"errors":[{"status":"error"}]}"# };
        if !write_response(&mut conn, status, &extra, body).await {
            return;
        }
    }
}

/// Fills in the sizes of a request answered by a scripted step (nothing is accepted).
fn measure(request: &super::http::Request, state: &Mutex<State>, received: &mut Received) {
    let expected = state.lock().unwrap().expected_key.clone();
    validate(request, &expected, received);
}

type Answer = (u16, Vec<(&'static str, String)>, Vec<serde_json::Value>);

fn validate(request: &super::http::Request, expected_key: &str, received: &mut Received) -> Answer {
    if request.method != "POST" || request.path != "/api/v2/logs" {
        return (404, vec![], vec![]);
    }
    match &received.api_key {
        None => return (401, vec![], vec![]),
        Some(key) if key != expected_key => return (403, vec![], vec![]),
        Some(_) => {}
    }
    let raw = match decode(received.content_encoding.as_deref(), &request.body) {
        Some(Ok(raw)) => raw,
        Some(Err(())) => return (400, vec![], vec![]),
        None => return (415, vec![], vec![]),
    };
    received.raw_len = raw.len();
    if raw.len() > 5_000_000 {
        return (413, vec![], vec![]);
    }
    let Ok(entries) = serde_json::from_slice::<Vec<serde_json::Value>>(&raw) else { return (400, vec![], vec![]) };
    if !entries.iter().all(serde_json::Value::is_object) {
        return (400, vec![], vec![]);
    }
    received.entries = entries.len();
    if entries.len() > 1000 {
        return (413, vec![], vec![]);
    }
    received.oversized_entries = entries.iter().filter(|e| serde_json::to_vec(e).unwrap().len() > 1_000_000).count();
    received.stale_timestamps = entries.iter().filter(|e| out_of_window(&e["timestamp"])).count();
    (202, vec![], entries)
}

fn decode(encoding: Option<&str>, body: &[u8]) -> Option<Result<Vec<u8>, ()>> {
    let mut raw = Vec::new();
    let result = match encoding.map(str::to_ascii_lowercase).as_deref() {
        None | Some("identity") => {
            raw.extend_from_slice(body);
            Ok(0)
        }
        Some("gzip") => flate2::read::MultiGzDecoder::new(body).read_to_end(&mut raw),
        Some("deflate") => flate2::read::ZlibDecoder::new(body).read_to_end(&mut raw),
        Some("zstd") => zstd::stream::read::Decoder::new(body).and_then(|mut d| d.read_to_end(&mut raw)),
        Some(_) => return None,
    };
    Some(result.map(|_| raw).map_err(|_| ()))
}

fn out_of_window(timestamp: &serde_json::Value) -> bool {
    let now = time::OffsetDateTime::now_utc();
    let date = match timestamp {
        serde_json::Value::String(s) => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        }
        serde_json::Value::Number(n) => {
            n.as_i64().and_then(|ms| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok())
        }
        _ => return false,
    };
    match date {
        Some(date) => date < now - time::Duration::hours(18) || date > now + time::Duration::hours(2),
        None => true,
    }
}
