//! Every network path the documentation describes, on loopback, through the real binary:
//! direct, through a real proxy (tinyproxy), through a proxy that asks for credentials, around
//! it with NO_PROXY, HTTPS through a CONNECT tunnel, the AWS SDK (S3) through the proxy; and
//! redirects from the intake or the Slack webhook, never followed with the key.

mod support;

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::intake::TestIntake;
use support::proxy::TestProxy;
use support::slack::TestSlack;
use tokio::io::{AsyncReadExt, BufReader};
use tokio::net::TcpListener;

const KEY: &str = "proxykey00000000000000000000001";

/// `invoke EVENT` with a clean environment holding only `env` (and the emulator's AWS
/// settings when the test stack runs).
async fn invoke(event: &str, env: Vec<(&'static str, String)>) -> Output {
    let event = format!("{}/events/{event}", env!("CARGO_MANIFEST_DIR"));
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
        command.env_clear().args(["invoke", &event]).env("DD_MAX_ATTEMPTS", "2");
        for var in ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "PATH"] {
            if let Ok(value) = std::env::var(var) {
                command.env(var, value);
            }
        }
        command.env("AWS_EC2_METADATA_DISABLED", "true").envs(env).output().unwrap()
    })
    .await
    .unwrap()
}

/// The key, the intake and the proxy for plain-HTTP destinations, then `more`.
fn proxied(intake: &TestIntake, proxy_url: String, more: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut env = vec![("DD_API_KEY", KEY.to_owned()), ("DD_URL", intake.url()), ("HTTP_PROXY", proxy_url)];
    env.extend_from_slice(more);
    env
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_finding_and_its_slack_alert_go_through_the_proxy() {
    let Some(proxy) = TestProxy::start(None) else { return };
    let intake = TestIntake::start(KEY).await;
    let slack = TestSlack::start().await;
    let env = proxied(&intake, proxy.url(None), &[("SLACK_WEBHOOK_URL", slack.url())]);
    let output = invoke("guardduty-finding-high.json", env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(intake.accepted_entries().len(), 1);
    assert_eq!(slack.accepted().len(), 1);
    let requests = proxy.requests();
    let intake_line = requests.iter().find(|l| l.contains(&format!("POST {}/api/v2/logs", intake.url())));
    let slack_line = requests.iter().find(|l| l.contains(&format!("POST http://{}/services/", slack_addr(&slack))));
    assert!(intake_line.is_some() && slack_line.is_some(), "proxy log:\n{}", proxy.log());
    eprintln!("proxy log line: {}", intake_line.unwrap_or(&String::new()));
}

fn slack_addr(slack: &TestSlack) -> String {
    slack.url().trim_start_matches("http://").split('/').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_proxy_that_asks_for_credentials() {
    let credentials = ("forwarder", "pr0xy-pass");
    let Some(proxy) = TestProxy::start(Some(credentials)) else { return };
    let intake = TestIntake::start(KEY).await;
    let env = |proxy_url: String| proxied(&intake, proxy_url, &[]);

    let output = invoke("guardduty-finding-high.json", env(proxy.url(Some(credentials)))).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(intake.accepted_entries().len(), 1);

    // No credentials: the proxy answers 407, which names the fix. Wrong ones: tinyproxy
    // answers 401. Either way nothing reaches the intake, the run fails, and neither the
    // password nor the key is printed.
    let output = invoke("guardduty-finding-high.json", env(proxy.url(None))).await;
    assert!(!output.status.success());
    assert!(stderr(&output).contains("the proxy asked for credentials (HTTP 407)"), "{}", stderr(&output));
    let output = invoke("guardduty-finding-high.json", env(proxy.url(Some(("forwarder", "wrong-pass"))))).await;
    assert!(!output.status.success());
    assert!(!stderr(&output).contains("wrong-pass") && !stderr(&output).contains(KEY));
    assert_eq!(intake.requests().len(), 1, "only the first run reached the intake");
}

#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let Some(proxy) = TestProxy::start(None) else { return };
    let intake = TestIntake::start(KEY).await;
    let env = proxied(&intake, proxy.url(None), &[("NO_PROXY", "localhost,127.0.0.1".into())]);
    let output = invoke("guardduty-finding-high.json", env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(intake.accepted_entries().len(), 1);
    assert!(proxy.requests().is_empty(), "proxy log:\n{}", proxy.log());
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel() {
    let Some(proxy) = TestProxy::start(None) else { return };
    // A server that records the first bytes it receives through the tunnel: a TLS ClientHello.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_bytes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = first_bytes.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 5];
            if stream.read_exact(&mut buf).await.is_ok() {
                seen.lock().unwrap().push(buf);
            }
        }
    });
    let output = invoke(
        "guardduty-finding-high.json",
        vec![
            ("DD_API_KEY", KEY.into()),
            ("DD_URL", format!("https://127.0.0.1:{port}")),
            ("HTTPS_PROXY", proxy.url(None)),
            ("DD_MAX_ATTEMPTS", "1".into()),
        ],
    )
    .await;
    assert!(!output.status.success(), "the stand-in speaks no TLS");
    let connect = format!("CONNECT 127.0.0.1:{port} ");
    assert!(proxy.requests().iter().any(|l| l.contains(&connect)), "proxy log:\n{}", proxy.log());
    let hellos = first_bytes.lock().unwrap().clone();
    assert!(!hellos.is_empty() && hellos.iter().all(|b| b[0] == 0x16), "TLS handshake records through the tunnel");
}

#[tokio::test]
async fn the_aws_sdk_goes_through_the_proxy_too() {
    let Some(proxy) = TestProxy::start(None) else { return };
    support::moto::seed_sample_objects().await;
    let intake = TestIntake::start(KEY).await;
    let endpoint = support::moto::endpoint();
    let output = invoke("s3-put-cloudtrail.json", proxied(&intake, proxy.url(None), &[])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(intake.accepted_entries().len(), 3);
    let get = format!("GET {endpoint}/slf-cloudtrail/AWSLogs/");
    assert!(proxy.requests().iter().any(|l| l.contains(&get)), "proxy log:\n{}", proxy.log());
}

#[tokio::test]
async fn a_proxy_setting_that_is_not_a_url_stops_the_start() {
    let intake = TestIntake::start(KEY).await;
    let output = invoke(
        "guardduty-finding-high.json",
        vec![("DD_API_KEY", KEY.into()), ("DD_URL", intake.url()), ("HTTPS_PROXY", "proxy.internal:3128".into())],
    )
    .await;
    assert!(!output.status.success());
    assert!(stderr(&output).contains("invalid HTTPS_PROXY"), "{}", stderr(&output));
    assert!(intake.requests().is_empty(), "nothing sent");
}

/// A stand-in that answers every request with `status` and `Location: <to>`, counting them.
async fn redirecting(status: u16, to: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (seen, to) = (seen.clone(), to.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                while support::http::read_request(&mut reader).await.is_some() {
                    seen.fetch_add(1, Ordering::SeqCst);
                    support::http::write_response(&mut reader, status, &[("location", to.clone())], b"").await;
                }
            });
        }
    });
    (url, count)
}

