//! What the web map stands on: search, terrain tiles, Kazakh Latin labels, the start-up config and
//! the embedded front end; and the front end itself in headless Chromium (`web/tests/e2e.mjs`,
//! Playwright) against a real server on a socket with the Almaty demo loaded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, get_json, get_text, test_db};
use qala::http::{AppState, HttpSettings};
use qala::layers::catalog::{LayerDef, load_dir};
use qala::layers::{Catalog, demo, sync};
use qala::tiles::coords::{TileCoord, tile_range};
use serde_json::json;
use tower::ServiceExt;

fn repo_layers() -> Vec<LayerDef> {
    load_dir(&common::repo().join("layers")).unwrap()
}

fn settings() -> HttpSettings {
    HttpSettings { styles_dir: common::repo().join("styles"), ..Default::default() }
}

/// A database with the Almaty demo and its DEM, and a state over it.
async fn demo_state(dem_dir: &std::path::Path) -> (TestDb, AppState) {
    let db = test_db().await;
    let layers = repo_layers();
    sync::sync(&db.pool, &layers).await.unwrap();
    let catalog = Catalog::new(layers);
    demo::load(&db.pool, &catalog, &common::open_data(), demo::DEFAULT_SEED, false).await.unwrap();
    demo::register_dem(&db.pool, &common::open_data(), dem_dir).await.unwrap().expect("the Almaty DEM");
    let state = AppState::with_settings(db.pool.clone(), catalog, settings());
    (db, state)
}

fn tile_of(lon: f64, lat: f64, z: u8) -> TileCoord {
    let (x, y, _, _) = tile_range([lon, lat, lon, lat], z);
    TileCoord::new(z, x, y).unwrap()
}

async fn get_bytes(
    app: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let mut req = axum::http::Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app.clone().oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = http_body_util::BodyExt::collect(body).await.unwrap().to_bytes().to_vec();
    (parts.status.as_u16(), parts.headers, bytes)
}

fn search_uri(q: &str) -> String {
    let mut uri = String::from("/api/search?limit=10&q=");
    for b in q.as_bytes() {
        uri.push_str(&format!("%{b:02X}"));
    }
    uri
}

