//! A real HTTP proxy on loopback: tinyproxy (Debian's package, installed by scripts/test through
//! scripts/lib/proxy.sh), started per test with its own configuration and log. Where it cannot
//! be installed the proxy tests skip with a message, except in CI (`CI=true`), where that fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running tinyproxy.
pub struct TestProxy {
    child: Child,
    port: u16,
    dir: PathBuf,
}

/// The tinyproxy binary, or `None` (after saying why) when the tests must skip.
fn binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("tinyproxy"))
        .find(|path| path.is_file());
    if found.is_none() {
        let message = "tinyproxy is not installed (scripts/test installs it with apt-get): skipping the proxy test";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}; CI must run it");
        eprintln!("{message}");
    }
    found
}

impl TestProxy {
    /// Starts tinyproxy on a free loopback port; with `credentials` (`user`, `password`) it
    /// asks for them (HTTP 407 otherwise). `None` when tinyproxy is not installed.
    pub fn start(credentials: Option<(&str, &str)>) -> Option<TestProxy> {
        let binary = binary()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("slf-proxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 50\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            dir.join("proxy.log").display()
        );
        if let Some((user, password)) = credentials {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        std::fs::write(dir.join("proxy.conf"), conf).unwrap();
        let child = Command::new(binary)
            .args(["-d", "-c"])
            .arg(dir.join("proxy.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let proxy = TestProxy { child, port, dir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "tinyproxy did not start: {}", proxy.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(proxy)
    }

    /// `http://127.0.0.1:PORT`, with `user:password@` when given.
    pub fn url(&self, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, password)) => format!("http://{user}:{password}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// The proxy's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("proxy.log")).unwrap_or_default()
    }

    /// The log's request lines (`Request (file descriptor 5): CONNECT 127.0.0.1:443 HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        self.log().lines().filter(|l| l.contains("Request (file descriptor")).map(str::to_owned).collect()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
