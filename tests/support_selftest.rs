//! Checks the test intake and the Runtime API emulator with plain HTTP clients, independent of
//! the forwarder itself.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::intake::{Step, TestIntake};
use support::runtime_api::{FUNCTION_ARN, Outcome, RuntimeApi, TRACE_ID, lambda_env};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

use support::gzip;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).unwrap()
}

fn logs_url(intake: &TestIntake) -> String {
    format!("{}/api/v2/logs", intake.url())
}

/// Posts `body` with the given API key (if any) and `Content-Encoding` (if any).
async fn post(intake: &TestIntake, key: Option<&str>, encoding: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = client().post(logs_url(intake)).header("content-type", "application/json").body(body);
    if let Some(key) = key {
        request = request.header("DD-API-KEY", key);
    }
    if let Some(encoding) = encoding {
        request = request.header("Content-Encoding", encoding);
    }
    request.send().await.unwrap()
}

async fn status(intake: &TestIntake, key: Option<&str>, encoding: Option<&str>, body: Vec<u8>) -> u16 {
    post(intake, key, encoding, body).await.status().as_u16()
}

fn entries(n: usize) -> Vec<u8> {
    let entries: Vec<Value> = (0..n).map(|i| json!({"message": format!("entry {i}"), "n": i})).collect();
    serde_json::to_vec(&entries).unwrap()
}

/// A JSON array of one object, exactly `len` bytes long.
fn body_of_len(len: usize) -> Vec<u8> {
    let overhead = br#"[{"m":""}]"#.len();
    let body = format!(r#"[{{"m":"{}"}}]"#, "x".repeat(len - overhead));
    assert_eq!(body.len(), len);
    body.into_bytes()
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn accepts_a_gzip_array_and_records_it() {
    let intake = TestIntake::start(KEY).await;
    assert!(intake.url().starts_with("http://127.0.0.1:") && !intake.url().ends_with('/'));
    let raw = entries(3);
    let compressed = gzip(&raw);
    let response = client()
        .post(format!("{}?ddsource=cloudtrail", logs_url(&intake)))
        .header("DD-API-KEY", KEY)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .header("DD-EVP-ORIGIN", "security-log-forwarder")
        .body(compressed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(response.text().await.unwrap(), "{}");

    let requests = intake.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.api_key.as_deref(), Some(KEY));
    assert_eq!(r.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(r.origin.as_deref(), Some("security-log-forwarder"));
    assert_eq!(r.query.as_deref(), Some("ddsource=cloudtrail"));
    assert_eq!((r.compressed_len, r.raw_len, r.entries, r.status), (compressed.len(), raw.len(), 3, 202));
    assert_eq!((r.oversized_entries, r.stale_timestamps), (0, 0));
    let accepted = intake.accepted_entries();
    assert_eq!(accepted.len(), 3);
    assert_eq!(accepted[2], json!({"message": "entry 2", "n": 2}));
}

#[tokio::test]
async fn decodes_every_supported_encoding() {
    let intake = TestIntake::start(KEY).await;
    let raw = entries(5);
    let mut two_members = gzip(&raw[..10]);
    two_members.extend(gzip(&raw[10..]));
    let cases = [
        (None, raw.clone()),
        (Some("identity"), raw.clone()),
        (Some("gzip"), gzip(&raw)),
        (Some("GZIP"), two_members),
        (Some("deflate"), zlib(&raw)),
        (Some("zstd"), zstd(&raw)),
    ];
    for (encoding, body) in cases {
        assert_eq!(status(&intake, Some(KEY), encoding, body).await, 202, "{encoding:?}");
    }
    assert_eq!(intake.accepted_entries().len(), 30);
    assert!(intake.requests().iter().all(|r| r.raw_len == raw.len() && r.entries == 5));

    assert_eq!(status(&intake, Some(KEY), Some("br"), raw.clone()).await, 415);
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), raw.clone()).await, 400, "not gzip");
    assert_eq!(status(&intake, Some(KEY), Some("zstd"), gzip(&raw)).await, 400, "not zstd");
    assert_eq!(intake.accepted_entries().len(), 30);
}