#[tokio::test]
async fn search_finds_addresses_streets_and_units_despite_typos() {
    let dem_dir = tempfile::tempdir().unwrap();
    let (db, state) = demo_state(dem_dir.path()).await;
    let app = qala::http::app(state);

    // A building picked from the data, its address typed with a typo in the street's last word.
    let (id, street, house, lon, lat): (String, String, String, f64, f64) = sqlx::query_as(
        "SELECT id::text, attrs->>'street', attrs->>'house_number', ST_X(ST_PointOnSurface(geom)),
                ST_Y(ST_PointOnSurface(geom))
         FROM features WHERE layer_id = 'buildings' AND length(attrs->>'street') > 12 ORDER BY id LIMIT 1 OFFSET 77",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let mut typo: Vec<char> = street.chars().collect();
    let last = typo.len() - 2;
    typo.remove(last);
    let typo: String = typo.into_iter().collect();
    let (status, body) = get_json(&app, &search_uri(&format!("{typo}, {house}")), &[]).await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    let top = &results[0];
    assert_eq!(top["kind"], "address", "{body}");
    assert_eq!(top["title"], format!("{street}, {house}"), "{typo} {house}: {body}");
    let found = results.iter().find(|r| r["id"] == id.as_str() && r["layer"] == "buildings");
    let found = found.unwrap_or_else(|| {
        panic!("building {id} ({street}, {house}) not found by `{typo}, {house}`: {body}")
    });
    let c = found["center"].as_array().unwrap();
    assert!((c[0].as_f64().unwrap() - lon).abs() < 1e-9 && (c[1].as_f64().unwrap() - lat).abs() < 1e-9);
    let bbox: Vec<f64> = found["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(bbox[0] <= lon && lon <= bbox[2] && bbox[1] <= lat && lat <= bbox[3], "{bbox:?}");
    assert!(found["subtitle"].as_str().unwrap().contains("район"), "the district: {found}");

    // A street by its name with a typo: one hit for all its segments, extent covering them.
    let (name, segments, xmin, xmax): (String, i64, f64, f64) = sqlx::query_as(
        "SELECT attrs->>'name_ru', count(*), ST_XMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)) FROM features
         WHERE layer_id = 'streets' GROUP BY 1 HAVING count(*) > 3 ORDER BY 1 LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let typo = name.replacen('а', "о", 1);
    let (_, body) = get_json(&app, &search_uri(&typo), &[]).await;
    let hit = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == name.as_str() && r["kind"] == "street");
    let hit = hit.unwrap_or_else(|| panic!("`{name}` ({segments} segments) not found by `{typo}`: {body}"));
    assert!(
        (hit["bbox"][0].as_f64().unwrap() - xmin).abs() < 1e-9
            && (hit["bbox"][2].as_f64().unwrap() - xmax).abs() < 1e-9
    );

    // A district from KATO, in the caller's language, and a school by its name.
    let (_, body) = get_json(&app, &format!("{}&lang=kk", search_uri("алмалинскй")), &[]).await;
    let unit = body["results"].as_array().unwrap().iter().find(|r| r["kind"] == "kato");
    let unit = unit.unwrap_or_else(|| panic!("no KATO unit: {body}"));
    assert_eq!(unit["id"], "751110000");
    assert_eq!(unit["title"], "Алмалы ауданы");
    let (school, school_kk, school_en): (String, String, String) = sqlx::query_as(
        "SELECT attrs->>'name_ru', attrs->>'name_kk', attrs->>'name_en' FROM features WHERE layer_id = 'poi' ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let (_, body) = get_json(&app, &search_uri(&school.to_lowercase()), &[]).await;
    assert_eq!(body["results"][0]["title"], school.as_str(), "{body}");
    assert_eq!(body["results"][0]["layer"], "poi");
    // Found by its Kazakh name too, and titled in the caller's language.
    let (_, body) = get_json(&app, &format!("{}&lang=kk", search_uri(&school_kk)), &[]).await;
    assert_eq!(body["results"][0]["title"], school_kk.as_str(), "{body}");
    let (_, body) = get_json(&app, &format!("{}&lang=en", search_uri(&school)), &[]).await;
    assert_eq!(body["results"][0]["title"], school_en.as_str(), "{body}");

    // The restricted layer is not searched for an anonymous caller, and nothing is found for nonsense.
    let (_, body) = get_json(&app, &search_uri("кабель водопровод газопровод"), &[]).await;
    assert!(body["results"].as_array().unwrap().iter().all(|r| r["layer"] != "utility_networks"), "{body}");
    let (_, body) = get_json(&app, &search_uri("qqqzzzxxx"), &[]).await;
    assert_eq!(body["results"], json!([]));

    // Bad input: 400 with a message.
    for bad in ["/api/search?q=a", "/api/search", "/api/search?q=abc&limit=0", "/api/search?q=abc&bogus=1"] {
        let (status, body) = get_json(&app, bad, &[("accept-language", "en")]).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn address_queries_split_into_street_and_house() {
    use qala::layers::search::split_address;
    assert_eq!(split_address("Абая 10"), ("абая".into(), Some("10".into())));
    assert_eq!(split_address("пр. Абая, 150/230"), ("проспект абая".into(), Some("150/230".into())));
    assert_eq!(split_address("Средняя школа № 67"), ("средняя школа № 67".into(), None));
    assert_eq!(split_address("10"), ("10".into(), None));
}

/// The terrain tile of GDAL's own bilinear warp of the DEM to the tile's EPSG:3857 extent.
fn gdal_reference_tile(dem: &std::path::Path, t: TileCoord, out: &std::path::Path) -> Vec<f64> {
    let [xmin, ymin, xmax, ymax] = t.bounds_3857();
    let status = std::process::Command::new("gdalwarp")
        .args([
            "-q",
            "-overwrite",
            "-t_srs",
            "EPSG:3857",
            "-r",
            "bilinear",
            "-ts",
            "256",
            "256",
            "-ot",
            "Float64",
            "-te",
        ])
        .args([xmin, ymin, xmax, ymax].map(|v| v.to_string()))
        .arg(dem)
        .arg(out)
        .status()
        .expect("gdalwarp runs");
    assert!(status.success());
    let ds = gdal::Dataset::open(out).unwrap();
    ds.rasterband(1).unwrap().read_band_as::<f64>().unwrap().data().to_vec()
}

fn decode_png(bytes: &[u8]) -> Vec<f64> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (256, 256));
    img.pixels().map(|p| qala::tiles::terrain::decode_elevation([p[0], p[1], p[2]])).collect()
}

#[tokio::test]
async fn terrain_tiles_hold_the_dem_heights() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let source = common::open_data().join("dem/almaty_city_gebco2023_15arcsec.tif");
    let dem = qala::tiles::terrain::register(
        &db.pool,
        dir.path(),
        "almaty",
        &source,
        json!({"ru": "Рельеф"}),
        "GEBCO",
    )
    .await
    .unwrap();
    assert_eq!(dem.bounds, vec![76.6, 42.95, 77.3, 43.5]);
    assert!(dem.min_m < 700.0 && dem.max_m > 4000.0, "{dem:?}");
    let state = AppState::with_settings(db.pool.clone(), Catalog::new(vec![]), settings());
    let app = qala::http::app(state.with_public_url("http://example.org"));

    let (status, tj) = get_json(&app, "/terrain/almaty.json", &[("host", "evil.example")]).await;
    assert_eq!(status, 200);
    assert_eq!(tj["encoding"], "mapbox");
    assert_eq!(tj["tiles"][0], "http://example.org/terrain/almaty/{z}/{x}/{y}.png");
    assert_eq!(tj["maxzoom"], 10, "15 arc-second cells: no detail beyond z10");
    let (_, list) = get_json(&app, "/terrain", &[]).await;
    assert_eq!(list["dems"][0]["id"], "almaty");

    // Every pixel against GDAL's own bilinear warp of the tile, from the city to the mountains.
    for (lon, lat, z) in [(76.95, 43.15, 10), (76.9457, 43.2379, 12), (77.05, 43.05, 9)] {
        let t = tile_of(lon, lat, z);
        let (status, headers, png) =
            get_bytes(&app, &format!("/terrain/almaty/{z}/{}/{}.png", t.x, t.y), &[]).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/png");
        let ours = decode_png(&png);
        let reference =
            gdal_reference_tile(dir.path().join("almaty.tif").as_path(), t, &dir.path().join("ref.tif"));
        let mut worst = 0.0f64;
        for (a, b) in ours.iter().zip(&reference) {
            if *b != 0.0 {
                worst = worst.max((a - b).abs());
            }
        }
        let range = reference.iter().cloned().fold(f64::MIN, f64::max)
            - reference.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            worst < 1.0,
            "z{z} {lon},{lat}: largest difference {worst:.2} m against gdalwarp (relief {range:.0} m)"
        );
        // 304 for a current copy.
        let etag = headers["etag"].to_str().unwrap().to_string();
        let (status, _, _) =
            get_bytes(&app, &format!("/terrain/almaty/{z}/{}/{}.png", t.x, t.y), &[("if-none-match", &etag)])
                .await;
        assert_eq!(status, 304);
    }

    // Outside the DEM, unknown DEMs and bad coordinates.
    let far = tile_of(10.0, 50.0, 8);
    assert_eq!(get_bytes(&app, &format!("/terrain/almaty/8/{}/{}.png", far.x, far.y), &[]).await.0, 404);
    assert_eq!(get_bytes(&app, "/terrain/nowhere/1/0/0.png", &[]).await.0, 404);
    assert_eq!(get_bytes(&app, "/terrain/almaty/3/9/0.png", &[]).await.0, 400);

    // A DEM in another CRS (UTM 43N) is warped to EPSG:4326 on registration; heights agree.
    let utm = dir.path().join("utm.tif");
    let ok = std::process::Command::new("gdalwarp")
        .args(["-q", "-t_srs", "EPSG:32643", "-r", "bilinear", "-tr", "400", "400"])
        .arg(&source)
        .arg(&utm)
        .status()
        .unwrap();
    assert!(ok.success());
    let warped =
        qala::tiles::terrain::register(&db.pool, &dir.path().join("w"), "almaty_utm", &utm, json!({}), "")
            .await
            .unwrap();
    assert!((warped.bounds[0] - 76.6).abs() < 0.05 && (warped.bounds[3] - 43.5).abs() < 0.05, "{warped:?}");
    let t = tile_of(76.95, 43.15, 10);
    let (_, _, a) = get_bytes(&app, &format!("/terrain/almaty/10/{}/{}.png", t.x, t.y), &[]).await;
    let (_, _, b) = get_bytes(&app, &format!("/terrain/almaty_utm/10/{}/{}.png", t.x, t.y), &[]).await;
    let (a, b) = (decode_png(&a), decode_png(&b));
    let mean = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64;
    assert!(mean < 60.0, "mean difference {mean:.1} m between the 4326 and the UTM registration");

    // A file that is not a raster is refused with a reason, and nothing is registered.
    let junk = dir.path().join("junk.tif");
    std::fs::write(&junk, b"not a raster").unwrap();
    let e =
        qala::tiles::terrain::register(&db.pool, dir.path(), "junk", &junk, json!({}), "").await.unwrap_err();
    assert!(format!("{e:#}").contains("GDAL cannot open"), "{e:#}");
    assert_eq!(qala::tiles::terrain::list(&db.pool).await.unwrap().len(), 2);
}

#[tokio::test]
async fn kazakh_names_reach_the_tiles_in_the_latin_alphabet() {
    let db = test_db().await;
    let layer = common::layer_from(
        "rivers",
        r#"
id = "rivers"
theme = "hydrography"
geometry = "line"
title = { kk = "Өзендер", ru = "Реки", en = "Rivers" }
[access]
public = true
[metadata]
source = "tests"
date = "2026-11-22"
owner = "Qala tests"
licence = "CC0-1.0"
accuracy = "1 m"
source_crs = "EPSG:4326"
description = "test layer"
synthetic = true
[[attributes]]
name = "name_kk"
type = "string"
label = { kk = "Атауы", ru = "Название (каз.)", en = "Name (Kazakh)" }
"#,
    );
    common::sync_layers(&db.pool, std::slice::from_ref(&layer)).await;
    sqlx::query(
        "INSERT INTO features (layer_id, geom, attrs) VALUES ('rivers',
         ST_GeomFromText('LINESTRING(76.94 43.23, 76.95 43.24)', 4326), '{\"name_kk\": \"Үлкен Алматы өзені\"}')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let mut catalog = repo_layers();
    catalog.push(layer);
    let app = qala::http::app(AppState::with_settings(db.pool.clone(), Catalog::new(catalog), settings()));
    let t = tile_of(76.945, 43.235, 14);
    let (status, _, bytes) = get_bytes(&app, &format!("/tiles/rivers/14/{}/{}.mvt", t.x, t.y), &[]).await;
    assert_eq!(status, 200);
    use geozero::mvt::Message;
    let tile = geozero::mvt::Tile::decode(bytes.as_slice()).unwrap();
    let layer = &tile.layers[0];
    let key = layer.keys.iter().position(|k| k == "name_kk_latn").expect("a name_kk_latn attribute");
    let f = &layer.features[0];
    let value =
        f.tags.chunks(2).find(|kv| kv[0] as usize == key).map(|kv| &layer.values[kv[1] as usize]).unwrap();
    assert_eq!(value.string_value.as_deref(), Some("Ülken Almaty özenı"));

    // The kk-Latn style labels with it; the kk style with the Cyrillic name.
    let (_, style) = get_json(&app, "/styles/qala.json?lang=kk-Latn", &[]).await;
    let text = style.to_string();
    assert!(text.contains("\"name_kk_latn\""), "kk-Latn style");
    let (_, style) = get_json(&app, "/styles/qala.json?lang=kk", &[]).await;
    assert!(!style.to_string().contains("name_kk_latn") && style.to_string().contains("\"name_kk\""));
}

/// The Kazakh Cyrillic alphabet: 42 letters, the Russian ones included.
const KAZAKH_ALPHABET: &str = "АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЪЫІЬЭЮЯ";

/// The Latin transliteration of each string by the front end (`web/src/translit.ts`, through node).
async fn kk_latin_in_typescript(inputs: &[String]) -> Vec<String> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("node")
        .arg("tests/translit.mjs")
        .current_dir(common::repo().join("web"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (make setup installs it)");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(serde_json::to_string(inputs).unwrap().as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "web/tests/translit.mjs failed (cd web && npm install):\n{stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The Kazakh Latin table exists twice: `qala_kk_latin` in SQL (migration 0005, for map labels) and
/// `kkLatin` in TypeScript (the interface). Both must give the same text for every letter.
#[tokio::test]
async fn kazakh_latin_is_the_same_in_sql_and_in_the_front_end() {
    let db = test_db().await;
    assert_eq!(KAZAKH_ALPHABET.chars().count(), 42);
    let mut inputs: Vec<String> = KAZAKH_ALPHABET.chars().map(String::from).collect();
    inputs.extend(KAZAKH_ALPHABET.to_lowercase().chars().map(String::from));
    inputs.extend([KAZAKH_ALPHABET.to_string(), KAZAKH_ALPHABET.to_lowercase()]);
    inputs.extend(
        [
            "Алматы",
            "Үлкен Алматы өзені",
            "Қазақстан Республикасы",
            "Бұрыңғы өткен заманда, бір данышпан кісі",
            "Әл-Фараби даңғылы, 77/7",
            "№ 12 қалалық балалар клиникалық ауруханасы",
            "Шаңырақ шағын ауданындағы тоған",
            "Щучинск, Цесна, Ёлка, Юрта, Яблоко, Объект, Подъезд, Һәм",
            "Qala 2026 — mixed: Абай & Abay; «Жібек жолы»",
            "",
        ]
        .map(String::from),
    );
    let sql: Vec<String> = sqlx::query_scalar(
        "SELECT qala_kk_latin(t) FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i",
    )
    .bind(&inputs)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let ts = kk_latin_in_typescript(&inputs).await;
    assert_eq!(sql.len(), inputs.len());
    assert_eq!(ts.len(), inputs.len());
    for ((input, a), b) in inputs.iter().zip(&sql).zip(&ts) {
        assert_eq!(a, b, "`{input}`: SQL gives `{a}`, TypeScript `{b}`");
    }
    // Neither side leaves a letter untransliterated (two identities would also agree).
    let cyrillic = |s: &str| s.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c));
    for (input, out) in inputs.iter().zip(&sql).take(2 * 42 + 2) {
        assert!(!cyrillic(out), "`{input}` gives `{out}`");
    }
    assert_eq!(
        sql[inputs.iter().position(|s| s == "Қазақстан Республикасы").unwrap()],
        "Qazaqstan Respublikasy"
    );
}

#[tokio::test]
async fn the_web_config_lists_base_maps_terrain_and_the_callers_themes() {
    let db = test_db().await;
    let layers = repo_layers();
    sync::sync(&db.pool, &layers).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    demo::register_dem(&db.pool, &common::open_data(), dir.path()).await.unwrap();
    let app = qala::http::app(AppState::with_settings(db.pool.clone(), Catalog::new(layers), settings()));
    let (status, c) = get_json(&app, "/api/web/config", &[]).await;
    assert_eq!(status, 200, "{c}");
    let ids: Vec<&str> =
        c["basemaps"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], "qala", "Qala's own base map first");
    assert!(ids.len() >= 3, "{ids:?}");
    for b in &c["basemaps"].as_array().unwrap()[1..] {
        let t = b["tiles"][0].as_str().unwrap();
        assert!(
            t.contains("{z}") && t.contains("{x}") && t.contains("{y}") && !t.contains("{TileMatrix}"),
            "{t}"
        );
    }
    // Every base map, Qala's own included, is attributed in each language of the interface.
    for b in c["basemaps"].as_array().unwrap() {
        for lang in ["kk", "ru", "en"] {
            assert!(!b["attribution"][lang].as_str().unwrap_or_default().is_empty(), "{lang}: {b}");
        }
    }
    let attribution = |id: &str, lang: &str| {
        let b = c["basemaps"].as_array().unwrap().iter().find(|b| b["id"] == id).unwrap();
        b["attribution"][lang].as_str().unwrap().to_string()
    };
    assert!(attribution("qala", "ru").contains("Демонстрационные данные Qala"));
    assert!(attribution("qala", "kk").contains("Qala демонстрациялық деректері"));
    assert!(attribution("qala", "en").contains("Qala demo data"));
    assert_eq!(attribution("osm", "ru"), "© участники OpenStreetMap");
    assert_eq!(attribution("osm", "en"), "© OpenStreetMap contributors");
    assert!(c["attribution"]["kk"].as_str().unwrap().contains("ӘАОЖ"), "{}", c["attribution"]);
    assert_eq!(c["terrain"][0]["tilejson"], "/terrain/almaty.json");
    assert!(c["terrain"][0]["attribution"].as_str().unwrap().contains("GEBCO"));
    let themes: Vec<&String> = c["themes"].as_object().unwrap().keys().collect();
    assert!(themes.iter().any(|t| *t == "hydrography") && themes.iter().any(|t| *t == "transport"));
    assert!(
        !themes.iter().any(|t| *t == "engineering"),
        "the theme of the restricted layer only: {themes:?}"
    );
    assert_eq!(c["themes"]["hydrography"]["kk"], "Гидрография");
}

#[tokio::test]
async fn the_front_end_is_served_from_the_binary() {
    let db = test_db().await;
    let app = qala::http::app(AppState::with_settings(db.pool.clone(), Catalog::new(vec![]), settings()));
    let (status, headers, body) = get_bytes(&app, "/", &[]).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    let script = html
        .split("src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.starts_with("/assets/") && s.ends_with(".js"))
        .unwrap_or_else(|| panic!("index.html loads no /assets/*.js (is web/dist built?): {html}"));
    assert!(!html.contains("https://"), "no CDN: everything is served by Qala");
    let (status, headers, js) = get_bytes(&app, script, &[]).await;
    assert_eq!(status, 200, "{script}");
    assert!(headers["content-type"].to_str().unwrap().contains("javascript"));
    assert!(headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(!js.is_empty());
    let (status, _) = get_text(&app, "/assets/../Cargo.toml").await;
    assert_eq!(status, 404);
    let (status, body) = get_json(&app, "/no/such/page", &[]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

/// The web map in headless Chromium (Playwright), against this server on a real socket with the
/// Almaty demo: tiles, layers on and off, KATO navigation, coordinates, languages, access,
/// measuring and 3D terrain. Screenshots go to `target/artifacts/web/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_map_works_in_a_real_browser() {
    let dem_dir = tempfile::tempdir().unwrap();
    let (db, state) = demo_state(dem_dir.path()).await;
    // An editor for the editing checks (log in, draw, edit, history, attachments, delete).
    let hash = qala::auth::password::hash("editor-pass-1").unwrap();
    let input = qala::auth::store::UserInput {
        roles: Some(vec!["editor".into()]),
        full_name: Some("Редактор".into()),
        ..Default::default()
    };
    qala::auth::store::insert_user(&db.pool, "editor", &hash, &input).await.unwrap();
    let attachments = tempfile::tempdir().unwrap();
    let mut settings = (*state.settings).clone();
    settings.attachments_dir = attachments.path().to_path_buf();
    let state = state.with_settings_of(settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = state.with_public_url(format!("http://{addr}"));
    // As `qala serve` does: edits evict the cached tiles they touch.
    let _invalidation = qala::tiles::invalidate::spawn(db.pool.clone(), state.tiles.clone()).await.unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, qala::http::app(state)).await });
    let artifacts = common::repo().join("target/artifacts/web");
    std::fs::create_dir_all(&artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg("tests/e2e.mjs")
        .current_dir(common::repo().join("web"))
        .env("QALA_URL", format!("http://{addr}"))
        .env("QALA_ARTIFACTS", &artifacts)
        .env("QALA_EDITOR_LOGIN", "editor")
        .env("QALA_EDITOR_PASSWORD", "editor-pass-1")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(600), run)
        .await
        .expect("the browser checks finish within 10 minutes")
        .expect("node runs (make setup installs it)");
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "browser checks failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("ok - ") && !stdout.contains("not ok"), "{stdout}");
}
