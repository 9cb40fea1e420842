//! Printed documents against the Almaty demo in a real PostGIS, checked by independent tools:
//! GDAL (`gdalinfo`: CRS, origin and pixel size of the georeferenced frame, the PDF layers),
//! poppler (`pdftotext`, `pdffonts`, `pdftoppm`, `pdfimages`) and zbar (`zbarimg` reads the QR
//! code, whose URL must answer "valid"). Rendered pages are kept in `target/artifacts/print/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Resp, TestDb, basic, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::catalog::load_dir;
use qala::layers::{Catalog, demo, sync};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const HOST: &str = "qala.test";
const KAZAKH_TITLE: &str = "Алматы орталығы: әғқңөұүһі";

/// One request through the router, to the host the QR codes name.
async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Resp {
    let mut h = vec![("host", HOST.to_string())];
    h.extend_from_slice(headers);
    common::call(app, method, uri, &h, body).await
}

async fn print(app: &axum::Router, body: Value, auth: &[(&str, String)]) -> Resp {
    let mut h = vec![("content-type", "application/json".to_string())];
    h.extend(auth.iter().cloned());
    call(app, "POST", "/api/print", &h, serde_json::to_vec(&body).unwrap()).await
}

fn artifacts() -> PathBuf {
    let d = common::repo().join("target/artifacts/print");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a tool; its stdout.
fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Saves a PDF and its first page at 150 dpi as artefacts; returns the PDF's and PNG's paths.
fn keep(name: &str, pdf: &[u8]) -> (PathBuf, PathBuf) {
    let dir = artifacts();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let stem = dir.join(name);
    tool("pdftoppm", &["-r", "150", "-png", "-singlefile", path.to_str().unwrap(), stem.to_str().unwrap()]);
    (path, dir.join(format!("{name}.png")))
}

fn gdalinfo(path: &Path) -> Value {
    serde_json::from_str(&tool("gdalinfo", &["-json", "-mdd", "LAYERS", path.to_str().unwrap()])).unwrap()
}

/// The PDF layers GDAL lists.
fn pdf_layers(info: &Value) -> Vec<String> {
    let mut v: Vec<(String, String)> = info["metadata"]["LAYERS"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    v.sort();
    v.into_iter().map(|(_, n)| n).collect()
}

/// GDAL names layers with spaces as underscores.
fn gdal_name(title: &str) -> String {
    title.replace(' ', "_")
}

/// The QR code of a rendered page, read by zbar.
fn qr_text(png: &Path) -> String {
    tool("zbarimg", &["--quiet", "--raw", png.to_str().unwrap()]).trim().to_string()
}

/// Web Mercator of a WGS84 point (the spherical formulas of EPSG:3857).
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let r = 6_378_137.0;
    (r * lon.to_radians(), r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln())
}

/// WGS84 -> `to` with proj4rs, an implementation independent of PROJ, GDAL and PostGIS.
fn project(to: &str, lon: f64, lat: f64) -> (f64, f64) {
    let src = proj4rs::Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").unwrap();
    let dst = proj4rs::Proj::from_proj_string(to).unwrap();
    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&src, &dst, &mut p).unwrap();
    (p.0, p.1)
}

/// The scale factor of a projection at a point: projected over geodesic (geo's Karney
/// implementation) length of a short east-west segment.
fn scale_factor(proj: impl Fn(f64, f64) -> (f64, f64), lon: f64, lat: f64) -> f64 {
    use geo::{Distance, Geodesic, Point};
    let (a, b) = (proj(lon - 0.0005, lat), proj(lon + 0.0005, lat));
    let ground = Geodesic.distance(Point::new(lon - 0.0005, lat), Point::new(lon + 0.0005, lat));
    (b.0 - a.0).hypot(b.1 - a.1) / ground
}

/// `x=..;y=..;width=..;height=..` of the `Qala-Map-Frame` header, mm from the page's top left.
fn frame_mm(r: &Resp) -> [f64; 4] {
    let h = r.header("qala-map-frame");
    let get = |k: &str| -> f64 {
        h.split(';').find_map(|p| p.strip_prefix(&format!("{k}="))).unwrap().parse().unwrap()
    };
    [get("x"), get("y"), get("width"), get("height")]
}