#[tokio::test]
async fn a_redirect_from_the_intake_is_an_error_and_never_carries_the_key() {
    // Where the redirect points: an intake that would accept the key (it must never see it).
    let elsewhere = TestIntake::start(KEY).await;
    for status in [301, 302, 307, 308] {
        let (url, redirected) = redirecting(status, format!("{}/api/v2/logs?token=abc", elsewhere.url())).await;
        let output = invoke("guardduty-finding-high.json", vec![("DD_API_KEY", KEY.into()), ("DD_URL", url)]).await;
        let log = stderr(&output);
        assert!(!output.status.success(), "{status}");
        assert_eq!(redirected.load(Ordering::SeqCst), 1, "not retried: {status}");
        assert!(log.contains(&format!("HTTP {status} redirecting to {}", elsewhere.url())), "{log}");
        assert!(!log.contains(KEY) && !log.contains("token=abc"), "{log}");
    }
    assert!(elsewhere.requests().is_empty(), "the redirect was never followed");
}

#[tokio::test]
async fn a_redirect_from_the_slack_webhook_is_not_followed() {
    let slack = TestSlack::start().await;
    let intake = TestIntake::start(KEY).await;
    let (url, redirected) = redirecting(307, slack.url()).await;
    let output = invoke(
        "guardduty-finding-high.json",
        vec![
            ("DD_API_KEY", KEY.into()),
            ("DD_URL", intake.url()),
            ("SLACK_WEBHOOK_URL", format!("{url}/services/T/B/x")),
        ],
    )
    .await;
    assert!(!output.status.success());
    assert_eq!(redirected.load(Ordering::SeqCst), 1);
    assert!(slack.statuses().is_empty(), "the redirect was never followed");
    assert!(stderr(&output).contains("redirecting to http://127.0.0.1:"), "{}", stderr(&output));
}

#[tokio::test]
async fn a_redirect_from_key_validation_is_not_followed() {
    let elsewhere = TestIntake::start(KEY).await;
    let (url, redirected) = redirecting(307, format!("{}/api/v1/validate", elsewhere.url())).await;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
            .env_clear()
            .args(["doctor"])
            .envs([("DD_API_KEY", KEY), ("DD_URL", url.as_str()), ("AWS_REGION", "us-east-1")])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| l.contains("API key accepted")).unwrap_or_default();
    assert!(line.starts_with("✗") && line.contains(&format!("redirecting to {}", elsewhere.url())), "{stdout}");
    assert!(redirected.load(Ordering::SeqCst) >= 1);
    assert!(elsewhere.requests().is_empty(), "the redirect was never followed");
    assert!(!stdout.contains(KEY));
}
