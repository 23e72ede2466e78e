//! A minimal HTTP/1.1 server side for the test servers: reads one request (Content-Length or
//! chunked body) and writes a response, over a kept-alive TCP connection.

use std::collections::HashMap;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One request.
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// Reads the next request; `None` when the client closed the connection.
pub async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target, None),
    };
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await.ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let mut body = Vec::new();
    if headers.get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = headers.get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).await.ok()?;
    }
    Some(Request { method, path, query, headers, body })
}

/// Writes a response with a JSON body and extra headers.
pub async fn write_response(
    reader: &mut BufReader<TcpStream>,
    status: u16,
    extra: &[(&str, String)],
    body: &[u8],
) -> bool {
    let mut head = format!("HTTP/1.1 {status} {}\r\ncontent-length: {}\r\n", reason(status), body.len());
    if !extra.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        head.push_str("content-type: application/json\r\n");
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    // One write: a head and a body written apart would wait on the peer's delayed ACK (Nagle).
    let mut response = head.into_bytes();
    response.extend_from_slice(body);
    let stream = reader.get_mut();
    stream.write_all(&response).await.is_ok() && stream.flush().await.is_ok()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Relays `request` to `upstream`: the answer's status, headers and body.
pub async fn relay(
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
