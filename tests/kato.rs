//! KATO: the full classifier, the stat.gov.kz layout, the hierarchy rule, the API (unit, search) and
//! automatic assignment of codes to features on ingest and edit.
#![allow(clippy::unwrap_used)]

mod common;

use common::{app, get_json, places_layer, sync_layers, test_db};
use qala::layers::kato::{parse, store};
use serde_json::json;

async fn import_file(pool: &sqlx::PgPool, path: &std::path::Path) -> store::ImportSummary {
    let text = parse::decode(&std::fs::read(path).unwrap());
    store::import_units(pool, parse::parse(&text).unwrap(), "test").await.unwrap()
}

#[tokio::test]
async fn the_full_classifier_gets_the_shape_hierarchy() {
    let db = test_db().await;
    let data = common::open_data();
    let s = import_file(&db.pool, &data.join("kato/kato_2022-10-17_ru.csv")).await;
    assert_eq!((s.imported, s.rejected.len(), s.total_units), (16_264, 0, 16_264));
    assert_eq!(s.layout, parse::Layout::QalaRu);

    // Almaty: level 1, no parent, exactly its 8 districts as children, each of level 3.
    let (level, parent): (i16, Option<String>) =
        sqlx::query_as("SELECT level, parent_code::text FROM kato_units WHERE code = '750000000'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((level, parent), (1, None));
    let children: Vec<(String, i16)> = sqlx::query_as(
        "SELECT code::text, level FROM kato_units WHERE parent_code = '750000000' ORDER BY code",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let codes: Vec<&str> = children.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        codes,
        [
            "751110000",
            "751210000",
            "751310000",
            "751410000",
            "751510000",
            "751710000",
            "751810000",
            "751910000"
        ]
    );
    assert!(children.iter().all(|c| c.1 == 3));

    // The rule, restated in SQL independently of the Rust code, holds for every unit.
    let wrong: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM kato_units u WHERE u.parent_code IS DISTINCT FROM (
             SELECT p.code FROM kato_units p WHERE p.code IN (
                 CASE WHEN substr(u.code, 7, 3) <> '000' THEN substr(u.code, 1, 6) || '000' END,
                 CASE WHEN substr(u.code, 5, 5) <> '00000' THEN substr(u.code, 1, 4) || '00000' END,
                 CASE WHEN substr(u.code, 3, 7) <> '0000000' THEN substr(u.code, 1, 2) || '0000000' END)
             ORDER BY p.level DESC LIMIT 1)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(wrong, 0);
    let by_level: Vec<(i16, i64)> =
        sqlx::query_as("SELECT level, count(*) FROM kato_units GROUP BY level ORDER BY level")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(by_level.len(), 4);
    assert_eq!(by_level[0], (1, 20), "20 top-level units (17 regions and 3 cities)");

    // Names files add Kazakh and English names without losing the Russian ones.
    import_file(&db.pool, &data.join("kato/almaty_kato_ru_kk_en.csv")).await;
    let app = app(&db.pool, vec![]);
    let (status, body) = get_json(&app, "/api/kato/751410000?lang=kk", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Бостандық ауданы");
    assert_eq!(body["name_ru"], "Бостандыкский район");
    assert_eq!(body["name_en"], "Bostandyk District");
    assert_eq!(body["parents"][0]["code"], "750000000");
    assert_eq!(body["parents"].as_array().unwrap().len(), 1);
    assert_eq!(body["bbox"], serde_json::Value::Null, "no boundary attached yet");

    let (_, city) = get_json(&app, "/api/kato/750000000", &[("accept-language", "en")]).await;
    assert_eq!(city["name"], "Almaty");
    assert_eq!(city["children"].as_array().unwrap().len(), 8);

    // Typo-tolerant search in Russian and Kazakh.
    // Three units share this name; `within` keeps the search inside Almaty.
    let q = urlencode("бостандыкски");
    let (status, hits) = get_json(&app, &format!("/api/kato?q={q}"), &[]).await;
    assert_eq!(status, 200, "{hits}");
    assert!(hits["results"].as_array().unwrap().len() >= 3);
    let (_, hits) = get_json(&app, &format!("/api/kato?q={q}&within=750000000"), &[]).await;
    assert_eq!(hits["results"].as_array().unwrap().len(), 1, "{hits}");
    assert_eq!(hits["results"][0]["code"], "751410000", "truncated name: {hits}");
    let q = urlencode("Алмалинскй район");
    let (_, hits) = get_json(&app, &format!("/api/kato?q={q}&limit=3"), &[]).await;
    assert_eq!(hits["results"][0]["code"], "751110000", "typo: {hits}");
    assert!(hits["results"].as_array().unwrap().len() <= 3);
    let q = urlencode("Түрксиб");
    let (_, hits) = get_json(&app, &format!("/api/kato?q={q}&lang=kk"), &[]).await;
    assert_eq!(hits["results"][0]["code"], "751910000", "Kazakh with a typo: {hits}");
    assert_eq!(hits["results"][0]["name"], "Түрксіб ауданы");

    // Errors.
    assert_eq!(get_json(&app, "/api/kato/123", &[]).await.0, 400);
    let (status, body) = get_json(&app, "/api/kato/999999999", &[("accept-language", "en")]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("kato_not_found")));
    assert_eq!(body["error"]["message"], "KATO unit not found");
    assert_eq!(get_json(&app, "/api/kato?q=a", &[]).await.0, 400);
    let (status, body) = get_json(&app, "/api/kato?q=almaty&foo=1", &[]).await;
    assert_eq!(status, 400, "unknown parameters are refused");
    assert!(body["error"]["message"].as_str().unwrap().contains("foo"), "{body}");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn the_stat_gov_kz_layout_carries_kazakh_names() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kato.csv");
    std::fs::write(
        &path,
        "te;ab;cd;ef;hij;k;name_kaz;name_rus;nn\n\
         750000000;75;00;00;000;1;Алматы қаласы;г.Алматы;1\n\
         751110000;75;11;10;000;2;Алмалы ауданы;Алмалинский район;2\n\
         ;75;18;10;000;2;Наурызбай ауданы;Наурызбайский район;3\n\
         75181;;;;;;;;4\n",
    )
    .unwrap();
    let s = import_file(&db.pool, &path).await;
    assert_eq!((s.layout, s.imported), (parse::Layout::StatGovKz, 3));
    assert_eq!(s.rejected.len(), 1);
    assert_eq!(s.rejected[0].line, 5);
    let (kk, parent): (String, String) =
        sqlx::query_as("SELECT name_kk, parent_code::text FROM kato_units WHERE code = '751810000'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((kk.as_str(), parent.as_str()), ("Наурызбай ауданы", "750000000"));

    // The same layout exported in Windows-1251 (Russian names only: cp1251 has no Kazakh letters).
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251
        .encode("te,ab,cd,ef,hij,k,name_kaz,name_rus,nn\n751910000,75,19,10,000,2,,Турксибский район,5\n");
    assert!(!unmappable);
    std::fs::write(&path, &bytes).unwrap();
    import_file(&db.pool, &path).await;
    let ru: String = sqlx::query_scalar("SELECT name_ru FROM kato_units WHERE code = '751910000'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(ru, "Турксибский район");
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<u8> {
    use geozero::ToWkb;
    let p = geo::Geometry::Polygon(geo::Polygon::new(
        geo::LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    ));
    p.to_wkb(geozero::CoordDimensions::xy()).unwrap()
}

#[tokio::test]
async fn features_get_the_smallest_containing_unit_on_ingest_and_edit() {
    let db = test_db().await;
    let own = parse::parse(include_str!("../fixtures/kato_almaty.csv")).unwrap();
    store::import_units(&db.pool, own, "fixture").await.unwrap();
    store::upsert_boundary(&db.pool, "750000000", &square(76.7, 43.0, 77.2, 43.4), "test", true)
        .await
        .unwrap();
    store::upsert_boundary(&db.pool, "751110000", &square(76.88, 43.23, 76.94, 43.27), "test", true)
        .await
        .unwrap();
    sync_layers(&db.pool, &[places_layer(true)]).await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.csv");
    std::fs::write(&path, "lon,lat,name\n76.90,43.25,almaly\n77.10,43.10,city\n75.00,43.00,outside\n")
        .unwrap();
    let opts = qala::layers::ingest::IngestOptions { path, ..Default::default() };
    qala::layers::ingest::ingest(&db.pool, &places_layer(true), &opts, "t").await.unwrap();
    let kato = |name: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT kato::text FROM features WHERE attrs->>'name' = $1",
            )
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(kato("almaly").await.as_deref(), Some("751110000"));
    assert_eq!(kato("city").await.as_deref(), Some("750000000"));
    assert_eq!(kato("outside").await, None);

    // Moving a feature (even by plain SQL) re-assigns its code.
    sqlx::query("UPDATE features SET geom = ST_SetSRID(ST_MakePoint(76.90, 43.25), 4326) WHERE attrs->>'name' = 'city'")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(kato("city").await.as_deref(), Some("751110000"));

    // A new boundary re-assigns the features it contains.
    store::upsert_boundary(&db.pool, "751810000", &square(74.9, 42.9, 75.1, 43.1), "test", true)
        .await
        .unwrap();
    let changed = store::reassign_features(&db.pool).await.unwrap();
    assert_eq!(changed, 1);
    assert_eq!(kato("outside").await.as_deref(), Some("751810000"));

    // The API shows the unit's bbox now that it has a boundary.
    let app = app(&db.pool, vec![]);
    let (_, body) = get_json(&app, "/api/kato/751110000", &[]).await;
    assert_eq!(body["bbox"], json!([76.88, 43.23, 76.94, 43.27]));
    assert_eq!(body["boundary_synthetic"], json!(true));
}
