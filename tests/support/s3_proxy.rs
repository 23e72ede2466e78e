//! A fault-injecting proxy in front of the S3 emulator: requests are relayed to it, except
//! keys containing
//! - `fault-denied` (403 AccessDenied) and `fault-kms` (403 from KMS);
//! - `fault-drop`: every answer's headers and half its body, then the connection closes;
//! - `fault-cut-<N>`: the first whole-object GET is cut after N body bytes (`fault-cut-end`:
//!   all but the last 3), later requests (the ranged GETs that resume it) relayed as they are;
//! - `fault-changed`: the first GET is cut at half its body, and a resuming GET is answered
//!   412 `PreconditionFailed`, as S3 answers when the object was replaced meanwhile.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::http::{Request, read_request, write_response};

/// The running proxy.
pub struct S3Proxy {
    addr: SocketAddr,
}

impl S3Proxy {
    /// Starts a proxy relaying to `upstream` (the emulator's URL).
    pub async fn start(upstream: String) -> S3Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = reqwest::Client::new();
        let cut: Arc<Mutex<HashSet<String>>> = Arc::default();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(BufReader::new(stream), client.clone(), upstream.clone(), cut.clone()));
            }
        });
        S3Proxy { addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn s3_error(code: &str, message: &str) -> Vec<u8> {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>0000</RequestId></Error>"#)
        .into_bytes()
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
) {
    while let Some(request) = read_request(&mut conn).await {
        let xml = [("content-type", "application/xml".to_owned())];
        if request.path.contains("fault-denied") {
            write_response(&mut conn, 403, &xml, &s3_error("AccessDenied", "Access Denied")).await;
            continue;
        }
        if request.path.contains("fault-kms") {
            let message = "User: arn:aws:sts::123456789012:assumed-role/fwd/fwd is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action";
            write_response(&mut conn, 403, &xml, &s3_error("AccessDenied", message)).await;
            continue;
        }
        if request.path.contains("fault-changed") && request.headers.contains_key("range") {
            let message = "At least one of the pre-conditions you specified did not hold";
            write_response(&mut conn, 412, &xml, &s3_error("PreconditionFailed", message)).await;
            continue;
        }
        let Some((status, headers, body)) = relay(&client, &upstream, &request).await else { return };
        let whole_get = request.method == "GET" && status == 200 && !request.headers.contains_key("range");
        let first_time = whole_get && cut.lock().unwrap().insert(request.path.clone());
        let cut_after = match cut_at(&request.path, body.len()) {
            Some(at) if first_time => Some(at.min(body.len())),
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

async fn relay(
    client: &reqwest::Client,
    upstream: &str,
    request: &Request,
) -> Option<(u16, Vec<(String, String)>, Vec<u8>)> {
    let mut url = format!("{upstream}{}", request.path);
    if let Some(query) = &request.query {
        url.push('?');
        url.push_str(query);
    }
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).ok()?;
    let mut builder = client.request(method, url).body(request.body.clone());
    for (name, value) in &request.headers {
        if name != "host" && name != "content-length" {
            builder = builder.header(name, value);
        }
    }
    let response = builder.send().await.ok()?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = response.bytes().await.ok()?.to_vec();
    Some((status, headers, body))
}
