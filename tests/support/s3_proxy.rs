//! A fault-injecting proxy in front of the S3 emulator: requests are relayed to it, except
//! keys containing
//! - `fault-denied` (403 AccessDenied), `fault-expired` (400 ExpiredToken: the credentials
//!   expired), `fault-kms-disabled` (400 KMS.DisabledException: the key is disabled);
//! - `fault-kms-throttled-<N>` (400 KMS.ThrottlingException) and `fault-slowdown-<N>` (503
//!   SlowDown): the first N requests for the key, then relayed (`-always`: every request);
//! - `fault-drop`: every answer's headers and half its body, then the connection closes;
//! - `fault-cut-<N>`: the first whole-object GET is cut after N body bytes (`fault-cut-end`:
//!   all but the last 3), later requests (the ranged GETs that resume it) relayed as they are;
//! - `fault-changed`: the first GET is cut at half its body, and a resuming GET is answered
//!   412 `PreconditionFailed`, as S3 answers when the object was replaced meanwhile;
//! - `fault-range-cut`: the first ranged GET of the key (a Parquet read) is cut at half its
//!   body, later requests relayed as they are.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::http::{read_request, relay, write_response};

/// The running proxy.
pub struct S3Proxy {
    addr: SocketAddr,
    seen: Seen,
}

/// Requests received, by path.
type Seen = Arc<Mutex<HashMap<String, usize>>>;

impl S3Proxy {
    /// Starts a proxy relaying to `upstream` (the emulator's URL).
    pub async fn start(upstream: String) -> S3Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = reqwest::Client::new();
        let cut: Arc<Mutex<HashSet<String>>> = Arc::default();
        let seen = Seen::default();
        let counts = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (client, upstream, cut, seen) = (client.clone(), upstream.clone(), cut.clone(), counts.clone());
                tokio::spawn(serve(BufReader::new(stream), client, upstream, cut, seen));
            }
        });
        S3Proxy { addr, seen }
    }

    /// How many requests named a path containing `part`.
    pub fn requests(&self, part: &str) -> usize {
        self.seen.lock().unwrap().iter().filter(|(path, _)| path.contains(part)).map(|(_, n)| n).sum()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn s3_error(code: &str, message: &str) -> Vec<u8> {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>0000</RequestId></Error>"#)
        .into_bytes()
}

/// Whether the `n`-th request (from 1) for `path` gets the fault `name` (`<name>-<N>` or
/// `<name>-always` in the path).
fn faulted(path: &str, name: &str, n: usize) -> bool {
    let Some(at) = path.find(name) else { return false };
    let rest = &path[at + name.len()..];
    rest.starts_with("-always")
        || rest
            .trim_start_matches('-')
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .is_some_and(|max: usize| n <= max)
}

/// Where to cut the first whole-object GET of `path`, if its key asks for it.
fn cut_at(path: &str, body_len: usize) -> Option<usize> {
    if path.contains("fault-changed") {
        return Some(body_len / 2);
    }
    let rest = &path[path.find("fault-cut-")? + "fault-cut-".len()..];
    if rest.starts_with("end") {
        return Some(body_len.saturating_sub(3));
    }
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

async fn serve(
    mut conn: BufReader<tokio::net::TcpStream>,
    client: reqwest::Client,
    upstream: String,
    cut: Arc<Mutex<HashSet<String>>>,
    seen: Seen,
) {
    while let Some(request) = read_request(&mut conn).await {
        let n = {
            let mut seen = seen.lock().unwrap();
            let n = seen.entry(request.path.clone()).or_default();
            *n += 1;
            *n
        };
        let xml = [("content-type", "application/xml".to_owned())];
        let path = request.path.as_str();
        let fault = if path.contains("fault-denied") {
            Some((403, "AccessDenied", "Access Denied"))
        } else if path.contains("fault-expired") {
            Some((400, "ExpiredToken", "The provided token has expired."))
        } else if path.contains("fault-kms-disabled") {
            Some((400, "KMS.DisabledException", "arn:aws:kms:us-east-1:123456789012:key/k is disabled."))
        } else if faulted(path, "fault-kms-throttled", n) {
            Some((400, "KMS.ThrottlingException", "Rate exceeded"))
        } else if faulted(path, "fault-slowdown", n) {
            Some((503, "SlowDown", "Please reduce your request rate."))
        } else {
            None
        };
        if let Some((status, code, message)) = fault {
            write_response(&mut conn, status, &xml, &s3_error(code, message)).await;
            continue;
        }
        if request.path.contains("fault-changed") && request.headers.contains_key("range") {
            let message = "At least one of the pre-conditions you specified did not hold";
            write_response(&mut conn, 412, &xml, &s3_error("PreconditionFailed", message)).await;
            continue;
        }
        let Some((status, headers, body)) = relay(&client, &upstream, &request).await else { return };
        if request.method == "HEAD" {
            // The object's own content-length, and no body.
            let mut head = format!("HTTP/1.1 {status} Relayed\r\n");
            for (name, value) in headers.iter().filter(|(n, _)| n != "transfer-encoding") {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let stream = conn.get_mut();
            if stream.write_all(head.as_bytes()).await.is_err() || stream.flush().await.is_err() {
                return;
            }
            continue;
        }
        let whole_get = request.method == "GET" && status == 200 && !request.headers.contains_key("range");
        let first_time = whole_get && cut.lock().unwrap().insert(request.path.clone());
        let first_range = status == 206
            && request.path.contains("fault-range-cut")
            && cut.lock().unwrap().insert(format!("{} range", request.path));
        let cut_after = match cut_at(&request.path, body.len()) {
            Some(at) if first_time => Some(at.min(body.len())),
            _ if first_range => Some(body.len() / 2),
            _ if request.path.contains("fault-drop") && (status == 200 || status == 206) => Some(body.len() / 2),
            _ => None,
        };
        if let Some(at) = cut_after {
            let reason = if status == 206 { "Partial Content" } else { "OK" };
            let mut head = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\n", body.len());
            for (name, value) in headers.iter().filter(|(n, _)| n != "content-length" && n != "transfer-encoding") {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let stream = conn.get_mut();
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body[..at]).await;
            let _ = stream.flush().await;
            return;
        }
        let headers: Vec<(&str, String)> = headers
            .iter()
            .filter(|(n, _)| n != "content-length" && n != "transfer-encoding" && n != "content-type")
            .map(|(n, v)| (n.as_str(), v.clone()))
            .collect();
        if !write_response(&mut conn, status, &headers, &body).await {
            return;
        }
    }
}
