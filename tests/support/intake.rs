//! A test Datadog logs intake on loopback: enforces the intake's rules (API key header,
//! encodings, 5,000,000-byte bodies, 1000-entry arrays) and can be scripted to fail.
//!
//! `GET /api/v1/validate` (the key validation endpoint) answers 200 `{"valid":true}` for the
//! expected key and 403 `{"errors":["Forbidden"]}` otherwise, whatever is scripted.
//!
//! Normal behaviour, checked in this order: only `POST /api/v2/logs` (else 404); `DD-API-KEY`
//! missing → 401, wrong → 403; `Content-Encoding` absent, `identity`, `gzip`, `deflate` (zlib)
//! or `zstd` (else 415); undecodable body → 400; decoded body over 5,000,000 bytes → 413; not a
//! JSON array of objects → 400; more than 1000 entries → 413; an entry holding the text set with
//! `refuse_bodies_containing` → 400; otherwise 202 `{}`.

use std::collections::VecDeque;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::http::{Request, read_request, write_response};

/// Largest decoded request body the intake takes.
pub const MAX_BODY_BYTES: usize = 5_000_000;
/// Most entries in one request.
pub const MAX_ENTRIES: usize = 1000;
/// Entries larger than this are truncated by the real intake.
pub const MAX_ENTRY_BYTES: usize = 1_000_000;

/// A scripted behaviour for the next request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer this status without accepting.
    Status(u16),
    /// Answer this status with `Retry-After: <secs>`, without accepting.
    RetryAfter(u16, u64),
    /// Sleep, then behave normally. If the client hangs up meanwhile, nothing is answered
    /// or accepted and the request is recorded with status 0.
    Delay(Duration),
    /// Close the connection (TCP reset) without answering; recorded with status 0.
    Reset,
    /// Accept the body, then close the connection before answering: the 2xx is lost on the
    /// way back, so the client cannot tell and sends it again (the one unavoidable duplicate).
    AcceptThenReset,
}

/// Records accepted more than once, and distinct records accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicates {
    pub duplicated: usize,
    pub distinct: usize,
}

/// What identifies the record an entry came from: a CloudTrail `eventID`, a finding's id and
/// `updatedAt` (an updated finding is a new record), or a test record's `n`; else the entry.
pub fn record_identity(entry: &serde_json::Value) -> String {
    let finding = if entry["detail"].is_object() { &entry["detail"] } else { entry };
    if let Some(id) = entry["eventID"].as_str() {
        id.to_owned()
    } else if let (Some(id), Some(updated)) = (finding["id"].as_str(), finding["updatedAt"].as_str()) {
        format!("{id}@{updated}")
    } else if let Some(n) = entry["n"].as_u64() {
        format!("n{n}")
    } else {
        entry.to_string()
    }
}

/// What the intake saw of one request.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request path (`/api/v2/logs`, `/api/v1/validate`).
    pub path: String,
    /// `DD-API-KEY` header.
    pub api_key: Option<String>,
    pub content_encoding: Option<String>,
    pub content_type: Option<String>,
    /// `DD-EVP-ORIGIN` header.
    pub origin: Option<String>,
    /// Raw query string.
    pub query: Option<String>,
    /// Body bytes as received.
    pub compressed_len: usize,
    /// Body bytes after decoding (0 if it could not be decoded).
    pub raw_len: usize,
    /// Array elements (0 if the body is not a JSON array of objects).
    pub entries: usize,
    /// Status answered; 0 while unanswered or when no answer was sent (reset, client gone).
    pub status: u16,
    /// Entries whose compact JSON exceeds 1,000,000 bytes (the real intake truncates them).
    pub oversized_entries: usize,
    /// Entries whose `timestamp` (RFC 3339 string or epoch-ms number) is more than 18 h in the
    /// past, more than 2 h in the future, or unreadable (the real intake drops old/future ones).
    pub stale_timestamps: usize,
}

struct State {
    expected_key: String,
    /// Bodies holding this text are refused with 400, as a real intake refuses a body
    /// with an entry it cannot take.
    poison: Option<String>,
    /// At most this many requests a second are taken; more get 429 with `Retry-After: 1`.
    rate_limit: Option<usize>,
    /// When the requests of the current second arrived.
    this_second: VecDeque<std::time::Instant>,
    /// TCP connections accepted.
    connections: usize,
    steps: VecDeque<Step>,
    requests: Vec<Received>,
    accepted: Vec<serde_json::Value>,
    /// Keep only each accepted entry's record identity (for memory benchmarks).
    identities_only: bool,
}

impl State {
    /// Records `entries` as accepted: whole, or as their identity only.
    fn accept(&mut self, entries: Vec<serde_json::Value>) {
        if self.identities_only {
            self.accepted.extend(entries.iter().map(|e| serde_json::Value::String(record_identity(e))));
        } else {
            self.accepted.extend(entries);
        }
    }
}

