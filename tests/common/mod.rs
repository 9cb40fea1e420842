//! Test support: one throwaway PostgreSQL/PostGIS cluster per `make test` run (Qala's own cluster
//! code starts it), a migrated template database, and a fresh database per test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod apps;
pub mod pki;
pub mod procs;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use qala::auth::Caller;
use qala::layers::catalog::{LayerDef, parse_layer};
use sqlx::PgPool;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The open data beside the repository (`../shared/data`); tests that need it fail loudly without.
pub fn open_data() -> PathBuf {
    let p = std::env::var("QALA_OPEN_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("../shared/data"));
    assert!(p.join("kato").exists(), "open data not found at {} (set QALA_OPEN_DATA_DIR)", p.display());
    p
}

/// Data directory of the test cluster (`target/test-var` unless QALA_TEST_DATA_DIR says otherwise).
pub fn test_data_dir() -> PathBuf {
    std::env::var("QALA_TEST_DATA_DIR").map(PathBuf::from).unwrap_or_else(|_| repo().join("target/test-var"))
}

/// Port of the test cluster, started on first use (under the cluster's own file lock).
pub fn cluster_port() -> u16 {
    static PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    *PORT.get_or_init(|| {
        let c = qala::db::cluster::Cluster::new(&test_data_dir()).expect("cluster");
        c.start().expect("the test cluster must start").0
    })
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, migrated database of its own for one test.
pub struct TestDb {
    pub pool: PgPool,
    pub url: String,
    pub name: String,
}

pub async fn test_db() -> TestDb {
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("warn,qala=info").try_init();
    let port = cluster_port();
    let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let admin = qala::db::connect(&admin_url, 2).await.unwrap();
    // Build the migrated template once per cluster, serialised by an advisory lock.
    let mut conn = admin.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock(727272)").execute(&mut *conn).await.unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'qala_test_template')")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    if !exists {
        sqlx::query("CREATE DATABASE qala_test_template").execute(&mut *conn).await.unwrap();
        let t = qala::db::connect(&format!("postgres://postgres@127.0.0.1:{port}/qala_test_template"), 1)
            .await
            .unwrap();
        qala::db::migrate(&t).await.unwrap();
        t.close().await;
    }
    let name = format!("t_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), nanos());
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE qala_test_template"))
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_unlock(727272)").execute(&mut *conn).await.unwrap();
    drop(conn);
    admin.close().await;
    let url = format!("postgres://postgres@127.0.0.1:{port}/{name}");
    let pool = qala::db::connect(&url, 8).await.unwrap();
    // Migrations are idempotent on the template copy; run them as the server would.
    qala::db::migrate(&pool).await.unwrap();
    TestDb { pool, url, name }
}

fn nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
}

/// The test layer of `tests/fixtures/layers/valid_layer.toml` (id `parcels`).
pub fn parcels_layer() -> LayerDef {
    parse_layer("parcels.toml", include_str!("../fixtures/layers/valid_layer.toml")).unwrap()
}

/// A layer from a TOML text (file name `<id>.toml`).
pub fn layer_from(id: &str, text: &str) -> LayerDef {
    parse_layer(&format!("{id}.toml"), text).unwrap()
}

/// A point layer `places` with name (required), floors (integer) and kind (enum), public or not.
pub fn places_layer(public: bool) -> LayerDef {
    let access = if public { "public = true" } else { "public = false\nroles = [\"editor\"]" };
    layer_from("places", &places_toml("places", "", access, ""))
}

/// The file of a point layer `id` like `places` (name required, floors 1-100, kind enum), with
/// `extra` lines at the top level (before `[access]`), `access` lines, and `tail` at its end.
pub fn places_toml(id: &str, extra: &str, access: &str, tail: &str) -> String {
    format!(
        r#"
id = "{id}"
theme = "test"
geometry = "point"
{extra}
title = {{ kk = "Орындар", ru = "Места", en = "Places" }}
[access]
{access}
[metadata]
source = "tests"
date = "2026-11-22"
owner = "Qala tests"
licence = "CC0-1.0"
accuracy = "1 m"
source_crs = "EPSG:4326"
description = "test layer"
synthetic = true
[[attributes]]
name = "name"
type = "string"
required = true
label = {{ kk = "Атауы", ru = "Название", en = "Name" }}
[[attributes]]
name = "floors"
type = "integer"
min = 1
max = 100
label = {{ kk = "Қабат", ru = "Этажи", en = "Floors" }}
[[attributes]]
name = "kind"
type = "enum"
values = ["school", "clinic"]
label = {{ kk = "Түрі", ru = "Вид", en = "Kind" }}
{tail}
"#
    )
}

/// Writes layers into the database.
/// The city of Almaty as a KATO unit with a simple boundary (76.7-77.2 E, 43.0-43.5 N): the
/// boundary an application's site must lie in.
pub async fn city_boundary(pool: &PgPool) {
    sqlx::raw_sql(
        "INSERT INTO kato_units (code, level, name_ru, name_kk, name_en, source) VALUES ('750000000', 1, 'г.Алматы', 'Алматы қаласы', 'Almaty', 'test');
         INSERT INTO kato_boundaries (code, geom, area_m2, source)
           VALUES ('750000000', ST_Multi(ST_MakeEnvelope(76.7, 43.0, 77.2, 43.5, 4326)), 1, 'test');",
    )
    .execute(pool)
    .await
    .unwrap();
}

pub async fn sync_layers(pool: &PgPool, layers: &[LayerDef]) {
    qala::layers::sync::sync(pool, layers).await.unwrap();
}

/// The router over `pool` with `layers`, for requests without a socket.
pub fn app(pool: &PgPool, layers: Vec<LayerDef>) -> axum::Router {
    qala::http::app(qala::http::AppState::new(pool.clone(), qala::layers::Catalog::new(layers)))
}

/// GET `uri` with optional headers; returns status and JSON body.
pub async fn get_json(app: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app.clone().oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
    let json =
        if bytes.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, json)
}

