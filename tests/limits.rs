//! The bounds on expensive document paths (issue 12): the render gate (503 + Retry-After),
//! connections per print, image decoding limits, all-or-nothing uploads, exports through
//! temporary files (a slow client holds no connection; over-long XLSX cells are cut and listed),
//! verification of large PDFs, one passport record per content, and public records without
//! staff logins. Against a real PostGIS; GDAL (`ogrinfo`) and poppler (`pdftotext`) check files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Resp, TestDb, basic, call, places_layer, sync_layers, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::{LayerDef, load_dir};
use qala::print::limits::RenderGate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CENTRE: [f64; 2] = [76.9457, 43.2379];

fn demo_layers() -> Vec<LayerDef> {
    load_dir(&common::repo().join("layers")).unwrap()
}

fn app(pool: &sqlx::PgPool, layers: Vec<LayerDef>, settings: HttpSettings) -> axum::Router {
    qala::http::app(AppState::with_settings(pool.clone(), Catalog::new(layers), settings))
}

/// A pool of `max` connections that gives up waiting for one after `wait`.
async fn small_pool(db: &TestDb, max: u32, wait: Duration) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(wait)
        .connect(&db.url)
        .await
        .unwrap()
}

async fn print(app: &axum::Router, body: Value, auth: &[(&str, String)]) -> Resp {
    let mut h = vec![("content-type", "application/json".to_string())];
    h.extend(auth.iter().cloned());
    call(app, "POST", "/api/print", &h, serde_json::to_vec(&body).unwrap()).await
}

/// A place (public point layer) with `name`; its id.
async fn place(db: &TestDb, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO features (layer_id, geom, attrs) VALUES ('places', ST_SetSRID(ST_MakePoint(76.93, 43.24), 4326), $1) RETURNING id",
    )
    .bind(json!({"name": name, "floors": 3}))
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

fn multipart(files: &[(&str, &[u8])]) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let boundary = "qalaLimitsBoundary";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (vec![("content-type", format!("multipart/form-data; boundary={boundary}"))], body)
}

/// A PNG header that claims `w` × `h` pixels (RGBA) followed by a few bytes of pixel data: a
/// decompression bomb's shape, a few dozen bytes that would decode to gigabytes.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &qala::print::deflate(&[0u8; 4096]));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).unwrap();
    // Words as read, whatever the line breaks.
    tool("pdftotext", &[path.to_str().unwrap(), "-"]).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn prints_and_passports_wait_for_a_turn_then_answer_503_with_retry_after() {
    let db = test_db().await;
    let mut layers = demo_layers();
    layers.push(places_layer(true));
    sync_layers(&db.pool, &layers).await;
    let fid = place(&db, "Gate").await;
    let gate = RenderGate::new(1, Duration::from_millis(50));
    let app = app(&db.pool, layers, HttpSettings { render: gate.clone(), ..Default::default() });
    let body = json!({"center": CENTRE, "scale": 2000, "layers": ["buildings"]});
    let passport = format!("/api/layers/places/items/{fid}/passport.pdf");

    let held = gate.try_enter().expect("a free turn");
    let busy = print(&app, body.clone(), &[]).await;
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert_eq!(busy.json()["error"]["code"], "server_busy");
    assert!(busy.header("retry-after").parse::<u64>().unwrap() >= 1);
    let busy = call(&app, "GET", &passport, &[], vec![]).await;
    assert_eq!((busy.status, busy.json()["error"]["code"].clone()), (503, json!("server_busy")));
    assert!(!busy.header("retry-after").is_empty());
    assert_eq!(count(&db, "SELECT count(*) FROM documents").await, 0, "nothing issued while busy");

    drop(held);
    assert_eq!(print(&app, body, &[]).await.status, 200);
    assert_eq!(call(&app, "GET", &passport, &[], vec![]).await.status, 200);
    assert_eq!(gate.available(), 1, "turns are given back");
}