/// The running intake.
pub struct TestIntake {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl TestIntake {
    /// Starts on 127.0.0.1 (ephemeral port), expecting `expected_key`.
    pub async fn start(expected_key: &str) -> TestIntake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            expected_key: expected_key.to_owned(),
            poison: None,
            rate_limit: None,
            this_second: VecDeque::new(),
            connections: 0,
            steps: VecDeque::new(),
            requests: Vec::new(),
            accepted: Vec::new(),
            identities_only: false,
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.lock().unwrap().connections += 1;
                tokio::spawn(serve(BufReader::new(stream), shared.clone()));
            }
        });
        TestIntake { addr, state }
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues behaviours for the next requests, one per request in arrival order.
    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.state.lock().unwrap().steps.extend(steps);
    }

    /// Drops the scripted steps not used yet: the intake behaves normally again.
    pub fn clear_script(&self) {
        self.state.lock().unwrap().steps.clear();
    }

    /// Drops the scripted steps not used yet after `delay` (an outage that ends).
    #[allow(dead_code)]
    pub fn clear_script_after(&self, delay: Duration) -> tokio::task::JoinHandle<()> {
        let state = self.state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            state.lock().unwrap().steps.clear();
        })
    }

    /// Scripted steps not used yet.
    pub fn pending_steps(&self) -> usize {
        self.state.lock().unwrap().steps.len()
    }

    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Entries of the requests answered 202, in answer order.
    pub fn accepted_entries(&self) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().accepted.clone()
    }

    /// From now on keeps only the record identity of each accepted entry (a string, see
    /// [`record_identity`]): [`Self::duplicates`] still counts, [`Self::accepted_entries`] gives
    /// the identities. For benchmarks whose memory figure must not be the intake's.
    pub fn keep_identities_only(&self) {
        self.state.lock().unwrap().identities_only = true;
    }

    /// Refuses (400) every body that contains `text`, from now on.
    pub fn refuse_bodies_containing(&self, text: &str) {
        self.state.lock().unwrap().poison = Some(text.to_owned());
    }

    /// Takes at most `per_second` requests a second from now on; more are answered 429 with
    /// `Retry-After: 1`, as the real intake does when rate-limiting.
    pub fn rate_limit(&self, per_second: usize) {
        self.state.lock().unwrap().rate_limit = Some(per_second);
    }

    /// TCP connections accepted so far (a client that reuses connections opens a handful).
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Records accepted more than once, by record identity (see [`record_identity`]), and how
    /// many distinct records were accepted.
    pub fn duplicates(&self) -> Duplicates {
        let mut seen = std::collections::HashMap::new();
        for entry in self.accepted_entries() {
            *seen.entry(record_identity(&entry)).or_insert(0usize) += 1;
        }
        Duplicates { duplicated: seen.values().filter(|count| **count > 1).count(), distinct: seen.len() }
    }

    /// [`Self::duplicates`], printed as a figure for the fault named `fault`.
    pub fn report_duplicates(&self, fault: &str) -> Duplicates {
        let found = self.duplicates();
        eprintln!("duplicates fault={fault} duplicated={} distinct={}", found.duplicated, found.distinct);
        found
    }

    /// Changes the expected API key (rotation).
    pub fn set_expected_key(&self, key: &str) {
        self.state.lock().unwrap().expected_key = key.to_owned();
    }
}

