//! Issue 12, OGC API - Features: deep CQL2 filters refused before they exhaust the stack, errors
//! only the database detects answered as the caller's mistakes, concurrent writes on a small pool,
//! the dimensions and attribute rule of written features, Part 4 conformance (OPTIONS, media types,
//! Prefer, timestamps, layers that do not require If-Match), and an OpenAPI document that says
//! what the server does. Against a real PostGIS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, basic, call, layer_from, sync_layers, test_db, user};
use qala::layers::catalog::{LayerDef, parse_layer};
use serde_json::{Value, json};

/// A public point layer `id` like the common `places`, with `extra` top-level lines and `tail`.
fn layer_toml(id: &str, extra: &str, tail: &str) -> String {
    common::places_toml(id, extra, "public = true", tail)
}

fn places() -> LayerDef {
    layer_from("places", &layer_toml("places", "", ""))
}

fn enc(s: &str) -> String {
    qala::features::query::urlencode(s)
}

fn geo() -> (&'static str, String) {
    ("content-type", "application/geo+json".to_string())
}

fn point(lon: f64, lat: f64, name: &str) -> Vec<u8> {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"name": name, "floors": 3}})
        .to_string()
        .into_bytes()
}

async fn seed(db: &TestDb, layer: &str, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO features (layer_id, geom, attrs) VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326), $4) RETURNING id",
        )
        .bind(layer)
        .bind(76.80 + (i % 20) as f64 * 0.01)
        .bind(43.20 + (i / 20) as f64 * 0.01)
        .bind(json!({"name": format!("Place {i}"), "floors": (i % 9) + 1}))
        .fetch_one(&db.pool)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

async fn app_with(db: &TestDb, layers: Vec<LayerDef>) -> axum::Router {
    sync_layers(&db.pool, &layers).await;
    common::app(&db.pool, layers)
}

// ------------------------------------------------------------------ 1. deep filters

/// The filters that exhausted the stack (and killed the whole process) before issue 12, with the
/// error code each now gets.
fn deep_filters() -> Vec<(&'static str, String, &'static str)> {
    let nested_json = format!(
        "{}{{\"op\": \"=\", \"args\": [{{\"property\": \"floors\"}}, 1]}}{}",
        "{\"op\": \"not\", \"args\": [".repeat(300),
        "]}".repeat(300)
    );
    vec![
        ("cql2-text", format!("{}floors = 1{}", "(".repeat(3000), ")".repeat(3000)), "filter_too_complex"),
        ("cql2-text", format!("{}floors = 1", "NOT ".repeat(3000)), "filter_too_complex"),
        ("cql2-text", format!("floors = 1{}", " - 1".repeat(3000)), "filter_too_complex"),
        ("cql2-text", vec!["floors=1"; 1100].join(" AND "), "filter_too_complex"),
        ("cql2-text", format!("name = '{}'", "x".repeat(20_000)), "filter_too_long"),
        ("cql2-json", nested_json, "filter_too_complex"),
    ]
}

/// Runs in a child process (see the test below): on the code before issue 12 it died of a stack
/// overflow, which would have aborted the whole test binary.
#[tokio::test]
#[ignore = "run by deep_filters_get_400_and_the_server_keeps_serving in a child process"]
async fn deep_filters_child() {
    let db = test_db().await;
    let app = app_with(&db, vec![places()]).await;
    seed(&db, "places", 10).await;
    for (lang, filter, code) in deep_filters() {
        let uri = format!("/ogc/collections/places/items?filter-lang={lang}&filter={}", enc(&filter));
        let r = call(&app, "GET", &uri, &[("accept-language", "ru".into())], vec![]).await;
        assert_eq!(r.status, 400, "{lang} {}…: {}", &filter[..40], r.text());
        let e = r.json();
        assert_eq!(e["error"]["code"], code, "{e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("Фильтр слишком"), "a Russian message: {msg}");
        let limit = if code == "filter_too_long" { "16384" } else { "> " };
        assert!(msg.contains(limit), "the message says the limit: {msg}");
    }
    // Filters just inside the bounds are answered on this thread's 2 MiB stack (a debug build,
    // where frames are largest): the bounds leave room.
    let nested_json = |n: usize| {
        format!(
            "{}{{\"op\": \"=\", \"args\": [{{\"property\": \"floors\"}}, 1]}}{}",
            "{\"op\": \"not\", \"args\": [".repeat(n),
            "]}".repeat(n)
        )
    };
    let at_the_limit = [
        ("cql2-text", format!("{}floors = 1{}", "(".repeat(62), ")".repeat(62))),
        ("cql2-text", format!("{}floors = 1", "NOT ".repeat(62))),
        ("cql2-text", format!("floors = 1{}", " - 1".repeat(62))),
        ("cql2-text", format!("{}floors = 1{}", "NOT (".repeat(31), ")".repeat(31))),
        ("cql2-text", vec!["floors=1"; 1000].join(" AND ")),
        ("cql2-json", nested_json(30)),
    ];
    for (lang, filter) in at_the_limit {
        let uri = format!("/ogc/collections/places/items?filter-lang={lang}&filter={}", enc(&filter));
        let r = call(&app, "GET", &uri, &[], vec![]).await;
        assert_eq!(r.status, 200, "{lang} {}…: {}", &filter[..40], r.text());
    }
    // The server keeps serving, deep-but-reasonable filters included.
    let ok = format!("{}floors = 1 OR floors = 2{}", "(".repeat(20), ")".repeat(20));
    let r =
        call(&app, "GET", &format!("/ogc/collections/places/items?filter={}", enc(&ok)), &[], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["numberReturned"], 3);
    println!("deep filters answered 400");
}

#[test]
fn deep_filters_get_400_and_the_server_keeps_serving() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "deep_filters_child", "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the child died or failed ({:?}):\n{text}", out.status);
    assert!(text.contains("deep filters answered 400") && text.contains("1 passed"), "{text}");
}