#[tokio::test]
async fn one_print_reads_its_layers_a_few_connections_at_a_time() {
    let db = test_db().await;
    let layers = demo_layers();
    sync_layers(&db.pool, &layers).await;
    let public: Vec<String> = layers.iter().filter(|l| l.access.public).map(|l| l.id.clone()).collect();
    assert!(public.len() >= 6, "{public:?}");
    // Four connections for the whole server; a print reads two layers at a time.
    let pool = small_pool(&db, 4, Duration::from_secs(5)).await;
    let app = app(&pool, layers, HttpSettings { print_connections: 2, ..Default::default() });
    // Every layer's table is locked, so the print's layer queries wait, each on its connection.
    let mut lock = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE features IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
    let printing = tokio::spawn({
        let app = app.clone();
        async move { print(&app, json!({"center": CENTRE, "scale": 2000, "layers": public}), &[]).await }
    });
    let waiting_sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                       AND wait_event_type = 'Lock' AND query LIKE '%FROM \"features_%'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while count(&db, waiting_sql).await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "the print's queries never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // While the print waits, the server still has connections for everyone else.
    let health = call(&app, "GET", "/healthz", &[], vec![]).await;
    assert_eq!(health.status, 200, "{}", health.text());
    assert_eq!(count(&db, waiting_sql).await, 2, "two layer queries at a time");
    lock.commit().await.unwrap();
    let r = printing.await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn decompression_bombs_are_refused_never_decoded() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    let fid = place(&db, "Bomb site").await;
    let files = tempfile::tempdir().unwrap();
    let settings = HttpSettings { attachments_dir: files.path().to_path_buf(), ..Default::default() };
    let app = app(&db.pool, layers, settings);
    let base = format!("/ogc/collections/places/items/{fid}/attachments");
    // 50,000 × 50,000 (10 GB decoded) and 9,000 × 9,000 RGBA (324 MB, under image's own default
    // allocation limit): both refused from their headers.
    for (w, h) in [(50_000, 50_000), (9_000, 9_000)] {
        let (mut hd, body) = multipart(&[("bomb.png", &png_claiming(w, h))]);
        hd.push(basic("ed"));
        let up = call(&app, "POST", &base, &hd, body).await;
        assert_eq!(up.status, 201, "{}", up.text());
        let a = &up.json()["attachments"][0];
        assert_eq!(a["media_type"], "image/png");
        let thumb = call(&app, "GET", &format!("{base}/{}/thumbnail", a["id"]), &[], vec![]).await;
        assert_eq!(thumb.status, 422, "{w}×{h}: {}", thumb.text());
        assert_eq!(thumb.json()["error"]["code"], "image_too_large", "{w}×{h}");
        assert!(
            thumb.json()["error"]["message"].as_str().unwrap().contains("10000 pixels"),
            "{}",
            thumb.text()
        );
    }
    // The passport is made without the photos, and says so in their place.
    let r = call(&app, "GET", &format!("/api/layers/places/items/{fid}/passport.pdf"), &[], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = pdf_text(&r.body);
    assert!(text.contains("Фотография не показана: изображение слишком велико"), "{text}");
    assert!(text.contains("bomb.png"), "{text}");
}

#[tokio::test]
async fn an_upload_request_is_all_or_nothing_and_bounded() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    let fid = place(&db, "Files").await;
    let files = tempfile::tempdir().unwrap();
    let settings = HttpSettings {
        attachments_dir: files.path().to_path_buf(),
        max_upload_bytes: 4096,
        max_upload_request_bytes: 6000,
        max_upload_files: 2,
        ..Default::default()
    };
    let app = app(&db.pool, layers, settings);
    let base = format!("/ogc/collections/places/items/{fid}/attachments");
    let up = |parts: Vec<(&'static str, Vec<u8>)>| {
        let app = app.clone();
        let base = base.clone();
        async move {
            let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
            let (mut h, body) = multipart(&refs);
            h.push(basic("ed"));
            call(&app, "POST", &base, &h, body).await
        }
    };
    type Files = Vec<(&'static str, Vec<u8>)>;
    let cases: Vec<(Files, u16, &str, Option<&str>)> = vec![
        // The second file is over the limit of a file: the first is not kept either.
        (
            vec![("a.txt", b"first".to_vec()), ("b.bin", vec![7; 5000])],
            413,
            "payload_too_large",
            Some("max_upload_bytes"),
        ),
        // Each file fits, both together do not.
        (
            vec![("a.bin", vec![1; 3500]), ("b.bin", vec![2; 3500])],
            413,
            "upload_too_large",
            Some("max_upload_request_bytes"),
        ),
        (
            vec![("a", b"1".to_vec()), ("b", b"2".to_vec()), ("c", b"3".to_vec())],
            413,
            "too_many_files",
            Some("max_upload_files"),
        ),
        (vec![("a.txt", b"first".to_vec()), ("empty.txt", Vec::new())], 400, "bad_request", None),
    ];
    for (parts, status, code, limit) in cases {
        let names: Vec<&str> = parts.iter().map(|p| p.0).collect();
        let r = up(parts.clone()).await;
        assert_eq!(r.status, status, "{names:?}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], code, "{names:?}");
        if let Some(limit) = limit {
            assert_eq!(r.json()["error"]["details"]["limit"], limit, "{names:?}");
            assert!(
                r.json()["error"]["message"].as_str().unwrap().contains("limit") || code == "too_many_files"
            );
        }
        assert_eq!(count(&db, "SELECT count(*) FROM attachments").await, 0, "{names:?}: no row kept");
        assert_eq!(files_under(files.path()), Vec::<std::path::PathBuf>::new(), "{names:?}: no file kept");
    }
    let ok = up(vec![("a.txt", b"first".to_vec()), ("b.txt", b"second".to_vec())]).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(ok.json()["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM attachments").await, 2);
}

/// Places with names; the last one's name has `long` characters.
async fn seed(db: &TestDb, n: usize, long: usize) {
    let mut tx = db.pool.begin().await.unwrap();
    for i in 0..n {
        let name = if i + 1 == n && long > 0 { "ж".repeat(long) } else { format!("Place {i}") };
        sqlx::query("INSERT INTO features (layer_id, geom, attrs) VALUES ('places', ST_SetSRID(ST_MakePoint($1, 43.25), 4326), $2)")
            .bind(76.8 + i as f64 * 1e-4)
            .bind(json!({"name": name, "floors": i % 9 + 1}))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn exports_hold_no_connection_while_a_slow_client_reads() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    seed(&db, 3000, 0).await;
    // One connection for the whole server.
    let pool = small_pool(&db, 1, Duration::from_secs(10)).await;
    let app = app(&pool, layers, HttpSettings::default());
    for format in ["csv", "geojson", "xlsx", "gpkg"] {
        use http_body_util::BodyExt;
        let req = axum::http::Request::get(format!("/ogc/collections/places/export?format={format}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
        assert_eq!(resp.status(), 200, "{format}");
        // The client reads the first bytes (so the export is under way), then nothing more for a
        // while: the export finishes with the database all the same and gives its connection back.
        let mut body = resp.into_body();
        let mut bytes = body.frame().await.unwrap().unwrap().into_data().unwrap().to_vec();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while pool.num_idle() < pool.size() as usize {
            assert!(tokio::time::Instant::now() < deadline, "{format}: the export holds its connection");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let health = call(&app, "GET", "/healthz", &[], vec![]).await;
        assert_eq!(health.status, 200, "{format}: {}", health.text());
        bytes.extend_from_slice(&body.collect().await.unwrap().to_bytes());
        match format {
            "csv" => assert_eq!(String::from_utf8(bytes).unwrap().lines().count(), 3001),
            "geojson" => {
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(v["features"].as_array().unwrap().len(), 3000);
            }
            _ => assert!(
                bytes.len() > 1000 && (bytes.starts_with(b"PK") || bytes.starts_with(b"SQLite format 3"))
            ),
        }
    }
}

#[tokio::test]
async fn xlsx_exports_cut_overlong_texts_and_list_them() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    seed(&db, 5, 40_000).await;
    let long_id: i64 = count(&db, "SELECT max(id) FROM features").await;
    let app = app(&db.pool, layers, HttpSettings::default());
    let r = call(&app, "GET", "/ogc/collections/places/export?format=xlsx&lang=en", &[], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("qala-truncated-cells"), "1");
    assert_eq!(r.header("content-length"), r.body.len().to_string());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.xlsx");
    std::fs::write(&path, &r.body).unwrap();
    let path = path.to_str().unwrap();
    // GDAL reads both sheets: the data, with the long name cut and marked, and the notes.
    let out = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", path])
        .env("OGR_XLSX_HEADERS", "FORCE")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Layer name: places") && text.contains("Layer name: notes"),
        "{}",
        &text[..2000.min(text.len())]
    );
    let cut = text.lines().find(|l| l.contains("Name (String) = жжж")).expect("the long name");
    let value = cut.split(" = ").nth(1).unwrap();
    assert_eq!(value.chars().count(), 32_767);
    assert!(value.ends_with("[…]"), "{}", &value[value.len() - 20..]);
    let notes = &text[text.find("Layer name: notes").unwrap()..];
    assert!(
        notes.contains(&format!("id (Integer) = {long_id}"))
            || notes.contains(&format!("id (Real) = {long_id}")),
        "{notes}"
    );
    assert!(notes.contains("40000") && notes.contains("Name"), "{notes}");

    // A filter the data cannot evaluate is the caller's mistake in every format.
    for format in ["csv", "xlsx", "geojson", "gpkg"] {
        let q = qala::features::query::urlencode("floors / 0 > 1");
        let r = call(
            &app,
            "GET",
            &format!("/ogc/collections/places/export?format={format}&filter={q}"),
            &[],
            vec![],
        )
        .await;
        assert_eq!(r.status, 400, "{format}: {}", r.text());
        let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(msg.contains("division by zero") && !msg.contains("ERROR"), "{msg}");
    }
}

#[tokio::test]
async fn verification_streams_pdfs_larger_than_2_mb() {
    let db = test_db().await;
    let settings = HttpSettings { max_upload_bytes: 4 << 20, ..Default::default() };
    let app = app(&db.pool, Vec::new(), settings);
    // A 3 MB document with a known hash, recorded as the server records what it issues.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let sha: String = Sha256::digest(&pdf).iter().map(|b| format!("{b:02x}")).collect();
    let code = "ABCD-EFGH-JKMN";
    let issuer = qala::print::store::Issuer::default();
    let doc = qala::print::store::NewDocument {
        code,
        kind: "print",
        sha256: &sha,
        size: pdf.len(),
        title: "large",
        subject: &json!({}),
        issuer: &issuer,
        issued_at: chrono::Utc::now(),
        content_key: None,
    };
    assert!(qala::print::store::record_document(&db.pool, &doc).await.unwrap());
    // Through the page's form (multipart) and as a raw body.
    let (h, body) = multipart(&[("large.pdf", &pdf)]);
    let page = call(&app, "POST", &format!("/verify/{code}?lang=en"), &h, body).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("data-compare=\"match\""), "{}", page.text());
    let ct = ("content-type", "application/pdf".to_string());
    let raw = call(&app, "POST", &format!("/verify/{code}"), std::slice::from_ref(&ct), pdf.clone()).await;
    assert!(raw.text().contains("data-compare=\"match\""));
    // Beyond the upload limit: 413 as JSON, for both.
    let mut big = pdf.clone();
    big.extend(vec![0u8; 2 << 20]);
    let (h, body) = multipart(&[("big.pdf", &big)]);
    let r = call(&app, "POST", &format!("/verify/{code}"), &h, body).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (413, json!("payload_too_large")));
    let r = call(&app, "POST", &format!("/verify/{code}"), &[ct], big).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (413, json!("payload_too_large")));
}

#[tokio::test]
async fn a_passport_is_recorded_once_per_content() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "clerk", &["viewer"], Some("akimat"), Some("archive")).await;
    user(&db, "boss", &["admin"], None, None).await;
    let fid = place(&db, "Школа №1").await;
    let app = app(&db.pool, layers, HttpSettings::default());
    let uri = format!("/api/layers/places/items/{fid}/passport.pdf");
    let docs = || count(&db, "SELECT count(*) FROM documents");

    let first = call(&app, "GET", &uri, &[], vec![]).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = call(&app, "GET", &uri, &[], vec![]).await;
    assert_eq!(again.header("qala-document"), first.header("qala-document"));
    assert_eq!(again.body, first.body, "the recorded document, byte for byte");
    assert_eq!(docs().await, 1);
    let sha: String = Sha256::digest(&again.body).iter().map(|b| format!("{b:02x}")).collect();
    let record =
        call(&app, "GET", &format!("/api/documents/{}", first.header("qala-document")), &[], vec![]).await;
    assert_eq!(record.json()["sha256"], sha);

    // Another issuer, a new version of the object, a revoked record: new records.
    let clerk = call(&app, "GET", &uri, &[basic("clerk")], vec![]).await;
    assert_ne!(clerk.header("qala-document"), first.header("qala-document"));
    assert_eq!(
        call(&app, "GET", &uri, &[basic("clerk")], vec![]).await.header("qala-document"),
        clerk.header("qala-document")
    );
    assert_eq!(docs().await, 2);
    sqlx::query("UPDATE features SET attrs = attrs || '{\"floors\": 4}' WHERE id = $1")
        .bind(fid)
        .execute(&db.pool)
        .await
        .unwrap();
    let changed = call(&app, "GET", &uri, &[], vec![]).await;
    assert_ne!(changed.header("qala-document"), first.header("qala-document"));
    assert_eq!(docs().await, 3);
    let body = serde_json::to_vec(&json!({"reason": "superseded"})).unwrap();
    let revoke = format!("/api/documents/{}/revoke", changed.header("qala-document"));
    let ct = ("content-type", "application/json".to_string());
    assert_eq!(call(&app, "POST", &revoke, &[ct, basic("boss")], body).await.status, 200);
    let after = call(&app, "GET", &uri, &[], vec![]).await;
    assert_ne!(after.header("qala-document"), changed.header("qala-document"));
    assert_eq!(docs().await, 4);
}

