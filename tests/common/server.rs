//! The registry server run as a real process, and the HTTP helpers its tests share.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{BIN, Sandbox};

pub struct Server {
    pub child: Child,
    pub url: String,
    /// The access log so far.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Access-log lines for `path` (method and path, e.g. "GET /api/v1/checkpoint").
    pub fn requests(&self, what: &str) -> usize {
        // The log line is written after the response: give it a moment.
        std::thread::sleep(Duration::from_millis(200));
        self.log
            .lock()
            .map(|l| l.iter().filter(|x| x.contains(what)).count())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(s: &Sandbox, listen: &str) -> Server {
    start_with(s, listen, &[])
}

pub fn start_with(s: &Sandbox, listen: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .env("GOVCHECK_CONFIG_DIR", s.path("config"))
        .arg("--data")
        .arg(s.store())
        .args(["serve", "--listen", listen, "--tokens"])
        .arg(s.path("tokens.json"))
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn server");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines.next().expect("server said something").expect("line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().to_string();
        }
    };
    // Keep draining the access log so the server never blocks on a full pipe.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Ok(mut l) = sink.lock() {
                l.push(line);
            }
        }
    });
    Server { child, url, log }
}

pub fn token(s: &Sandbox, name: &str, role: &str, scope: Option<&str>) -> String {
    let mut args = vec!["token", "create", "--tokens"];
    let p = s.path("tokens.json");
    args.push(p.to_str().expect("p"));
    args.extend(["--name", name, "--role", role]);
    if let Some(sc) = scope {
        args.extend(["--scope", sc]);
    }
    s.ok(&args).trim().to_string()
}

/// A builder for a test's own HTTP client. reqwest is built without a crypto provider
/// (the binary passes its own, ring), so the process default is installed first.
pub fn http_builder() -> reqwest::blocking::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
}

pub fn http() -> reqwest::blocking::Client {
    http_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Run the CLI against the server with a token.
pub fn remote(s: &Sandbox, url: &str, tok: &str, args: &[&str]) -> std::process::Output {
    s.cmd()
        .env("GOVCHECK_TOKEN", tok)
        .arg("--registry")
        .arg(url)
        .args(args)
        .output()
        .expect("run")
}

pub fn zhoushan_finding(s: &Sandbox) -> String {
    s.ok(&[
        "findings",
        "--round",
        "2022Q1",
        "--region",
        "舟山市",
        "--format",
        "csv",
    ])
    .lines()
    .nth(1)
    .and_then(|l| l.split(',').next())
    .expect("a 舟山 finding")
    .to_string()
}

pub fn get(url: &str, tok: &str) -> (u16, Value) {
    let r = http().get(url).bearer_auth(tok).send().expect("get");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

pub fn post(url: &str, tok: &str, body: &str) -> (u16, Value) {
    let r = http()
        .post(url)
        .bearer_auth(tok)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .expect("post");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

pub fn setup() -> (Sandbox, String, String, String) {
    let s = Sandbox::new();
    s.demo();
    let sup = token(&s, "张三", "supervisor", Some("舟山市"));
    let viewer = token(&s, "李四", "viewer", None);
    let admin = token(&s, "省办", "admin", None);
    (s, sup, viewer, admin)
}