// ------------------------------------------------------------------ 2. the caller's mistakes

/// Texts of PostgreSQL and PostGIS errors that must never reach a caller.
const DATABASE_TEXTS: &[&str] = &[
    "ERROR",
    "SQLSTATE",
    "division by zero",
    "operator does not exist",
    "invalid input syntax",
    "field value out of range",
    "requires more points",
    "parse error",
    "lwgeom",
    "violates",
    "constraint",
    "unsupported Unicode escape",
    "invalid byte sequence",
];

#[tokio::test]
async fn errors_only_the_database_detects_are_400_in_the_callers_language() {
    let db = test_db().await;
    let parcels = common::parcels_layer();
    let app = app_with(&db, vec![places(), parcels]).await;
    let ids = seed(&db, "places", 30).await;
    user(&db, "ed", &["editor"], None, None).await;
    // A cursor from a `next` link, edited by hand.
    let page =
        call(&app, "GET", "/ogc/collections/places/items?limit=2&sortby=-floors", &[], vec![]).await.json();
    let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    let cursor = next.split("cursor=").nth(1).unwrap().to_string();
    let edited = qala::features::query::encode_cursor(&["x".into(), "1".into()]);
    let overflowing = qala::features::query::encode_cursor(&["1e400".into(), "1".into()]);
    let f = |filter: &str| format!("/ogc/collections/places/items?filter={}", enc(filter));
    let cases: Vec<(String, &str)> = vec![
        ("/ogc/collections/places/items?datetime=0000-01-01".into(), "invalid_datetime"),
        ("/ogc/collections/places/items?datetime=2020-02-30T00:00:00Z/..".into(), "invalid_datetime"),
        (f("floors / 0 > 1"), "division_by_zero"),
        (f("floors / (floors - floors) > 1"), "division_by_zero"),
        (f("floors LIKE '5%'"), "type_mismatch"),
        (f("name = floors"), "type_mismatch"),
        (f("S_INTERSECTS(geometry, POLYGON((76.9 43.2, 76.95 43.25)))"), "invalid_geometry"),
        (f("updated_at > TIMESTAMP('0000-01-01T00:00:00Z')"), "invalid_datetime"),
        ("/ogc/collections/parcels/items?filter=built%20%3E%20DATE('2020-13-01')".into(), "invalid_datetime"),
        ("/ogc/collections/parcels/items?built=2020-13-01".into(), "invalid_datetime"),
        (
            format!("/ogc/collections/places/items?limit=2&sortby=-floors&cursor={}", enc(&edited)),
            "invalid_cursor",
        ),
        (
            format!("/ogc/collections/places/items?limit=2&sortby=-floors&cursor={}", enc(&overflowing)),
            "invalid_cursor",
        ),
        (format!("/ogc/collections/places/items?limit=2&cursor={cursor}"), "invalid_cursor"),
        ("/ogc/collections/places/items?cursor=nonsense".into(), "invalid_cursor"),
        ("/ogc/collections/places/items?name=a%00b".into(), "nul_character"),
        (f("name = 'a\u{0}b'"), "nul_character"),
        (format!("/ogc/collections/places/items/{}?at=0000-01-01T00:00:00Z", ids[0]), "invalid_datetime"),
    ];
    for (i, (uri, code)) in cases.iter().enumerate() {
        let tag = ["kk", "ru", "en"][i % 3];
        let r = call(&app, "GET", uri, &[("accept-language", tag.into())], vec![]).await;
        assert_eq!(r.status, 400, "{uri}: {}", r.text());
        let e = r.json();
        assert_eq!(e["error"]["code"], *code, "{uri}: {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert_eq!(language_of(msg), tag, "{uri}: {msg}");
        for t in DATABASE_TEXTS {
            assert!(!msg.contains(t), "{uri}: the database's own text `{t}` in {msg}");
        }
    }
    // The unedited cursor still pages.
    let r = call(
        &app,
        "GET",
        &format!("/ogc/collections/places/items?limit=2&sortby=-floors&cursor={cursor}"),
        &[],
        vec![],
    )
    .await;
    assert_eq!((r.status, r.json()["numberReturned"].clone()), (200, json!(2)), "{}", r.text());
    // A NUL character in a written string property is named, in the caller's language.
    let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}, "properties": {"name": "a\u{0}b"}});
    let r = call(
        &app,
        "POST",
        "/ogc/collections/places/items",
        &[basic("ed"), geo(), ("accept-language", "kk".into())],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let e = r.json();
    assert_eq!(e["error"]["code"], "invalid_feature");
    assert!(e["error"]["message"].as_str().unwrap().starts_with("Нысан жарамсыз"), "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "properties.name", "{e}");
    assert!(e["error"]["details"][0]["reason"].as_str().unwrap().contains("NUL"), "{e}");
    // Sorting by a timestamp pages through everything with cursors that the checks accept.
    let mut uri = "/ogc/collections/places/items?limit=7&sortby=-updated_at".to_string();
    let mut seen = 0;
    for _ in 0..10 {
        let r = call(&app, "GET", &uri, &[], vec![]).await;
        assert_eq!(r.status, 200, "{uri}: {}", r.text());
        let page = r.json();
        seen += page["numberReturned"].as_u64().unwrap();
        match page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next") {
            Some(l) => {
                uri = l["href"].as_str().unwrap().split_once("/ogc").map(|(_, p)| format!("/ogc{p}")).unwrap()
            }
            None => break,
        }
    }
    assert_eq!(seen, 30);
}