#[tokio::test]
async fn public_document_records_do_not_name_staff() {
    let db = test_db().await;
    let layers = demo_layers();
    sync_layers(&db.pool, &layers).await;
    user(&db, "engineer", &["editor"], Some("almaty-su"), Some("networks")).await;
    user(&db, "boss", &["admin"], None, None).await;
    user(&db, "su-admin", &["org_admin"], Some("almaty-su"), None).await;
    user(&db, "other", &["viewer"], Some("akimat"), None).await;
    let app = app(&db.pool, layers, HttpSettings::default());
    let r =
        print(&app, json!({"center": CENTRE, "scale": 2000, "layers": ["buildings"]}), &[basic("engineer")])
            .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let code = r.header("qala-document");
    let body = serde_json::to_vec(&json!({"reason": "replaced"})).unwrap();
    let ct = ("content-type", "application/json".to_string());
    let revoked =
        call(&app, "POST", &format!("/api/documents/{code}/revoke"), &[ct, basic("boss")], body).await;
    assert_eq!(revoked.status, 200);
    assert_eq!(revoked.json()["revoked_by"], "boss", "the administrator sees who revoked");

    let uri = format!("/api/documents/{code}");
    for who in [None, Some("other")] {
        let auth: Vec<_> = who.map(basic).into_iter().collect();
        let public = call(&app, "GET", &uri, &auth, vec![]).await;
        assert_eq!(public.status, 200);
        let text = public.text();
        assert!(!text.contains("engineer") && !text.contains("boss"), "{who:?}: {text}");
        assert_eq!(public.json()["issued_by"], "almaty-su · networks", "{text}");
        assert_eq!(public.json()["status"], "revoked");
    }
    for lang in ["kk", "ru", "en"] {
        let page = call(&app, "GET", &format!("/verify/{code}?lang={lang}"), &[], vec![]).await.text();
        assert!(
            page.contains("almaty-su · networks") && !page.contains("engineer") && !page.contains("boss"),
            "{page}"
        );
    }
    let pdf = pdf_text(&r.body);
    assert!(!pdf.contains("engineer"), "{pdf}");
    for who in ["boss", "engineer", "su-admin"] {
        let staff = call(&app, "GET", &uri, &[basic(who)], vec![]).await.json();
        assert_eq!(staff["issuer"], "engineer", "{who} may see the login");
    }
}

