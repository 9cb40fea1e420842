//! Applications over HTTP, shared by the tests that drive a `qala serve` process: the test's world
//! (layers, zones, the city boundary, a polygon variant of `network_connection`, users), the server
//! with its SMTP sink and SMS simulator, and calls as a user (HTTP Basic, `<login>-password`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::procs::{Proc, Simulator, Sink};
use super::{TestDb, user};

/// A valid IIN: eleven digits and their check digit.
pub fn iin() -> String {
    let first = "90010112345";
    let d = qala::applications::service::ids::check_digit(first.as_bytes()).unwrap();
    format!("{first}{d}")
}

/// `network_connection` with a polygon site, routing by the `zones` layer and its overlay.
pub fn service_toml() -> String {
    let text = std::fs::read_to_string(super::repo().join("services/network_connection.toml")).unwrap();
    let text =
        text.replace("[geometry]\nkind = \"point\"", "[geometry]\nkind = \"polygon\"\nmax_area_m2 = 50000");
    assert!(text.contains("kind = \"polygon\""));
    format!(
        "{text}\n[overlay]\nzones = [{{ layer = \"zones\", attribute = \"code\" }}]\nnearby_m = 200\n\n\
         [routing]\nlayer = \"zones\"\nattribute = \"code\"\norgs = {{ a = \"almaty-akimat\", b = \"other-akimat\" }}\nmargin_m = 30\n"
    )
}

/// The same service, named `private_connection`, whose applications the public never sees.
pub fn private_service_toml() -> String {
    let text = service_toml().replace("id = \"network_connection\"", "id = \"private_connection\"");
    let published = "[publish]\npublic = true\nfields = [\"object_kind\", \"floors\"]\ngeometry = true";
    assert!(text.contains(published));
    text.replace(published, "[publish]\npublic = false")
}

pub const ZONES: &str = r#"
id = "zones"
theme = "test"
geometry = "polygon"
title = { kk = "Аймақтар", ru = "Зоны", en = "Zones" }
[access]
public = true
[metadata]
source = "tests"
date = "2026-12-02"
owner = "Qala tests"
licence = "CC0-1.0"
accuracy = "1 m"
source_crs = "EPSG:4326"
description = "two routing zones"
synthetic = true
[[attributes]]
name = "code"
type = "string"
label = { kk = "Код", ru = "Код", en = "Code" }
"#;

/// A square of `side` degrees at (`lon`, `lat`) as a GeoJSON polygon.
pub fn square(lon: f64, lat: f64, side: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]]})
}