/// The language a message is written in, by its letters (the part before the first `:`, which is
/// the message of its code; the detail after it may quote the request).
fn language_of(msg: &str) -> &'static str {
    let head = msg.split(':').next().unwrap_or(msg);
    if head.chars().any(|c| "әғқңөұүһіӘҒҚҢӨҰҮҺІ".contains(c)) {
        "kk"
    } else if head.chars().any(|c| ('а'..='я').contains(&c) || ('А'..='Я').contains(&c)) {
        "ru"
    } else {
        "en"
    }
}

// ------------------------------------------------------------------ 3. writes on a small pool

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_concurrent_writes_than_connections_all_complete() {
    let db = test_db().await;
    let layers = vec![places()];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    let ids = seed(&db, "places", 8).await;
    // Three connections, and a short wait for one: a write that holds one and asks for another
    // would starve the others and fail with 503 after 5 s.
    let small = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&db.url)
        .await
        .unwrap();
    let state = qala::http::AppState::new(small, qala::layers::Catalog::new(layers));
    let app = qala::http::app(state);
    // Resolve the credentials once, so that the writes meet in the database, not in Argon2.
    assert_eq!(call(&app, "GET", "/ogc/collections", &[basic("ed")], vec![]).await.status, 200);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(14));
    let mut tasks = Vec::new();
    for i in 0..14usize {
        let (app, barrier) = (app.clone(), barrier.clone());
        let id = ids[i % ids.len()];
        tasks.push(tokio::spawn(async move {
            let mut h = vec![basic("ed"), geo()];
            let (method, uri, body, expect) = match i {
                0..=3 => {
                    h.push(("if-match", "\"v1\"".into()));
                    let b = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2 + i as f64 * 0.001]}, "properties": {"name": format!("put {i}")}});
                    ("PUT", format!("/ogc/collections/places/items/{id}"), b, 200)
                }
                4..=7 => {
                    h.push(("if-match", "\"v1\"".into()));
                    h[1] = ("content-type", "application/merge-patch+json".into());
                    let b = json!({"geometry": {"type": "Point", "coordinates": [76.91, 43.2 + i as f64 * 0.001]}, "properties": {"floors": 7}});
                    ("PATCH", format!("/ogc/collections/places/items/{id}"), b, 200)
                }
                8..=11 => {
                    let b = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.92, 43.2 + i as f64 * 0.001]}, "properties": {"name": format!("post {i}")}});
                    ("POST", "/ogc/collections/places/items".to_string(), b, 201)
                }
                _ => {
                    // Stale: another write got there first.
                    h.push(("if-match", "\"v9\"".into()));
                    let b = json!({"properties": {"floors": 9}});
                    h[1] = ("content-type", "application/merge-patch+json".into());
                    ("PATCH", format!("/ogc/collections/places/items/{id}"), b, 412)
                }
            };
            barrier.wait().await;
            let r = call(&app, method, &uri, &h, body.to_string().into_bytes()).await;
            (i, method, expect, r.status, r.text())
        }));
    }
    for t in tasks {
        let (i, method, expect, status, text) = t.await.unwrap();
        assert_eq!(status, expect, "write {i} ({method}): {text}");
    }
    let posted: i64 = sqlx::query_scalar("SELECT count(*) FROM features WHERE attrs->>'name' LIKE 'post %'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(posted, 4);
}

// ------------------------------------------------------------------ 4. dimensions and the attribute rule

