//! A large import into an empty layer is built beside the layer's partition and swapped in
//! (layers/fresh_load.rs): it must store, refuse, repair, place (KATO) and record (history) exactly
//! what the staged load does with the same file, and leave a partition like any other.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestDb, city_boundary, layer_from, parcels_layer, sync_layers, test_db};
use qala::layers::ingest::{IngestOptions, IngestReport, ingest};
use serde_json::{Value, json};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

fn bowtie(x: f64, y: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y + 0.001], [x + 0.001, y], [x, y + 0.001], [x, y]]]})
}

/// 20,500 parcels over the city and a district inside it, with every kind of row a load refuses
/// or repairs every 1,000 rows. Returns the GeoJSON text.
fn parcels_file() -> String {
    let mut features = Vec::new();
    for i in 0..20_500u32 {
        let x = 76.80 + f64::from(i % 150) * 0.002;
        let y = 43.05 + f64::from(i / 150) * 0.002;
        let (mut geom, mut props) = (
            rect(x, y, x + 0.0015, y + 0.0015),
            json!({"code": format!("K{i}"), "name": format!("n{i}"), "floors": i % 20}),
        );
        match i % 1000 {
            // Invalid: repaired by the database.
            10 => geom = bowtie(x, y),
            // Wider than the step, crossing the district's edge: placed by its point on surface.
            11..=30 => geom = rect(x - 0.001, y, x + 0.002, y + 0.0015),
            // Wrong dimension, out of range, no name, no geometry.
            40 => geom = json!({"type": "LineString", "coordinates": [[x, y], [x + 0.001, y]]}),
            41 => geom = rect(500.0, y, 500.5, y + 0.001),
            42 => props = json!({"code": format!("K{i}")}),
            43 => geom = Value::Null,
            // Repeated keys: a valid row repeating a valid one, an invalid row repeating an invalid
            // one, a valid row repeating an invalid one, and a row whose key comes back later.
            50 => props["code"] = json!(format!("K{}", i - 1)),
            51 => {
                geom = bowtie(x, y);
                props["code"] = json!(format!("K{}", i - 41));
            }
            52 => props["code"] = json!(format!("K{}", i - 42)),
            53 => props["code"] = json!(format!("K{}", i + 5)),
            // An invalid row repeating a valid row's key.
            60 => {
                geom = bowtie(x, y);
                props["code"] = json!(format!("K{}", i - 2));
            }
            _ => {}
        }
        features.push(json!({"type": "Feature", "geometry": geom, "properties": props}));
    }
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

async fn load(db: &TestDb, layer: &qala::layers::catalog::LayerDef, path: &std::path::Path) -> IngestReport {
    let opts = IngestOptions { path: path.to_path_buf(), key: Some("code".into()), ..Default::default() };
    ingest(&db.pool, layer, &opts, "tester").await.unwrap()
}

async fn oid(db: &TestDb, table: &str) -> u32 {
    sqlx::query_scalar::<_, sqlx::postgres::types::Oid>("SELECT $1::regclass::oid")
        .bind(table)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .0
}

type Stored = (String, String, Value, Option<String>, i32, String, Option<String>);

async fn features_of(db: &TestDb, layer: &str, dataset: i64) -> Vec<Stored> {
    sqlx::query_as(
        "SELECT source_key, ST_AsText(geom), attrs, kato::text, version, created_by, owner_dept
         FROM features WHERE layer_id = $1 AND dataset_id = $2 ORDER BY source_key",
    )
    .bind(layer)
    .bind(dataset)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

type History = (String, String, i32, String, Option<String>, Option<Value>, Option<String>, bool);

async fn history_of(db: &TestDb, layer: &str, dataset: i64) -> Vec<History> {
    sqlx::query_as(
        "SELECT f.source_key, h.op, h.version, h.changed_by, ST_AsText(h.geom_after), h.attrs_after,
                h.kato_after::text, h.changed_at = f.created_at
         FROM feature_history h JOIN features f ON f.id = h.feature_id
         WHERE f.layer_id = $1 AND f.dataset_id = $2 ORDER BY f.source_key, h.version",
    )
    .bind(layer)
    .bind(dataset)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

/// Index definitions and trigger names of a partition, with its own name taken out.
async fn shape_of(db: &TestDb, table: &str) -> (Vec<String>, Vec<String>) {
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT regexp_replace(pg_get_indexdef(indexrelid), '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+ ', '\\1')
         FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1",
    )
    .bind(table)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let triggers: Vec<String> = sqlx::query_scalar(
        "SELECT tgname || ' ' || tgenabled::text FROM pg_trigger WHERE tgrelid = $1::regclass ORDER BY 1",
    )
    .bind(table)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    (indexes, triggers)
}

#[tokio::test]
async fn a_fresh_load_stores_and_reports_what_a_staged_load_does() {
    let db = test_db().await;
    city_boundary(&db.pool).await;
    // A district inside the city: the smaller unit wins where both contain a feature's point.
    sqlx::raw_sql(
        "INSERT INTO kato_units (code, parent_code, level, name_ru, source) VALUES ('751110000', '750000000', 3, 'район', 'test');
         INSERT INTO kato_boundaries (code, geom, area_m2, source)
           VALUES ('751110000', ST_Multi(ST_MakeEnvelope(76.9, 43.1, 77.0, 43.2, 4326)), 0.5, 'test');",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let fresh = parcels_layer();
    let text =
        include_str!("fixtures/layers/valid_layer.toml").replace("id = \"parcels\"", "id = \"parcels_b\"");
    let staged = layer_from("parcels_b", &text);
    sync_layers(&db.pool, &[fresh.clone(), staged.clone()]).await;
    // A deleted feature keeps parcels_b's partition from being empty: its load is staged.
    sqlx::query(
        "INSERT INTO features (layer_id, geom, attrs, deleted_at)
         VALUES ('parcels_b', ST_MakeEnvelope(76.8, 43.05, 76.801, 43.051, 4326), '{\"name\": \"old\"}', now())",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.geojson");
    std::fs::write(&path, parcels_file()).unwrap();
    let (fresh_oid, staged_oid) = (oid(&db, "features_parcels").await, oid(&db, "features_parcels_b").await);
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool).await.unwrap();
    listener.listen("qala_features").await.unwrap();

    let a = load(&db, &fresh, &path).await;
    let b = load(&db, &staged, &path).await;

    // The paths taken: the empty layer's partition was replaced, the other one kept.
    assert_ne!(oid(&db, "features_parcels").await, fresh_oid, "the empty layer is built beside");
    assert_eq!(oid(&db, "features_parcels_b").await, staged_oid, "the other layer is staged");
    let left: Option<String> = sqlx::query_scalar("SELECT to_regclass('qala_load_parcels')::text")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, None, "no load table is left");

    // The same report.
    let (sa, sb) = (&a.summary, &b.summary);
    assert_eq!(
        (sa.read, sa.loaded, sa.inserted, sa.updated, sa.unchanged, sa.repaired),
        (sb.read, sb.loaded, sb.inserted, sb.updated, sb.unchanged, sb.repaired)
    );
    assert_eq!(sa.rejected, sb.rejected);
    assert_eq!(sa.read, 20_500);
    // The bow ties of rows 11, 1011, ...; those of rows 52 and 61 (repeated keys) are refused.
    assert_eq!(sa.repaired, 21, "{sa:?}");
    // Each block of 1,000 refuses 9 rows: the line, out of range, no name, no geometry and the
    // repeated keys of rows 51, 52, 53, 59 and 61.
    assert_eq!(sa.rejected.len(), 21 * 9, "{:?}", sa.rejected);
    let reasons: Vec<&str> = sa.rejected.iter().map(|r| r.reason.as_str()).collect();
    for expected in [
        "geometry is LINESTRING, the layer holds polygons",
        "coordinates outside longitude/latitude range after reprojection (wrong --srs?)",
        "key `K49` repeats row 50",
        "key `K10` repeats row 11",
        "key `K58` repeats row 54",
    ] {
        assert!(reasons.contains(&expected), "{expected}: {reasons:?}");
    }

    // The same features, placed in the same units, with the same history.
    let (fa, fb) = (
        features_of(&db, "parcels", sa.dataset_id).await,
        features_of(&db, "parcels_b", sb.dataset_id).await,
    );
    assert_eq!(fa.len() as u64, sa.inserted);
    assert_eq!(fa, fb);
    let district = fa.iter().filter(|f| f.3.as_deref() == Some("751110000")).count();
    let city = fa.iter().filter(|f| f.3.as_deref() == Some("750000000")).count();
    assert!(district > 1000 && city > 1000 && district + city == fa.len(), "{district} {city}");
    let misplaced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM features WHERE layer_id = 'parcels' AND kato IS DISTINCT FROM qala_kato_at(geom)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(misplaced, 0);
    let (ha, hb) =
        (history_of(&db, "parcels", sa.dataset_id).await, history_of(&db, "parcels_b", sb.dataset_id).await);
    assert_eq!(ha.len(), fa.len(), "one history row per feature");
    assert_eq!(ha, hb);
    // Ids follow the rows of the file for the rows written directly.
    let ordered: bool = sqlx::query_scalar(
        "SELECT bool_and(a.id < b.id) FROM features a JOIN features b
           ON b.layer_id = a.layer_id AND b.source_key = 'K2000' WHERE a.layer_id = 'parcels' AND a.source_key = 'K1999'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(ordered);

    // A partition like any other: same indexes and triggers, and edits behave as before.
    assert_eq!(shape_of(&db, "features_parcels").await, shape_of(&db, "features_parcels_b").await);
    let (version, kato): (i32, Option<String>) = sqlx::query_as(
        "UPDATE features SET geom = ST_MakeEnvelope(76.95, 43.15, 76.951, 43.151, 4326)
         WHERE layer_id = 'parcels' AND source_key = 'K0' RETURNING version, kato::text",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((version, kato.as_deref()), (2, Some("751110000")));
    let ops: Vec<String> = sqlx::query_scalar(
        "SELECT op FROM feature_history h JOIN features f ON f.id = h.feature_id
         WHERE f.layer_id = 'parcels' AND f.source_key = 'K0' ORDER BY h.version",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(ops, ["insert", "update"]);

    // The change was announced for the tile cache.
    let mut announced = false;
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(10), listener.recv()).await {
        if n.payload().contains("\"layer\" : \"parcels\"") || n.payload().contains("\"layer\":\"parcels\"") {
            announced = true;
            break;
        }
    }
    assert!(announced, "a notification for layer parcels");
}