/// GET `uri`; returns status and body text.
pub async fn get_text(app: &axum::Router, uri: &str) -> (u16, String) {
    use tower::ServiceExt;
    let req = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Runs the `qala` binary with `args`, against the test database `db`, in `dir`.
pub fn qala(db: &TestDb, dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", &db.url)
        .env("QALA_LANG", "en")
        .output()
        .expect("qala runs")
}

pub fn anonymous() -> Caller {
    Caller::Anonymous
}

/// A response: status, headers, body.
pub struct Resp {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }
}

/// One request through the router (no socket).
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Resp {
    call_from(app, None, method, uri, headers, body).await
}

/// One request through the router from client address `ip` (as the socket's peer), if any.
pub async fn call_from(
    app: &axum::Router,
    ip: Option<&str>,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Resp {
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let mut req = req.body(axum::body::Body::from(body)).unwrap();
    if let Some(ip) = ip {
        let addr = std::net::SocketAddr::new(ip.parse::<std::net::IpAddr>().unwrap(), 40000);
        req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    }
    let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes().to_vec();
    Resp { status, headers, body }
}

pub fn basic(login: &str) -> (&'static str, String) {
    let token = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{login}:{login}-password"),
    );
    ("authorization", format!("Basic {token}"))
}

/// A user `login` with password `<login>-password`.
pub async fn user(db: &TestDb, login: &str, roles: &[&str], org: Option<&str>, dept: Option<&str>) {
    use qala::auth::store;
    if let Some(o) = org {
        store::upsert_org(&db.pool, o, o).await.unwrap();
        if let Some(d) = dept {
            store::upsert_dept(&db.pool, d, o, d).await.unwrap();
        }
    }
    let input = store::UserInput {
        org: org.map(String::from),
        dept: dept.map(String::from),
        roles: Some(roles.iter().map(|r| r.to_string()).collect()),
        ..Default::default()
    };
    let hash = qala::auth::password::hash(&format!("{login}-password")).unwrap();
    store::insert_user(&db.pool, login, &hash, &input).await.unwrap();
}