#[tokio::test]
async fn dimensions_a_layer_accepts_are_declared_and_the_rest_refused() {
    let db = test_db().await;
    let heights = layer_from("heights", &layer_toml("heights", "dimensions = \"xyz\"", ""));
    let app = app_with(&db, vec![places(), heights]).await;
    user(&db, "ed", &["editor"], None, None).await;
    let ed = vec![basic("ed"), geo(), ("accept-language", "en".to_string())];
    let body = |coords: Value| {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": coords}, "properties": {"name": "x"}})
            .to_string()
            .into_bytes()
    };
    let reason =
        |r: &common::Resp| r.json()["error"]["details"][0]["reason"].as_str().unwrap_or("").to_string();
    let xyz = json!([76.9, 43.2, 850.0]);
    let xyzm = json!([76.9, 43.2, 850.0, 3.0]);
    let r = call(&app, "POST", "/ogc/collections/places/items", &ed, body(xyz.clone())).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(reason(&r).contains("3 coordinates") && reason(&r).contains("x and y only"), "{}", r.text());
    for layer in ["places", "heights"] {
        let r = call(&app, "POST", &format!("/ogc/collections/{layer}/items"), &ed, body(xyzm.clone())).await;
        assert_eq!(r.status, 400, "{layer}: {}", r.text());
        assert!(reason(&r).contains("no measure"), "{layer}: {}", r.text());
    }
    let r = call(&app, "POST", "/ogc/collections/heights/items", &ed, body(xyz.clone())).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let got = call(&app, "GET", &format!("/ogc/collections/heights/items/{id}"), &[], vec![]).await.json();
    assert_eq!(got["geometry"]["coordinates"], json!([76.9, 43.2]), "the height is accepted and dropped");
    // PUT and PATCH refuse them the same way.
    let r = call(&app, "POST", "/ogc/collections/places/items", &ed, body(json!([76.9, 43.2]))).await;
    let path = format!("/ogc/collections/places/items/{}", r.json()["id"]);
    let mut h = ed.clone();
    h.push(("if-match", "\"v1\"".into()));
    let r = call(&app, "PUT", &path, &h, body(xyz.clone())).await;
    assert_eq!((r.status, reason(&r).contains("x and y only")), (400, true), "{}", r.text());
    h[1] = ("content-type", "application/merge-patch+json".into());
    let patch = json!({"geometry": {"type": "Point", "coordinates": xyzm}}).to_string().into_bytes();
    let r = call(&app, "PATCH", &path, &h, patch).await;
    assert_eq!((r.status, reason(&r).contains("no measure")), (400, true), "{}", r.text());
    let dims: Vec<i32> = sqlx::query_scalar("SELECT ST_NDims(geom)::int FROM features ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(dims, [2, 2], "features are stored in 2D");
}

#[test]
fn layer_file_options_are_validated_like_the_others() {
    let refused =
        |extra: &str, tail: &str| parse_layer("places.toml", &layer_toml("places", extra, tail)).unwrap_err();
    let e = refused("dimensions = \"xyzm\"", "");
    assert_eq!((e.file.as_str(), e.field.as_str()), ("places.toml", "dimensions"), "{e}");
    assert!(e.reason.contains("measure"), "{e}");
    let e = refused("dimensions = \"3d\"", "");
    assert!(e.field == "dimensions" && e.reason.contains("`xy` or `xyz`"), "{e}");
    let e = refused("", "[editing]\nrequire_if_match = \"no\"");
    assert_eq!(e.field, "editing.require_if_match", "{e}");
    let e = refused("", "[editing]\nrequire_etag = false");
    assert_eq!(e.field, "editing.require_etag", "{e}");
    let ok = parse_layer(
        "places.toml",
        &layer_toml("places", "dimensions = \"xyz\"", "[editing]\nrequire_if_match = false"),
    );
    let v = serde_json::to_value(ok.unwrap()).unwrap();
    assert_eq!(
        (v["dimensions"].clone(), v["editing"]["require_if_match"].clone()),
        (json!("xyz"), json!(false))
    );
    let default = serde_json::to_value(places()).unwrap();
    assert_eq!(
        (default["dimensions"].clone(), default["editing"]["require_if_match"].clone()),
        (json!("xy"), json!(true))
    );
}

/// A layer with an unbounded integer, a date and a text, for the attribute rule.
fn counts() -> LayerDef {
    let tail = r#"
[[attributes]]
name = "count"
type = "integer"
label = { kk = "Саны", ru = "Количество", en = "Count" }
[[attributes]]
name = "since"
type = "date"
label = { kk = "Бастап", ru = "С", en = "Since" }
"#;
    layer_from("counts", &layer_toml("counts", "", tail))
}

/// Little-endian WKB of a point.
fn wkb_point(x: f64, y: f64) -> Vec<u8> {
    let mut b = vec![1u8, 1, 0, 0, 0];
    b.extend(x.to_le_bytes());
    b.extend(y.to_le_bytes());
    b
}

#[tokio::test]
async fn one_attribute_rule_on_every_write_path() {
    let db = test_db().await;
    let layer = counts();
    let app = app_with(&db, vec![layer.clone()]).await;
    user(&db, "ed", &["editor"], None, None).await;
    // (attribute, value, what is stored; None when refused)
    let cases: Vec<(&str, Value, Option<Value>)> = vec![
        ("count", json!("5"), Some(json!(5))),
        ("count", json!(" -7 "), Some(json!(-7))),
        ("count", json!(5.0), Some(json!(5))),
        ("count", json!(12), Some(json!(12))),
        ("count", json!("5.5"), None),
        ("count", json!("5 floors"), None),
        ("count", json!("1e3"), None),
        ("count", json!(1e300), None),
        ("count", json!(9_007_199_254_740_993_i64), None),
        ("count", json!(true), None),
        ("since", json!("01.02.1975"), Some(json!("1975-02-01"))),
        ("since", json!("2020-01-01T23:00:00+05:00"), Some(json!("2020-01-01"))),
        ("since", json!("0000-01-01"), None),
        ("since", json!("2020-01-01garbage"), None),
        ("name", json!(5), Some(json!("5"))),
        ("name", json!("a\u{0}b"), None),
    ];
    let info = qala::layers::store::DatasetInfo::default();
    let mut loader = qala::layers::store::BulkLoader::begin(&db.pool, &layer, "tests", &info).await.unwrap();
    let mut posted = Vec::new();
    for (row, (attr, value, _)) in cases.iter().enumerate() {
        let mut props = json!({"name": format!("row {row}")});
        props[*attr] = value.clone();
        loader
            .push(
                row as u64 + 1,
                Some(&format!("k{row}")),
                &wkb_point(76.9, 43.2),
                props.as_object().unwrap(),
            )
            .await
            .unwrap();
        let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}, "properties": props});
        let r = call(
            &app,
            "POST",
            "/ogc/collections/counts/items",
            &[basic("ed"), geo()],
            body.to_string().into_bytes(),
        )
        .await;
        posted.push(r);
    }
    let summary = loader.finish().await.unwrap();
    let rejected: Vec<u64> = summary.rejected.iter().map(|r| r.row).collect();
    for (row, ((attr, value, want), r)) in cases.iter().zip(&posted).enumerate() {
        let row = row as u64 + 1;
        assert_eq!(
            rejected.contains(&row),
            want.is_none(),
            "ingest of {attr} = {value}: {:?}",
            summary.rejected
        );
        assert_eq!(
            r.status,
            if want.is_some() { 201 } else { 400 },
            "POST of {attr} = {value}: {}",
            r.text()
        );
        if let Some(w) = want {
            let by_ingest: Value = sqlx::query_scalar("SELECT attrs->$1 FROM features WHERE source_key = $2")
                .bind(*attr)
                .bind(format!("k{}", row - 1))
                .fetch_one(&db.pool)
                .await
                .unwrap();
            let by_post: Value = sqlx::query_scalar("SELECT attrs->$1 FROM features WHERE id = $2")
                .bind(*attr)
                .bind(r.json()["id"].as_i64().unwrap())
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!((&by_ingest, &by_post), (w, w), "{attr} = {value}");
        } else {
            let reason = r.json()["error"]["details"][0]["reason"].as_str().unwrap().to_string();
            let ingest_reason = &summary.rejected.iter().find(|x| x.row == row).unwrap().reason;
            assert!(ingest_reason.ends_with(&reason), "the same reason: {ingest_reason} / {reason}");
        }
    }
}

