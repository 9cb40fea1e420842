//! Ingest with GDAL: every format, encodings, reprojection checked against an independent
//! implementation (proj4rs), repair, bad rows reported, idempotent re-import, history, the CLI.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestDb, parcels_layer, places_layer, sync_layers, test_db};
use qala::layers::catalog::LayerDef;
use qala::layers::ingest::{IngestOptions, IngestReport, ingest};
use serde_json::{Value, json};

async fn setup() -> (TestDb, tempfile::TempDir) {
    let db = test_db().await;
    sync_layers(&db.pool, &[parcels_layer(), places_layer(true)]).await;
    (db, tempfile::tempdir().unwrap())
}

fn feature_collection(features: &[(Value, Value)]) -> String {
    let fs: Vec<Value> =
        features.iter().map(|(g, p)| json!({"type": "Feature", "geometry": g, "properties": p})).collect();
    json!({"type": "FeatureCollection", "features": fs}).to_string()
}

fn point(lon: f64, lat: f64) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr").args(args).output().expect("ogr2ogr from gdal-bin");
    assert!(out.status.success(), "ogr2ogr {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

async fn run(db: &TestDb, layer: &LayerDef, path: &Path, f: impl FnOnce(&mut IngestOptions)) -> IngestReport {
    let mut opts = IngestOptions { path: path.to_path_buf(), ..Default::default() };
    f(&mut opts);
    ingest(&db.pool, layer, &opts, "tester").await.unwrap()
}

/// (name, lon, lat, attrs) of the live features of a layer, by name.
async fn stored(db: &TestDb, layer: &str) -> Vec<(String, f64, f64, Value)> {
    sqlx::query_as(
        "SELECT attrs->>'name', ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)), attrs
         FROM features WHERE layer_id = $1 AND deleted_at IS NULL ORDER BY attrs->>'name'",
    )
    .bind(layer)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

fn places_geojson(dir: &Path) -> PathBuf {
    let p = dir.join("places.geojson");
    std::fs::write(
        &p,
        feature_collection(&[
            (
                point(76.9457, 43.2379),
                json!({"code": "A1", "name": "Школа № 5", "floors": 3, "kind": "school", "note": "x"}),
            ),
            (
                point(76.9000, 43.2500),
                json!({"code": "A2", "name": "Поликлиника Ёлки", "floors": "2", "kind": "clinic"}),
            ),
            (point(76.9100, 43.2600), json!({"code": "A3", "floors": 4})),
            (
                point(76.9200, 43.2700),
                json!({"code": "A4", "name": "Тест", "floors": "many", "kind": "castle"}),
            ),
            (Value::Null, json!({"code": "A5", "name": "Без геометрии"})),
        ]),
    )
    .unwrap();
    p
}

#[tokio::test]
async fn geojson_bad_rows_are_reported_with_row_and_reason() {
    let (db, dir) = setup().await;
    let r = run(&db, &places_layer(true), &places_geojson(dir.path()), |_| {}).await;
    let s = &r.summary;
    assert_eq!((s.read, s.loaded, s.inserted, s.rejected.len()), (5, 2, 2, 3), "{s:?}");
    assert_eq!(s.rejected[0].row, 3);
    assert_eq!(s.rejected[0].reason, "name: is required");
    assert_eq!(s.rejected[1].row, 4);
    assert!(s.rejected[1].reason.contains("floors: `many` is not an integer"), "{}", s.rejected[1].reason);
    assert!(s.rejected[1].reason.contains("kind: `castle` is not one of: school, clinic"));
    assert_eq!(s.rejected[2].row, 5);
    assert!(s.rejected[2].reason.contains("no geometry"));
    assert_eq!(r.driver, "GeoJSON");
    assert!(r.ignored_fields.contains(&"note".to_string()) && r.ignored_fields.contains(&"code".to_string()));
    let rows = stored(&db, "places").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].0, "Школа № 5");
    assert_eq!(rows[1].3["floors"], json!(3));
    assert_eq!(rows[0].3["floors"], json!(2), "text coerced to integer");
    // The dataset's metadata is recorded with the outcome.
    let (driver, sha, summary): (String, String, Value) =
        sqlx::query_as("SELECT driver, source_sha256, summary FROM datasets WHERE id = $1")
            .bind(s.dataset_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(driver, "GeoJSON");
    assert_eq!(sha.len(), 64);
    assert_eq!(summary["rejected"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn cp1251_shapefile_with_cpg_and_with_encoding_option() {
    let (db, dir) = setup().await;
    let src = places_geojson(dir.path());
    let shp = dir.path().join("places.shp");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-lco",
        "ENCODING=CP1251",
        shp.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    let cpg = std::fs::read_to_string(dir.path().join("places.cpg")).unwrap();
    assert!(cpg.contains("1251"), "{cpg}");
    let dbf = std::fs::read(dir.path().join("places.dbf")).unwrap();
    let (cp, _, _) = encoding_rs::WINDOWS_1251.encode("Поликлиника Ёлки");
    assert!(dbf.windows(cp.len()).any(|w| w == &cp[..]), "the DBF holds cp1251 text");

    let places = places_layer(true);
    let r = run(&db, &places, &shp, |_| {}).await;
    assert_eq!(r.summary.loaded, 2);
    let names: Vec<String> = stored(&db, "places").await.into_iter().map(|r| r.0).collect();
    assert_eq!(names, vec!["Поликлиника Ёлки", "Школа № 5"]);

    // An old file: no .cpg and no code page byte in the DBF header. Only --encoding can tell.
    std::fs::remove_file(dir.path().join("places.cpg")).unwrap();
    let mut dbf = dbf;
    dbf[29] = 0;
    std::fs::write(dir.path().join("places.dbf"), &dbf).unwrap();
    sqlx::query("DELETE FROM features").execute(&db.pool).await.unwrap();
    run(&db, &places, &shp, |o| o.encoding = Some("cp1251".into())).await;
    let names: Vec<String> = stored(&db, "places").await.into_iter().map(|r| r.0).collect();
    assert_eq!(names, vec!["Поликлиника Ёлки", "Школа № 5"]);
}

#[tokio::test]
async fn geopackage_kml_and_csv_are_read() {
    let (db, dir) = setup().await;
    let src = places_geojson(dir.path());
    let places = places_layer(true);
    for (driver, name) in [("GPKG", "places.gpkg"), ("KML", "places.kml")] {
        let out = dir.path().join(name);
        ogr2ogr(&["-f", driver, out.to_str().unwrap(), src.to_str().unwrap()]);
        sqlx::query("DELETE FROM features").execute(&db.pool).await.unwrap();
        let r = run(&db, &places, &out, |_| {}).await;
        assert_eq!(r.summary.loaded, 2, "{driver}: {:?}", r.summary);
        let rows = stored(&db, "places").await;
        assert_eq!(rows[1].0, "Школа № 5", "{driver}");
        assert!((rows[1].1 - 76.9457).abs() < 1e-9 && (rows[1].2 - 43.2379).abs() < 1e-9, "{driver}");
    }

    // CSV with WKT: one row has broken WKT, one a polygon in a point layer.
    let csv = dir.path().join("wkt.csv");
    std::fs::write(
        &csv,
        "wkt,name,floors\n\"POINT (76.95 43.25)\",Один,1\n\"POINT (76.96\",Два,2\n\"POLYGON ((76 43, 77 43, 77 44, 76 43))\",Три,3\n",
    )
    .unwrap();
    sqlx::query("DELETE FROM features").execute(&db.pool).await.unwrap();
    let r = run(&db, &places, &csv, |_| {}).await;
    assert_eq!((r.summary.read, r.summary.loaded), (3, 1), "{:?}", r.summary);
    assert_eq!(r.summary.rejected[0].row, 2);
    assert_eq!(r.summary.rejected[1].row, 3);
    assert_eq!(r.summary.rejected[1].reason, "geometry is POLYGON, the layer holds points");

    // CSV with lon/lat columns and a --map.
    let csv = dir.path().join("lonlat.csv");
    std::fs::write(&csv, "lon,lat,title,storeys\n76.91,43.21,Первый,5\n76.92,43.22,Второй,6\n").unwrap();
    sqlx::query("DELETE FROM features").execute(&db.pool).await.unwrap();
    let r = run(&db, &places, &csv, |o| {
        o.map = vec![("title".into(), "name".into()), ("storeys".into(), "floors".into())]
    })
    .await;
    assert_eq!(r.summary.loaded, 2, "{:?}", r.summary);
    let rows = stored(&db, "places").await;
    assert_eq!(rows[0].0, "Второй");
    assert_eq!(rows[0].3["floors"], json!(6));
    assert!((rows[0].1 - 76.92).abs() < 1e-12 && (rows[0].2 - 43.22).abs() < 1e-12);
}

const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";
/// EPSG:28413 (Pulkovo 1942 / Gauss-Kruger zone 13) with the datum shift PROJ 9.1 applies at
/// Almaty when GDAL transforms without an explicit operation: "Pulkovo 1942 to WGS 84 (20)"
/// (EPSG:5044, coordinate frame 23.57, -140.95, -79.8 m, 0, -0.35, -0.79", -0.22 ppm), written here
/// as a PROJ.4 position-vector `towgs84`. PROJ picks it over "(16)" because it is the most accurate
/// candidate whose area-of-use box contains the point. A different shift is chosen with an explicit
/// `--srs "+proj=tmerc ... +towgs84=..."`, as the local-system case below shows.
const GK13: &str = "+proj=tmerc +lat_0=0 +lon_0=75 +k=1 +x_0=13500000 +y_0=0 +ellps=krass +towgs84=23.57,-140.95,-79.8,0,0.35,0.79,-0.22 +units=m +no_defs";
/// A local city system: transverse Mercator on Almaty's meridian, Krasovsky ellipsoid, false origin.
const LOCAL: &str = "+proj=tmerc +lat_0=43 +lon_0=76.95 +k=1.0001 +x_0=50000 +y_0=20000 +ellps=krass +towgs84=25,-141,-78.5,0,0.35,0.736,0 +units=m +no_defs";

/// WGS84 -> `to` with proj4rs, an implementation independent of PROJ/GDAL.
fn project(to: &str, lon: f64, lat: f64) -> (f64, f64) {
    let src = proj4rs::Proj::from_proj_string(WGS84).unwrap();
    let dst = proj4rs::Proj::from_proj_string(to).unwrap();
    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&src, &dst, &mut p).unwrap();
    (p.0, p.1)
}

/// Ground distance in metres between two nearby WGS84 points.
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dx = (a.0 - b.0).to_radians() * 6_378_137.0 * a.1.to_radians().cos();
    let dy = (a.1 - b.1).to_radians() * 6_356_752.0;
    (dx * dx + dy * dy).sqrt()
}

#[tokio::test]
async fn reprojection_from_sk42_and_a_local_proj_string_is_within_a_centimetre() {
    let (db, dir) = setup().await;
    let places = places_layer(true);
    let truth = [(76.9457, 43.2379), (76.8512, 43.3301), (77.0533, 43.1802), (76.7421, 43.2055)];
    for (label, def, srs_arg) in [("gauss", GK13, "EPSG:28413"), ("local", LOCAL, LOCAL)] {
        let mut csv = String::from("x,y,name\n");
        for (i, (lon, lat)) in truth.iter().enumerate() {
            let (x, y) = project(def, *lon, *lat);
            csv.push_str(&format!("{x:.4},{y:.4},{label}{i}\n"));
        }
        let path = dir.path().join(format!("{label}.csv"));
        std::fs::write(&path, csv).unwrap();
        let r = run(&db, &places, &path, |o| o.srs = Some(srs_arg.into())).await;
        assert_eq!(r.summary.loaded, 4, "{:?}", r.summary);
    }
    // A GeoPackage that declares EPSG:28413 itself needs no --srs.
    let csv = dir.path().join("declared.csv");
    let (x, y) = project(GK13, truth[0].0, truth[0].1);
    std::fs::write(&csv, format!("x,y,name\n{x:.4},{y:.4},declared0\n")).unwrap();
    let gpkg = dir.path().join("declared.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-a_srs",
        "EPSG:28413",
        "-oo",
        "X_POSSIBLE_NAMES=x",
        "-oo",
        "Y_POSSIBLE_NAMES=y",
        gpkg.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    let r = run(&db, &places, &gpkg, |_| {}).await;
    assert_eq!(r.summary.loaded, 1);
    assert_eq!(r.source_srs, "EPSG:28413");

    for (name, lon, lat, _) in stored(&db, "places").await {
        let i: usize = name.trim_start_matches(|c: char| c.is_alphabetic()).parse().unwrap();
        let d = metres((lon, lat), truth[i]);
        assert!(d < 0.01, "{name}: {d:.4} m from the independently computed position");
    }

    // Projected coordinates read as if they were degrees fall outside the globe: refused, not loaded.
    let r = run(&db, &places, &dir.path().join("gauss.csv"), |o| o.srs = Some("EPSG:4326".into())).await;
    assert_eq!(r.summary.loaded, 0);
    assert!(
        r.summary.rejected[0].reason.contains("outside longitude/latitude range"),
        "{:?}",
        r.summary.rejected
    );
}

#[tokio::test]
async fn invalid_polygons_are_repaired_and_counted() {
    let (db, dir) = setup().await;
    let bowtie = json!({"type": "Polygon", "coordinates": [[[76.90, 43.20], [76.91, 43.21], [76.91, 43.20], [76.90, 43.21], [76.90, 43.20]]]});
    let square = json!({"type": "Polygon", "coordinates": [[[76.92, 43.20], [76.93, 43.20], [76.93, 43.21], [76.92, 43.21], [76.92, 43.20]]]});
    let line = json!({"type": "LineString", "coordinates": [[76.9, 43.2], [76.95, 43.25]]});
    let path = dir.path().join("parcels.geojson");
    std::fs::write(
        &path,
        feature_collection(&[
            (bowtie, json!({"name": "bowtie"})),
            (square, json!({"name": "square"})),
            (line, json!({"name": "line"})),
        ]),
    )
    .unwrap();
    let r = run(&db, &parcels_layer(), &path, |_| {}).await;
    assert_eq!(
        (r.summary.loaded, r.summary.repaired, r.summary.rejected.len()),
        (2, 1, 1),
        "{:?}",
        r.summary
    );
    assert_eq!(r.summary.rejected[0].reason, "geometry is LINESTRING, the layer holds polygons");
    let invalid: i64 = sqlx::query_scalar("SELECT count(*) FROM features WHERE NOT ST_IsValid(geom)")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(invalid, 0);
    let kind: String =
        sqlx::query_scalar("SELECT GeometryType(geom) FROM features WHERE attrs->>'name' = 'bowtie'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(kind, "MULTIPOLYGON");
}

#[tokio::test]
async fn reimport_with_key_updates_instead_of_duplicating() {
    let (db, dir) = setup().await;
    let places = places_layer(true);
    let path = places_geojson(dir.path());
    let keyed = |o: &mut IngestOptions| o.key = Some("code".into());
    let first = run(&db, &places, &path, keyed).await;
    assert_eq!(first.summary.inserted, 2);
    let history_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM feature_history").fetch_one(&db.pool).await.unwrap();
    assert_eq!(history_before, 2, "one history row per inserted feature");

    let again = run(&db, &places, &path, keyed).await;
    let s = &again.summary;
    assert_eq!((s.inserted, s.updated, s.unchanged, s.loaded), (0, 0, 2, 2), "{s:?}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM features").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count, 2);
    let history: i64 =
        sqlx::query_scalar("SELECT count(*) FROM feature_history").fetch_one(&db.pool).await.unwrap();
    assert_eq!(history, history_before, "an unchanged re-import writes no history");

    // Change one feature in the source: exactly that one is updated, with a new version and history.
    let text = std::fs::read_to_string(&path).unwrap().replace("\"floors\":3", "\"floors\":4");
    std::fs::write(&path, text).unwrap();
    let s = run(&db, &places, &path, keyed).await.summary;
    assert_eq!((s.inserted, s.updated, s.unchanged), (0, 1, 1), "{s:?}");
    let (version, by): (i32, String) =
        sqlx::query_as("SELECT version, updated_by FROM features WHERE source_key = 'A1'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((version, by.as_str()), (2, "tester"));
    let (op, before, after): (String, Value, Value) = sqlx::query_as(
        "SELECT op, attrs_before, attrs_after FROM feature_history h JOIN features f ON f.id = h.feature_id
         WHERE f.source_key = 'A1' AND h.version = 2",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((op.as_str(), &before["floors"], &after["floors"]), ("update", &json!(3), &json!(4)));

    // A key repeated inside one file: the second row is refused, naming the first.
    let dup = dir.path().join("dup.geojson");
    std::fs::write(
        &dup,
        feature_collection(&[
            (point(76.9, 43.2), json!({"code": "B1", "name": "one"})),
            (point(76.9, 43.3), json!({"code": "B1", "name": "two"})),
        ]),
    )
    .unwrap();
    let s = run(&db, &places, &dup, keyed).await.summary;
    assert_eq!(s.loaded, 1);
    assert_eq!(s.rejected[0].reason, "key `B1` repeats row 1");
    assert_eq!(s.rejected[0].row, 2);
}

#[tokio::test]
async fn history_is_written_in_the_same_transaction_for_direct_sql_edits() {
    let (db, dir) = setup().await;
    run(&db, &places_layer(true), &places_geojson(dir.path()), |_| {}).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM features WHERE attrs->>'name' = 'Школа № 5'")
        .fetch_one(&db.pool)
        .await
        .unwrap();

    // An edit rolled back leaves no history behind.
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("UPDATE features SET attrs = attrs || '{\"floors\": 9}' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    let inside: i64 = sqlx::query_scalar("SELECT count(*) FROM feature_history WHERE feature_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(inside, 2);
    tx.rollback().await.unwrap();
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM feature_history WHERE feature_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(after, 1);

    // A direct edit as QGIS would make it: geometry moved, author from the session setting.
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('qala.actor', 'qgis-user', true)").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE features SET geom = ST_SetSRID(ST_MakePoint(76.95, 43.24), 4326) WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Soft delete, then a hard delete of another feature.
    sqlx::query("UPDATE features SET deleted_at = now() WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM features WHERE id <> $1").bind(id).execute(&db.pool).await.unwrap();

    /// version, op, changed_by, x before, x after
    type HistoryRow = (i32, String, String, Option<f64>, Option<f64>);
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "SELECT version, op, changed_by, ST_X(geom_before), ST_X(geom_after) FROM feature_history WHERE feature_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].0, rows[0].1.as_str(), rows[0].2.as_str()), (1, "insert", "tester"));
    assert_eq!((rows[1].0, rows[1].1.as_str(), rows[1].2.as_str()), (2, "update", "qgis-user"));
    assert_eq!((rows[1].3, rows[1].4), (Some(76.9457), Some(76.95)));
    assert_eq!((rows[2].0, rows[2].1.as_str()), (3, "delete"));
    let (deleted_by, version): (Option<String>, i32) =
        sqlx::query_as("SELECT deleted_by, version FROM features WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((deleted_by.as_deref(), version), (Some("postgres"), 3));
    let hard: i64 =
        sqlx::query_scalar("SELECT count(*) FROM feature_history WHERE op = 'delete' AND feature_id <> $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(hard, 1, "the hard delete is recorded too");
}

#[tokio::test]
async fn the_cli_prints_a_summary_and_writes_a_json_report() {
    let (db, dir) = setup().await;
    let layers_dir = dir.path().join("layers");
    std::fs::create_dir(&layers_dir).unwrap();
    std::fs::write(layers_dir.join("places.toml"), toml::to_string(&places_layer(true)).unwrap()).unwrap();
    let src = places_geojson(dir.path());
    let report = dir.path().join("report.json");
    let out = common::qala(
        &db,
        dir.path(),
        &[
            "--layers-dir",
            "layers",
            "ingest",
            src.to_str().unwrap(),
            "--layer",
            "places",
            "--key",
            "code",
            "--report",
            "report.json",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("places: read 5, loaded 2 (2 new, 0 updated, 0 unchanged), repaired 0, rejected 3"),
        "{stdout}"
    );
    assert!(stderr.contains("row 3: name: is required"), "{stderr}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["read"], 5);
    assert_eq!(r["rejected"][2]["row"], 5);
    assert_eq!(r["source_srs"], "EPSG:4326");

    // Wrong arguments are clear errors.
    let out = common::qala(
        &db,
        dir.path(),
        &["--layers-dir", "layers", "ingest", src.to_str().unwrap(), "--layer", "nope"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no layer `nope`"));
    let out = common::qala(
        &db,
        dir.path(),
        &[
            "--layers-dir",
            "layers",
            "ingest",
            src.to_str().unwrap(),
            "--layer",
            "places",
            "--map",
            "nosuch=name",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the source has no field `nosuch`"));
    let out = common::qala(
        &db,
        dir.path(),
        &[
            "--layers-dir",
            "layers",
            "ingest",
            src.to_str().unwrap(),
            "--layer",
            "places",
            "--srs",
            "EPSG:999999",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a CRS GDAL understands"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A load of 20,000 rows or more into an empty layer is built beside the layer's partition and
/// swapped in (fresh_load.rs: KATO found while reading, no row triggers); tests/ingest_fresh.rs
/// compares it with the staged bulk path of a layer that holds features. The stored rows must be
/// those the triggers write, and the partition must have its triggers and indexes afterwards.
#[tokio::test]
async fn a_bulk_load_writes_what_the_row_triggers_write_and_switches_them_back_on() {
    let (db, dir) = setup().await;
    common::city_boundary(&db.pool).await;
    // 20,400 points: every 100th outside the boundary (no KATO code).
    let n = 20_400;
    let features: Vec<(Value, Value)> = (0..n)
        .map(|i| {
            let lon = if i % 100 == 0 { 70.0 } else { 76.8 + (i % 300) as f64 * 0.001 };
            (
                point(lon, 43.2 + (i / 300) as f64 * 0.001),
                json!({"code": format!("C{i}"), "name": format!("p{i}")}),
            )
        })
        .collect();
    let path = dir.path().join("many.geojson");
    std::fs::write(&path, feature_collection(&features)).unwrap();
    let places = places_layer(true);
    let report = run(&db, &places, &path, |o| o.key = Some("code".into())).await;
    assert_eq!((report.summary.inserted, report.summary.rejected.len()), (n as u64, 0));

    type Counts = (i64, i64, i64, i64, i64, i64);
    let counts: Counts = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE version = 1 AND created_by = 'tester' AND updated_by = 'tester'
                                             AND created_at = updated_at AND deleted_at IS NULL),
                count(*) FILTER (WHERE kato = '750000000'), count(*) FILTER (WHERE kato IS NULL),
                count(*) FILTER (WHERE owner_dept IS NULL), count(DISTINCT dataset_id)
         FROM features WHERE layer_id = 'places'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let outside = i64::from(n) / 100;
    assert_eq!(counts, (i64::from(n), i64::from(n), i64::from(n) - outside, outside, i64::from(n), 1));
    let history: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE op = 'insert' AND version = 1 AND changed_by = 'tester')
         FROM feature_history WHERE layer_id = 'places'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(history, (i64::from(n), i64::from(n)), "one history row per feature");
    // Ids follow the rows of the source.
    let ordered: bool = sqlx::query_scalar(
        "SELECT bool_and(k = r) FROM (SELECT source_key AS k, 'C' || (row_number() OVER (ORDER BY id) - 1) AS r
                                      FROM features WHERE layer_id = 'places') s",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(ordered);

    // The row triggers are on again and the spatial index is back.
    let enabled: Vec<(String, String)> = sqlx::query_as(
        "SELECT tgname::text, tgenabled::text FROM pg_trigger
         WHERE tgrelid = 'features_places'::regclass AND tgname IN ('features_before', 'features_owner_dept')
         ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(enabled, [("features_before".into(), "O".into()), ("features_owner_dept".into(), "O".into())]);
    let index: Option<String> = sqlx::query_scalar("SELECT to_regclass('features_places_geom')::text")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(index.as_deref(), Some("features_places_geom"));
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('qala.actor', 'qgis-user', true)").execute(&mut *tx).await.unwrap();
    let (version, kato, by): (i32, Option<String>, String) = sqlx::query_as(
        "INSERT INTO features (layer_id, geom, attrs, version, created_by)
         VALUES ('places', ST_SetSRID(ST_MakePoint(76.95, 43.25), 4326), '{\"name\": \"x\"}', 7, 'nobody')
         RETURNING version, kato, created_by",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((version, kato.as_deref(), by.as_str()), (1, Some("750000000"), "qgis-user"));
}
