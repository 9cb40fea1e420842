//! Tiles cut in process (issue 18): for a generated dataset (polygons small and large, a
//! multipolygon with a hole, lines across tile edges, points on tile edges, Kazakh names, hidden
//! attributes, a per-department layer and a restricted one), every sampled tile at z8-z16 cut from
//! memory equals PostGIS's for each kind of caller; edits through the API and by SQL show in the
//! next tile; a burst of 10,000 edits leaves the store equal to the table; a budget too small for
//! a layer leaves it on PostGIS.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TestDb, basic, call, sync_layers, test_db, user};
use geozero::ToGeo;
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::{FeatureVisibility, GeometryType, LayerDef};
use qala::policy::FeatureScope;
use qala::tiles::TileService;
use qala::tiles::coords::{TileCoord, tile_range};
use qala::tiles::memory::compare::{PIXEL, compare_tile};
use serde_json::json;

/// Where the generated features lie (WGS84).
const EXTENT: [f64; 4] = [76.85, 43.2, 77.0, 43.3];

fn layer(id: &str, geometry: GeometryType) -> LayerDef {
    let text = std::fs::read_to_string(common::repo().join("tests/fixtures/layers/valid_layer.toml"))
        .unwrap()
        .replace("id = \"parcels\"", &format!("id = \"{id}\""))
        .replace("min_zoom = 10", "min_zoom = 8")
        .replace(
            "[tiles]\nattributes_min_zoom = { use = 16 }",
            "[[attributes]]\nname = \"name_kk\"\ntype = \"string\"\nlabel = { kk = \"Атауы\", ru = \"Название\", en = \"Name\" }\n\n[tiles]\nattributes_min_zoom = { use = 16, floors = 13 }",
        );
    let mut l = common::layer_from(id, &text);
    l.geometry = geometry;
    l
}

fn layers() -> Vec<LayerDef> {
    let mut works = layer("works", GeometryType::Polygon);
    works.access.features = FeatureVisibility::Department;
    let mut secret = layer("secret", GeometryType::Polygon);
    secret.access.public = false;
    secret.access.roles = vec!["editor".into()];
    vec![
        layer("blocks", GeometryType::Polygon),
        layer("roads", GeometryType::Line),
        layer("pois", GeometryType::Point),
        works,
        secret,
    ]
}

/// Deterministic pseudo-random fraction of `i` (SQL), 0..1.
const FRAC: &str = "((i * 7919 + 13) % 1000) / 1000.0";

