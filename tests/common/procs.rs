//! Processes the tests start beside Qala: the SMTP sink and the SMS gateway simulator (each a
//! separate binary of this package), killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// Runs `web/tests/<script>` with node (Chromium through playwright-core) and `env`, at most
/// `limit`; fails the test unless node ends well having printed `ok - ` checks and no `not ok`.
/// Returns what it printed.
pub async fn browser_script(script: &str, env: &[(&str, String)], limit: std::time::Duration) -> String {
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(format!("tests/{script}")).current_dir(super::repo().join("web")).kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{script} finishes within {limit:?}"))
        .expect("node runs (make setup installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        out.status.success() && stdout.contains("ok - ") && !stdout.contains("not ok"),
        "browser checks of {script} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `exe` with `args` and returns it with the address from its first line (`... ://ADDR`).
pub fn start(exe: &str, args: &[&str]) -> (Proc, String) {
    let mut child = Command::new(exe).args(args).stdout(Stdio::piped()).spawn().expect("starts");
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    // Keep reading its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    let addr = first.split("://").nth(1).unwrap().split([',', ' ', '\n']).next().unwrap().to_string();
    (Proc(child), addr)
}

/// `qala serve` on a free port of 127.0.0.1 over the database `db_url`, with `extra` arguments
/// and English logs; its URL once it says it is serving (the browser tests' server).
pub fn qala_serve(db_url: &str, data_dir: &std::path::Path, extra: &[String]) -> (Proc, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let mut args: Vec<String> =
        ["--data-dir", data_dir.to_str().unwrap(), "serve", "--bind"].iter().map(|s| s.to_string()).collect();
    args.extend([format!("127.0.0.1:{port}"), "--public-url".into(), url.clone()]);
    args.extend(extra.iter().cloned());
    let mut child = Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(&args)
        .current_dir(super::repo())
        .env("DATABASE_URL", db_url)
        .env("QALA_LANG", "en")
        .stdout(Stdio::piped())
        .spawn()
        .expect("qala serve starts");
    wait_until_serving(&mut child);
    (Proc(child), url)
}

/// Reads the stdout (piped) of a starting `qala serve` until its "is serving on" line, which it
/// returns, then keeps reading the rest so the server never blocks on a full pipe.
pub fn wait_until_serving(child: &mut Child) -> String {
    let mut out = BufReader::new(child.stdout.take().expect("stdout piped"));
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "qala serve ended before serving");
        if line.contains("is serving on") {
            break;
        }
    }
    std::thread::spawn(move || for _ in out.lines() {});
    line
}

pub struct Sink {
    _proc: Proc,
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub fn smtp_sink() -> Sink {
    let dir = tempfile::tempdir().unwrap();
    let (proc, addr) = start(
        env!("CARGO_BIN_EXE_qala-smtp-sink"),
        &["--listen", "127.0.0.1:0", "--dir", dir.path().to_str().unwrap()],
    );
    Sink { _proc: proc, url: format!("smtp://{addr}"), dir }
}

impl Sink {
    /// The messages stored, as text.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }
}

pub struct Simulator {
    _proc: Proc,
    pub base: String,
}

pub fn sms_simulator() -> Simulator {
    let (proc, addr) = start(env!("CARGO_BIN_EXE_qala-sms-simulator"), &["--listen", "127.0.0.1:0"]);
    Simulator { _proc: proc, base: format!("http://{addr}") }
}

impl Simulator {
    pub fn gateway_url(&self) -> String {
        format!("{}/messages", self.base)
    }
    pub async fn received(&self) -> Value {
        reqwest::get(self.gateway_url())
            .await
            .unwrap()
            .text()
            .await
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap()
    }
    pub async fn control(&self, fail_next: u32, hold_next: u32) {
        let r = reqwest::Client::new()
            .post(format!("{}/control", self.base))
            .header("content-type", "application/json")
            .body(json!({"fail_next": fail_next, "hold_next": hold_next}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }
}

// issue 15: adapters
/// `qala-state-simulator`: the state systems' simulators, on a free port.
pub struct StateSim {
    _proc: Proc,
    pub base: String,
}

pub fn state_simulator() -> StateSim {
    let (proc, addr) = start(env!("CARGO_BIN_EXE_qala-state-simulator"), &["--listen", "127.0.0.1:0"]);
    StateSim { _proc: proc, base: format!("http://{addr}") }
}

impl StateSim {
    /// The next `fail` requests to `system` answer 503, the next `hang` never answer, the next
    /// `malformed` answer something unreadable.
    pub async fn control(&self, system: &str, fail: u32, hang: u32, malformed: u32) {
        let body =
            json!({"system": system, "fail_next": fail, "hang_next": hang, "malformed_next": malformed});
        let r = reqwest::Client::new()
            .post(format!("{}/control", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }

    /// Requests `system` has received.
    pub async fn requests(&self, system: &str) -> u64 {
        let v: Value = serde_json::from_str(
            &reqwest::get(format!("{}/control", self.base)).await.unwrap().text().await.unwrap(),
        )
        .unwrap();
        v["requests"][system].as_u64().unwrap_or(0)
    }

    /// The simulator's people (IIN, alive, has_phone), entities, properties and accounts.
    pub async fn listing(&self) -> Value {
        serde_json::from_str(
            &reqwest::get(format!("{}/_sim/people", self.base)).await.unwrap().text().await.unwrap(),
        )
        .unwrap()
    }

    /// Adapter settings pointing at this simulator (and `sms` as the SMS gateway), with `policy`.
    pub fn settings(
        &self,
        sms: Option<&str>,
        policy: qala::adapters::CallPolicy,
    ) -> qala::adapters::AdapterSettings {
        qala::adapters::AdapterSettings::from_flags(Some(&self.base), &[], sms, policy).unwrap()
    }
}