async fn serve(mut conn: BufReader<TcpStream>, state: Arc<Mutex<State>>) {
    while let Some(request) = read_request(&mut conn).await {
        let header = |name: &str| request.headers.get(name).cloned();
        let received = Received {
            path: request.path.clone(),
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
        if request.path == "/api/v1/validate" {
            let valid = {
                let mut state = state.lock().unwrap();
                let valid = received.api_key.as_deref() == Some(state.expected_key.as_str());
                state.requests.push(Received { status: if valid { 200 } else { 403 }, ..received });
                valid
            };
            let (status, body) = if valid { (200, r#"{"valid":true}"#) } else { (403, r#"{"errors":["Forbidden"]}"#) };
            if !write_response(&mut conn, status, &[], body.as_bytes()).await {
                return;
            }
            continue;
        }
        // The step and the request's slot are taken together so both follow arrival order.
        let (slot, step, expected_key, poison) = {
            let mut state = state.lock().unwrap();
            state.requests.push(received.clone());
            let mut step = state.steps.pop_front();
            if let Some(limit) = state.rate_limit {
                let now = std::time::Instant::now();
                while state.this_second.front().is_some_and(|t| now.duration_since(*t).as_secs() >= 1) {
                    state.this_second.pop_front();
                }
                if state.this_second.len() >= limit {
                    step = Some(Step::RetryAfter(429, 1));
                } else {
                    state.this_second.push_back(now);
                }
            }
            (state.requests.len() - 1, step, state.expected_key.clone(), state.poison.clone())
        };
        let mut received = received;
        let (status, extra, accepted) = match step {
            None => match validate(&request, &expected_key, &mut received) {
                (202, _, entries)
                    if poison.as_ref().is_some_and(|p| entries.iter().any(|e| e.to_string().contains(p.as_str()))) =>
                {
                    (400, vec![], vec![])
                }
                answer => answer,
            },
            Some(Step::Status(status)) => {
                validate(&request, &expected_key, &mut received);
                (status, vec![], vec![])
            }
            Some(Step::RetryAfter(status, secs)) => {
                validate(&request, &expected_key, &mut received);
                (status, vec![("retry-after", secs.to_string())], vec![])
            }
            Some(Step::Delay(delay)) => {
                let still_there = client_waits(&mut conn, delay).await;
                let expected_key = state.lock().unwrap().expected_key.clone();
                let answer = validate(&request, &expected_key, &mut received);
                if !still_there {
                    state.lock().unwrap().requests[slot] = received;
                    return;
                }
                answer
            }
            Some(Step::AcceptThenReset) => {
                let (status, _, accepted) = validate(&request, &expected_key, &mut received);
                received.status = status;
                let mut state = state.lock().unwrap();
                state.requests[slot] = received;
                state.accept(accepted);
                drop(state);
                let _ = conn.get_ref().set_zero_linger();
                drop(conn);
                return;
            }
            Some(Step::Reset) => {
                validate(&request, &expected_key, &mut received);
                state.lock().unwrap().requests[slot] = received;
                let _ = conn.get_ref().set_zero_linger();
                drop(conn);
                return;
            }
        };
        received.status = status;
        {
            let mut state = state.lock().unwrap();
            state.requests[slot] = received;
            state.accept(accepted);
        }
        let body: &[u8] = if status == 202 { b"{}" } else { br#"{"errors":[{"status":"error"}]}"# };
        if !write_response(&mut conn, status, &extra, body).await {
            return;
        }
    }
}

/// Sleeps `delay`; false if the client hung up meanwhile.
async fn client_waits(conn: &mut BufReader<TcpStream>, delay: Duration) -> bool {
    let sleep = tokio::time::sleep(delay);
    tokio::pin!(sleep);
    tokio::select! {
        () = &mut sleep => true,
        read = conn.fill_buf() => match read {
            Ok([]) | Err(_) => false,
            // The next request is already on its way (pipelining): it stays buffered.
            Ok(_) => {
                sleep.await;
                true
            }
        },
    }
}

type Answer = (u16, Vec<(&'static str, String)>, Vec<serde_json::Value>);

/// Applies the intake's rules, filling in what was measured.
fn validate(request: &Request, expected_key: &str, received: &mut Received) -> Answer {
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
    if raw.len() > MAX_BODY_BYTES {
        return (413, vec![], vec![]);
    }
    let Ok(entries) = serde_json::from_slice::<Vec<serde_json::Value>>(&raw) else {
        return (400, vec![], vec![]);
    };
    if !entries.iter().all(serde_json::Value::is_object) {
        return (400, vec![], vec![]);
    }
    received.entries = entries.len();
    if entries.len() > MAX_ENTRIES {
        return (413, vec![], vec![]);
    }
    let now = time::OffsetDateTime::now_utc();
    received.oversized_entries =
        entries.iter().filter(|e| serde_json::to_vec(e).map_or(0, |v| v.len()) > MAX_ENTRY_BYTES).count();
    received.stale_timestamps = entries.iter().filter(|e| out_of_window(&e["timestamp"], now)).count();
    (202, vec![], entries)
}

/// `None` for an unsupported encoding, `Some(Err)` for a body that does not decode.
fn decode(encoding: Option<&str>, body: &[u8]) -> Option<Result<Vec<u8>, ()>> {
    let mut raw = Vec::new();
    let result = match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
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

/// Whether a `timestamp` value would make the real intake drop the entry. A missing or
/// non-string, non-number value is fine (the intake dates the entry on arrival); a string that
/// is not RFC 3339 counts as out of window.
fn out_of_window(timestamp: &serde_json::Value, now: time::OffsetDateTime) -> bool {
    let date = match timestamp {
        serde_json::Value::String(s) => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        }
        serde_json::Value::Number(n) => {
            n.as_f64().and_then(|ms| time::OffsetDateTime::from_unix_timestamp_nanos((ms * 1_000_000.0) as i128).ok())
        }
        _ => return false,
    };
    date.is_none_or(|date| date < now - time::Duration::hours(18) || date > now + time::Duration::hours(2))
}