/// The generated dataset (about 6,000 features).
async fn generate(pool: &sqlx::PgPool) {
    let attrs = "jsonb_build_object('name', 'f' || i, 'name_kk', (ARRAY['Абай даңғылы', 'Көктөбе', 'Жібек жолы', 'Үй'])[1 + i % 4],
                 'floors', i % 17, 'area', (i % 50) * 1.25, 'heritage', i % 3 = 0, 'use', 'residential',
                 'gone', NULL::text, 'nested', jsonb_build_object('a', 1), 'neg', -(i % 5), 'public', i % 4 = 0,
                 'access', jsonb_build_array('org:' || (i % 3)))";
    let statements = [
        // Buildings: 4-60 m squares, rotated, on a jittered grid.
        format!(
            "INSERT INTO features (layer_id, geom, attrs)
             SELECT 'blocks', ST_Rotate(ST_MakeEnvelope(x, y, x + s, y + s * 0.7, 4326), {FRAC} * 3, ST_MakePoint(x, y)), {attrs}
             FROM (SELECT i, 76.85 + (i % 60) * 0.0025 + {FRAC} * 0.001 AS x, 43.2 + (i / 60) * 0.002 + {FRAC} * 0.0008 AS y,
                          0.00005 + ((i * 31) % 100) / 100.0 * 0.0007 AS s FROM generate_series(1, 3000) i) g"
        ),
        // Large jagged polygons (simplified at every zoom), one with many vertices.
        format!(
            "INSERT INTO features (layer_id, geom, attrs)
             SELECT 'blocks', ST_MakePolygon(ST_AddPoint(l, ST_StartPoint(l))), {attrs}
             FROM (SELECT i, ST_MakeLine(array_agg(ST_MakePoint(
                       76.9 + (i % 3) * 0.04 + r * cos(k * 2 * pi() / 120),
                       43.22 + (i / 3) * 0.03 + 0.8 * r * sin(k * 2 * pi() / 120)) ORDER BY k)) AS l
                   FROM generate_series(1, 6) i, generate_series(0, 119) k,
                        LATERAL (SELECT 0.01 + 0.001 * (k % 2) + 0.0003 * (k % 7) AS r) rr GROUP BY i) g"
        ),
        // A multipolygon with a hole, over tile edges.
        "INSERT INTO features (layer_id, geom, attrs) VALUES ('blocks', ST_GeomFromText('MULTIPOLYGON(((76.95 43.25, 76.99 43.25, 76.99 43.29, 76.95 43.29, 76.95 43.25),
             (76.96 43.26, 76.98 43.26, 76.98 43.28, 76.96 43.28, 76.96 43.26)), ((76.86 43.21, 76.87 43.21, 76.87 43.22, 76.86 43.21)))', 4326),
             '{\"name\": \"ring\", \"name_kk\": \"Сақина\", \"floors\": 2}')"
            .to_string(),
        // Roads: zigzag lines across many tiles, and short ones.
        format!(
            "INSERT INTO features (layer_id, geom, attrs)
             SELECT 'roads', ST_MakeLine(ARRAY[ST_MakePoint(x, y), ST_MakePoint(x + len * 0.3, y + len * 0.2),
                     ST_MakePoint(x + len * 0.6, y - len * 0.1), ST_MakePoint(x + len, y + len * 0.05)]), {attrs}
             FROM (SELECT i, 76.85 + {FRAC} * 0.14 AS x, 43.2 + ((i * 37) % 1000) / 1000.0 * 0.1 AS y,
                          CASE WHEN i % 5 = 0 THEN 0.05 ELSE 0.0003 + {FRAC} * 0.003 END AS len
                   FROM generate_series(1, 600) i) g"
        ),
        // Points, dense enough to be thinned and merged per pixel.
        format!(
            "INSERT INTO features (layer_id, geom, attrs)
             SELECT 'pois', ST_MakePoint(76.85 + {FRAC} * 0.15, 43.2 + ((i * 53) % 997) / 997.0 * 0.1), {attrs}
             FROM generate_series(1, 2000) i"
        ),
        // Points exactly on tile edges and corners (z12-z16), computed in Web Mercator.
        format!(
            "INSERT INTO features (layer_id, geom, attrs)
             SELECT 'pois', ST_Transform(ST_SetSRID(ST_MakePoint(-20037508.342789244 + tx * w, 20037508.342789244 - ty * w + (i % 3) * w / 7), 3857), 4326), {attrs}
             FROM (SELECT i, z, 40075016.68557849 / 2 ^ z AS w,
                          floor((76.9 + 180) / 360 * 2 ^ z) + (i % 4) AS tx,
                          floor((1 - ln(tan(radians(43.25)) + 1 / cos(radians(43.25))) / pi()) / 2 * 2 ^ z) + (i % 5) AS ty
                   FROM generate_series(12, 16) z, generate_series(1, 20) i) g"
        ),
    ];
    for s in &statements {
        sqlx::query(s).execute(pool).await.unwrap();
    }
    // The department layer: features of two departments and none, by three creators.
    for (actor, dept) in [("road1", Some("roads")), ("water1", Some("water")), ("loner", None)] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SELECT set_config('qala.actor', $1, true)").bind(actor).execute(&mut *tx).await.unwrap();
        sqlx::query(&format!(
            "INSERT INTO features (layer_id, geom, attrs, owner_dept)
             SELECT 'works', ST_MakeEnvelope(x, y, x + 0.0004, y + 0.0003, 4326), {attrs}, $1
             FROM (SELECT i, 76.86 + {FRAC} * 0.12 AS x, 43.21 + ((i * 91) % 1000) / 1000.0 * 0.08 AS y
                   FROM generate_series(1, 300) i) g"
        ))
        .bind(dept)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    sqlx::query(&format!(
        "INSERT INTO features (layer_id, geom, attrs)
         SELECT 'secret', ST_Buffer(ST_MakePoint(76.86 + {FRAC} * 0.13, 43.21 + (i % 80) * 0.001), 0.0005, 3), {attrs}
         FROM generate_series(1, 300) i"
    ))
    .execute(pool)
    .await
    .unwrap();
}

