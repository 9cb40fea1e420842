//! The OpenAPI documents are true (issue 12, item 10): schemathesis, a property-based API tester
//! from PyPI (`make target/pyenv/.schemathesis-4.32.5` installs it into `target/pyenv`), runs
//! against `/api/openapi.json` and `/ogc/api` of a server on a real socket, anonymously and as an
//! administrator, with three checks: no 5xx (`not_a_server_error`), every status answered is
//! documented (`status_code_conformance`), and every request the document allows is accepted
//! (`positive_data_acceptance`). A fixed seed and a bounded number of cases per operation keep the
//! run reproducible and within a few minutes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{TestDb, places_toml, sync_layers, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::LayerDef;

/// The pinned version, as in the Makefile.
const SCHEMATHESIS: &str = "4.32.5";
const ADMIN: &str = "st-admin";

/// A public layer `places` and a restricted one `sites` (editors only), both points.
fn layers() -> Vec<LayerDef> {
    vec![
        common::layer_from("places", &places_toml("places", "", "public = true", "")),
        common::layer_from("sites", &places_toml("sites", "", "public = false\nroles = [\"editor\"]", "")),
    ]
}

/// A feature of `layer`; its id.
async fn feature(db: &TestDb, layer: &str, name: &str, floors: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO features (layer_id, geom, attrs) VALUES ($1, ST_SetSRID(ST_MakePoint(76.93, 43.24), 4326), $2) RETURNING id",
    )
    .bind(layer)
    .bind(serde_json::json!({"name": name, "floors": floors, "kind": "school"}))
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// The schemathesis executable of the test venv; the test fails (never skips) without it.
fn schemathesis() -> PathBuf {
    let exe = common::repo().join("target/pyenv/bin/schemathesis");
    let marker = common::repo().join(format!("target/pyenv/.schemathesis-{SCHEMATHESIS}"));
    assert!(
        exe.exists() && marker.exists(),
        "schemathesis {SCHEMATHESIS} is not installed: run `make target/pyenv/.schemathesis-{SCHEMATHESIS}`"
    );
    exe
}

/// The operations by which the administrator could edit itself: a new password (PATCH) ends the
/// run's credentials, and blocking or deleting it is refused only while it is the last
/// administrator (the run creates others). The stateful phase follows links from
/// `GET /api/admin/users`, which lists the administrator's own login, so the administrator's main
/// run leaves these out, and a run of its own tests them without that phase: its logins are
/// generated from the schema and never name `st-admin`.
const SELF_EDITS: &[&str] = &[
    "PATCH /api/admin/users/{login}",
    "DELETE /api/admin/users/{login}",
    "POST /api/admin/users/{login}/block",
];

/// `option` before each of the operation names `ops`, as schemathesis' arguments.
fn names(option: &str, ops: &[&str]) -> Vec<String> {
    ops.iter().flat_map(|op| [option.to_string(), op.to_string()]).collect()
}

/// Cases per operation (`QALA_ST_EXAMPLES` explores further by hand).
fn examples() -> String {
    std::env::var("QALA_ST_EXAMPLES").unwrap_or_else(|_| "20".into())
}

/// One schemathesis run against the document at `url` with the configuration `config` (in
/// `tests/schemathesis/`); returns whether it passed and its whole output.
async fn run(
    exe: &Path,
    url: &str,
    config: &str,
    auth: Option<&str>,
    extra: &[String],
    dir: &Path,
) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(exe);
    cmd.current_dir(dir)
        .arg("--config-file")
        .arg(common::repo().join("tests/schemathesis").join(config))
        .args(["run", url])
        .args(["--checks", "not_a_server_error,status_code_conformance,positive_data_acceptance"])
        .args(["--seed", "12", "--max-examples", &examples(), "--workers", "1"])
        .args(["--generation-database", "none", "--no-color", "--request-timeout", "60"])
        .env("NO_COLOR", "1");
    if let Some(a) = auth {
        cmd.args(["--auth", a]);
    }
    cmd.args(extra);
    let out = cmd.output().await.expect("schemathesis runs");
    let text = format!(
        "$ {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        cmd.as_std(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_openapi_documents_hold_under_a_property_based_tester() {
    let exe = schemathesis();
    let db = test_db().await;
    let layers = layers();
    sync_layers(&db.pool, &layers).await;
    // Ids 1 to 6, which tests/schemathesis/ogc.toml offers as values.
    let mut ids = Vec::new();
    for (i, name) in ["School 1", "Clinic 2", "Park 3"].iter().enumerate() {
        ids.push(feature(&db, "places", name, i as i64 + 1).await);
        ids.push(feature(&db, "sites", name, i as i64 + 2).await);
    }
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    user(&db, ADMIN, &["admin"], None, None).await;
    // The organisation, department and user that tests/schemathesis/api.toml offers as values.
    user(&db, "st-user", &["viewer"], Some("city"), Some("roads")).await;
    let files = tempfile::tempdir().unwrap();
    let settings = HttpSettings { attachments_dir: files.path().join("attachments"), ..Default::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state =
        AppState::with_settings(db.pool.clone(), Catalog::new(layers), settings).with_public_url(&base);
    tokio::spawn(qala::http::serve_listener(state, listener, std::future::pending()));

    let admin = format!("{ADMIN}:{ADMIN}-password");
    let admin = Some(admin.as_str());
    let (api, ogc) = (("/api/openapi.json", "api.toml"), ("/ogc/api", "ogc.toml"));
    // An operation's name is its method and path: `PATCH /api/admin/users/{login}`.
    let self_edits =
        [names("--include-name", SELF_EDITS), vec!["--phases".into(), "coverage,fuzzing".into()]].concat();
    let runs = [
        (api, "anonymous", None, vec![]),
        (api, "administrator", admin, names("--exclude-name", SELF_EDITS)),
        (api, "administrator, user changes without the stateful phase", admin, self_edits),
        (ogc, "anonymous", None, vec![]),
        (ogc, "administrator", admin, vec![]),
    ];
    let mut failures = Vec::new();
    for ((doc, config), who, auth, extra) in runs {
        let started = std::time::Instant::now();
        let (ok, out) = run(&exe, &format!("{base}{doc}"), config, auth, &extra, files.path()).await;
        let verdict = if ok { "passed" } else { "FAILED" };
        println!("==== {doc} ({who}): {verdict} in {:.0?} ====\n{out}", started.elapsed());
        if !ok {
            failures.push(format!("{doc} ({who})"));
        }
    }
    assert!(failures.is_empty(), "schemathesis found problems in {failures:?}: its whole output is above");
    // The administrator the runs used is still there and still an administrator.
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT roles FROM users WHERE login = $1 AND status = 'active'")
            .bind(ADMIN)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(roles.contains(&"admin".to_string()), "{roles:?}");
}