#[tokio::test]
async fn checks_the_api_key_header() {
    let intake = TestIntake::start(KEY).await;
    assert_eq!(status(&intake, None, None, entries(1)).await, 401);
    assert_eq!(status(&intake, Some("wrong"), None, entries(1)).await, 403);
    // The key in the query string does not count.
    let response = client().post(format!("{}?dd-api-key={KEY}", logs_url(&intake))).body(entries(1)).send().await;
    assert_eq!(response.unwrap().status().as_u16(), 401);

    intake.set_expected_key("rotated");
    assert_eq!(status(&intake, Some(KEY), None, entries(1)).await, 403);
    assert_eq!(status(&intake, Some("rotated"), None, entries(1)).await, 202);
    let statuses: Vec<u16> = intake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 403, 401, 403, 202]);
    assert_eq!(intake.accepted_entries().len(), 1);
}

#[tokio::test]
async fn only_serves_the_logs_endpoint() {
    let intake = TestIntake::start(KEY).await;
    let response = client().get(logs_url(&intake)).header("DD-API-KEY", KEY).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let response =
        client().post(format!("{}/v1/input", intake.url())).header("DD-API-KEY", KEY).body(entries(1)).send().await;
    assert_eq!(response.unwrap().status().as_u16(), 404);
    assert!(intake.accepted_entries().is_empty());
}

#[tokio::test]
async fn enforces_the_entry_and_size_limits() {
    let intake = TestIntake::start(KEY).await;
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), gzip(&entries(1000))).await, 202);
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), gzip(&entries(1001))).await, 413);
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), gzip(&body_of_len(5_000_000))).await, 202);
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), gzip(&body_of_len(5_000_001))).await, 413);
    assert_eq!(status(&intake, Some(KEY), None, body_of_len(5_000_001)).await, 413);

    let requests = intake.requests();
    assert_eq!(requests[1].entries, 1001);
    assert_eq!(requests[3].raw_len, 5_000_001);
    assert_eq!(requests[4].compressed_len, 5_000_001);
    assert_eq!(intake.accepted_entries().len(), 1001);
}

#[tokio::test]
async fn rejects_bodies_that_are_not_arrays_of_objects() {
    let intake = TestIntake::start(KEY).await;
    for body in [&br#"{"message":"x"}"#[..], b"[1,2]", br#"[{"a":1},"b"]"#, b"[{", b""] {
        assert_eq!(status(&intake, Some(KEY), None, body.to_vec()).await, 400, "{}", String::from_utf8_lossy(body));
    }
    assert!(intake.requests().iter().all(|r| r.entries == 0));
    assert_eq!(status(&intake, Some(KEY), None, b"[]".to_vec()).await, 202);
    assert!(intake.accepted_entries().is_empty());
}

#[tokio::test]
async fn scripted_failures_come_first() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Status(503), Step::RetryAfter(429, 7)]);
    assert_eq!(intake.pending_steps(), 2);

    let response = post(&intake, Some(KEY), None, entries(2)).await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get("retry-after").is_none());
    let response = post(&intake, Some(KEY), None, entries(2)).await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers().get("retry-after").unwrap(), "7");
    assert_eq!(status(&intake, Some(KEY), None, entries(2)).await, 202);

    let requests = intake.requests();
    let seen: Vec<(u16, usize)> = requests.iter().map(|r| (r.status, r.entries)).collect();
    assert_eq!(seen, [(503, 2), (429, 2), (202, 2)]);
    assert_eq!(intake.accepted_entries().len(), 2);
    assert_eq!(intake.pending_steps(), 0);
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Reset]);
    let client = client();
    let request = || client.post(logs_url(&intake)).header("DD-API-KEY", KEY).body(entries(1));
    let err = request().send().await.unwrap_err();
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert_eq!(request().send().await.unwrap().status().as_u16(), 202);

    let requests = intake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!((requests[0].status, requests[0].entries), (0, 1));
    assert_eq!(requests[1].status, 202);
    assert_eq!(intake.accepted_entries().len(), 1);
}