/// A state with in-memory tiles of `budget` bytes (no tile cache, so every tile is cut) and its
/// change listener; waits until every layer is loaded or skipped.
async fn state(db: &TestDb, layers: Vec<LayerDef>, budget: u64, cache: u64) -> AppState {
    let settings = HttpSettings { tile_cache_bytes: cache, tile_memory_bytes: budget, ..Default::default() };
    let state = AppState::with_settings(db.pool.clone(), Catalog::new(layers), settings);
    // The listener task runs until the pool closes.
    drop(qala::tiles::invalidate::spawn(db.pool.clone(), state.tiles.clone()).await.unwrap());
    let mem = state.tiles.memory().unwrap().clone();
    wait_for("layers loaded", || mem.layer_figures().iter().all(|l| l.state != "loading")).await;
    state
}

/// Polls `done` every 10 ms for at most 60 s.
async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..6000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The tiles at z8-z16 over the dataset: every one up to 60 a zoom, else an even sample of 60.
fn sample_tiles() -> Vec<TileCoord> {
    let mut out = Vec::new();
    for z in 8u8..=16 {
        let (x0, y0, x1, y1) = tile_range(EXTENT, z);
        let all: Vec<TileCoord> =
            (x0..=x1).flat_map(|x| (y0..=y1).map(move |y| TileCoord::new(z, x, y).unwrap())).collect();
        let step = all.len().div_ceil(60).max(1);
        out.extend(all.into_iter().step_by(step));
    }
    out
}

/// Compares the in-memory and the PostGIS tile of each layer and scope over `tiles`; returns the
/// number of features compared.
async fn assert_same(
    mem: &TileService,
    sql: &TileService,
    cases: &[(Arc<LayerDef>, FeatureScope)],
    tiles: &[TileCoord],
) -> usize {
    let mut features = 0;
    let mut failures = Vec::new();
    for t in tiles {
        for case in cases {
            let a = mem.tile_scoped(std::slice::from_ref(case), *t).await.unwrap();
            let b = sql.tile_scoped(std::slice::from_ref(case), *t).await.unwrap();
            let diffs = compare_tile(&a.bytes, &b.bytes, PIXEL);
            if !diffs.is_empty() && failures.len() < 30 {
                failures.push(format!(
                    "{t:?} {:?}: {}",
                    case.1,
                    diffs.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")
                ));
            }
            use geozero::mvt::Message;
            features += geozero::mvt::Tile::decode(&b.bytes[..])
                .unwrap()
                .layers
                .iter()
                .map(|l| l.features.len())
                .sum::<usize>();
        }
    }
    assert!(failures.is_empty(), "{} tiles differ:\n{}", failures.len(), failures.join("\n"));
    features
}