/// Checks what GDAL reads of the frame: the CRS, and the page's origin and extent (pixel size ×
/// pixels) against the centre projected independently and the requested scale, within 1 cm.
fn check_georeference(
    info: &Value,
    epsg: u32,
    centre: (f64, f64),
    k: f64,
    scale: f64,
    page_mm: (f64, f64),
    frame: [f64; 4],
) {
    let wkt = info["coordinateSystem"]["wkt"].as_str().unwrap();
    assert!(wkt.trim_end().ends_with(&format!("ID[\"EPSG\",{epsg}]]")), "{wkt}");
    let gt: Vec<f64> = serde_json::from_value(info["geoTransform"].clone()).unwrap();
    let size: Vec<f64> = serde_json::from_value(info["size"].clone()).unwrap();
    let m_per_mm = scale * k / 1000.0;
    // The frame's centre is `centre`; the page's upper left corner is that far from it.
    let ox = centre.0 - (frame[0] + frame[2] / 2.0) * m_per_mm;
    let oy = centre.1 + (frame[1] + frame[3] / 2.0) * m_per_mm;
    assert!((gt[0] - ox).abs() < 0.01, "origin x {} expected {ox}", gt[0]);
    assert!((gt[3] - oy).abs() < 0.01, "origin y {} expected {oy}", gt[3]);
    assert!(gt[2].abs() < 1e-9 && gt[4].abs() < 1e-9, "north up: {gt:?}");
    let (w, h) = (gt[1] * size[0], -gt[5] * size[1]);
    assert!((w - page_mm.0 * m_per_mm).abs() < 0.01, "page width {w} m, expected {}", page_mm.0 * m_per_mm);
    assert!((h - page_mm.1 * m_per_mm).abs() < 0.01, "page height {h} m, expected {}", page_mm.1 * m_per_mm);
}

async fn demo_app(db: &TestDb, attachments: &Path) -> (axum::Router, Catalog) {
    let layers = load_dir(&common::repo().join("layers")).unwrap();
    sync::sync(&db.pool, &layers).await.unwrap();
    let catalog = Catalog::new(layers);
    demo::load(&db.pool, &catalog, &common::open_data(), demo::DEFAULT_SEED, false).await.unwrap();
    let settings = HttpSettings {
        attachments_dir: attachments.to_path_buf(),
        public_url: format!("http://{HOST}"),
        ..HttpSettings::default()
    };
    let state = AppState::with_settings(db.pool.clone(), catalog.clone(), settings);
    (qala::http::app(state), catalog)
}

fn title_kk(catalog: &Catalog, id: &str) -> String {
    catalog.all().find(|l| l.id == id).unwrap().title.kk.clone()
}

