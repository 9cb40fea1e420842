//! The applications screens (`/app/...`) in headless Chromium against the real `qala` binary, as
//! `make demo` runs it: `qala demo-data` (Almaty, KATO, the services, the demo's users) into a
//! fresh database, then `qala serve` on a real socket. The browser checks are the scripts
//! `web/tests/apps-*.mjs` (Playwright); each prints `ok - ` / `not ok - ` lines. Screenshots go to
//! `target/artifacts/apps/`.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::time::Duration;

const PASSWORD: &str = "demo-pass-1";

/// Runs one browser script against `url`; its output, and whether every check passed.
async fn browser(script: &str, url: &str, artifacts: &std::path::Path) -> (bool, String) {
    let run = tokio::process::Command::new("node")
        .arg(format!("tests/{script}"))
        .current_dir(common::repo().join("web"))
        .env("QALA_URL", url)
        .env("QALA_ARTIFACTS", artifacts.join(script.trim_end_matches(".mjs")))
        .env("QALA_PASSWORD", PASSWORD)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(600), run)
        .await
        .unwrap_or_else(|_| panic!("{script} finishes within 10 minutes"))
        .expect("node runs (make setup installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let passed = out.status.success() && stdout.contains("ok - ") && !stdout.contains("not ok");
    (passed, format!("== {script}\n{stdout}\n{stderr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applications_screens_work_in_a_real_browser() {
    let db = common::test_db().await;
    let data = tempfile::tempdir().unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(["--data-dir", data.path().to_str().unwrap(), "demo-data"])
        .current_dir(common::repo())
        .env("DATABASE_URL", &db.url)
        .env("QALA_DEMO_PASSWORD", PASSWORD)
        .env("QALA_LANG", "en")
        .output()
        .unwrap();
    assert!(demo.status.success(), "qala demo-data: {}", String::from_utf8_lossy(&demo.stderr));
    let (_server, url) = common::procs::qala_serve(&db.url, data.path(), &[]);
    let artifacts = common::repo().join("target/artifacts/apps");
    std::fs::create_dir_all(&artifacts).unwrap();
    let mut report = String::new();
    let mut failed = Vec::new();
    for script in ["apps-apply.mjs", "apps-work.mjs", "apps-monitor.mjs", "apps-lifecycle.mjs"] {
        let (ok, out) = browser(script, &url, &artifacts).await;
        println!("{out}");
        report.push_str(&out);
        if !ok {
            failed.push(script);
        }
    }
    assert!(failed.is_empty(), "browser checks failed in {failed:?}:\n{report}");
}
