//! Sign-in with EDS and with an SMS code in headless Chromium against the real `qala` binary: a
//! TEST certification authority made by `web/tests/test-pki.mjs` (openssl, certificates valid
//! from now in NCA's person profile, one revoked in a real CRL) is the server's only EDS root; the
//! SMS gateway simulator and the state systems' simulator (БМГ: the phone of an IIN) run beside
//! it; NCALayer is the TEST NCALayer of `web/tests/test-ncalayer.mjs`. The akimat's reviewer and
//! head (`housing1`, `akimhead`) approve a housing certificate the applicant and the head then sign
//! with the Sign button. The browser checks are
//! `web/tests/signin.mjs` (`ok - ` / `not ok - ` lines); screenshots go to
//! `target/artifacts/signin/`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::procs;

/// The test CA, its CRL and the persons' keys, made by `web/tests/test-pki.mjs` into `dir`.
fn test_pki(dir: &Path) -> serde_json::Value {
    let out = Command::new("node")
        .args(["tests/test-pki.mjs", "--out", dir.to_str().unwrap()])
        .current_dir(common::repo().join("web"))
        .output()
        .expect("node runs (make setup installs it)");
    assert!(out.status.success(), "test-pki.mjs: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(dir.join("pki.json")).unwrap()).unwrap()
}

/// IINs the state simulator has phones for (БМГ), of living people: the first `n` of its list
/// (`GET /_sim/people`).
async fn iins_with_phones(state_base: &str, n: usize) -> Vec<String> {
    let text = reqwest::get(format!("{state_base}/_sim/people")).await.unwrap().text().await.unwrap();
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    let people = j["people"].as_array().cloned().unwrap_or_default();
    people
        .iter()
        .filter(|p| p["has_phone"] == true && p["alive"] == true)
        .filter_map(|p| p["iin"].as_str().map(str::to_string))
        .take(n)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_eds_and_sms_works_in_a_real_browser() {
    let db = common::test_db().await;
    let data = tempfile::tempdir().unwrap();
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = test_pki(pki_dir.path());
    // The akimat that issues housing certificates: a reviewer and its head, whose IIN and the
    // organisation's BIN are those of the head's SIGN certificate.
    common::user(&db, "housing1", &["reviewer"], Some("almaty-akimat"), Some("housing")).await;
    common::user(&db, "akimhead", &["org_admin", "reviewer"], Some("almaty-akimat"), None).await;
    sqlx::query("UPDATE users SET iin = $1 WHERE login = 'akimhead'")
        .bind(pki["head_sign"]["iin"].as_str().unwrap())
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE organisations SET bin = $1, name = 'Алматы қаласының әкімдігі' WHERE id = 'almaty-akimat'",
    )
    .bind(pki["bin"].as_str().unwrap())
    .execute(&db.pool)
    .await
    .unwrap();
    let sms = procs::sms_simulator();
    let (_state, state_addr) =
        procs::start(env!("CARGO_BIN_EXE_qala-state-simulator"), &["--listen", "127.0.0.1:0"]);
    let state_base = format!("http://{state_addr}");
    let iins = iins_with_phones(&state_base, 2).await;
    assert_eq!(iins.len(), 2, "the state simulator lists phones for at least two IINs");
    let extra: Vec<String> = vec![
        "--eds-roots".into(),
        pki["ca"].as_str().unwrap().into(),
        "--eds-crl-dir".into(),
        pki["crl_dir"].as_str().unwrap().into(),
        "--eds-unknown-revocation".into(),
        "refuse".into(),
        "--eds-no-crl-fetch".into(),
        "--sms-gateway-url".into(),
        sms.gateway_url(),
        "--state-systems-url".into(),
        state_base.clone(),
    ];
    let (_server, url) = procs::qala_serve(&db.url, data.path(), &extra);
    let artifacts = common::repo().join("target/artifacts/signin");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    common::procs::browser_script(
        "signin.mjs",
        &[
            ("QALA_URL", url.to_string()),
            ("QALA_ARTIFACTS", artifacts.display().to_string()),
            ("QALA_PKI", pki_dir.path().join("pki.json").display().to_string()),
            ("QALA_SMS_URL", sms.base.to_string()),
            ("QALA_SMS_IINS", iins.join(",").to_string()),
        ],
        Duration::from_secs(600),
    )
    .await;
}