#[tokio::test]
async fn maps_print_to_scale_as_geopdf_and_verify() {
    let db = test_db().await;
    let files = tempfile::tempdir().unwrap();
    let (app, catalog) = demo_app(&db, files.path()).await;
    user(&db, "engineer", &["editor"], Some("almaty-su"), None).await;
    user(&db, "boss", &["admin"], None, None).await;
    let centre = (76.9457, 43.2379);

    // Anonymous, A4 landscape 1:5000, Web Mercator, in Kazakh.
    let r = print(
        &app,
        json!({"center": [centre.0, centre.1], "scale": 5000, "paper": "A4", "orientation": "landscape",
               "layers": ["buildings", "streets", "poi"], "title": KAZAKH_TITLE, "lang": "kk"}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(r.body.starts_with(b"%PDF-"));
    let code = r.header("qala-document");
    let (pdf, png) = keep("a4-anonymous-5000-3857", &r.body);
    let info = gdalinfo(&pdf);
    let k = scale_factor(mercator, centre.0, centre.1);
    check_georeference(&info, 3857, mercator(centre.0, centre.1), k, 5000.0, (297.0, 210.0), frame_mm(&r));
    // One PDF layer per map layer, in the style's order, named in Kazakh.
    let expected: Vec<String> =
        ["streets", "buildings", "poi"].iter().map(|id| gdal_name(&title_kk(&catalog, id))).collect();
    assert_eq!(pdf_layers(&info), expected);
    // The Kazakh title as text, in an embedded subset font.
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(text.contains(KAZAKH_TITLE), "{text}");
    assert!(text.contains("1:5 000") || text.contains("1:5\u{2009}000"), "numeric scale");
    assert!(text.contains("Шартты белгілер"), "legend heading");
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let subset = fonts.lines().filter(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        cols.first().is_some_and(|n| {
            n.len() > 7 && n.as_bytes()[6] == b'+' && n[..6].chars().all(|c| c.is_ascii_uppercase())
        }) && cols.windows(3).any(|w| w == ["yes", "yes", "yes"])
    });
    assert!(subset.count() >= 1, "no embedded subset font:\n{fonts}");
    // The QR code leads to the document's record, which says it is valid.
    let url = qr_text(&png);
    assert_eq!(url, format!("http://{HOST}/verify/{code}"));
    let page = call(
        &app,
        "GET",
        url.strip_prefix(&format!("http://{HOST}")).unwrap(),
        &[("accept-language", "en".into())],
        vec![],
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("data-status=\"valid\""), "{}", page.text());
    let record = call(&app, "GET", &format!("/api/documents/{code}"), &[], vec![]).await.json();
    assert_eq!(record["status"], "valid");
    assert_eq!(record["sha256"], hex(&Sha256::digest(&r.body)));
    assert_eq!(record["kind"], "print");
    assert_eq!(record["issuer"], Value::Null);
    assert_eq!(record["subject"]["layers"], json!(["streets", "buildings", "poi"]));
    // Uploading the file compares its hash; a changed file does not match.
    let upload = |bytes: Vec<u8>| {
        let boundary = "qalaboundary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        (vec![("content-type", format!("multipart/form-data; boundary={boundary}"))], body)
    };
    let (h, b) = upload(r.body.clone());
    let same = call(&app, "POST", &format!("/verify/{code}"), &h, b).await;
    assert!(same.text().contains("data-compare=\"match\""), "{}", same.text());
    let mut changed = r.body.clone();
    let last = changed.len() - 10;
    changed[last] ^= 1;
    let (h, b) = upload(changed);
    assert!(
        call(&app, "POST", &format!("/verify/{code}"), &h, b)
            .await
            .text()
            .contains("data-compare=\"differs\"")
    );
    let unknown = call(&app, "GET", "/verify/0000-0000-0000", &[], vec![]).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains("data-status=\"unknown\""));

    // A restricted layer never reaches an anonymous user: not by default, and asking for it is
    // answered as for a layer that does not exist.
    let r =
        print(&app, json!({"center": [centre.0, centre.1], "scale": 2000, "paper": "A4", "lang": "kk"}), &[])
            .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (pdf, _) = keep("a4-anonymous-default-layers", &r.body);
    let layers = pdf_layers(&gdalinfo(&pdf));
    let networks = gdal_name(&title_kk(&catalog, "utility_networks"));
    assert!(layers.contains(&gdal_name(&title_kk(&catalog, "buildings"))), "{layers:?}");
    assert!(!layers.contains(&networks), "{layers:?}");
    assert!(
        !tool("pdftotext", &[pdf.to_str().unwrap(), "-"]).contains("Су құбыры"),
        "network legend for anonymous"
    );
    for id in ["utility_networks", "no_such_layer"] {
        let r = print(
            &app,
            json!({"center": [centre.0, centre.1], "scale": 2000, "layers": ["buildings", id]}),
            &[],
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["details"][0]["value"], id);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(&format!("unknown layers: {id}")));
    }

    // A utility engineer prints the networks, A3 landscape 1:2000 in UTM 43N.
    let r = print(
        &app,
        json!({"center": [centre.0, centre.1], "scale": 2000, "paper": "A3", "orientation": "landscape",
               "layers": ["buildings", "streets", "utility_networks"], "lang": "kk+ru", "crs": "EPSG:32643",
               "title": "Инженерлік желілер / Инженерные сети"}),
        &[basic("engineer")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (pdf, png) = keep("a3-engineer-2000-utm", &r.body);
    let info = gdalinfo(&pdf);
    let utm = |lon: f64, lat: f64| project("+proj=utm +zone=43 +datum=WGS84 +units=m +no_defs", lon, lat);
    let k = scale_factor(utm, centre.0, centre.1);
    check_georeference(&info, 32643, utm(centre.0, centre.1), k, 2000.0, (420.0, 297.0), frame_mm(&r));
    let layers = pdf_layers(&info);
    assert_eq!(layers.len(), 3, "{layers:?}");
    assert!(layers.iter().any(|l| l.starts_with(&networks)), "{layers:?}");
    // A legend label too long for its column is wrapped: its lines read as one.
    let text =
        tool("pdftotext", &[pdf.to_str().unwrap(), "-"]).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Су құбыры / Водопровод"), "bilingual legend of the networks: {text}");
    let engineer_code = r.header("qala-document");
    assert_eq!(qr_text(&png), format!("http://{HOST}/verify/{engineer_code}"));
    let record = call(&app, "GET", &format!("/api/documents/{engineer_code}"), &[], vec![]).await.json();
    // The public record names the issuer's organisation, never its login.
    assert_eq!(record["issued_by"], "almaty-su");
    assert!(record.get("issuer").is_none(), "{record}");

    // The local system of older city plans: Pulkovo 1942 / Gauss-Kruger zone 13. The control
    // points are on the Pulkovo datum; GDAL's reading agrees with the extent Qala reports within
    // 1 cm, and the centre with proj4rs (PROJ's EPSG:5044 shift written as towgs84) within 0.5 m.
    let r = print(&app, json!({"center": [centre.0, centre.1], "scale": 2000, "paper": "A4", "layers": ["buildings"], "crs": "EPSG:28413"}), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (pdf, _) = keep("a4-anonymous-2000-gk13", &r.body);
    let info = gdalinfo(&pdf);
    let extent: Vec<f64> = r.header("qala-map-extent").split(',').map(|v| v.parse().unwrap()).collect();
    let k: f64 = r.header("qala-scale-factor").parse().unwrap();
    let reported = ((extent[0] + extent[2]) / 2.0, (extent[1] + extent[3]) / 2.0);
    check_georeference(&info, 28413, reported, k, 2000.0, (297.0, 210.0), frame_mm(&r));
    let gk13 = "+proj=tmerc +lat_0=0 +lon_0=75 +k=1 +x_0=13500000 +y_0=0 +ellps=krass +towgs84=23.57,-140.95,-79.8,0,0.35,0.79,-0.22 +units=m +no_defs";
    let expected = project(gk13, centre.0, centre.1);
    assert!((reported.0 - expected.0).hypot(reported.1 - expected.1) < 0.5, "{reported:?} vs {expected:?}");
    assert!((k - scale_factor(|lon, lat| project(gk13, lon, lat), centre.0, centre.1)).abs() < 1e-6, "k {k}");

    // Revoking is for administrators; the page then says so.
    let body = serde_json::to_vec(&json!({"reason": "заменён"})).unwrap();
    let ct = ("content-type", "application/json".to_string());
    assert_eq!(
        call(
            &app,
            "POST",
            &format!("/api/documents/{engineer_code}/revoke"),
            std::slice::from_ref(&ct),
            body.clone()
        )
        .await
        .status,
        401
    );
    assert_eq!(
        call(
            &app,
            "POST",
            &format!("/api/documents/{engineer_code}/revoke"),
            &[ct.clone(), basic("engineer")],
            body.clone()
        )
        .await
        .status,
        403
    );
    let revoked =
        call(&app, "POST", &format!("/api/documents/{engineer_code}/revoke"), &[ct, basic("boss")], body)
            .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_eq!(revoked.json()["status"], "revoked");
    let page = call(&app, "GET", &format!("/verify/{engineer_code}?lang=ru"), &[], vec![]).await.text();
    assert!(page.contains("data-status=\"revoked\"") && page.contains("заменён"), "{page}");

    // Issuing is journalled.
    let journalled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'document' AND target = $1")
            .bind(&engineer_code)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(journalled, 2, "issued and revoked");

    // A bbox instead of a centre: the smallest whole hundred scale that shows it all.
    let bbox = [76.93, 43.23, 76.96, 43.245];
    let r = print(
        &app,
        json!({"bbox": bbox, "paper": "A4", "orientation": "portrait", "layers": ["districts"]}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let extent: Vec<f64> = r.header("qala-map-extent").split(',').map(|v| v.parse().unwrap()).collect();
    let (w, s) = mercator(bbox[0], bbox[1]);
    let (e, n) = mercator(bbox[2], bbox[3]);
    assert!(extent[0] <= w && extent[1] <= s && extent[2] >= e && extent[3] >= n, "{extent:?}");
    let record =
        call(&app, "GET", &format!("/api/documents/{}", r.header("qala-document")), &[], vec![]).await.json();
    let scale = record["subject"]["scale"].as_f64().unwrap();
    assert_eq!(scale % 100.0, 0.0);
    let smaller = print(&app, json!({"bbox": bbox, "scale": scale - 100.0, "paper": "A4", "orientation": "portrait", "layers": ["districts"]}), &[]).await;
    let extent: Vec<f64> = smaller.header("qala-map-extent").split(',').map(|v| v.parse().unwrap()).collect();
    assert!(
        extent[0] > w || extent[1] > s || extent[2] < e || extent[3] < n,
        "1:{} would have fitted",
        scale - 100.0
    );
}

#[tokio::test]
async fn passports_show_attributes_map_photos_and_verify() {
    let db = test_db().await;
    let files = tempfile::tempdir().unwrap();
    let (app, _) = demo_app(&db, files.path()).await;
    let (fid, floors): (i64, String) = sqlx::query_as(
        "SELECT id, attrs->>'floors' FROM features WHERE layer_id = 'buildings' AND deleted_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // A photo attachment, stored as the upload route stores it.
    let img = image::RgbImage::from_fn(320, 240, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let jpeg = jpeg.into_inner();
    let sha = hex(&Sha256::digest(&jpeg));
    std::fs::create_dir_all(files.path().join(&sha[..2])).unwrap();
    std::fs::write(files.path().join(&sha[..2]).join(&sha), &jpeg).unwrap();
    sqlx::query("INSERT INTO attachments (layer_id, feature_id, sha256, file_name, media_type, size_bytes, created_by) VALUES ('buildings', $1, $2, 'facade.jpg', 'image/jpeg', $3, 'test')")
        .bind(fid)
        .bind(&sha)
        .bind(jpeg.len() as i64)
        .execute(&db.pool)
        .await
        .unwrap();

    let r = call(&app, "GET", &format!("/api/layers/buildings/items/{fid}/passport.pdf"), &[], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/pdf");
    let code = r.header("qala-document");
    let (pdf, png) = keep("passport-building", &r.body);
    let text = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    for needle in [
        "Объект паспорты / Паспорт объекта",
        "Қабат саны / Этажность",
        "Мақсаты / Назначение",
        "Қабат туралы мәліметтер / Сведения о слое",
        &format!("buildings/{fid}"),
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    assert!(
        text.lines().any(|l| l.contains("Этажность") && l.trim_end().ends_with(&floors)),
        "floors {floors}:\n{text}"
    );
    // The inset is georeferenced; the photo is in the file.
    let info = gdalinfo(&pdf);
    assert!(info["coordinateSystem"]["wkt"].as_str().unwrap().contains("\"EPSG\",3857"));
    let images = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert_eq!(images.lines().filter(|l| l.contains("jpeg")).count(), 1, "{images}");
    assert_eq!(qr_text(&png), format!("http://{HOST}/verify/{code}"));
    let record = call(&app, "GET", &format!("/api/documents/{code}"), &[], vec![]).await.json();
    assert_eq!(record["kind"], "passport");
    assert_eq!(record["subject"]["feature"], fid);

    // Objects the caller may not see have no passport.
    let (net,): (i64,) =
        sqlx::query_as("SELECT id FROM features WHERE layer_id = 'utility_networks' LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        call(&app, "GET", &format!("/api/layers/utility_networks/items/{net}/passport.pdf"), &[], vec![])
            .await
            .status,
        404
    );
    assert_eq!(
        call(&app, "GET", "/api/layers/buildings/items/999999999/passport.pdf", &[], vec![]).await.status,
        404
    );
    assert_eq!(
        call(&app, "GET", "/api/layers/buildings/items/abc/passport.pdf", &[], vec![]).await.status,
        404
    );
}

#[tokio::test]
async fn per_department_layers_print_only_the_callers_objects() {
    let db = test_db().await;
    let files = tempfile::tempdir().unwrap();
    let _loaded = demo_app(&db, files.path()).await;
    // The schools and clinics layer, restricted per department.
    let mut layers = load_dir(&common::repo().join("layers")).unwrap();
    for l in layers.iter_mut().filter(|l| l.id == "poi") {
        l.access.features = qala::layers::catalog::FeatureVisibility::Department;
    }
    let app = qala::http::app(AppState::new(db.pool.clone(), Catalog::new(layers)));
    user(&db, "clerk", &["viewer"], Some("akimat"), Some("education")).await;
    user(&db, "boss", &["admin"], None, None).await;
    // Two objects 60 to 200 m apart: the clerk's department owns the first.
    let (a, b, name_a, name_b, lon, lat): (i64, i64, String, String, f64, f64) = sqlx::query_as(
        "SELECT p.id, q.id, p.attrs->>'name_ru', q.attrs->>'name_ru',
                ST_X(ST_Centroid(ST_Collect(p.geom, q.geom))), ST_Y(ST_Centroid(ST_Collect(p.geom, q.geom)))
         FROM features p JOIN features q ON q.layer_id = 'poi' AND q.id <> p.id
              AND ST_DWithin(p.geom::geography, q.geom::geography, 200) AND NOT ST_DWithin(p.geom::geography, q.geom::geography, 60)
         WHERE p.layer_id = 'poi' AND p.attrs->>'name_ru' <> q.attrs->>'name_ru'
         ORDER BY p.id, q.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE features SET owner_dept = 'education' WHERE id = $1")
        .bind(a)
        .execute(&db.pool)
        .await
        .unwrap();
    let body = json!({"center": [lon, lat], "scale": 2000, "paper": "A4", "layers": ["poi"], "lang": "ru"});
    let text_for = |r: &Resp, name: &str| {
        assert_eq!(r.status, 200, "{}", r.text());
        let (pdf, _) = keep(name, &r.body);
        tool("pdftotext", &[pdf.to_str().unwrap(), "-"])
    };
    let clerk = text_for(&print(&app, body.clone(), &[basic("clerk")]).await, "a4-department-clerk");
    assert!(clerk.contains(&name_a) && !clerk.contains(&name_b), "{name_a} only:\n{clerk}");
    let boss = text_for(&print(&app, body, &[basic("boss")]).await, "a4-department-admin");
    assert!(boss.contains(&name_a) && boss.contains(&name_b), "{name_a} and {name_b}:\n{boss}");
    for (fid, status) in [(a, 200), (b, 404)] {
        let uri = format!("/api/layers/poi/items/{fid}/passport.pdf");
        assert_eq!(
            call(&app, "GET", &uri, &[basic("clerk")], vec![]).await.status,
            status,
            "passport of {fid}"
        );
    }
}

#[tokio::test]
async fn bad_print_requests_are_refused_with_reasons() {
    let db = test_db().await;
    let layers = load_dir(&common::repo().join("layers")).unwrap();
    sync::sync(&db.pool, &layers).await.unwrap();
    let app = qala::http::app(AppState::new(db.pool.clone(), Catalog::new(layers)));
    let cases = [
        (json!({"center": [76.9, 43.2], "scale": 100}), "scale"),
        (json!({"center": [76.9, 43.2], "scale": 600000}), "scale"),
        (json!({"center": [76.9, 43.2], "scale": 2000, "paper": "A0"}), "paper"),
        (json!({"center": [76.9, 43.2], "scale": 2000, "orientation": "diagonal"}), "orientation"),
        (json!({"center": [76.9, 43.2], "scale": 2000, "crs": "EPSG:4326"}), "EPSG:4326"),
        (json!({"center": [76.9, 43.2], "scale": 2000, "lang": "de"}), "lang"),
        (json!({"center": [76.9, 43.2], "scale": 2000, "zoom": 3}), "zoom"),
        (json!({"center": [76.9, 43.2], "bbox": [76.9, 43.2, 77.0, 43.3], "scale": 2000}), "either"),
        (json!({"scale": 2000}), "center"),
        (json!({"center": [276.9, 43.2], "scale": 2000}), "longitude"),
        (json!({"bbox": [77.0, 43.2, 76.9, 43.3]}), "west < east"),
        (json!({"center": [76.9, 43.2], "scale": 2000, "layers": []}), "empty"),
    ];
    for (body, needle) in cases {
        let r = print(&app, body.clone(), &[]).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let msg = r.json()["error"]["message"].as_str().unwrap_or_default().to_string();
        assert!(msg.contains(needle), "{body}: {msg}");
    }
    let r = call(
        &app,
        "POST",
        "/api/print",
        &[("content-type", "application/json".into())],
        b"{not json".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400);
    // Nothing was issued.
    let issued: i64 = sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(&db.pool).await.unwrap();
    assert_eq!(issued, 0);
    // The options list what may be printed.
    let o = call(&app, "GET", "/api/print/options?lang=kk", &[], vec![]).await.json();
    assert_eq!(o["scales"][0], 500);
    assert_eq!(o["papers"].as_array().unwrap().len(), 4);
    let ids: Vec<&str> = o["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"buildings") && !ids.contains(&"utility_networks"), "{ids:?}");
    assert_eq!(o["papers"][0]["frame_mm"]["landscape"], json!([277.0, 136.0]));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