#[tokio::test]
async fn callers_mistakes_in_documents_are_400s_in_json() {
    let db = test_db().await;
    let layers = demo_layers();
    sync_layers(&db.pool, &layers).await;
    user(&db, "boss", &["admin"], None, None).await;
    let app = app(&db.pool, layers, HttpSettings::default());
    let cases = [
        (json!({"center": CENTRE, "scale": 2000, "title": "a\u{0}b"}), "control characters"),
        (json!({"center": [-170.0, 10.0], "scale": 2000, "crs": "EPSG:32643"}), "outside the area"),
        (json!({"center": [76.9, -60.0], "scale": 2000, "crs": "EPSG:28413"}), "outside the area"),
    ];
    for (body, needle) in cases {
        let r = print(&app, body.clone(), &[]).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(needle), "{body}: {}", r.text());
    }
    // A body over the limit is a JSON error too.
    let big = vec![b' '; 3 << 20];
    let r = call(&app, "POST", "/api/print", &[("content-type", "application/json".into())], big).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (413, json!("payload_too_large")),
        "{}",
        r.text()
    );
    assert_eq!(count(&db, "SELECT count(*) FROM documents").await, 0);

    let ok = print(&app, json!({"center": CENTRE, "scale": 2000, "layers": ["buildings"]}), &[]).await;
    let revoke = format!("/api/documents/{}/revoke", ok.header("qala-document"));
    for reason in ["bad\u{0}reason", "", &"x".repeat(1001)] {
        let body = serde_json::to_vec(&json!({ "reason": reason })).unwrap();
        let ct = ("content-type", "application/json".to_string());
        let r = call(&app, "POST", &revoke, &[ct, basic("boss")], body).await;
        assert_eq!(r.status, 400, "{reason:?}: {}", r.text());
    }
    let record =
        call(&app, "GET", &format!("/api/documents/{}", ok.header("qala-document")), &[], vec![]).await;
    assert_eq!(record.json()["status"], "valid");
}

