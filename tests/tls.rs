//! HTTPS served by `qala serve --tls-cert --tls-key` (the real binary, certificates made by
//! openssl): TLS 1.2 and 1.3 accepted and 1.1 refused (s_client), HSTS on answers (curl), the
//! redirect listener's 308 to the public URL whatever `Host` says, certificates replaced on disk
//! picked up without a restart (the serial s_client sees) while a broken pair is refused, and
//! garbage or silent handshakes not stopping others from being served.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::procs::Proc;

const PUBLIC: &str = "https://gis.example.kz";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A self-signed certificate for 127.0.0.1 with `serial`, written to `cert` and `key`.
fn make_cert(cert: &Path, key: &Path, serial: u32) {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
        ])
        .args(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-set_serial"])
        .arg(serial.to_string())
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert)
        .output()
        .expect("openssl runs (scripts/setup.sh installs it)");
    assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
}

/// The server's log lines (stderr), as they come.
struct Log(std::sync::mpsc::Receiver<String>);

impl Log {
    /// Forgets the lines so far (a mismatched pair may have been logged mid-replacement).
    fn drain(&self) {
        while self.0.try_recv().is_ok() {}
    }

    /// Waits (bounded) for a line containing `text`.
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.0.recv_timeout(left) {
                Ok(line) if line.contains(text) => return,
                Ok(_) => {}
                Err(_) => panic!("no log line with {text:?}"),
            }
        }
    }
}

/// `qala serve` over TLS on a free port, with the redirect listener on another; both ports.
fn serve_tls(db_url: &str, dir: &Path) -> (Proc, Log, u16, u16) {
    let (port, redirect) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(["--data-dir", dir.to_str().unwrap(), "serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--public-url", PUBLIC, "--http-redirect-bind", &format!("127.0.0.1:{redirect}")])
        .arg("--tls-cert")
        .arg(dir.join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.join("key.pem"))
        .args(["--tls-reload-s", "1"])
        .current_dir(common::repo())
        .env("DATABASE_URL", db_url)
        .env("QALA_LANG", "en")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qala serve starts");
    let line = common::procs::wait_until_serving(&mut child);
    assert!(line.contains("https://"), "{line}");
    let (tx, rx) = std::sync::mpsc::channel();
    let err = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (Proc(child), Log(rx), port, redirect)
}

/// `openssl s_client` with `flags`: whether the handshake succeeded, and the output.
fn s_client(port: u16, flags: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(flags)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success() && text.contains("BEGIN CERTIFICATE"), text)
}

/// The serial of the certificate the server presents now.
fn served_serial(port: u16) -> String {
    let (ok, text) = s_client(port, &[]);
    assert!(ok, "{text}");
    let pem =
        text.split("-----BEGIN CERTIFICATE-----").nth(1).unwrap().split("-----END CERTIFICATE-----").next();
    let pem = format!("-----BEGIN CERTIFICATE-----{}-----END CERTIFICATE-----\n", pem.unwrap());
    let mut x509 = Command::new("openssl")
        .args(["x509", "-noout", "-serial"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    x509.stdin.take().unwrap().write_all(pem.as_bytes()).unwrap();
    let out = x509.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().trim_start_matches("serial=").to_string()
}

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl").args(["-s", "--max-time", "10"]).args(args).output().unwrap();
    assert!(out.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Replaces `path` whole (a rename, as deployment tools and certbot do).
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Waits (bounded) until the served serial is `want`.
fn wait_serial(port: u16, want: &str) {
    let start = Instant::now();
    loop {
        let got = served_serial(port);
        if got == want {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "serial {got}, expected {want}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn https_versions_hsts_redirect_reload_and_garbage() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    make_cert(&cert, &key, 0x1001);
    let (server, log, port, redirect) = serve_tls(&db.url, dir.path());

    // Versions: 1.2 and 1.3 succeed; 1.1 fails (the client allowed to offer it: SECLEVEL=0).
    let (ok, text) = s_client(port, &["-tls1_2"]);
    assert!(ok && text.contains("TLSv1.2"), "{text}");
    let (ok, text) = s_client(port, &["-tls1_3"]);
    assert!(ok && text.contains("TLSv1.3"), "{text}");
    let (ok, text) = s_client(port, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
    assert!(!ok, "TLS 1.1 accepted: {text}");

    // HSTS on answers, HTTP/1.1 and HTTP/2 (ALPN).
    let base = format!("https://127.0.0.1:{port}");
    for v in ["--http1.1", "--http2"] {
        let head = curl(&["-k", v, "-D", "-", "-o", "/dev/null", &format!("{base}/healthz")]);
        assert!(
            head.to_lowercase().contains("strict-transport-security: max-age=31536000; includesubdomains"),
            "{head}"
        );
    }
    let notfound = curl(&["-k", "-D", "-", "-o", "/dev/null", &format!("{base}/api/nothing-here")]);
    assert!(notfound.to_lowercase().contains("strict-transport-security"), "{notfound}");

    // The redirect: 308 to the public URL with path and query, whatever Host says.
    let r = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        "-H",
        "Host: evil.example",
        &format!("http://127.0.0.1:{redirect}/tiles/buildings/14/1/2.mvt?lang=kk&x=1"),
    ]);
    assert_eq!(r, format!("308 {PUBLIC}/tiles/buildings/14/1/2.mvt?lang=kk&x=1"));

    // Garbage and silent clients do not stop others being served.
    let mut garbage = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x16\x03\x01\xff\xff garbage").unwrap();
    let _silent: Vec<_> =
        (0..20).map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    let mut half = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    half.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03").unwrap(); // a ClientHello cut short
    assert_eq!(curl(&["-k", "-o", "/dev/null", "-w", "%{http_code}", &format!("{base}/healthz")]), "200");

    // Reload: a new pair replacing the files is served without a restart.
    assert_eq!(served_serial(port), "1001");
    let fresh = tempfile::tempdir().unwrap();
    let (cert2, key2) = (fresh.path().join("cert.pem"), fresh.path().join("key.pem"));
    make_cert(&cert2, &key2, 0x2002);
    replace(&key, &std::fs::read(&key2).unwrap());
    replace(&cert, &std::fs::read(&cert2).unwrap());
    wait_serial(port, "2002");

    // A broken pair (a certificate that is not PEM) is refused: the last good one stays served,
    // also after a SIGHUP; a good pair after it is taken again.
    log.drain();
    replace(&cert, b"not a certificate");
    log.wait_for("TLS certificate not reloaded");
    assert_eq!(served_serial(port), "2002");
    let kill = Command::new("kill").args(["-HUP", &server.0.id().to_string()]).status().unwrap();
    assert!(kill.success());
    log.wait_for("SIGHUP: reloading the TLS certificate");
    log.wait_for("TLS certificate not reloaded");
    assert_eq!(served_serial(port), "2002");
    make_cert(&cert2, &key2, 0x3003);
    replace(&key, &std::fs::read(&key2).unwrap());
    replace(&cert, &std::fs::read(&cert2).unwrap());
    wait_serial(port, "3003");
    drop(garbage);
    drop(half);
}
