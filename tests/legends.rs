//! Legends that tell the whole map, against the Almaty demo in a real PostGIS: an A4 portrait
//! print at 1:2,000 in central Almaty lists every layer the frame shows with the classes that
//! occur in the frame (found independently by PostGIS), none cut off; a class absent from the
//! frame is not listed; what the footer cannot hold continues on "Legend (continued)" pages
//! (read back with poppler's `pdftotext` and `pdfinfo`). Pages are kept in
//! `target/artifacts/legends/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Resp, TestDb, basic, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::catalog::load_dir;
use qala::layers::{Catalog, demo, sync};
use serde_json::{Value, json};

/// Central Almaty (Abay avenue, between Dostyk and Furmanov).
const CENTRE: (f64, f64) = (76.9457, 43.2379);

async fn demo_app(db: &TestDb, attachments: &Path) -> (axum::Router, Catalog) {
    let layers = load_dir(&common::repo().join("layers")).unwrap();
    sync::sync(&db.pool, &layers).await.unwrap();
    let catalog = Catalog::new(layers);
    demo::load(&db.pool, &catalog, &common::open_data(), demo::DEFAULT_SEED, false).await.unwrap();
    let settings = HttpSettings { attachments_dir: attachments.to_path_buf(), ..HttpSettings::default() };
    let state = AppState::with_settings(db.pool.clone(), catalog.clone(), settings);
    (qala::http::app(state), catalog)
}