// issue 16: limits under abuse. Each limit hit on purpose answers its 4xx (or 408/503) with the
// message in the caller's language (and `Retry-After` where waiting helps), and the server keeps
// answering others: `/healthz` and a tile after each.

/// The tile of places over the centre of Almaty at zoom 10.
const TILE: &str = "/tiles/places/10/730/375.mvt";

async fn still_serving(app: &axum::Router, case: &str) {
    let h = call(app, "GET", "/healthz", &[], vec![]).await;
    assert_eq!(h.status, 200, "{case}: health {}", h.text());
    let t = call(app, "GET", TILE, &[], vec![]).await;
    assert!(t.status == 200 || t.status == 204, "{case}: tile {} {}", t.status, t.text());
}

fn lang_of(l: &str) -> qala::i18n::Lang {
    qala::i18n::Lang::parse(l).unwrap()
}

#[tokio::test]
async fn each_rate_limit_class_answers_429_with_retry_after_in_the_callers_language() {
    use qala::http::limits::{LimitClock, Rate, RateLimitSettings};
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    user(&db, "ed2", &["editor"], None, None).await;
    let fid = place(&db, "Quota").await;
    let one = Rate { per_minute: 1, burst: 1 };
    let json_ct = ("content-type", "application/json".to_string());
    let geo = ("content-type", "application/geo+json".to_string());
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.93, 43.24]},
                         "properties": {"name": "n", "floors": 1}})
    .to_string()
    .into_bytes();
    // (class, language, method, path, headers, body)
    type Case = (&'static str, &'static str, &'static str, String, Vec<(&'static str, String)>, Vec<u8>);
    let cases: Vec<Case> = vec![
        ("login", "kk", "POST", "/api/auth/login".into(), vec![json_ct.clone()], b"{}".to_vec()),
        ("basic", "ru", "GET", "/ogc/collections".into(), vec![basic("nobody")], vec![]),
        ("print", "en", "POST", "/api/print".into(), vec![json_ct.clone()], b"{}".to_vec()),
        ("passport", "kk", "GET", format!("/api/layers/places/items/{fid}/passport.pdf?x=1"), vec![], vec![]),
        ("verify_upload", "ru", "POST", "/verify/ABCD-EFGH-JKMN".into(), vec![json_ct.clone()], vec![1]),
        ("export", "en", "GET", "/ogc/collections/places/export?format=csv".into(), vec![], vec![]),
        ("search", "kk", "GET", "/api/search?q=Quota".into(), vec![], vec![]),
        (
            "write",
            "ru",
            "POST",
            "/ogc/collections/places/items".into(),
            vec![basic("ed"), geo.clone()],
            feature.clone(),
        ),
    ];
    for (class, l, method, path, mut headers, body) in cases {
        let clock = LimitClock::manual();
        let mut limits = RateLimitSettings { clock: clock.clone(), ..Default::default() };
        match class {
            "login" => limits.login = one,
            "basic" => limits.basic = one,
            "print" => limits.print = one,
            "passport" => limits.passport = one,
            "verify_upload" => limits.verify_upload = one,
            "export" => limits.export = one,
            "search" => limits.search = one,
            _ => limits.write = one,
        }
        let app = app(&db.pool, layers.clone(), HttpSettings { rate_limits: limits, ..Default::default() });
        headers.push(("accept-language", l.to_string()));
        let first = call(&app, method, &path, &headers, body.clone()).await;
        assert_ne!(first.status, 429, "{class}: the first is within the quota: {}", first.text());
        let over = call(&app, method, &path, &headers, body.clone()).await;
        assert_eq!(over.status, 429, "{class}: {}", over.text());
        assert_eq!(over.json()["error"]["code"], "too_many_requests", "{class}");
        assert_eq!(
            over.json()["error"]["message"],
            qala::i18n::Msg::TooManyRequests.text(lang_of(l)),
            "{class}: in the caller's language"
        );
        assert_eq!(over.header("retry-after"), "60", "{class}: one a minute, the next in 60 s");
        still_serving(&app, class).await;
        clock.advance(Duration::from_secs(60));
        let again = call(&app, method, &path, &headers, body).await;
        assert_ne!(again.status, 429, "{class}: the quota refills on the clock");
    }

    // Writes are counted per account too: the same credentials from another address are refused,
    // another account from a third address writes.
    let clock = LimitClock::manual();
    let limits = RateLimitSettings { write: Rate { per_minute: 2, burst: 2 }, clock, ..Default::default() };
    let app = app(&db.pool, layers.clone(), HttpSettings { rate_limits: limits, ..Default::default() });
    let w = |ip: &'static str, who: &'static str| {
        let (app, body, geo) = (app.clone(), feature.clone(), geo.clone());
        async move {
            common::call_from(
                &app,
                Some(ip),
                "POST",
                "/ogc/collections/places/items",
                &[basic(who), geo],
                body,
            )
            .await
        }
    };
    assert_eq!(w("192.0.2.1", "ed").await.status, 201);
    assert_eq!(w("192.0.2.1", "ed").await.status, 201);
    assert_eq!(w("192.0.2.2", "ed").await.status, 429, "the account's quota is spent");
    assert_eq!(w("192.0.2.3", "ed2").await.status, 201, "another account has its own");
}