#[tokio::test]
async fn tiles_from_memory_equal_postgis_for_every_caller() {
    let db = test_db().await;
    let layers = layers();
    sync_layers(&db.pool, &layers).await;
    generate(&db.pool).await;
    let state = state(&db, layers, 512 << 20, 0).await;
    let mem = state.tiles.memory().unwrap().clone();
    let figures = mem.figures();
    assert_eq!(figures.layers_loaded, 5, "{:?}", mem.layer_figures());
    assert!(figures.features > 6000, "{figures:?}");
    assert!(figures.bytes > 0 && figures.bytes <= figures.budget_bytes);
    eprintln!("in memory: {figures:?}, {} bytes a feature", figures.bytes / figures.features);
    let sql = TileService::new(db.pool.clone(), 0);
    let catalog = state.catalog();
    let get = |id: &str| Arc::clone(catalog.get(id).unwrap());
    let apps = FeatureScope::Applications { login: "road1".into(), keys: vec!["org:1".into()] };
    let mut cases = vec![
        (get("blocks"), FeatureScope::All),
        (get("blocks"), FeatureScope::Published),
        (get("blocks"), apps),
        (get("roads"), FeatureScope::All),
        (get("pois"), FeatureScope::All),
        (get("secret"), FeatureScope::All),
    ];
    // Each kind of caller of the department layer, with the scope the policy gives it.
    user(&db, "road1", &["editor"], Some("akimat"), Some("roads")).await;
    let callers = [
        qala::auth::Caller::Anonymous,
        qala::auth::Caller::user("water1", &["viewer"]),
        qala::auth::Caller::user("root", &["admin"]),
    ];
    let works = get("works");
    for c in &callers {
        cases.push((Arc::clone(&works), qala::policy::feature_scope(c, &works)));
    }
    cases.push((Arc::clone(&works), FeatureScope::Department("roads".into())));
    let tiles = sample_tiles();
    let before = mem.figures();
    let compared = assert_same(&state.tiles, &sql, &cases, &tiles).await;
    let after = mem.figures();
    assert!(compared > 20_000, "only {compared} features compared");
    // Every layer tile came from memory, none from PostGIS.
    let cut = (tiles.len() * cases.len()) as u64;
    assert_eq!(after.layer_tiles_memory - before.layer_tiles_memory, cut);
    assert_eq!(after.layer_tiles_sql, before.layer_tiles_sql);
    // Tiles through HTTP for a department member carry only its department's features.
    let app = qala::http::app(state.clone());
    let t = TileCoord::containing(76.92, 43.25, 12);
    let resp =
        call(&app, "GET", &format!("/tiles/works/{}/{}/{}.mvt", t.z, t.x, t.y), &[basic("road1")], vec![])
            .await;
    assert_eq!(resp.status, 200);
    let want = sql.tile_scoped(&[(works, FeatureScope::Department("roads".into()))], t).await.unwrap();
    assert!(compare_tile(&resp.body, &want.bytes, PIXEL).is_empty());
}

/// The live features of `layer` in the table: id and Web Mercator geometry.
async fn table(db: &TestDb, layer: &str) -> std::collections::BTreeMap<i64, geo::Geometry<f64>> {
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT id, ST_AsBinary(geom_web) FROM features WHERE layer_id = $1 AND deleted_at IS NULL",
    )
    .bind(layer)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.into_iter().map(|(id, wkb)| (id, geozero::wkb::Wkb(wkb).to_geo().unwrap())).collect()
}

fn store_of(state: &AppState, layer: &str) -> std::collections::BTreeMap<i64, geo::Geometry<f64>> {
    let def = Arc::clone(state.catalog().get(layer).unwrap());
    let store = state.tiles.memory().unwrap().store(&def).expect("layer in memory");
    let s = store.read().unwrap();
    s.iter().map(|f| (f.id, f.geom.clone())).collect()
}

/// Runs `sql`, which sends `notifications` change notifications, and waits until they are
/// applied; returns the rows it changed.
async fn edit(db: &TestDb, state: &AppState, sql: &str, notifications: u64) -> u64 {
    let mem = state.tiles.memory().unwrap();
    let target = mem.figures().notifications_applied + notifications;
    let rows = sqlx::query(sql).execute(&db.pool).await.unwrap().rows_affected();
    wait_for(sql, || mem.figures().notifications_applied >= target).await;
    assert_eq!(mem.figures().notifications_applied, target, "more notifications than expected after {sql}");
    rows
}