// ------------------------------------------------------------------ 5. Part 4 conformance

#[tokio::test]
async fn part4_options_media_types_prefer_and_timestamps() {
    let db = test_db().await;
    let desk = layer_from("desk", &layer_toml("desk", "", "[editing]\nrequire_if_match = false"));
    let app = app_with(&db, vec![places(), desk]).await;
    user(&db, "ed", &["editor"], None, None).await;
    let ed = vec![basic("ed")];
    let with = |extra: &[(&'static str, &str)]| {
        let mut h = ed.clone();
        h.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        h
    };
    // OPTIONS: 200 with Allow, and the media types of bodies where the caller may write.
    let o = call(&app, "OPTIONS", "/ogc/collections/places/items", &ed, vec![]).await;
    assert_eq!((o.status, o.header("allow")), (200, "GET, HEAD, OPTIONS, POST".into()));
    assert_eq!(o.header("accept-post"), "application/geo+json, application/json");
    let o = call(&app, "OPTIONS", "/ogc/collections/places/items", &[], vec![]).await;
    assert_eq!(
        (o.status, o.header("allow"), o.header("accept-post")),
        (200, "GET, HEAD, OPTIONS".into(), String::new())
    );
    // Media types come before If-Match: none is 400, another is 415.
    let r = call(&app, "POST", "/ogc/collections/places/items", &ed, point(76.9, 43.2, "a")).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (400, json!("content_type_required")),
        "{}",
        r.text()
    );
    let r = call(
        &app,
        "POST",
        "/ogc/collections/places/items",
        &with(&[("content-type", "text/xml")]),
        point(76.9, 43.2, "a"),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (415, json!("unsupported_media_type")),
        "{}",
        r.text()
    );
    // A body beyond the limit is a 413 with the JSON error body.
    let big = format!("{{\"type\": \"Feature\", \"id\": \"{}\"}}", "x".repeat(3 << 20)).into_bytes();
    let r = call(
        &app,
        "POST",
        "/ogc/collections/places/items",
        &with(&[("content-type", "application/geo+json")]),
        big,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (413, json!("body_too_large")),
        "{}",
        &r.text()[..100.min(r.text().len())]
    );
    // Prefer: return=minimal (no body) and return=representation (the feature as stored).
    let r = call(
        &app,
        "POST",
        "/ogc/collections/places/items",
        &with(&[("content-type", "application/geo+json"), ("prefer", "return=minimal")]),
        point(76.9, 43.2, "a"),
    )
    .await;
    assert_eq!((r.status, r.body.len(), r.header("preference-applied")), (201, 0, "return=minimal".into()));
    assert!(r.header("location").contains("/ogc/collections/places/items/") && r.header("etag") == "\"v1\"");
    let path = r.header("location").split_once("/ogc").map(|(_, p)| format!("/ogc{p}")).unwrap();
    let o = call(&app, "OPTIONS", &path, &ed, vec![]).await;
    assert_eq!((o.status, o.header("allow")), (200, "GET, HEAD, OPTIONS, PUT, PATCH, DELETE".into()));
    assert!(
        o.header("accept-patch").contains("application/merge-patch+json"),
        "{}",
        o.header("accept-patch")
    );
    let r = call(
        &app,
        "POST",
        "/ogc/collections/places/items",
        &with(&[("content-type", "application/json; charset=utf-8"), ("prefer", "return=representation")]),
        point(76.91, 43.21, "b"),
    )
    .await;
    assert_eq!(
        (r.status, r.header("preference-applied")),
        (201, "return=representation".into()),
        "{}",
        r.text()
    );
    assert_eq!(
        (r.json()["type"].clone(), r.json()["properties"]["name"].clone()),
        (json!("Feature"), json!("b"))
    );
    assert!(!r.header("last-modified").is_empty());
    // GET: ETag and Last-Modified.
    let got = call(&app, "GET", &path, &[], vec![]).await;
    let last_modified = got.header("last-modified");
    let t = chrono::DateTime::parse_from_rfc2822(&last_modified).unwrap();
    assert!((chrono::Utc::now() - t.to_utc()).num_seconds().abs() < 600, "{last_modified}");
    // A PUT without Content-Type and without If-Match: the media type is told first.
    let put_body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.95, 43.2]}, "properties": {"name": "c"}}).to_string().into_bytes();
    assert_eq!(call(&app, "PUT", &path, &ed, put_body.clone()).await.status, 400);
    assert_eq!(
        call(
            &app,
            "PUT",
            &path,
            &with(&[("content-type", "text/plain"), ("if-match", "\"v7\"")]),
            put_body.clone()
        )
        .await
        .status,
        415
    );
    // This layer requires If-Match: If-Unmodified-Since alone is not enough.
    let r = call(
        &app,
        "PUT",
        &path,
        &with(&[("content-type", "application/geo+json"), ("if-unmodified-since", &last_modified)]),
        put_body.clone(),
    )
    .await;
    assert_eq!(r.status, 428);
    let r = call(
        &app,
        "PUT",
        &path,
        &with(&[
            ("content-type", "application/geo+json"),
            ("if-match", "\"v1\""),
            ("prefer", "return=minimal"),
        ]),
        put_body.clone(),
    )
    .await;
    assert_eq!((r.status, r.header("etag"), r.body.len()), (204, "\"v2\"".into(), 0));
    let r = call(
        &app,
        "PATCH",
        &path,
        &with(&[
            ("content-type", "application/merge-patch+json"),
            ("if-match", "\"v2\""),
            ("prefer", "return=representation"),
        ]),
        json!({"properties": {"floors": 4}}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["properties"].clone()),
        (200, json!({"name": "c", "floors": 4})),
        "{}",
        r.text()
    );

    // A layer whose file does not require If-Match: desktop clients write without it, and
    // If-Unmodified-Since is honoured.
    let r = call(
        &app,
        "POST",
        "/ogc/collections/desk/items",
        &with(&[("content-type", "application/geo+json")]),
        point(76.9, 43.2, "d"),
    )
    .await;
    let desk_path = format!("/ogc/collections/desk/items/{}", r.json()["id"]);
    let lm = call(&app, "GET", &desk_path, &[], vec![]).await.header("last-modified");
    let earlier = chrono::DateTime::parse_from_rfc2822(&lm).unwrap() - chrono::Duration::days(1);
    let earlier = earlier.to_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let r = call(
        &app,
        "PUT",
        &desk_path,
        &with(&[("content-type", "application/geo+json"), ("if-unmodified-since", &earlier)]),
        put_body.clone(),
    )
    .await;
    assert_eq!((r.status, r.header("etag")), (412, "\"v1\"".into()), "{}", r.text());
    assert_eq!(r.header("last-modified"), lm);
    let r = call(
        &app,
        "PUT",
        &desk_path,
        &with(&[("content-type", "application/geo+json"), ("if-unmodified-since", &lm)]),
        put_body.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let other = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.96, 43.2]}, "properties": {"name": "e"}});
    let r = call(
        &app,
        "PUT",
        &desk_path,
        &with(&[("content-type", "application/geo+json")]),
        other.to_string().into_bytes(),
    )
    .await;
    assert_eq!((r.status, r.header("etag")), (200, "\"v3\"".into()), "no If-Match needed: {}", r.text());
    let r = call(
        &app,
        "PATCH",
        &desk_path,
        &with(&[("content-type", "application/merge-patch+json"), ("if-match", "\"v1\"")]),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(r.status, 412, "an If-Match that is sent is still held to");
    assert_eq!(call(&app, "DELETE", &desk_path, &ed, vec![]).await.status, 204);
    let ops: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM feature_history WHERE changed_by = 'ed' AND layer_id = 'desk'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(ops, 4, "every write is in the history");
}