async fn print(app: &axum::Router, body: Value, auth: &[(&str, String)]) -> Resp {
    let mut h = vec![("content-type", "application/json".to_string())];
    h.extend(auth.iter().cloned());
    let r = common::call(app, "POST", "/api/print", &h, serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r
}

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Saves a PDF (and its pages as PNG at 100 dpi) as artefacts.
fn keep(name: &str, pdf: &[u8]) -> PathBuf {
    let dir = common::repo().join("target/artifacts/legends");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    tool("pdftoppm", &["-r", "100", "-png", path.to_str().unwrap(), dir.join(name).to_str().unwrap()]);
    path
}

fn pages(pdf: &Path) -> usize {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line.trim_start_matches("Pages:").trim().parse().unwrap()
}

/// The text of one page (1-based), or of all, with runs of white space made one space (a label
/// wrapped onto two lines reads as one).
fn text(pdf: &Path, page: Option<usize>) -> String {
    let p = page.map(|p| p.to_string());
    let mut args = vec![];
    if let Some(p) = &p {
        args.extend(["-f", p.as_str(), "-l", p.as_str()]);
    }
    args.extend([pdf.to_str().unwrap(), "-"]);
    tool("pdftotext", &args).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The values of `attr` among the live features of `layer` that meet the frame `extent`
/// (`Qala-Map-Extent`, EPSG:3857), as PostGIS finds them.
async fn present(db: &TestDb, layer: &str, attr: &str, extent: &[f64]) -> Vec<String> {
    let sql = format!(
        "SELECT DISTINCT attrs->>'{attr}' FROM \"features_{layer}\" WHERE deleted_at IS NULL \
         AND ST_Intersects(geom_web, ST_MakeEnvelope($1, $2, $3, $4, 3857)) ORDER BY 1"
    );
    sqlx::query_scalar(&sql)
        .bind(extent[0])
        .bind(extent[1])
        .bind(extent[2])
        .bind(extent[3])
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// The Russian label of every declared value of an enum attribute.
fn value_labels(catalog: &Catalog, layer: &str, attr: &str) -> Vec<(String, String)> {
    let l = catalog.all().find(|l| l.id == layer).unwrap();
    let a = l.attributes.iter().find(|a| a.name == attr).unwrap();
    a.values.iter().map(|v| (v.value().to_string(), v.label().unwrap().ru.clone())).collect()
}

fn title(catalog: &Catalog, layer: &str, lang: &str) -> String {
    let t = &catalog.all().find(|l| l.id == layer).unwrap().title;
    match lang {
        "kk" => t.kk.clone(),
        _ => t.ru.clone(),
    }
}

#[tokio::test]
async fn print_legends_list_every_layer_and_class_in_the_frame_and_continue_on_pages() {
    let db = test_db().await;
    let files = tempfile::tempdir().unwrap();
    let (app, catalog) = demo_app(&db, files.path()).await;
    user(&db, "boss", &["admin"], None, None).await;

    // The defect of issue 17: A4 portrait at 1:2,000 in central Almaty, the default layers,
    // centred on the school nearest to the centre.
    let (lon, lat, metres): (f64, f64, f64) = sqlx::query_as(
        "SELECT ST_X(g), ST_Y(g), ST_Distance(g::geography, ST_SetSRID(ST_Point($1, $2), 4326)::geography) \
         FROM (SELECT ST_Transform(geom, 4326) AS g FROM features_poi WHERE deleted_at IS NULL AND attrs->>'kind' = 'school' \
               ORDER BY geom_web <-> ST_Transform(ST_SetSRID(ST_Point($1, $2), 4326), 3857) LIMIT 1) s",
    )
    .bind(CENTRE.0)
    .bind(CENTRE.1)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(metres < 2000.0, "the nearest school is {metres} m from the centre");
    let r = print(
        &app,
        json!({"center": [lon, lat], "scale": 2000, "paper": "A4", "orientation": "portrait", "lang": "ru"}),
        &[],
    )
    .await;
    let pdf = keep("a4-portrait-2000-ru", &r.body);
    let extent: Vec<f64> = r.header("qala-map-extent").split(',').map(|v| v.parse().unwrap()).collect();
    let all = text(&pdf, None);
    assert!(all.contains("Условные обозначения"), "{all}");
    assert!(!all.contains('…'), "a legend entry was cut: {all}");
    let mut listed = 0;
    for (layer, attr) in
        [("master_plan", "zone"), ("buildings", "use"), ("streets", "class"), ("poi", "kind")]
    {
        let here = present(&db, layer, attr, &extent).await;
        assert!(!here.is_empty(), "the demo has {layer} in central Almaty");
        assert!(all.contains(&title(&catalog, layer, "ru")), "{layer}'s title: {all}");
        for (value, label) in value_labels(&catalog, layer, attr) {
            if here.contains(&value) {
                assert!(
                    all.contains(&label),
                    "{layer} {value} ({label}) is in the frame but not listed: {all}"
                );
                listed += 1;
            } else if layer == "master_plan" {
                // Zone labels are long and unique on the page: one absent from the frame is not listed.
                assert!(
                    !all.contains(&label),
                    "{layer} {value} ({label}) is not in the frame but listed: {all}"
                );
            }
        }
    }
    assert!(
        present(&db, "poi", "kind", &extent).await.contains(&"school".to_string()),
        "a school in the frame"
    );
    // Zones: at least one absent, so the check above could fail.
    let zones = present(&db, "master_plan", "zone", &extent).await;
    assert!(zones.len() < value_labels(&catalog, "master_plan", "zone").len(), "{zones:?}");
    assert!(listed >= 5, "{listed} classes");
    // A continuation page exactly when the footer did not hold everything.
    assert!(!text(&pdf, Some(1)).contains("(продолжение)"));
    assert_eq!(pages(&pdf) > 1, all.contains("Условные обозначения (продолжение)"), "{all}");

    // An administrator's print of every layer in Kazakh: more pages' worth of legend, nothing lost.
    let r = print(
        &app,
        json!({"center": [CENTRE.0, CENTRE.1], "scale": 2000, "paper": "A4", "orientation": "portrait", "lang": "kk",
               "layers": ["master_plan", "land_fund", "hydro_areas", "hydro_lines", "districts", "streets", "buildings",
                          "utility_networks", "applications", "poi"]}),
        &[basic("boss")],
    )
    .await;
    let pdf = keep("a4-portrait-2000-all-kk", &r.body);
    let extent: Vec<f64> = r.header("qala-map-extent").split(',').map(|v| v.parse().unwrap()).collect();
    let all = text(&pdf, None);
    assert!(pages(&pdf) >= 2);
    let second = text(&pdf, Some(2));
    assert!(second.contains("Шартты белгілер (жалғасы)"), "{second}");
    assert!(second.contains(&r.header("qala-document")), "the continuation names its document: {second}");
    assert!(!all.contains('…'), "{all}");
    for (layer, attr) in [("utility_networks", "kind"), ("buildings", "use"), ("master_plan", "zone")] {
        let here = present(&db, layer, attr, &extent).await;
        assert!(!here.is_empty(), "{layer} in the frame");
        assert!(all.contains(&title(&catalog, layer, "kk")), "{layer}: {all}");
        let l = catalog.all().find(|l| l.id == layer).unwrap();
        let a = l.attributes.iter().find(|a| a.name == attr).unwrap();
        for v in &a.values {
            if here.iter().any(|h| h == v.value()) {
                let label = &v.label().unwrap().kk;
                assert!(all.contains(label.as_str()), "{layer} {} ({label}): {all}", v.value());
            }
        }
    }

    // A legend that fits stays on the map's page.
    let r = print(
        &app,
        json!({"center": [CENTRE.0, CENTRE.1], "scale": 2000, "paper": "A3", "orientation": "landscape", "lang": "ru",
               "layers": ["buildings"]}),
        &[],
    )
    .await;
    let pdf = keep("a3-landscape-2000-buildings", &r.body);
    assert_eq!(pages(&pdf), 1);
    assert!(!text(&pdf, None).contains("продолжение"));
}