#[tokio::test]
async fn edits_reach_the_store_and_a_burst_leaves_it_equal_to_the_table() {
    let db = test_db().await;
    let layers = layers();
    sync_layers(&db.pool, &layers).await;
    generate(&db.pool).await;
    let state = state(&db, layers, 512 << 20, 64 << 20).await;
    let catalog = state.catalog();
    let blocks = vec![Arc::clone(catalog.get("blocks").unwrap())];
    let names = |bytes: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(bytes).to_string();
        ["renamed by sql", "made by api"]
            .iter()
            .filter(|n| text.contains(*n))
            .map(|n| n.to_string())
            .collect()
    };

    // By SQL: the next tile (after eviction) shows it.
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM features WHERE layer_id = 'blocks' AND attrs->>'name' = 'f100'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let (lon, lat): (f64, f64) =
        sqlx::query_as("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM features WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let here = TileCoord::containing(lon, lat, 16);
    assert!(names(&state.tiles.tile(&blocks, here).await.unwrap().bytes).is_empty());
    assert!(state.tiles.is_cached(&blocks, here).await);
    sqlx::query("UPDATE features SET attrs = attrs || '{\"name\": \"renamed by sql\"}' WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    let tiles = state.tiles.clone();
    let b2 = blocks.clone();
    for _ in 0..6000 {
        if !tiles.is_cached(&b2, here).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!state.tiles.is_cached(&blocks, here).await, "not evicted");
    assert_eq!(names(&state.tiles.tile(&blocks, here).await.unwrap().bytes), ["renamed by sql"]);

    // Through the API.
    user(&db, "ed", &["editor"], None, None).await;
    let app = qala::http::app(state.clone());
    let mem = state.tiles.memory().unwrap().clone();
    let target = mem.figures().notifications_applied + 1;
    let body = json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.0002, lat], [lon + 0.0002, lat + 0.0002], [lon, lat]]]},
        "properties": {"name": "made by api"}});
    let resp = call(
        &app,
        "POST",
        "/ogc/collections/blocks/items",
        &[basic("ed"), ("content-type", "application/geo+json".into())],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(resp.status, 201, "{}", resp.text());
    wait_for("the API edit", || mem.figures().notifications_applied >= target).await;
    let before = mem.figures().layer_tiles_memory;
    let got = names(&state.tiles.tile(&blocks, here).await.unwrap().bytes);
    assert_eq!(got, ["renamed by sql", "made by api"]);
    assert_eq!(mem.figures().layer_tiles_memory, before + 1, "cut from memory");

    // A burst of 10,000 edits in statements of every size: big ones notify one union extent per
    // layer, small ones (at most 200 rows) one extent per row.
    let burst = [
        (
            "UPDATE features SET geom = ST_Translate(geom, 0.0003, -0.0002) WHERE layer_id = 'blocks' AND id % 3 = 0",
            1,
        ),
        (
            "INSERT INTO features (layer_id, geom, attrs) SELECT 'blocks', ST_MakeEnvelope(76.9 + i * 0.00003, 43.24 + (i % 50) * 0.0001, 76.9 + i * 0.00003 + 0.00002, 43.24 + (i % 50) * 0.0001 + 0.00002, 4326), jsonb_build_object('name', 'new' || i) FROM generate_series(1, 4000) i",
            1,
        ),
        (
            "UPDATE features SET deleted_at = now() WHERE layer_id = 'blocks' AND id % 3 = 1 AND attrs->>'name' LIKE 'f%'",
            1,
        ),
        (
            "UPDATE features SET attrs = attrs || '{\"floors\": 99}' WHERE layer_id = 'blocks' AND attrs->>'name' LIKE 'new%' AND (attrs->>'name')::text > 'new2'",
            1,
        ),
        (
            "UPDATE features SET attrs = attrs || '{\"heritage\": false}' WHERE layer_id = 'blocks' AND deleted_at IS NULL",
            1,
        ),
        (
            "UPDATE features SET geom = ST_Translate(geom, 0.01, 0.01) WHERE id IN (SELECT id FROM features WHERE layer_id = 'blocks' AND deleted_at IS NULL AND attrs->>'name' LIKE 'new%' ORDER BY id LIMIT 150)",
            150,
        ),
        (
            "INSERT INTO features (layer_id, geom, attrs) SELECT 'blocks', ST_MakeEnvelope(76.95 + i * 0.0001, 43.21, 76.95 + i * 0.0001 + 0.00005, 43.21005, 4326), jsonb_build_object('name', 'small' || i) FROM generate_series(1, 120) i",
            120,
        ),
        (
            "UPDATE features SET deleted_at = now() WHERE id IN (SELECT id FROM features WHERE layer_id = 'blocks' AND deleted_at IS NULL AND attrs->>'name' LIKE 'small%' ORDER BY id LIMIT 60)",
            60,
        ),
    ];
    let mut edited = 0;
    for (sql, n) in burst {
        edited += edit(&db, &state, sql, n).await;
    }
    // Single-row edits, one statement each.
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM features WHERE layer_id = 'blocks' AND deleted_at IS NULL ORDER BY id DESC LIMIT 100",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mem_target = mem.figures().notifications_applied + ids.len() as u64;
    for (k, id) in ids.iter().enumerate() {
        let sql = if k % 2 == 0 {
            format!("UPDATE features SET geom = ST_Translate(geom, -0.002, 0.001) WHERE id = {id}")
        } else {
            format!("UPDATE features SET deleted_at = now() WHERE id = {id}")
        };
        edited += sqlx::query(&sql).execute(&db.pool).await.unwrap().rows_affected();
    }
    wait_for("single edits", || mem.figures().notifications_applied >= mem_target).await;
    assert!(edited >= 10_000, "only {edited} edits");
    assert_eq!(store_of(&state, "blocks"), table(&db, "blocks").await, "store and table differ");
    // And the tiles still match PostGIS's.
    let sql = TileService::new(db.pool.clone(), 0);
    let cases = [(Arc::clone(&blocks[0]), FeatureScope::All)];
    let fresh: Vec<TileCoord> = sample_tiles().into_iter().step_by(3).collect();
    state.tiles.invalidate_all();
    assert_same(&state.tiles, &sql, &cases, &fresh).await;
}

