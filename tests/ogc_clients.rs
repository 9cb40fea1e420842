//! Desktop GIS as clients of Qala's WMS 1.3.0 and WMTS 1.0, over real HTTP against a `qala serve`
//! process: QGIS 3.22 headless (tests/qgis_ogc.py) adds and renders the layers, GDAL's WMS and WMTS
//! drivers read them into PNG files, both anonymously (the public buildings) and with Basic
//! credentials (the restricted utility networks), which an anonymous client never gets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{test_db, user};

const BUILDING: [u8; 3] = [0xdc, 0xd3, 0xca];
const WATER: [u8; 3] = [0x1f, 0x78, 0xb4];

/// Centre of the test extent (76.93 E, 43.24 N) in EPSG:3857, and its half width (m): 256 pixels
/// over 500 m are ~1.95 m a pixel, style zoom 15.3, where buildings and networks are both drawn.
fn centre() -> (f64, f64) {
    let r = 6_378_137.0_f64;
    let (lon, lat) = (76.93_f64.to_radians(), 43.24_f64.to_radians());
    (lon * r, (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() * r)
}
const HALF: f64 = 250.0;

fn layer_toml(id: &str, geometry: &str, access: &str, attrs: &str) -> String {
    format!(
        r#"id = "{id}"
theme = "test"
geometry = "{geometry}"
min_zoom = 10
max_zoom = 22
style = "qala#{id}"
title = {{ kk = "{id}", ru = "{id}", en = "{id}" }}
[access]
{access}
[metadata]
source = "tests"
date = "2026-12-03"
owner = "Qala tests"
licence = "CC0-1.0"
accuracy = "1 m"
source_crs = "EPSG:4326"
description = "test layer"
synthetic = true
{attrs}
"#
    )
}

/// The layers directory: `buildings` (public) and `utility_networks` (editors only), both drawn by
/// the web map's style (`styles/qala.json`).
fn layers_dir(dir: &Path) {
    std::fs::write(dir.join("buildings.toml"), layer_toml("buildings", "polygon", "public = true", ""))
        .unwrap();
    let kind = "[[attributes]]\nname = \"kind\"\ntype = \"string\"\nlabel = { kk = \"Түрі\", ru = \"Вид\", en = \"Kind\" }";
    let networks = layer_toml("utility_networks", "line", "public = false\nroles = [\"editor\"]", kind);
    std::fs::write(dir.join("utility_networks.toml"), networks).unwrap();
}

/// Buildings cover the left half of the extent (one block), five water mains cross the right half.
async fn features(pool: &sqlx::PgPool) {
    let (cx, cy) = centre();
    sqlx::query(
        "INSERT INTO features (layer_id, geom, attrs)
         VALUES ('buildings', ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 3857), 4326), '{}')",
    )
    .bind(cx - 245.0)
    .bind(cy - 245.0)
    .bind(cx - 10.0)
    .bind(cy + 245.0)
    .execute(pool)
    .await
    .unwrap();
    for dy in [-200.0, -100.0, 0.0, 100.0, 200.0] {
        sqlx::query(
            "INSERT INTO features (layer_id, geom, attrs) VALUES ('utility_networks',
               ST_Transform(ST_SetSRID(ST_MakeLine(ST_MakePoint($1, $3), ST_MakePoint($2, $3)), 3857), 4326),
               '{\"kind\": \"water\"}')",
        )
        .bind(cx + 20.0)
        .bind(cx + 240.0)
        .bind(cy + dy)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Runs `program` with `args`, Basic credentials for GDAL when `creds` (curl sends Basic only after
/// a challenge unless told to), off the async runtime.
async fn run(program: &str, args: Vec<String>, creds: Option<&str>) -> Output {
    // No GDAL cache: an anonymous read must never be answered from an earlier authorised one (and
    // GDAL's WMS driver would otherwise write ./gdalwmscache into the repository).
    let cache = std::env::temp_dir().join(format!("qala-ogc-clients-{}", std::process::id()));
    let mut cmd = Command::new(program);
    cmd.args(&args)
        .current_dir(std::env::temp_dir())
        .env("GDAL_ENABLE_WMS_CACHE", "NO")
        .env("GDAL_DEFAULT_WMS_CACHE_PATH", cache)
        .env("GDAL_HTTP_TIMEOUT", "60")
        .env("CPL_VSIL_CURL_NON_CACHED", "/");
    if let Some(c) = creds {
        cmd.env("GDAL_HTTP_AUTH", "BASIC").env("GDAL_HTTP_USERPWD", c);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Opaque pixels of `colour` (each channel within `tol`) in the columns `x0..x1` of a PNG.
fn count(png: &Path, colour: [u8; 3], tol: u8, x0: u32, x1: u32) -> usize {
    let img = image::open(png).unwrap_or_else(|e| panic!("{}: {e}", png.display())).to_rgba8();
    img.enumerate_pixels()
        .filter(|(x, _, p)| {
            *x >= x0 && *x < x1 && p[3] > 200 && (0..3).all(|i| p[i].abs_diff(colour[i]) <= tol)
        })
        .count()
}

/// `gdal_translate` of `source` over the test extent at 256x256 into `out`.
async fn translate(source: &str, out: &Path, creds: Option<&str>) -> Output {
    let (cx, cy) = centre();
    let mut args: Vec<String> =
        vec!["-q".into(), "-of".into(), "PNG".into(), "-outsize".into(), "256".into(), "256".into()];
    args.push("-projwin".into());
    for v in [cx - HALF, cy + HALF, cx + HALF, cy - HALF] {
        args.push(format!("{v:.3}"));
    }
    args.extend([source.to_string(), out.to_str().unwrap().to_string()]);
    run("gdal_translate", args, creds).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qgis_and_gdal_read_wms_and_wmts_with_and_without_credentials() {
    let db = test_db().await;
    let layers = tempfile::tempdir().unwrap();
    layers_dir(layers.path());
    let data = tempfile::tempdir().unwrap();
    // The repository's service files name layers this test does not have: none are offered.
    let no_services = data.path().join("no-services");
    let extra: Vec<String> =
        ["--layers-dir", layers.path().to_str().unwrap(), "--services-dir", no_services.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let (_server, url) = common::procs::qala_serve(&db.url, data.path(), &extra);
    features(&db.pool).await;
    user(&db, "engineer", &["editor"], None, None).await;
    let creds = "engineer:engineer-password";
    let (cx, cy) = centre();
    let out_dir = tempfile::tempdir().unwrap();

    // GDAL: the capabilities name only what the caller may read.
    let caps = format!("WMS:{url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities");
    let anon = run("gdalinfo", vec![caps.clone()], None).await;
    let t = text(&anon);
    assert!(anon.status.success() && t.contains("buildings") && !t.contains("utility_networks"), "{t}");
    let known = run("gdalinfo", vec![caps], Some(creds)).await;
    let t = text(&known);
    assert!(known.status.success() && t.contains("utility_networks"), "{t}");
    let wmts_caps = format!("WMTS:{url}/wmts/1.0.0/WMTSCapabilities.xml");
    let anon = run("gdalinfo", vec![wmts_caps.clone()], None).await;
    let t = text(&anon);
    assert!(anon.status.success() && t.contains("buildings") && !t.contains("utility_networks"), "{t}");
    let known = run("gdalinfo", vec![wmts_caps], Some(creds)).await;
    let t = text(&known);
    assert!(known.status.success() && t.contains("utility_networks"), "{t}");

    // GDAL: images with the layers' colours where their features are.
    let bbox = format!("{:.3},{:.3},{:.3},{:.3}", cx - HALF, cy - HALF, cx + HALF, cy + HALF);
    let wms = |layer: &str| {
        format!(
            "WMS:{url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layer}&STYLES=&CRS=EPSG:3857\
             &BBOX={bbox}&FORMAT=image/png&TRANSPARENT=TRUE"
        )
    };
    let wmts = |layer: &str| {
        format!("WMTS:{url}/wmts/1.0.0/WMTSCapabilities.xml,layer={layer},tilematrixset=GoogleMapsCompatible")
    };
    for (service, buildings, networks) in [
        ("wms", wms("buildings"), wms("utility_networks")),
        ("wmts", wmts("buildings"), wmts("utility_networks")),
    ] {
        let png = out_dir.path().join(format!("{service}-buildings.png"));
        let out = translate(&buildings, &png, None).await;
        assert!(out.status.success(), "{service} buildings: {}", text(&out));
        let (left, right) = (count(&png, BUILDING, 12, 8, 120), count(&png, BUILDING, 12, 136, 248));
        assert!(left > 112 * 256 / 2 && right == 0, "{service}: buildings {left} px left, {right} px right");

        let png = out_dir.path().join(format!("{service}-networks.png"));
        let out = translate(&networks, &png, Some(creds)).await;
        assert!(out.status.success(), "{service} networks with credentials: {}", text(&out));
        let (left, right) = (count(&png, WATER, 40, 0, 120), count(&png, WATER, 40, 128, 256));
        assert!(right > 100 && left == 0, "{service}: water mains {right} px right, {left} px left");

        let png = out_dir.path().join(format!("{service}-networks-anonymous.png"));
        let out = translate(&networks, &png, None).await;
        assert!(
            !out.status.success() || count(&png, WATER, 40, 0, 256) == 0,
            "{service}: an anonymous GDAL got the restricted layer: {}",
            text(&out)
        );
    }

    // QGIS (and OWSLib) in Debian's Python.
    let script = common::repo().join("tests/qgis_ogc.py");
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        url.clone(),
        "engineer".into(),
        "engineer-password".into(),
    ];
    for v in [cx - HALF, cy - HALF, cx + HALF, cy + HALF] {
        args.push(format!("{v:.3}"));
    }
    let qgis = tokio::task::spawn_blocking(move || {
        Command::new("/usr/bin/python3")
            .args(&args)
            .env("QT_QPA_PLATFORM", "offscreen")
            .env("XDG_RUNTIME_DIR", std::env::temp_dir())
            .output()
            .expect("Debian's python3 with python3-qgis (make setup installs it)")
    })
    .await
    .unwrap();
    let t = text(&qgis);
    println!("{t}");
    assert!(qgis.status.success() && !t.contains("not ok"), "QGIS checks failed:\n{t}");
    assert_eq!(t.matches("ok - ").count(), 14, "every QGIS and OWSLib check ran:\n{t}");
}
