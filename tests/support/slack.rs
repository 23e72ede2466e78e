//! A test Slack incoming webhook on loopback that enforces Slack's rules and records what it
//! received.
//!
//! Checked in this order: only `POST /services/…` (else 404 `no_service`); a revoked webhook
//! answers 404 `no_service`; more than one message per `min_interval` (one second by
//! default) → 429 with `Retry-After: 1`, `rate_limited`; the body must be JSON with `text`
//! and/or `blocks` (else 400 `invalid_payload` or `no_text`); `text` ≤ 40,000 characters;
//! at most 50 blocks; a header's plain text ≤ 150, a section's text ≤ 3,000, at most 10
//! section fields of ≤ 2,000, at most 10 context elements, button texts ≤ 75 and URLs ≤ 3,000
//! (else 400 `invalid_blocks`); otherwise 200 `ok`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};

use super::http::{read_request, write_response};

struct State {
    revoked: bool,
    min_interval: Duration,
    last_accepted: Option<Instant>,
    failures: Vec<u16>,
    received: Vec<(u16, Value)>,
}

/// The running webhook.
pub struct TestSlack {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl TestSlack {
    /// Starts on 127.0.0.1 (ephemeral port).
    pub async fn start() -> TestSlack {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            revoked: false,
            min_interval: Duration::from_secs(1),
            last_accepted: None,
            failures: Vec::new(),
            received: Vec::new(),
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(BufReader::new(stream), shared.clone()));
            }
        });
        TestSlack { addr, state }
    }

    /// The webhook URL (it carries a recognisable secret path, to check it never leaks).
    pub fn url(&self) -> String {
        format!("http://{}/services/T0TEST/B0TEST/{}", self.addr, SECRET_PATH)
    }

    /// Revokes the webhook: every message is then refused with 404 `no_service`.
    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }

    /// Answers the next requests with these statuses (5xx), whatever they hold.
    pub fn fail_next(&self, statuses: impl IntoIterator<Item = u16>) {
        self.state.lock().unwrap().failures.extend(statuses);
    }

    /// Messages accepted (200), in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.state.lock().unwrap().received.iter().filter(|(s, _)| *s == 200).map(|(_, m)| m.clone()).collect()
    }

    /// Every request's status, in order.
    pub fn statuses(&self) -> Vec<u16> {
        self.state.lock().unwrap().received.iter().map(|(s, _)| *s).collect()
    }
}

/// The secret part of the test webhook URL.
pub const SECRET_PATH: &str = "xoxWEBHOOKSECRET";

async fn serve(mut conn: BufReader<TcpStream>, state: Arc<Mutex<State>>) {
    while let Some(request) = read_request(&mut conn).await {
        let message: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (status, code, extra) = {
            let mut state = state.lock().unwrap();
            let answer = answer(&mut state, &request.method, &request.path, &message);
            state.received.push((answer.0, message));
            answer
        };
        if !write_response(&mut conn, status, &extra, code.as_bytes()).await {
            return;
        }
    }
}

type Answer = (u16, String, Vec<(&'static str, String)>);

fn answer(state: &mut State, method: &str, path: &str, message: &Value) -> Answer {
    let text = vec![("content-type", "text/plain".to_owned())];
    if method != "POST" || !path.starts_with("/services/") || state.revoked {
        return (404, "no_service".into(), text);
    }
    if let Some(status) = (!state.failures.is_empty()).then(|| state.failures.remove(0)) {
        return (status, "internal_error".into(), text);
    }
    let now = Instant::now();
    if state.last_accepted.is_some_and(|last| now.duration_since(last) < state.min_interval) {
        let mut headers = text;
        headers.push(("retry-after", "1".into()));
        return (429, "rate_limited".into(), headers);
    }
    if let Err(code) = check(message) {
        return (400, code.into(), text);
    }
    state.last_accepted = Some(now);
    (200, "ok".into(), text)
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

/// Slack's payload rules for the parts the forwarder uses.
fn check(message: &Value) -> Result<(), &'static str> {
    let Value::Object(_) = message else { return Err("invalid_payload") };
    let (text, blocks) = (&message["text"], &message["blocks"]);
    if !text.is_string() && !blocks.is_array() {
        return Err("no_text");
    }
    if chars(text) > 40_000 {
        return Err("invalid_payload");
    }
    let blocks = blocks.as_array().map(Vec::as_slice).unwrap_or_default();
    if blocks.len() > 50 {
        return Err("invalid_blocks");
    }
    for block in blocks {
        let ok = match block["type"].as_str() {
            Some("header") => block["text"]["type"] == "plain_text" && chars(&block["text"]["text"]) <= 150,
            Some("section") => {
                let fields = block["fields"].as_array().map(Vec::as_slice).unwrap_or_default();
                chars(&block["text"]["text"]) <= 3000
                    && fields.len() <= 10
                    && fields.iter().all(|f| chars(&f["text"]) <= 2000)
                    && (block["text"].is_object() || !fields.is_empty())
            }
            Some("context") => block["elements"].as_array().is_some_and(|e| !e.is_empty() && e.len() <= 10),
            Some("actions") => block["elements"].as_array().is_some_and(|elements| {
                elements.len() <= 25
                    && elements.iter().all(|e| chars(&e["text"]["text"]) <= 75 && chars(&e["url"]) <= 3000)
            }),
            _ => false,
        };
        if !ok {
            return Err("invalid_blocks");
        }
    }
    Ok(())
}