#[tokio::test]
async fn delay_slows_the_answer_and_a_client_timeout_abandons_it() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Delay(Duration::from_millis(400))]);
    let started = Instant::now();
    assert_eq!(status(&intake, Some(KEY), None, entries(1)).await, 202);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(intake.accepted_entries().len(), 1);

    intake.script([Step::Delay(Duration::from_secs(30))]);
    let started = Instant::now();
    let err = client()
        .post(logs_url(&intake))
        .header("DD-API-KEY", KEY)
        .timeout(Duration::from_millis(300))
        .body(entries(1))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // The abandoned request is recorded unanswered while the next one goes through.
    assert_eq!(status(&intake, Some(KEY), None, entries(1)).await, 202);
    assert!(started.elapsed() < Duration::from_secs(5));
    let requests = intake.requests();
    assert_eq!(requests.len(), 3);
    eventually("the abandoned request to be measured", || intake.requests()[1].entries == 1).await;
    assert_eq!(intake.requests()[1].status, 0);
    assert_eq!(intake.accepted_entries().len(), 2);
}

#[tokio::test]
async fn counts_stale_timestamps_and_oversized_entries() {
    let intake = TestIntake::start(KEY).await;
    let now = time::OffsetDateTime::now_utc();
    let rfc3339 = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let ms = |t: time::OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    let fresh = json!([
        {"message": "no timestamp"},
        {"timestamp": rfc3339(now)},
        {"timestamp": rfc3339(now - time::Duration::hours(17))},
        {"timestamp": rfc3339(now + time::Duration::minutes(90))},
        {"timestamp": rfc3339(now.to_offset(time::macros::offset!(+2)))},
        {"timestamp": ms(now)},
        {"timestamp": ms(now) as f64 + 0.5},
        {"m": "x".repeat(1_000_000 - br#"{"m":""}"#.len())},
    ]);
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), gzip(&serde_json::to_vec(&fresh).unwrap())).await, 202);
    let stale = json!([
        {"timestamp": rfc3339(now - time::Duration::hours(19))},
        {"timestamp": rfc3339(now + time::Duration::hours(3))},
        {"timestamp": ms(now - time::Duration::days(2))},
        {"timestamp": ms(now + time::Duration::hours(3))},
        {"timestamp": "yesterday"},
        {"m": "x".repeat(1_000_001)},
        {"timestamp": rfc3339(now)},
    ]);
    assert_eq!(status(&intake, Some(KEY), Some("gzip"), gzip(&serde_json::to_vec(&stale).unwrap())).await, 202);

    let requests = intake.requests();
    assert_eq!((requests[0].oversized_entries, requests[0].stale_timestamps), (0, 0));
    assert_eq!((requests[1].oversized_entries, requests[1].stale_timestamps), (1, 5));
    assert_eq!(intake.accepted_entries().len(), 15);
}

#[tokio::test]
async fn serves_concurrent_clients() {
    let intake = TestIntake::start(KEY).await;
    let client = client();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let request = client.post(logs_url(&intake)).header("DD-API-KEY", KEY).body(gzip(&entries(10)));
        tasks.spawn(async move { request.header("Content-Encoding", "gzip").send().await.unwrap().status() });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap().as_u16(), 202);
    }
    assert_eq!(intake.requests().len(), 24);
    assert_eq!(intake.accepted_entries().len(), 240);
}

/// Reads one response: status and body.
async fn read_response(reader: &mut BufReader<tokio::net::TcpStream>) -> (u16, Vec<u8>) {
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut len = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            len = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.unwrap();
    (status, body)
}

#[tokio::test]
async fn keeps_connections_alive_and_reads_chunked_bodies() {
    let intake = TestIntake::start(KEY).await;
    let stream = tokio::net::TcpStream::connect(intake.addr()).await.unwrap();
    let mut conn = BufReader::new(stream);
    let body = entries(4);
    let (first, rest) = body.split_at(7);
    let chunked = format!(
        "POST /api/v2/logs HTTP/1.1\r\nhost: x\r\ndd-api-key: {KEY}\r\ntransfer-encoding: chunked\r\n\r\n\
         {:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        first.len(),
        String::from_utf8_lossy(first),
        rest.len(),
        String::from_utf8_lossy(rest),
    );
    conn.get_mut().write_all(chunked.as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut conn).await, (202, b"{}".to_vec()));

    let plain =
        format!("POST /api/v2/logs HTTP/1.1\r\nhost: x\r\ndd-api-key: {KEY}\r\ncontent-length: {}\r\n\r\n", body.len());
    conn.get_mut().write_all(plain.as_bytes()).await.unwrap();
    conn.get_mut().write_all(&body).await.unwrap();
    assert_eq!(read_response(&mut conn).await.0, 202);
    assert_eq!(intake.accepted_entries().len(), 8);
}

