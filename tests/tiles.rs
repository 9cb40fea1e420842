//! Vector tiles: decoded contents in tile coordinates, composites, HTTP behaviour (ETag/304,
//! compression, errors, HEAD), the access matrix with a warm and a cold cache, invalidation after a
//! direct SQL edit, valid simplified polygons, and GDAL's MVT driver reading a tile.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::{TestDb, parcels_layer, places_layer, sync_layers, test_db};
use geozero::ToGeo;
use geozero::mvt::{Message, Tile};
use qala::auth::Caller;
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::LayerDef;
use qala::tiles::coords::{TileCoord, lonlat_to_3857, tile_range};
use serde_json::json;
use tower::ServiceExt;

fn secret_layer() -> LayerDef {
    let mut l = parcels_layer();
    l.id = "secret".into();
    l.access.public = false;
    l.access.roles = vec!["editor".into()];
    l
}

/// A square of `half` degrees around (lon, lat).
fn square(lon: f64, lat: f64, half: f64) -> serde_json::Value {
    json!({"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half], [lon - half, lat - half]]]})
}

async fn load(db: &TestDb, layer: &LayerDef, features: &[(serde_json::Value, serde_json::Value)]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.geojson");
    let fs: Vec<_> =
        features.iter().map(|(g, p)| json!({"type": "Feature", "geometry": g, "properties": p})).collect();
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": fs}).to_string()).unwrap();
    let opts = qala::layers::ingest::IngestOptions { path, ..Default::default() };
    let r = qala::layers::ingest::ingest(&db.pool, layer, &opts, "t").await.unwrap();
    assert!(r.summary.rejected.is_empty(), "{:?}", r.summary.rejected);
}

/// A database with parcels (a 200 m square, a 2 m square and a jagged polygon), places (points)
/// and a restricted layer, and a state over it.
async fn fixture(cache_bytes: u64) -> (TestDb, AppState) {
    let db = test_db().await;
    let layers = vec![parcels_layer(), places_layer(true), secret_layer()];
    sync_layers(&db.pool, &layers).await;
    let jagged: Vec<[f64; 2]> = (0..=200)
        .map(|i| {
            let a = f64::from(i) / 200.0 * std::f64::consts::TAU;
            let r = 0.004 + if i % 2 == 0 { 0.0006 } else { 0.0 };
            [76.93 + r * a.cos(), 43.26 + r * a.sin()]
        })
        .collect();
    load(
        &db,
        &layers[0],
        &[
            (square(76.9457, 43.2379, 0.0009), json!({"name": "big", "floors": 5, "use": "residential"})),
            (square(76.9500, 43.2400, 0.00001), json!({"name": "tiny"})),
            (json!({"type": "Polygon", "coordinates": [jagged]}), json!({"name": "jagged"})),
        ],
    )
    .await;
    load(
        &db,
        &layers[1],
        &[(
            json!({"type": "Point", "coordinates": [76.9457, 43.2379]}),
            json!({"name": "school", "kind": "school"}),
        )],
    )
    .await;
    load(&db, &layers[2], &[(square(76.9457, 43.2379, 0.0005), json!({"name": "classified"}))]).await;
    let settings = HttpSettings {
        tile_cache_bytes: cache_bytes,
        public_url: "http://maps.example".into(),
        ..Default::default()
    };
    let state = AppState::with_settings(db.pool.clone(), Catalog::new(layers), settings);
    (db, state)
}

fn tile_of(lon: f64, lat: f64, z: u8) -> TileCoord {
    let (x, y, _, _) = tile_range([lon, lat, lon, lat], z);
    TileCoord::new(z, x, y).unwrap()
}

async fn get(state: &AppState, uri: &str, headers: &[(&str, &str)]) -> axum::response::Response {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    qala::http::app(state.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
}

async fn body(resp: axum::response::Response) -> Vec<u8> {
    http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes().to_vec()
}

fn decode(bytes: &[u8]) -> Tile {
    Tile::decode(bytes).unwrap()
}

fn layer_names(t: &Tile) -> Vec<String> {
    t.layers.iter().map(|l| l.name.clone()).collect()
}

/// The string value of property `key` of a feature.
fn prop(layer: &geozero::mvt::tile::Layer, f: &geozero::mvt::tile::Feature, key: &str) -> Option<String> {
    f.tags.chunks(2).find(|kv| layer.keys[kv[0] as usize] == key).map(|kv| {
        let v = &layer.values[kv[1] as usize];
        v.string_value
            .clone()
            .or(v.int_value.map(|i| i.to_string()))
            .or(v.sint_value.map(|i| i.to_string()))
            .or(v.uint_value.map(|i| i.to_string()))
            .or(v.double_value.map(|d| d.to_string()))
            .unwrap_or_default()
    })
}

#[tokio::test]
async fn tiles_hold_the_features_in_tile_coordinates() {
    let (_db, state) = fixture(64 << 20).await;
    let t = tile_of(76.9457, 43.2379, 15);
    let resp = get(&state, &format!("/tiles/parcels/15/{}/{}.mvt", t.x, t.y), &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/vnd.mapbox-vector-tile");
    let tile = decode(&body(resp).await);
    assert_eq!(layer_names(&tile), vec!["parcels"]);
    let layer = &tile.layers[0];
    assert_eq!(layer.extent, Some(4096));
    let big = layer.features.iter().find(|f| prop(layer, f, "name").as_deref() == Some("big")).unwrap();
    assert_eq!(prop(layer, big, "floors").as_deref(), Some("5"));
    assert_eq!(prop(layer, big, "use"), None, "`use` appears from z16 only (hidden at 15)");
    // Its north-west corner (the south edge is cut at the tile's buffer), computed here from the
    // tile math, within one tile unit.
    let [xmin, _, _, ymax] = t.bounds_3857();
    let (cx, cy) = lonlat_to_3857(76.9457 - 0.0009, 43.2379 + 0.0009);
    let (ux, uy) = ((cx - xmin) / t.size_m() * 4096.0, (ymax - cy) / t.size_m() * 4096.0);
    let geo::Geometry::Polygon(p) = big.to_geo().unwrap() else { panic!("not a polygon") };
    let near = p.exterior().0.iter().any(|c| (c.x - ux).abs() <= 1.0 && (c.y - uy).abs() <= 1.0);
    assert!(near, "corner ({ux:.1}, {uy:.1}) not in {:?}", p.exterior().0);
    // At z16 the attribute appears; the 2 m square is there at z18 but not at z12 (below a pixel).
    let t16 = tile_of(76.9457, 43.2379, 16);
    let tile =
        decode(&body(get(&state, &format!("/tiles/parcels/16/{}/{}.pbf", t16.x, t16.y), &[]).await).await);
    let layer = &tile.layers[0];
    assert!(layer.features.iter().any(|f| prop(layer, f, "use").as_deref() == Some("residential")));
    let names_at = |z: u8| {
        let state = state.clone();
        async move {
            let t = tile_of(76.9500, 43.2400, z);
            let tile = decode(
                &body(get(&state, &format!("/tiles/parcels/{z}/{}/{}.mvt", t.x, t.y), &[]).await).await,
            );
            let layer = &tile.layers[0];
            layer.features.iter().filter_map(|f| prop(layer, f, "name")).collect::<Vec<_>>()
        }
    };
    assert!(names_at(18).await.contains(&"tiny".to_string()));
    let at12 = names_at(12).await;
    assert!(!at12.contains(&"tiny".to_string()) && at12.contains(&"big".to_string()), "{at12:?}");
}

#[tokio::test]
async fn composites_http_behaviour_and_errors() {
    let (_db, state) = fixture(64 << 20).await;
    let t = tile_of(76.9457, 43.2379, 15);
    let uri = format!("/tiles/parcels,places/15/{}/{}.mvt", t.x, t.y);
    let resp = get(&state, &uri, &[]).await;
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    assert_eq!(resp.headers()["cache-control"], "public, max-age=60");
    let bytes = body(resp).await;
    assert_eq!(layer_names(&decode(&bytes)), vec!["parcels", "places"]);

    let resp = get(&state, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(resp.status(), 304);
    assert!(body(resp).await.is_empty());
    assert_eq!(get(&state, &uri, &[("if-none-match", "\"other\"")]).await.status(), 200);

    for enc in ["gzip", "br"] {
        let resp = get(&state, &uri, &[("accept-encoding", enc)]).await;
        assert_eq!(resp.headers()["content-encoding"], enc);
        let compressed = body(resp).await;
        assert!(!compressed.is_empty() && compressed != bytes);
    }

    let cors = get(&state, &uri, &[("origin", "https://maps.example")]).await;
    assert_eq!(cors.headers()["access-control-allow-origin"], "*");
    assert!(cors.headers()["access-control-expose-headers"].to_str().unwrap().contains("etag"));

    let head = qala::http::app(state.clone())
        .oneshot(Request::head(&uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["etag"], etag.as_str());
    assert!(body(head).await.is_empty());

    assert_eq!(get(&state, "/tiles/parcels/3/8/0.mvt", &[]).await.status(), 400);
    assert_eq!(get(&state, "/tiles/parcels/x/0/0.mvt", &[]).await.status(), 400);
    assert_eq!(get(&state, "/tiles/parcels/30/0/0.mvt", &[]).await.status(), 400);
    assert_eq!(get(&state, "/tiles/nosuch/1/0/0.mvt", &[]).await.status(), 404);
    assert_eq!(get(&state, "/tiles/parcels/15/0/0.mvt", &[]).await.status(), 204, "nothing there");
    let far = tile_of(10.0, 50.0, 15);
    assert_eq!(get(&state, &format!("/tiles/parcels/15/{}/{}.mvt", far.x, far.y), &[]).await.status(), 204);

    let (status, tj) = common::get_json(
        &qala::http::app(state.clone()),
        "/tiles/parcels,places.json",
        &[("host", "evil.example"), ("x-forwarded-host", "evil.example")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["tiles"][0], "http://maps.example/tiles/parcels,places/{z}/{x}/{y}.mvt");
    assert_eq!(tj["vector_layers"][0]["fields"]["floors"], "Number");
    assert_eq!(tj["vector_layers"][1]["id"], "places");
    let (_, cat) = common::get_json(&qala::http::app(state.clone()), "/tiles", &[]).await;
    let ids: Vec<&str> = cat["tiles"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["parcels", "places"]);
}

#[tokio::test]
async fn the_access_matrix_holds_with_a_cold_and_a_warm_cache() {
    let (_db, state) = fixture(64 << 20).await;
    let t = tile_of(76.9457, 43.2379, 15);
    let editor = Caller::user("e", &["editor"]);
    let viewer = Caller::user("v", &["viewer"]);
    let catalog = state.catalog();
    let readable = |c: &Caller, source: &str| -> Vec<Arc<LayerDef>> {
        source.split(',').filter_map(|id| catalog.readable(c, id).cloned()).collect()
    };
    for warm in [false, true] {
        if warm {
            // The allowed caller fills the cache with the restricted layer first.
            for source in ["secret", "parcels,secret"] {
                let tile = state.tiles.tile(&readable(&editor, source), t).await.unwrap();
                assert!(layer_names(&decode(&tile.bytes)).contains(&"secret".to_string()));
            }
        }
        // Anonymous over HTTP: the restricted layer is a 404 alone and absent from a composite.
        let single = get(&state, &format!("/tiles/secret/15/{}/{}.mvt", t.x, t.y), &[]).await;
        assert_eq!(single.status(), 404, "warm={warm}");
        let composite = get(&state, &format!("/tiles/parcels,secret/15/{}/{}.mvt", t.x, t.y), &[]).await;
        assert_eq!(composite.status(), 200);
        assert_eq!(layer_names(&decode(&body(composite).await)), vec!["parcels"], "warm={warm}");
        // A signed-in user without the role: the same as anonymous.
        assert!(readable(&viewer, "secret").is_empty());
        let tile = state.tiles.tile(&readable(&viewer, "parcels,secret"), t).await.unwrap();
        assert_eq!(layer_names(&decode(&tile.bytes)), vec!["parcels"]);
        // The allowed caller sees it, public layer or not.
        let tile = state.tiles.tile(&readable(&editor, "parcels,secret"), t).await.unwrap();
        assert_eq!(layer_names(&decode(&tile.bytes)), vec!["parcels", "secret"]);
    }
    let catalog_resp = common::get_json(&qala::http::app(state.clone()), "/tiles/secret.json", &[]).await;
    assert_eq!(catalog_resp.0, 404);
}

#[tokio::test]
async fn a_direct_sql_edit_evicts_exactly_the_tiles_it_touches() {
    let (db, state) = fixture(64 << 20).await;
    let _listener = qala::tiles::invalidate::spawn(db.pool.clone(), state.tiles.clone()).await.unwrap();
    let here = tile_of(76.9457, 43.2379, 15);
    let elsewhere = tile_of(76.93, 43.26, 15);
    assert_ne!(here, elsewhere);
    let names = |bytes: &[u8]| {
        let tile = decode(bytes);
        let layer = &tile.layers[0];
        layer.features.iter().filter_map(|f| prop(layer, f, "name")).collect::<Vec<_>>()
    };
    let catalog = state.catalog();
    let parcels = vec![catalog.get("parcels").unwrap().clone()];
    let composite = vec![catalog.get("parcels").unwrap().clone(), catalog.get("places").unwrap().clone()];
    for z in [12u8, 15] {
        let t = tile_of(76.9457, 43.2379, z);
        state.tiles.tile(&parcels, t).await.unwrap();
        state.tiles.tile(&composite, t).await.unwrap();
    }
    state.tiles.tile(&parcels, elsewhere).await.unwrap();
    assert!(state.tiles.is_cached(&parcels, here).await);

    // As QGIS would: plain SQL on the table.
    sqlx::query(
        "UPDATE features SET attrs = attrs || '{\"name\": \"renamed\"}' WHERE attrs->>'name' = 'big'",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let mut evicted = false;
    for _ in 0..100 {
        if !state.tiles.is_cached(&parcels, here).await {
            evicted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(evicted, "the edited tile was not evicted");
    for z in [12u8, 15] {
        let t = tile_of(76.9457, 43.2379, z);
        assert!(!state.tiles.is_cached(&parcels, t).await, "z{z}");
        assert!(!state.tiles.is_cached(&composite, t).await, "composite z{z}");
    }
    assert!(state.tiles.is_cached(&parcels, elsewhere).await, "a tile elsewhere stays cached");
    let tile = state.tiles.tile(&parcels, here).await.unwrap();
    assert!(names(&tile.bytes).contains(&"renamed".to_string()));
}

#[tokio::test]
async fn simplified_polygons_stay_valid_and_gdal_reads_a_tile() {
    use geo::Validation;
    let (_db, state) = fixture(0).await;
    for z in [10u8, 12, 14, 16] {
        let t = tile_of(76.93, 43.26, z);
        let resp = get(&state, &format!("/tiles/parcels/{z}/{}/{}.mvt", t.x, t.y), &[]).await;
        assert_eq!(resp.status(), 200, "z{z}");
        let tile = decode(&body(resp).await);
        let layer = &tile.layers[0];
        let jagged =
            layer.features.iter().find(|f| prop(layer, f, "name").as_deref() == Some("jagged")).unwrap();
        let g = jagged.to_geo().unwrap();
        assert!(g.is_valid(), "z{z}: {:?}", g.validation_errors());
    }
    let t = tile_of(76.9457, 43.2379, 15);
    let bytes = body(get(&state, &format!("/tiles/parcels,places/15/{}/{}.mvt", t.x, t.y), &[]).await).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tile.mvt");
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("ogrinfo")
        .args([
            "-ro",
            "-al",
            "-so",
            "-oo",
            &format!("Z={}", t.z),
            "-oo",
            &format!("X={}", t.x),
            "-oo",
            &format!("Y={}", t.y),
        ])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Layer name: parcels") && text.contains("Layer name: places"), "{text}");
    assert!(text.contains("Feature Count: 2") || text.contains("Feature Count: 1"), "{text}");
}

/// Reads a protobuf varint at `*i`.
fn varint(b: &[u8], i: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while *i < b.len() {
        let byte = b[*i];
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

/// (field number, wire type, payload) of each field of a protobuf message; payload only for
/// length-delimited fields, the value for varints.
fn fields(b: &[u8]) -> Vec<(u64, u64, Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let key = varint(b, &mut i);
        let (field, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                let v = varint(b, &mut i);
                out.push((field, wire, Vec::new(), v));
            }
            2 => {
                let len = varint(b, &mut i) as usize;
                out.push((field, wire, b[i..i + len].to_vec(), 0));
                i += len;
            }
            5 => i += 4,
            1 => i += 8,
            _ => break,
        }
    }
    out
}

#[tokio::test]
async fn glyphs_cover_kazakh_letters_and_styles_follow_the_access_policy() {
    let db = test_db().await;
    let layers = qala::layers::catalog::load_dir(&common::repo().join("layers")).unwrap();
    let state = AppState::with_settings(
        db.pool.clone(),
        Catalog::new(layers),
        HttpSettings {
            styles_dir: common::repo().join("styles"),
            public_url: "http://maps.example".into(),
            ..Default::default()
        },
    );
    let resp = get(&state, "/fonts/DejaVu%20Sans%20Book,Noto%20Sans%20Regular/1024-1279.pbf", &[]).await;
    assert_eq!(resp.status(), 200);
    let pbf = body(resp).await;
    // glyphs { stacks (1) { name (1), range (2), glyphs (3) { id (1), bitmap (2) } } }
    let stack = fields(&pbf).into_iter().find(|f| f.0 == 1).unwrap().2;
    let stack_fields = fields(&stack);
    let name = stack_fields.iter().find(|f| f.0 == 1).map(|f| String::from_utf8(f.2.clone()).unwrap());
    assert_eq!(name.as_deref(), Some("DejaVu Sans Book"));
    let ids: Vec<u64> = stack_fields
        .iter()
        .filter(|f| f.0 == 3)
        .filter_map(|g| fields(&g.2).into_iter().find(|f| f.0 == 1).map(|f| f.3))
        .collect();
    for letter in ['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і', 'Ж'] {
        assert!(ids.contains(&u64::from(u32::from(letter))), "no glyph for {letter}");
    }
    assert_eq!(get(&state, "/fonts/DejaVu%20Sans%20Book/5-100.pbf", &[]).await.status(), 400);
    assert_eq!(get(&state, "/fonts/No%20Such%20Font/0-255.pbf", &[]).await.status(), 404);

    let (status, style) = common::get_json(
        &qala::http::app(state.clone()),
        "/styles/qala.json?lang=kk",
        &[("host", "evil.example"), ("x-forwarded-host", "evil.example")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(style["glyphs"], "http://maps.example/fonts/{fontstack}/{range}.pbf");
    let url = style["sources"]["qala"]["tiles"][0].as_str().unwrap();
    assert!(url.starts_with("http://maps.example/tiles/") && url.contains("buildings"), "{url}");
    assert!(!url.contains("utility_networks"), "restricted layer in the anonymous style: {url}");
    let ids: Vec<&str> =
        style["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"networks") && ids.contains(&"streets-label"));
    assert!(style.to_string().contains("\"name_kk\""), "labels in Kazakh");
    // An editor's style has the networks.
    let editor = Caller::user("e", &["editor"]);
    let text = std::fs::read_to_string(common::repo().join("styles/qala.json")).unwrap();
    let s = qala::tiles::styles::style_for(
        &text,
        &editor,
        &state.catalog(),
        "http://h",
        qala::tiles::styles::LabelLang::Interface(qala::i18n::Lang::Ru),
    )
    .unwrap();
    assert!(s["sources"]["qala"]["tiles"][0].as_str().unwrap().contains("utility_networks"));
    assert_eq!(common::get_json(&qala::http::app(state.clone()), "/styles/nope.json", &[]).await.0, 404);
}

#[tokio::test]
async fn seeding_warms_the_server_cache_and_export_writes_mbtiles() {
    let (db, state) = fixture(64 << 20).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(axum::serve(listener, qala::http::app(state.clone())).into_future());
    let bbox = [76.92, 43.23, 76.96, 43.27];
    let s = qala::tiles::seed::seed(&format!("http://127.0.0.1:{port}"), "parcels", bbox, (12, 15), false)
        .await
        .unwrap();
    let expected = qala::tiles::seed::tiles_in(bbox, (12, 15)).count() as u64;
    assert_eq!(s.tiles, expected);
    assert!(s.bytes > 0 && s.empty < s.tiles);
    let parcels = vec![state.catalog().get("parcels").unwrap().clone()];
    for t in qala::tiles::seed::tiles_in(bbox, (12, 15)) {
        assert!(state.tiles.is_cached(&parcels, t).await, "{t:?} not seeded");
    }

    // Export through the command line into MBTiles.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("layers")).unwrap();
    for l in [parcels_layer(), places_layer(true)] {
        std::fs::write(dir.path().join(format!("layers/{}.toml", l.id)), toml::to_string(&l).unwrap())
            .unwrap();
    }
    let out = common::qala(
        &db,
        dir.path(),
        &[
            "--layers-dir",
            "layers",
            "tiles",
            "export",
            "--layer",
            "parcels,places",
            "--zooms",
            "12-15",
            "--bbox",
            "76.92,43.23,76.96,43.27",
            "--output",
            "out.mbtiles",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let conn = rusqlite::Connection::open(dir.path().join("out.mbtiles")).unwrap();
    let format: String =
        conn.query_row("SELECT value FROM metadata WHERE name = 'format'", [], |r| r.get(0)).unwrap();
    assert_eq!(format, "pbf");
    let json: String =
        conn.query_row("SELECT value FROM metadata WHERE name = 'json'", [], |r| r.get(0)).unwrap();
    assert!(json.contains("\"vector_layers\"") && json.contains("places"));
    let t = tile_of(76.9457, 43.2379, 15);
    let tms = (1u32 << 15) - 1 - t.y;
    let data: Vec<u8> = conn
        .query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = 15 AND tile_column = ?1 AND tile_row = ?2",
            (t.x, tms),
            |r| r.get(0),
        )
        .unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&data[..]), &mut raw).unwrap();
    assert_eq!(layer_names(&decode(&raw)), vec!["parcels", "places"]);
    let again = common::qala(
        &db,
        dir.path(),
        &[
            "--layers-dir",
            "layers",
            "tiles",
            "export",
            "--layer",
            "parcels",
            "--zooms",
            "12",
            "--output",
            "out.mbtiles",
        ],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"), "an export never overwrites");
}