#[tokio::test]
async fn oversized_deep_and_complex_inputs_are_refused_with_the_limit_named() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    user(&db, "root", &["admin"], None, None).await;
    let app = app(&db.pool, layers, HttpSettings::default());
    let geo = ("content-type", "application/geo+json".to_string());
    let json_ct = ("content-type", "application/json".to_string());
    let big = {
        let mut b = br#"{"type": "Feature", "properties": {"name": ""#.to_vec();
        b.extend(std::iter::repeat_n(b'x', 3 << 20));
        b.extend(br#""}}"#);
        b
    };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000)).into_bytes();
    let points: Vec<[f64; 2]> = (0..=qala::features::geojson::MAX_VERTICES)
        .map(|i| [76.9 + (i % 1000) as f64 * 1e-5, 43.2])
        .collect();
    let many = json!({"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": points},
                      "properties": {"name": "many", "floors": 1}})
    .to_string()
    .into_bytes();
    assert!(many.len() < qala::http::limits::MAX_BODY_BYTES, "the vertices, not the size, are refused");
    let long_filter = qala::features::query::urlencode(&format!("name = '{}'", "ж".repeat(9000)));
    // (case, language, method, path, headers, body, status, code, words of the message)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        String,
        Vec<(&'static str, String)>,
        Vec<u8>,
        u16,
        &'static str,
        &'static str,
    );
    let items = "/ogc/collections/places/items".to_string();
    let cases: Vec<Case> = vec![
        (
            "feature body over 2 MiB",
            "ru",
            "POST",
            items.clone(),
            vec![basic("ed"), geo.clone()],
            big.clone(),
            413,
            "body_too_large",
            "Тело запроса слишком большое",
        ),
        (
            "login body over 2 MiB",
            "kk",
            "POST",
            "/api/auth/login".into(),
            vec![json_ct.clone()],
            big.clone(),
            413,
            "payload_too_large",
            "",
        ),
        (
            "maintenance body over 64 KiB",
            "en",
            "POST",
            "/api/admin/maintenance".into(),
            vec![basic("root"), json_ct.clone()],
            big.clone(),
            413,
            "payload_too_large",
            "",
        ),
        (
            "10,000 nested arrays",
            "en",
            "POST",
            items.clone(),
            vec![basic("ed"), geo.clone()],
            deep.clone(),
            400,
            "bad_request",
            "recursion limit",
        ),
        (
            "10,000 nested objects",
            "en",
            "POST",
            items.clone(),
            vec![basic("ed"), geo.clone()],
            deep_object.clone(),
            400,
            "bad_request",
            "recursion limit",
        ),
        (
            "more vertices than MAX_VERTICES",
            "en",
            "POST",
            items.clone(),
            vec![basic("ed"), geo.clone()],
            many,
            400,
            "invalid_feature",
            "100000 vertices",
        ),
        (
            "CQL2 filter over 16 KiB",
            "kk",
            "GET",
            format!("{items}?filter={long_filter}"),
            vec![],
            vec![],
            400,
            "filter_too_long",
            "Сүзгі тым ұзын",
        ),
    ];
    for (case, l, method, path, mut headers, body, status, code, words) in cases {
        headers.push(("accept-language", l.to_string()));
        let r = call(&app, method, &path, &headers, body).await;
        assert_eq!(r.status, status, "{case}: {}", &r.text()[..r.text().len().min(500)]);
        let e = &r.json()["error"];
        assert_eq!(e["code"], code, "{case}: {e}");
        let whole = format!("{} {}", e["message"], e["details"]);
        assert!(whole.contains(words), "{case}: {whole}");
        still_serving(&app, case).await;
    }
    assert_eq!(count(&db, "SELECT count(*) FROM features").await, 0, "nothing was written");
}

