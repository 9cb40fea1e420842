//! The HTTP API: health, the catalog as the access policy allows, one error shape in the caller's
//! language, the OpenAPI document, and `qala serve` over a real socket with graceful shutdown.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};

use common::{app, get_json, parcels_layer, places_layer, sync_layers, test_db};
use serde_json::json;

fn restricted_layer() -> qala::layers::catalog::LayerDef {
    let mut l = places_layer(false);
    l.id = "secret_pipes".into();
    l
}

#[tokio::test]
async fn the_catalog_shows_only_what_the_caller_may_read() {
    let db = test_db().await;
    let layers = vec![parcels_layer(), places_layer(true), restricted_layer()];
    sync_layers(&db.pool, &layers).await;
    let app = app(&db.pool, layers);

    let (status, body) = get_json(&app, "/healthz", &[]).await;
    assert_eq!((status, body), (200, json!({"status": "ok", "database": "ok"})));

    let (status, body) = get_json(&app, "/api/layers", &[("accept-language", "kk-KZ,ru;q=0.8")]).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> =
        body["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["parcels", "places"], "the restricted layer is not listed for anonymous callers");
    assert_eq!(body["layers"][0]["title"], "Учаскелер");
    assert_eq!(body["layers"][0]["titles"]["en"], "Parcels");
    assert_eq!(body["layers"][0]["synthetic"], true);

    // A refused layer looks exactly like a missing one.
    let (s1, refused) = get_json(&app, "/api/layers/secret_pipes", &[]).await;
    let (s2, missing) = get_json(&app, "/api/layers/no_such_layer", &[]).await;
    assert_eq!((s1, s2), (404, 404));
    assert_eq!(refused, missing);
    assert_eq!(refused["error"]["code"], "layer_not_found");
    assert_eq!(refused["error"]["message"], "Слой не найден", "Russian by default");
    let (_, en) = get_json(&app, "/api/layers/secret_pipes?lang=en", &[]).await;
    assert_eq!(en["error"]["message"], "Layer not found");

    // Detail: schema, metadata and what is stored.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, "lon,lat,name,floors\n76.90,43.25,a,2\n76.95,43.30,b,3\n").unwrap();
    let opts = qala::layers::ingest::IngestOptions { path: csv, ..Default::default() };
    qala::layers::ingest::ingest(&db.pool, &places_layer(true), &opts, "t").await.unwrap();
    let (status, body) = get_json(&app, "/api/layers/places?lang=en", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Places");
    assert_eq!(body["feature_count"], 2);
    assert_eq!(body["bbox"], json!([76.90, 43.25, 76.95, 43.30]));
    assert_eq!(body["attributes"][1]["name"], "floors");
    assert_eq!(body["attributes"][1]["type"], "integer");
    assert_eq!(body["attributes"][2]["values"], json!(["school", "clinic"]));
    assert_eq!(body["metadata"]["licence"], "CC0-1.0");
    assert_eq!(body["datasets"][0]["driver"], "CSV");
    assert_eq!(body["datasets"][0]["summary"]["loaded"], 2);

    // One feature with all its attributes and its KATO unit, for the map's object card.
    let (fid, secret_fid): (i64, i64) = sqlx::query_as(
        "INSERT INTO features (layer_id, geom, attrs) VALUES ('secret_pipes', ST_Point(76.9, 43.2, 4326), '{\"name\": \"x\"}')
         RETURNING (SELECT min(id) FROM features WHERE layer_id = 'places'), id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let (status, f) = get_json(&app, &format!("/api/layers/places/features/{fid}"), &[]).await;
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["properties"], json!({"name": "a", "floors": 2}));
    assert_eq!(f["geometry"], json!({"type": "Point", "coordinates": [76.9, 43.25]}));
    assert_eq!(f["version"], 1);
    let (status, refused) =
        get_json(&app, &format!("/api/layers/secret_pipes/features/{secret_fid}"), &[]).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (404, Some("layer_not_found")));
    let (status, _) = get_json(&app, "/api/layers/places/features/999999999", &[]).await;
    assert_eq!(status, 404);
    let (status, bad) = get_json(&app, "/api/layers/places/features/abc?lang=en", &[]).await;
    assert_eq!(status, 404);
    assert!(bad["error"]["message"].as_str().unwrap().contains("not a feature id"), "{bad}");

    // Unknown routes answer in the same shape.
    let (status, body) = get_json(&app, "/api/nothing", &[("accept-language", "en")]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes() {
    let db = test_db().await;
    let (status, doc) = get_json(&app(&db.pool, vec![]), "/api/openapi.json", &[]).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/healthz", "/api/layers", "/api/layers/{id}", "/api/kato", "/api/kato/{code}"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[tokio::test]
async fn qala_serve_answers_over_http_and_shuts_down_gracefully() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("layers")).unwrap();
    std::fs::write(dir.path().join("layers/places.toml"), toml::to_string(&places_layer(true)).unwrap())
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(["--layers-dir", "layers", "serve", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env("DATABASE_URL", &db.url)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(ready, "the server did not start");
    let health = http_get(port, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let layers = http_get(port, "/api/layers");
    assert!(layers.contains("\"id\":\"places\""), "{layers}");
    // The catalog was synced into the database at start.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM layers WHERE id = 'places'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);

    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(stdout.contains(&format!("http://127.0.0.1:{port}/")), "{stdout}");
}
