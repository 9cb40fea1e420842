//! `qala demo-data`: the Almaty layers load completely, inside the city, with KATO codes and names
//! in three languages, and a second run changes nothing; without the open data the project's own
//! fixtures are used.
#![allow(clippy::unwrap_used)]

mod common;

use common::{app, get_json, test_db};
use qala::layers::catalog::load_dir;
use qala::layers::{Catalog, demo, sync};

#[tokio::test]
async fn the_demo_loads_almaty_and_a_second_run_changes_nothing() {
    let db = test_db().await;
    let layers = load_dir(&common::repo().join("layers")).unwrap();
    sync::sync(&db.pool, &layers).await.unwrap();
    let catalog = Catalog::new(layers);
    let s = demo::load(&db.pool, &catalog, &common::open_data(), demo::DEFAULT_SEED, false).await.unwrap();
    assert_eq!(s.kato_units, 16_264, "the full classifier from the open data");
    assert!(s.city_boundary.contains("almaty_city_boundary"), "{}", s.city_boundary);
    assert_eq!(s.boundaries, 19 + 1 + 8, "19 regions, the city, its 8 districts");
    for (id, l) in &s.layers {
        assert!(l.loaded > 0, "{id} is empty");
        assert!(l.rejected.is_empty(), "{id}: {:?}", &l.rejected[..l.rejected.len().min(5)]);
    }
    let buildings = s.layers.iter().find(|(id, _)| id == "buildings").unwrap().1.loaded;
    assert!((18_000..=22_000).contains(&buildings), "{buildings} buildings");

    // Every feature lies in the city and has the code of a district (the smallest unit).
    let (total, in_district): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE kato LIKE '751_10000') FROM features WHERE deleted_at IS NULL",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(total, in_district, "features without a district code");
    // A district polygon gets its own code.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM features WHERE layer_id = 'districts' AND attrs->>'kato' <> kato::text",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    let buildings_without_address: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM features WHERE layer_id = 'buildings' AND (attrs->>'street' IS NULL OR attrs->>'house_number' IS NULL)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(buildings_without_address, 0);

    // Every named feature is named in Kazakh, Russian and English; parcels have their area on the
    // ellipsoid (as PostGIS measures it, to the hundredth of a hectare they are rounded to).
    let unnamed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM features WHERE layer_id IN ('districts', 'streets', 'hydro_lines', 'hydro_areas', 'poi')
         AND (coalesce(attrs->>'name_kk', '') = '' OR coalesce(attrs->>'name_ru', '') = '' OR coalesce(attrs->>'name_en', '') = '')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(unnamed, 0, "named features without a name in one of the languages");
    let (parcels, worst): (i64, f64) = sqlx::query_as(
        "SELECT count(*), max(abs((attrs->>'area_ha')::float8 - ST_Area(geom::geography) / 10000))
         FROM features WHERE layer_id = 'land_fund'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(parcels > 0 && worst <= 0.005 + 1e-6, "area_ha differs from PostGIS by up to {worst} ha");

    // The API navigates city -> district with boundaries.
    let app = app(&db.pool, catalog.all().map(|l| (**l).clone()).collect());
    let (_, almaly) = get_json(&app, "/api/kato/751110000?lang=kk", &[]).await;
    assert_eq!(almaly["name"], "Алмалы ауданы");
    assert_eq!(almaly["boundary_synthetic"], true);
    let bbox: Vec<f64> = serde_json::from_value(almaly["bbox"].clone()).unwrap();
    assert!(bbox[0] > 76.7 && bbox[2] < 77.2 && bbox[1] > 43.0 && bbox[3] < 43.45, "{bbox:?}");
    let (_, listed) = get_json(&app, "/api/layers", &[]).await;
    let ids: Vec<&str> =
        listed["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"utility_networks"), "restricted for anonymous callers: {ids:?}");
    assert!(ids.contains(&"buildings"));

    // Deterministic: the same seed again changes nothing and writes no history.
    let history: i64 =
        sqlx::query_scalar("SELECT count(*) FROM feature_history").fetch_one(&db.pool).await.unwrap();
    let again =
        demo::load(&db.pool, &catalog, &common::open_data(), demo::DEFAULT_SEED, false).await.unwrap();
    for (id, l) in &again.layers {
        assert_eq!((l.inserted, l.updated), (0, 0), "{id} changed on a second run");
    }
    let history2: i64 =
        sqlx::query_scalar("SELECT count(*) FROM feature_history").fetch_one(&db.pool).await.unwrap();
    assert_eq!(history, history2);
}

#[tokio::test]
async fn without_open_data_the_demo_uses_its_own_fixtures() {
    let db = test_db().await;
    let layers = load_dir(&common::repo().join("layers")).unwrap();
    sync::sync(&db.pool, &layers).await.unwrap();
    let catalog = Catalog::new(layers);
    let missing = tempfile::tempdir().unwrap();
    let s = demo::load(&db.pool, &catalog, missing.path(), demo::DEFAULT_SEED, false).await.unwrap();
    assert_eq!(s.kato_units, 9, "Almaty and its 8 districts");
    assert_eq!(s.city_boundary, "fixtures/almaty_outline.geojson");
    assert_eq!(s.boundaries, 9);
    let unassigned: i64 = sqlx::query_scalar("SELECT count(*) FROM features WHERE kato IS NULL")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(s.layers.iter().all(|(_, l)| l.loaded > 0));
    // The generator works inside the outline it is given; everything still gets a district.
    assert_eq!(unassigned, 0);
}