/// Reads from `s` until the server closes it or `within` passes; the bytes read and whether it
/// closed.
async fn read_until_closed(s: &mut tokio::net::TcpStream, within: Duration) -> (String, bool) {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_process_cuts_slow_clients_and_cancels_heavy_statements_while_serving_others() {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let db = test_db().await;
    let data = tempfile::tempdir().unwrap();
    let extra: Vec<String> =
        ["--statement-timeout-s", "1", "--request-timeout-s", "3"].iter().map(|s| s.to_string()).collect();
    let (_server, url) = common::procs::qala_serve(&db.url, data.path(), &extra);
    let addr = url.trim_start_matches("http://").to_string();
    let client = reqwest::Client::new();
    let get =
        |path: &str, lang: &str| client.get(format!("{url}{path}")).header("accept-language", lang).send();
    assert_eq!(get("/healthz", "en").await.unwrap().status(), 200);

    // Slow headers (slowloris): a header line every half second, never the blank line. The
    // server's header timeout (10 s) closes the connection whatever trickles in.
    let slowloris = tokio::spawn({
        let addr = addr.clone();
        async move {
            let started = std::time::Instant::now();
            let mut s = TcpStream::connect(&addr).await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: qala\r\n").await.unwrap();
            loop {
                if started.elapsed() > Duration::from_secs(25) {
                    return None;
                }
                if s.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return Some(started.elapsed());
                }
                let (_, closed) = read_until_closed(&mut s, Duration::from_millis(500)).await;
                if closed {
                    return Some(started.elapsed());
                }
            }
        }
    });

    // A body trickled a byte at a time: the request timeout (3 s) answers 408 in Russian.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/auth/login HTTP/1.1\r\nHost: qala\r\nAccept-Language: ru\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let trickle = async {
        for _ in 0..40 {
            if s.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), trickle).await;
    let (answer, _) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("Запрос выполнялся слишком долго"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "cut by the request timeout, {:?}",
        started.elapsed()
    );
    assert_eq!(get("/healthz", "en").await.unwrap().status(), 200);

    // A heavy request: its query waits (here on a lock held by the test) until PostgreSQL cancels
    // it at the statement timeout (1 s); meanwhile others are answered.
    let mut lock = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE features IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
    let heavy = tokio::spawn(get("/ogc/collections/buildings/items?limit=1000", "kk"));
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                   AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while count(&db, waiting).await < 1 {
        assert!(tokio::time::Instant::now() < deadline, "the heavy query never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let during = get("/healthz", "en").await.unwrap();
    assert_eq!(during.status(), 200, "others are served while the heavy query runs");
    assert_eq!(get("/api/maintenance", "en").await.unwrap().status(), 200);
    let r = heavy.await.unwrap().unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "statement_timeout", "{body}");
    assert_eq!(body["error"]["message"], qala::i18n::Msg::StatementTimeout.text(qala::i18n::Lang::Kk));
    lock.commit().await.unwrap();
    assert_eq!(count(&db, waiting).await, 0, "the cancelled statement holds nothing");
    let tile = get("/tiles/buildings/10/730/375.mvt", "en").await.unwrap().status().as_u16();
    assert!(tile == 200 || tile == 204, "{tile}");

    // Logins at the server's own quota (burst 10): the address is answered 429 with Retry-After.
    let mut refused = None;
    for _ in 0..15 {
        let r = client
            .post(format!("{url}/api/auth/login"))
            .header("content-type", "application/json")
            .header("accept-language", "kk")
            .body(json!({"login": "nobody", "password": "guess"}).to_string())
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            refused = Some(r);
            break;
        }
    }
    let refused = refused.expect("logins are limited");
    assert!(refused.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(get("/healthz", "en").await.unwrap().status(), 200);

    let closed_after = slowloris.await.unwrap().expect("the slow headers' connection is closed");
    assert!(closed_after < Duration::from_secs(15), "{closed_after:?}");
    assert_eq!(get("/healthz", "en").await.unwrap().status(), 200);
}