/// The test's world: layers (applications, zones), the city boundary, two zones, a service
/// directory and users.
pub async fn world(db: &TestDb, dir: &Path) {
    for d in ["layers", "services"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::copy(super::repo().join("layers/applications.toml"), dir.join("layers/applications.toml"))
        .unwrap();
    std::fs::write(dir.join("layers/zones.toml"), ZONES).unwrap();
    std::fs::write(dir.join("services/network_connection.toml"), service_toml()).unwrap();
    std::fs::write(dir.join("services/private_connection.toml"), private_service_toml()).unwrap();
    let layers = vec![
        super::layer_from(
            "applications",
            &std::fs::read_to_string(dir.join("layers/applications.toml")).unwrap(),
        ),
        super::layer_from("zones", ZONES),
    ];
    super::sync_layers(&db.pool, &layers).await;
    super::city_boundary(&db.pool).await;
    sqlx::raw_sql(
        "INSERT INTO features (layer_id, geom, attrs) VALUES
           ('zones', ST_MakeEnvelope(76.80, 43.10, 76.95, 43.40, 4326), '{\"code\": \"a\"}'),
           ('zones', ST_MakeEnvelope(76.95, 43.10, 77.10, 43.40, 4326), '{\"code\": \"b\"}')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    user(db, "aigerim", &["applicant"], None, None).await;
    user(db, "dana", &["applicant"], None, None).await;
    user(db, "intake", &["reviewer"], Some("almaty-akimat"), None).await;
    user(db, "intake2", &["reviewer"], Some("almaty-akimat"), None).await;
    user(db, "head", &["org_admin", "reviewer"], Some("almaty-akimat"), None).await;
    user(db, "su", &["reviewer"], Some("almaty-su"), Some("networks")).await;
    user(db, "subill", &["reviewer"], Some("almaty-su"), Some("billing")).await;
    user(db, "az", &["reviewer"], Some("alatau-zharyk"), None).await;
    user(db, "gaz", &["reviewer"], Some("qazaqgaz"), None).await;
    user(db, "root", &["admin"], None, None).await;
}

pub struct Server {
    pub _proc: Proc,
    pub base: String,
    pub http: reqwest::Client,
}

pub fn serve(db: &TestDb, dir: &Path, sink: &Sink, sim: &Simulator) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(["--layers-dir", "layers", "--services-dir", "services"])
        .arg("--open-data-dir")
        .arg(super::open_data())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--smtp-url", &sink.url, "--sms-gateway-url", &sim.gateway_url(), "--notify-poll-s", "1"])
        // A short lease: a notification a killed server held is taken again within seconds.
        .args(["--notify-lease-s", "5"])
        .arg("--notify-templates-dir")
        .arg(super::repo().join("notifications"))
        .arg("--styles-dir")
        .arg(super::repo().join("styles"))
        .current_dir(dir)
        .env("DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Server { _proc: Proc(child), base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() }
}

/// Waits (up to 60 s) until `check` holds.
pub async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A response: status, ETag, JSON body.
pub struct R {
    pub status: u16,
    pub etag: String,
    pub body: Value,
}

impl Server {
    pub async fn send(
        &self,
        who: Option<&str>,
        method: &str,
        path: &str,
        etag: Option<&str>,
        body: Option<Value>,
    ) -> R {
        let mut req = self.http.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(w) = who {
            req = req.basic_auth(w, Some(format!("{w}-password")));
        }
        if let Some(e) = etag {
            req = req.header("if-match", e);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let etag = resp.headers().get("etag").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
        R { status, etag, body }
    }

    pub async fn upload(&self, who: &str, id: i64, doc: &str, etag: &str, name: &str, bytes: &[u8]) -> R {
        let resp = self
            .http
            .put(format!("{}/api/applications/{id}/documents/{doc}?name={name}", self.base))
            .basic_auth(who, Some(format!("{who}-password")))
            .header("if-match", etag)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let etag = resp.headers().get("etag").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
        R { status, etag, body }
    }

    pub async fn act(&self, who: &str, id: i64, etag: &str, action: Value) -> R {
        self.send(Some(who), "POST", &format!("/api/applications/{id}/actions"), Some(etag), Some(action))
            .await
    }

    /// A draft of `who` of `service` at `geometry` with its two documents; its id and ETag.
    pub async fn ready_draft(&self, who: &str, service: &str, geometry: Value) -> (i64, String) {
        let body = json!({"service": service, "form": form(), "geometry": geometry});
        let r = self.send(Some(who), "POST", "/api/applications", None, Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        let r = self.upload(who, id, "title_deed", &r.etag, "d.pdf", PDF).await;
        let r = self.upload(who, id, "site_plan", &r.etag, "p.pdf", PDF).await;
        assert_eq!(r.status, 201, "{}", r.body);
        (id, r.etag)
    }

    /// A submitted application of `who` (as [`Server::ready_draft`]); its id and ETag.
    pub async fn submitted(&self, who: &str, service: &str, geometry: Value) -> (i64, String) {
        let (id, etag) = self.ready_draft(who, service, geometry).await;
        let r = self.act(who, id, &etag, json!({"action": "submit"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        (id, r.etag)
    }

    pub async fn card(&self, who: Option<&str>, id: i64) -> R {
        self.send(who, "GET", &format!("/api/applications/{id}"), None, None).await
    }
}

pub fn form() -> Value {
    json!({
        "applicant_kind": "person", "iin": iin(), "full_name": "Айгерим Сапарова", "phone": "+7 701 123 45 67",
        "email": "aigerim@example.kz", "address": "Алматы, Абай д-лы, 10", "cadastral_number": "20:311:011:123",
        "object_kind": "house", "floors": 2, "water_demand": 1.5, "power_demand": 15, "needs_sewerage": false
    })
}

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