// ------------------------------------------------------------------ 6. the OpenAPI document

fn names(params: &Value) -> std::collections::BTreeSet<String> {
    params.as_array().map_or_else(Default::default, |a| {
        a.iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
    })
}

fn statuses(op: &Value) -> std::collections::BTreeSet<String> {
    op["responses"].as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn the_openapi_document_says_what_the_server_does() {
    let db = test_db().await;
    let app = app_with(&db, vec![places()]).await;
    seed(&db, "places", 5).await;
    user(&db, "ed", &["editor"], None, None).await;
    // An anonymous caller's document has no writes (its OPTIONS allow none).
    let doc = call(&app, "GET", "/ogc/api", &[], vec![]).await.json();
    let item = &doc["paths"]["/collections/places/items/{featureId}"];
    assert!(
        doc["paths"]["/collections/places/items"]["post"].is_null()
            && item["put"].is_null()
            && item["get"].is_object()
    );
    assert!(doc["paths"]["/collections/places/items/{featureId}/restore"].is_null());
    let doc = call(&app, "GET", "/ogc/api", &[basic("ed")], vec![]).await.json();
    let items = &doc["paths"]["/collections/places/items"];
    let item = &doc["paths"]["/collections/places/items/{featureId}"];
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(
        names(&items["get"]["parameters"]),
        set(&[
            "lang",
            "f",
            "limit",
            "bbox",
            "bbox-crs",
            "crs",
            "datetime",
            "filter",
            "filter-lang",
            "filter-crs",
            "sortby",
            "cursor",
            "name",
            "floors",
            "kind"
        ])
    );
    assert_eq!(
        names(&item["get"]["parameters"]),
        set(&["featureId", "lang", "f", "crs", "at", "If-None-Match"])
    );
    for (method, types) in [
        ("put", &["application/geo+json", "application/json"][..]),
        ("patch", &["application/merge-patch+json", "application/geo+json", "application/json"][..]),
    ] {
        let op = &item[method];
        let declared: Vec<&String> = op["requestBody"]["content"].as_object().unwrap().keys().collect();
        assert_eq!(
            declared,
            types.iter().map(|t| t.to_string()).collect::<Vec<_>>().iter().collect::<Vec<_>>(),
            "{method}"
        );
        assert_eq!(
            names(&op["parameters"]),
            set(&["featureId", "Content-Crs", "Prefer", "If-Match", "If-Unmodified-Since"]),
            "{method}"
        );
        // The collection requires If-Match (428 without), so its document requires it.
        let if_match = op["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "If-Match").unwrap();
        assert_eq!(if_match["required"], true, "{method}");
        assert_eq!(
            statuses(op),
            set(&["200", "204", "400", "401", "403", "404", "408", "412", "413", "415", "428", "429", "503"]),
            "{method}"
        );
    }
    assert_eq!(
        statuses(&item["delete"]),
        set(&["204", "401", "403", "404", "408", "412", "428", "429", "503"])
    );
    assert_eq!(
        statuses(&items["post"]),
        set(&["201", "400", "401", "403", "404", "408", "413", "415", "429", "503"])
    );
    assert!(
        items["post"]["requestBody"]["content"]["application/geo+json"]["schema"]["properties"]["properties"]
            ["required"]
            == json!(["name"])
    );
    // Every parameter it declares is accepted with a value its schema allows, every CRS spelling
    // it lists is read, and one it does not declare is refused.
    for q in [
        "lang=en",
        "f=json",
        "limit=5",
        "bbox=76,43,78,44",
        "bbox=76,43,0,78,44,100",
        "datetime=2020-01-01/..",
        // RFC 3339 offsets go to ±23:59, PostgreSQL's to ±15:59 (issue 12: was 400, before that 500).
        "datetime=0595-02-05T10:04:01%2B21:47/..",
        "datetime=0001-01-01T00:00:00%2B23:00",
        "filter=updated_at%20%3E%20TIMESTAMP('2020-01-01T00:00:00%2B21:47')",
        "filter=floors%20%3E%201",
        "filter-lang=cql2-text&filter=floors%20%3E%201",
        "sortby=-floors,%2Bname",
        "name=Place%201",
        "floors=3",
        "kind=school",
    ] {
        let r = call(&app, "GET", &format!("/ogc/collections/places/items?{q}"), &[], vec![]).await;
        assert_eq!(r.status, 200, "{q}: {}", r.text());
    }
    let crs_param =
        items["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "crs").unwrap();
    for spelling in crs_param["schema"]["enum"].as_array().unwrap() {
        let s = spelling.as_str().unwrap();
        let r = call(
            &app,
            "GET",
            &format!("/ogc/collections/places/items?crs={}&bbox-crs={}&bbox=1,2,3,4", enc(s), enc(s)),
            &[],
            vec![],
        )
        .await;
        assert_eq!(r.status, 200, "{s}: {}", r.text());
    }
    let filter_crs =
        items["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "filter-crs").unwrap();
    for spelling in filter_crs["schema"]["enum"].as_array().unwrap() {
        let s = spelling.as_str().unwrap();
        let r = call(
            &app,
            "GET",
            &format!("/ogc/collections/places/items?filter-crs={}&filter=floors%3E1", enc(s)),
            &[],
            vec![],
        )
        .await;
        assert_eq!(r.status, 200, "{s}: {}", r.text());
    }
    assert_eq!(call(&app, "GET", "/ogc/collections/places/items?offset=5", &[], vec![]).await.status, 400);
}

// ------------------------------------------------------------------ 7. conformance

#[tokio::test]
async fn conformance_declares_what_is_tested() {
    // Each class and the test that exercises it.
    let tested: &[(&str, &str)] = &[
        ("ogcapi-features-1/1.0/conf/core", "features.rs: the access matrix, crs_of_responses_and_of_bboxes"),
        ("ogcapi-features-1/1.0/conf/geojson", "features.rs: part4_round_trip_with_etags"),
        ("ogcapi-features-1/1.0/conf/oas30", "the_openapi_document_says_what_the_server_does"),
        ("ogcapi-features-2/1.0/conf/crs", "features.rs: crs_of_responses_and_of_bboxes"),
        ("ogcapi-features-3/1.0/conf/filter", "features.rs: cql2_filters_select_what_the_same_sql_selects"),
        (
            "ogcapi-features-3/1.0/conf/features-filter",
            "features.rs: cql2_filters_select_what_the_same_sql_selects",
        ),
        ("ogcapi-features-3/1.0/conf/queryables", "features.rs: crs_of_responses_and_of_bboxes"),
        ("ogcapi-features-3/1.0/conf/queryables-query-parameters", "features.rs: cql2_filters (floors=3)"),
        ("cql2/1.0/conf/cql2-text", "features.rs: cql2_filters_select_what_the_same_sql_selects"),
        ("cql2/1.0/conf/cql2-json", "features.rs: cql2_filters_select_what_the_same_sql_selects"),
        ("cql2/1.0/conf/basic-cql2", "features.rs: cql2_filters_select_what_the_same_sql_selects"),
        ("cql2/1.0/conf/advanced-comparison-operators", "features.rs: LIKE, BETWEEN, IN"),
        ("cql2/1.0/conf/case-insensitive-comparison", "features.rs: CASEI"),
        ("cql2/1.0/conf/basic-spatial-functions", "features.rs: S_INTERSECTS with BBOX"),
        (
            "cql2/1.0/conf/basic-spatial-functions-plus",
            "features.rs: S_INTERSECTS, S_WITHIN on points and polygons",
        ),
        ("cql2/1.0/conf/spatial-functions", "this test: the other spatial functions"),
        ("cql2/1.0/conf/property-property", "features.rs: id = floors"),
        ("ogcapi-features-5/1.0/conf/sorting", "features.rs: sortby, keyset pages"),
        ("ogcapi-features-4/1.0/conf/create-replace-delete", "features.rs: part4_round_trip_with_etags"),
        ("ogcapi-features-4/1.0/conf/update", "features.rs: part4_round_trip_with_etags (PATCH)"),
        ("ogcapi-features-4/1.0/conf/optimistic-locking-etags", "features.rs: part4_round_trip_with_etags"),
        (
            "ogcapi-features-4/1.0/conf/optimistic-locking-timestamps",
            "part4_options_media_types_prefer_and_timestamps",
        ),
        ("ogcapi-features-4/1.0/conf/features", "part4_options_media_types_prefer_and_timestamps"),
        ("ogcapi-common-5/1.0/conf/create-replace-delete", "features.rs: part4_round_trip_with_etags"),
        ("ogcapi-common-5/1.0/conf/update", "features.rs: part4_round_trip_with_etags"),
        ("ogcapi-common-5/1.0/conf/optimistic-locking-etags", "features.rs: part4_round_trip_with_etags"),
        (
            "ogcapi-common-5/1.0/conf/optimistic-locking-timestamps",
            "part4_options_media_types_prefer_and_timestamps",
        ),
    ];
    let db = test_db().await;
    let parcels = common::parcels_layer();
    let app = app_with(&db, vec![parcels]).await;
    let declared: Vec<String> = call(&app, "GET", "/ogc/conformance", &[], vec![]).await.json()["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().trim_start_matches("http://www.opengis.net/spec/").to_string())
        .collect();
    assert_eq!(declared, tested.iter().map(|t| t.0.to_string()).collect::<Vec<_>>());
    // The spatial functions features.rs does not reach, on squares of 0.01°.
    for (i, (x, y)) in [(76.90, 43.20), (76.91, 43.20), (76.93, 43.22)].into_iter().enumerate() {
        sqlx::query("INSERT INTO features (layer_id, geom, attrs) VALUES ('parcels', ST_MakeEnvelope($1, $2, $1 + 0.01, $2 + 0.01, 4326), $3)")
            .bind(x)
            .bind(y)
            .bind(json!({"name": format!("p{i}")}))
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let square = "POLYGON((76.92 43.20, 76.93 43.20, 76.93 43.21, 76.92 43.21, 76.92 43.20))";
    let shifted = "POLYGON((76.905 43.205, 76.915 43.205, 76.915 43.215, 76.905 43.215, 76.905 43.205))";
    let inner = "POLYGON((76.931 43.221, 76.932 43.221, 76.932 43.222, 76.931 43.221))";
    let line = "LINESTRING(76.935 43.21, 76.935 43.24)";
    for (op, wkt) in
        [("S_TOUCHES", square), ("S_OVERLAPS", shifted), ("S_CONTAINS", inner), ("S_CROSSES", line)]
    {
        let sql_fn = format!("ST_{}", &op[2..]);
        let want: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM features WHERE layer_id = 'parcels' AND {sql_fn}(geom, ST_GeomFromText($1, 4326)) ORDER BY id"
        ))
        .bind(wkt)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert!(!want.is_empty(), "{op} selects something");
        let r = call(
            &app,
            "GET",
            &format!("/ogc/collections/parcels/items?filter={}", enc(&format!("{op}(geometry, {wkt})"))),
            &[],
            vec![],
        )
        .await;
        assert_eq!(r.status, 200, "{op}: {}", r.text());
        let got: Vec<i64> =
            r.json()["features"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect();
        assert_eq!(got, want, "{op}");
    }
}
