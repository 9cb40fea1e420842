//! The OpenAPI documents are true (issue 12, item 10): schemathesis, a property-based API tester
//! from PyPI (`make target/pyenv/.schemathesis-4.32.5` installs it into `target/pyenv`), runs
//! against `/api/openapi.json` and `/ogc/api` of a server on a real socket, anonymously and as an
//! administrator (and, for the applications' routes, as an applicant; the server has the
//! repository's services and a few applications), with three checks: no 5xx (`not_a_server_error`), every status answered is
//! documented (`status_code_conformance`), and every request the document allows is accepted
//! (`positive_data_acceptance`). A fixed seed and a bounded number of cases per operation keep the
//! run reproducible and within a few minutes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{TestDb, places_toml, sync_layers, test_db, user};
use qala::applications::calendar::Calendar;
use qala::applications::registry::Registry;
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::LayerDef;
use serde_json::{Value, json};

/// The pinned version, as in the Makefile.
const SCHEMATHESIS: &str = "4.32.5";
const ADMIN: &str = "st-admin";

/// A public layer `places`, a restricted one `sites` (editors only), both points, and the
/// applications layer of the repository.
fn layers() -> Vec<LayerDef> {
    let applications = std::fs::read_to_string(common::repo().join("layers/applications.toml")).unwrap();
    vec![
        common::layer_from("places", &places_toml("places", "", "public = true", "")),
        common::layer_from("sites", &places_toml("sites", "", "public = false\nroles = [\"editor\"]", "")),
        common::layer_from("applications", &applications),
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

/// The reviewer of the applications' intake (tests/schemathesis/api.toml offers its login).
const STAFF: &str = "st-staff";

/// A request to the test server as `who` (Basic), with `If-Match: etag` unless empty, a JSON or
/// a raw body; it must succeed. The answer's `ETag` and JSON body.
async fn call(
    base: &str,
    who: &str,
    method: &str,
    path: &str,
    etag: &str,
    body: Option<Value>,
    raw: &[u8],
) -> (String, Value) {
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .basic_auth(who, Some(format!("{who}-password")));
    if !etag.is_empty() {
        req = req.header("if-match", etag);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    } else if !raw.is_empty() {
        req = req.body(raw.to_vec());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let etag = resp.headers().get("etag").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    (etag, body)
}

/// An applicant.
const APPLICANT: &str = "st-applicant";

/// The applications the runs reach past their lookups (tests/schemathesis/api.toml offers their
/// ids), of one applicant: 1 a draft (its applicant's alone), 2 submitted (at intake), 3 refused
/// by the intake's reviewer (its output document can be printed).
async fn applications(base: &str) {
    let config = std::fs::read_to_string(common::repo().join("tests/schemathesis/api.toml")).unwrap();
    let first = "90010112345";
    let iin = format!("{first}{}", qala::applications::service::ids::check_digit(first.as_bytes()).unwrap());
    let draft = json!({"service": "network_connection", "geometry": {"type": "Point", "coordinates": [76.95, 43.25]},
        "form": {"applicant_kind": "person", "iin": iin, "full_name": "Айгерим Сапарова", "phone": "+7 701 123 45 67",
            "address": "Алматы, Абай д-лы, 10", "cadastral_number": "20:311:011:123", "object_kind": "house",
            "floors": 2, "water_demand": 1.5, "power_demand": 15, "needs_sewerage": false}});
    for id in 1..=3 {
        let (mut etag, card) =
            call(base, APPLICANT, "POST", "/api/applications", "", Some(draft.clone()), &[]).await;
        assert_eq!(card["id"], id);
        if id == 1 {
            continue;
        }
        for doc in ["title_deed", "site_plan"] {
            let pdf = format!("%PDF-1.4\n% {doc}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
            let path = format!("/api/applications/{id}/documents/{doc}?name={doc}.pdf");
            let (e, card) = call(base, APPLICANT, "PUT", &path, &etag, None, pdf.as_bytes()).await;
            let sha = card["documents"][doc][0]["id"].as_str().unwrap_or_default().to_string();
            assert!(config.contains(&format!("\"{sha}\"")), "api.toml offers {sha} of {doc} of {id}: {card}");
            etag = e;
        }
        let act = format!("/api/applications/{id}/actions");
        call(base, APPLICANT, "POST", &act, &etag, Some(json!({"action": "submit"})), &[]).await;
    }
    let (etag, _) = call(base, STAFF, "GET", "/api/applications/3", "", None, &[]).await;
    let act = "/api/applications/3/actions";
    let (etag, _) =
        call(base, STAFF, "POST", act, &etag, Some(json!({"action": "claim", "stage": "intake"})), &[]).await;
    let refuse =
        json!({"action": "refuse", "stage": "intake", "code": "no_capacity", "text": "Нет мощности"});
    let (_, card) = call(base, STAFF, "POST", act, &etag, Some(refuse), &[]).await;
    assert_eq!(card["status"], "refused", "{card}");
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
    user(&db, STAFF, &["reviewer"], Some("almaty-akimat"), None).await;
    user(&db, APPLICANT, &["applicant"], None, None).await;
    // The city's boundary, which a site must lie in, and the repository's services.
    common::city_boundary(&db.pool).await;
    let services = qala::applications::service::load_dir(&common::repo().join("services")).unwrap();
    qala::applications::sync::sync(&db.pool, &services).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let settings = HttpSettings { attachments_dir: files.path().join("attachments"), ..Default::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::with_settings(db.pool.clone(), Catalog::new(layers), settings)
        .with_public_url(&base)
        .with_applications(std::sync::Arc::new(Registry::new(services, Calendar::new())))
        .with_eds(nca_test_verifier());
    tokio::spawn(qala::http::serve_listener(state, listener, std::future::pending()));
    applications(&base).await;

    let admin = format!("{ADMIN}:{ADMIN}-password");
    let admin = Some(admin.as_str());
    let applicant = format!("{APPLICANT}:{APPLICANT}-password");
    let (api, ogc) = (("/api/openapi.json", "api.toml"), ("/ogc/api", "ogc.toml"));
    // An operation's name is its method and path: `PATCH /api/admin/users/{login}`.
    let self_edits =
        [names("--include-name", SELF_EDITS), vec!["--phases".into(), "coverage,fuzzing".into()]].concat();
    let runs = [
        (api, "anonymous", None, vec![]),
        (api, "administrator", admin, names("--exclude-name", SELF_EDITS)),
        (api, "administrator, user changes without the stateful phase", admin, self_edits),
        // The applicant of the draft (id 1), which only it may change, add files to and submit.
        (
            api,
            "applicant, applications",
            Some(applicant.as_str()),
            vec!["--include-tag".into(), "applications".into()],
        ),
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

/// An EDS verifier with NCA's test CAs and CRLs (offline), as `qala serve` has by default.
fn nca_test_verifier() -> qala::eds::Verifier {
    let eds = common::open_data().join("eds");
    qala::eds::Verifier::new(qala::eds::EdsConfig {
        roots: vec![eds.join("ca")],
        crl_dirs: vec![eds.join("crl")],
        ocsp_url: None,
        fetch_crls: false,
        unknown_revocation: qala::eds::UnknownRevocationPolicy::Refuse,
        timeout: std::time::Duration::from_secs(2),
    })
    .unwrap()
}