// Runtime API emulator

async fn next_invocation(runtime: &RuntimeApi) -> reqwest::Response {
    let url = format!("http://{}/2018-06-01/runtime/invocation/next", runtime.address());
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).unwrap_or_else(|| panic!("no {name}")).to_str().unwrap().to_owned()
}

async fn post_runtime(runtime: &RuntimeApi, path: &str, headers: &[(&str, &str)], body: Value) -> u16 {
    let url = format!("http://{}/2018-06-01/runtime/{path}", runtime.address());
    let mut request = client().post(url).body(serde_json::to_vec(&body).unwrap());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn runtime_api_long_polls_and_records_a_response() {
    let runtime = RuntimeApi::start().await;
    let poller = tokio::spawn({
        let url = format!("http://{}/2018-06-01/runtime/invocation/next", runtime.address());
        async move { client().get(url).send().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!poller.is_finished(), "/next answers only once an invocation is queued");

    let started_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    runtime.invoke("req-1", br#"{"Records":[]}"#, Duration::from_secs(60));
    let response = poller.await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "lambda-runtime-aws-request-id"), "req-1");
    assert_eq!(header(&response, "lambda-runtime-invoked-function-arn"), FUNCTION_ARN);
    assert_eq!(header(&response, "lambda-runtime-trace-id"), TRACE_ID);
    let deadline: i128 = header(&response, "lambda-runtime-deadline-ms").parse().unwrap();
    assert!((59_000..=61_000).contains(&(deadline - started_ms)), "{deadline} vs {started_ms}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), br#"{"Records":[]}"#);
    assert_eq!(runtime.delivered(), ["req-1"]);

    assert!(runtime.outcome("req-1", Duration::from_millis(100)).await.is_none());
    let answer = json!({"batchItemFailures": []});
    assert_eq!(post_runtime(&runtime, "invocation/req-1/response", &[], answer.clone()).await, 202);
    assert_eq!(runtime.outcome("req-1", Duration::from_secs(5)).await, Some(Outcome::Response(answer)));
    assert!(runtime.function_error_type("req-1").is_none());
}

#[tokio::test]
async fn runtime_api_records_invocation_and_init_errors() {
    let runtime = RuntimeApi::start().await;
    runtime.invoke("req-2", b"{}", Duration::from_secs(5));
    let response = next_invocation(&runtime).await;
    let id = header(&response, "lambda-runtime-aws-request-id");
    // The outcome is awaited while the runtime is still working on it.
    let waiter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let error = json!({"errorType": "DeadlineExceeded", "errorMessage": "out of time", "stackTrace": []});
        post_runtime(
            &runtime,
            &format!("invocation/{id}/error"),
            &[("Lambda-Runtime-Function-Error-Type", "Runtime.DeadlineExceeded")],
            error,
        )
        .await;
        runtime
    });
    let runtime = waiter.await.unwrap();
    match runtime.outcome("req-2", Duration::from_secs(5)).await {
        Some(Outcome::Error { error_type, error_message }) => {
            assert_eq!((error_type.as_str(), error_message.as_str()), ("DeadlineExceeded", "out of time"));
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(runtime.function_error_type("req-2").as_deref(), Some("Runtime.DeadlineExceeded"));

    assert!(runtime.init_error().is_none());
    let init = json!({"errorType": "InvalidConfig", "errorMessage": "DD_API_KEY is not set"});
    assert_eq!(post_runtime(&runtime, "init/error", &[], init.clone()).await, 202);
    assert_eq!(runtime.init_error(), Some(init));
    assert_eq!(post_runtime(&runtime, "invocation/req-2/unknown", &[], json!({})).await, 404);
}

#[tokio::test]
async fn runtime_api_outcome_waits_at_most_the_given_time() {
    let runtime = RuntimeApi::start().await;
    let started = Instant::now();
    assert!(runtime.outcome("never", Duration::from_millis(300)).await.is_none());
    assert!((Duration::from_millis(300)..Duration::from_secs(2)).contains(&started.elapsed()));
}

#[tokio::test]
async fn runtime_api_serves_invocations_in_order() {
    let runtime = RuntimeApi::start().await;
    for id in ["a", "b", "c"] {
        runtime.invoke(id, id.as_bytes(), Duration::from_secs(5));
    }
    assert_eq!(runtime.pending(), 3);
    let client = client();
    let next = format!("http://{}/2018-06-01/runtime/invocation/next", runtime.address());
    // One kept-alive client, like the runtime: next, response, next, ...
    for id in ["a", "b", "c"] {
        let response = client.get(&next).send().await.unwrap();
        assert_eq!(header(&response, "lambda-runtime-aws-request-id"), id);
        assert_eq!(response.bytes().await.unwrap().as_ref(), id.as_bytes());
        let url = format!("http://{}/2018-06-01/runtime/invocation/{id}/response", runtime.address());
        assert_eq!(client.post(url).body(format!(r#""{id} done""#)).send().await.unwrap().status().as_u16(), 202);
    }
    for id in ["a", "b", "c"] {
        let outcome = runtime.outcome(id, Duration::from_secs(1)).await;
        assert_eq!(outcome, Some(Outcome::Response(json!(format!("{id} done")))));
    }
    assert_eq!(runtime.pending(), 0);
}

#[tokio::test]
async fn runtime_api_keeps_an_invocation_when_the_poller_went_away() {
    let runtime = RuntimeApi::start().await;
    let url = format!("http://{}/2018-06-01/runtime/invocation/next", runtime.address());
    let err = client().get(&url).timeout(Duration::from_millis(200)).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;

    runtime.invoke("after-restart", b"{}", Duration::from_secs(5));
    let response = tokio::time::timeout(Duration::from_secs(5), next_invocation(&runtime)).await.unwrap();
    assert_eq!(header(&response, "lambda-runtime-aws-request-id"), "after-restart");
    assert_eq!(runtime.delivered(), ["after-restart"]);
}

#[tokio::test]
async fn lambda_env_describes_the_function() {
    let runtime = RuntimeApi::start().await;
    let env: std::collections::HashMap<String, String> = lambda_env(&runtime).into_iter().collect();
    assert_eq!(env["AWS_LAMBDA_RUNTIME_API"], runtime.address());
    assert!(runtime.address().starts_with("127.0.0.1:"));
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "security-log-forwarder-test");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert!(!env["AWS_LAMBDA_LOG_STREAM_NAME"].is_empty());
    assert!(env["AWS_LAMBDA_LOG_GROUP_NAME"].starts_with("/aws/lambda/"));
}

/// The dead-code check the per-file `allow(dead_code)` in `support` turns off, across files:
/// every public function of tests/support is called by some test file or another helper.
#[test]
fn every_support_helper_is_used() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let read_dir = |d: &std::path::Path| -> Vec<(String, String)> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
            .collect()
    };
    let support = read_dir(&dir.join("support"));
    let all: Vec<(String, String)> = read_dir(&dir).into_iter().chain(support.iter().cloned()).collect();
    let mut unused = Vec::new();
    for (file, text) in &support {
        for line in text.lines() {
            let line = line.trim_start();
            let Some(rest) = line.strip_prefix("pub fn ").or_else(|| line.strip_prefix("pub async fn ")) else {
                continue;
            };
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let calls = |text: &str| {
                text.match_indices(&name)
                    .filter(|(at, _)| {
                        let before = text[..*at].chars().next_back();
                        let after = text[at + name.len()..].chars().next();
                        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                            && matches!(after, Some('(') | Some(':') | Some(')') | Some(',') | Some('<'))
                            && !text[..*at].ends_with("fn ")
                    })
                    .count()
            };
            if all.iter().map(|(_, text)| calls(text)).sum::<usize>() == 0 {
                unused.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(unused.is_empty(), "helpers no test uses: {unused:?}");
}