#[tokio::test]
async fn a_layer_over_the_budget_stays_on_postgis() {
    let db = test_db().await;
    let layers = layers();
    sync_layers(&db.pool, &layers).await;
    generate(&db.pool).await;
    // Room for the roads and the restricted layer (loaded in catalog order), not for the others.
    let full = state(&db, layers.clone(), 512 << 20, 0).await;
    let sizes = full.tiles.memory().unwrap().layer_figures();
    let size = |id: &str| sizes.iter().find(|l| l.layer == id).unwrap().bytes;
    let budget = (size("roads") + size("secret")) * 6 / 5;
    assert!(size("works") > budget - size("roads") - size("secret") && size("blocks") > budget, "{sizes:?}");
    let state = state(&db, layers, budget, 0).await;
    let mem = state.tiles.memory().unwrap().clone();
    let figures = mem.layer_figures();
    let state_of = |id: &str| figures.iter().find(|l| l.layer == id).unwrap().state.clone();
    assert!(state_of("blocks").starts_with("skipped"), "{figures:?}");
    assert_eq!(state_of("secret"), "loaded", "{figures:?}");
    let f = mem.figures();
    assert!(f.bytes <= f.budget_bytes, "{f:?}");
    assert!(f.layers_loaded >= 1 && f.layers_loaded < 5, "{f:?}");
    // The skipped layer's tiles come from PostGIS, and are right.
    let blocks = Arc::clone(state.catalog().get("blocks").unwrap());
    let t = TileCoord::containing(76.92, 43.25, 14);
    let before = mem.figures();
    let tile = state.tiles.tile(std::slice::from_ref(&blocks), t).await.unwrap();
    let sql = TileService::new(db.pool.clone(), 0).tile(&[blocks], t).await.unwrap();
    assert_eq!(tile.bytes, sql.bytes);
    assert!(!tile.bytes.is_empty());
    let after = mem.figures();
    assert_eq!(after.layer_tiles_sql, before.layer_tiles_sql + 1);
    assert_eq!(after.layer_tiles_memory, before.layer_tiles_memory);
}
