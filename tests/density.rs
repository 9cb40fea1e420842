//! Heat maps and clusters (issue 17, ARM-1) through the server: a print (`POST /api/print`) and
//! raster tiles of the applications layer, whose style (`styles/qala.json`) has a heat map at
//! zooms 10-14 and clusters up to zoom 14. Known points: a dense group of 37 applications and four
//! lone ones far apart. Checked with independent tools: poppler's `pdftotext`, `pdfimages` and
//! `pdftoppm`, and the `image` crate's PNG decoder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Resp, TestDb, basic, test_db, user};
use qala::http::{AppState, HttpSettings};
use serde_json::{Value, json};

/// The dense group's centre and the lone points (WGS84).
const GROUP: (f64, f64) = (76.9012, 43.2507);
const GROUP_SIZE: usize = 37;
const LONE: [(f64, f64); 4] = [(76.968, 43.228), (76.975, 43.272), (76.852, 43.221), (76.873, 43.281)];
/// The cluster circle of 10..50 points (`applications-clusters`).
const CLUSTER_ORANGE: [u8; 3] = [0xfd, 0x8d, 0x3c];

async fn fixture(db: &TestDb, extra: &[(f64, f64)]) -> axum::Router {
    let text = std::fs::read_to_string(common::repo().join("layers/applications.toml")).unwrap();
    let layers = vec![common::layer_from("applications", &text)];
    common::sync_layers(&db.pool, &layers).await;
    user(db, "root", &["admin"], None, None).await;
    let mut points: Vec<(f64, f64, &str)> = (0..GROUP_SIZE)
        .map(|i| {
            // Within about 15 m of the centre.
            let (dx, dy) = ((i % 7) as f64 - 3.0, (i / 7) as f64 - 2.5);
            (
                GROUP.0 + dx * 0.00005,
                GROUP.1 + dy * 0.00005,
                if i % 2 == 0 { "approved" } else { "in_progress" },
            )
        })
        .collect();
    points.extend(LONE.iter().map(|&(x, y)| (x, y, "refused")));
    points.extend(extra.iter().map(|&(x, y)| (x, y, "returned")));
    for (i, (x, y, status)) in points.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO features (layer_id, geom, attrs) VALUES ('applications', ST_SetSRID(ST_MakePoint($1, $2), 4326), $3)",
        )
        .bind(x)
        .bind(y)
        .bind(json!({"number": format!("A-{i:03}"), "status": status}))
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let settings = HttpSettings { public_url: "http://qala.test".into(), ..HttpSettings::default() };
    let catalog = qala::layers::Catalog::new(layers);
    qala::http::app(AppState::with_settings(db.pool.clone(), catalog, settings))
}

fn artifacts() -> PathBuf {
    let d = common::repo().join("target/artifacts/density");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Web Mercator of a WGS84 point (the spherical formulas of EPSG:3857).
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let r = 6_378_137.0;
    (r * lon.to_radians(), r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln())
}

fn header_numbers(r: &Resp, name: &str) -> Vec<f64> {
    r.header(name)
        .split([',', ';'])
        .map(|p| p.rsplit('=').next().unwrap_or(p))
        .filter_map(|v| v.parse().ok())
        .collect()
}

fn decode(path: &Path) -> image::RgbaImage {
    image::open(path).unwrap().to_rgba8()
}

fn near(px: &image::Rgba<u8>, rgb: [u8; 3], tol: i32) -> bool {
    (0..3).all(|i| (i32::from(px[i]) - i32::from(rgb[i])).abs() <= tol)
}

#[tokio::test]
async fn a_print_shows_the_heat_map_as_an_image_and_the_clusters_with_their_counts() {
    let db = test_db().await;
    let app = fixture(&db, &[]).await;
    let centre = (76.915, 43.25);
    let body = json!({"center": [centre.0, centre.1], "scale": 50000, "paper": "A4", "orientation": "landscape",
                      "layers": ["applications"], "title": "Heat and clusters", "lang": "en"});
    let auth = basic("root");
    let r = common::call(
        &app,
        "POST",
        "/api/print",
        &[("host", "qala.test".into()), ("content-type", "application/json".into()), (auth.0, auth.1)],
        serde_json::to_vec(&body).unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let dir = artifacts();
    let pdf = dir.join("print-50000.pdf");
    std::fs::write(&pdf, &r.body).unwrap();
    let pdf_s = pdf.to_str().unwrap();

    // The group's count is printed on its cluster; the lone points are not counted.
    let text = tool("pdftotext", &[pdf_s, "-"]);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(lines.contains(&GROUP_SIZE.to_string().as_str()), "no cluster count in {text}");

    // Where the group is in the frame (fractions from the left and from the top).
    let extent = header_numbers(&r, "qala-map-extent");
    let (gx, gy) = mercator(GROUP.0, GROUP.1);
    let fx = (gx - extent[0]) / (extent[2] - extent[0]);
    let fy = (extent[3] - gy) / (extent[3] - extent[1]);
    assert!((0.1..0.9).contains(&fx) && (0.1..0.9).contains(&fy), "{fx} {fy}");

    // The heat map is an image with a soft mask covering the frame, hottest at the group.
    let list = tool("pdfimages", &["-list", pdf_s]);
    let frame = header_numbers(&r, "qala-map-frame");
    let frame_px = (frame[2] * 72.0 / 25.4 * 2.0).round();
    let heat_rows: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.get(2) == Some(&"image") && f.get(3) == Some(&frame_px.to_string().as_str()))
        .collect();
    assert_eq!(heat_rows.len(), 1, "one heat map image {frame_px} px wide: {list}");
    assert!(
        list.lines().any(|l| l.split_whitespace().nth(2) == Some("smask")),
        "the alpha as a soft mask: {list}"
    );
    let stem = dir.join("print-50000-img");
    tool("pdfimages", &["-png", pdf_s, stem.to_str().unwrap()]);
    let heat = (0..8)
        .map(|i| dir.join(format!("print-50000-img-{i:03}.png")))
        .filter(|p| p.exists())
        .map(|p| decode(&p))
        .find(|img| f64::from(img.width()) == frame_px)
        .expect("the heat map image");
    // The ramp's top colour, rgb(178, 24, 43), where the density is saturated: at the group.
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for (x, y, px) in heat.enumerate_pixels() {
        if near(px, [178, 24, 43], 6) {
            (sx, sy, n) = (sx + f64::from(x), sy + f64::from(y), n + 1.0);
        }
    }
    assert!(n > 20.0, "no hot pixels");
    let (hx, hy) = (sx / n / f64::from(heat.width()), sy / n / f64::from(heat.height()));
    assert!((hx - fx).abs() < 0.01 && (hy - fy).abs() < 0.01, "hottest at {hx},{hy}, the group at {fx},{fy}");
    // Each lone point warms its surroundings only a little: no saturated colour there.
    for (lon, lat) in LONE {
        let (x, y) = mercator(lon, lat);
        let px = heat.get_pixel(
            ((x - extent[0]) / (extent[2] - extent[0]) * f64::from(heat.width())) as u32,
            ((extent[3] - y) / (extent[3] - extent[1]) * f64::from(heat.height())) as u32,
        );
        assert!(!near(px, [178, 24, 43], 40), "a lone point is not hot: {px:?}");
    }

    // On the page (pdftoppm at 96 dpi: 1 CSS px a pixel): the orange cluster circle at the group,
    // 10 px below its centre (under the count).
    let stem = dir.join("print-50000-page");
    tool("pdftoppm", &["-r", "96", "-png", "-singlefile", pdf_s, stem.to_str().unwrap()]);
    let page = decode(&dir.join("print-50000-page.png"));
    let mm_px = 96.0 / 25.4;
    let (cx, cy) = ((frame[0] + fx * frame[2]) * mm_px, (frame[1] + fy * frame[3]) * mm_px);
    let px = page.get_pixel(cx.round() as u32, (cy + 10.0).round() as u32);
    assert!(near(px, CLUSTER_ORANGE, 40), "the cluster circle at {cx},{cy}: {px:?}");
}

const R: f64 = 6_378_137.0;

/// The z/x/y of the 256-pixel tile holding a WGS84 point, and its Web Mercator bounds.
fn tile_of(z: u32, lon: f64, lat: f64) -> ((u32, u32, u32), [f64; 4]) {
    let n = f64::from(1u32 << z);
    let (x, y) = mercator(lon, lat);
    let half = std::f64::consts::PI * R;
    let size = 2.0 * half / n;
    let (tx, ty) = (((x + half) / size).floor(), ((half - y) / size).floor());
    (
        (z, tx as u32, ty as u32),
        [tx * size - half, half - (ty + 1.0) * size, (tx + 1.0) * size - half, half - ty * size],
    )
}

async fn tile(app: &axum::Router, (z, x, y): (u32, u32, u32), name: &str) -> image::RgbaImage {
    let auth = basic("root");
    let r =
        common::call(app, "GET", &format!("/tiles/applications/{z}/{x}/{y}.png"), &[auth], Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "image/png");
    let path = artifacts().join(format!("{name}.png"));
    std::fs::write(&path, &r.body).unwrap();
    decode(&path)
}

/// The pixel `d` away from `v` towards the middle of a 256-pixel tile.
fn inward(v: f64, d: f64) -> u32 {
    (if v < 128.0 { v + d } else { v - d }).round().clamp(0.0, 255.0) as u32
}

/// The pixel of a WGS84 point in a 256-pixel tile with bounds `b`.
fn pixel(b: [f64; 4], lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = mercator(lon, lat);
    ((x - b[0]) / (b[2] - b[0]) * 256.0, (b[3] - y) / (b[3] - b[1]) * 256.0)
}

#[tokio::test]
async fn raster_tiles_show_the_clusters_and_the_heat_and_neighbours_agree_at_their_edge() {
    // A second group of 12 straddling the right edge of a zoom-13 tile, 5 px left of it (a
    // 256-pixel tile at z13 is drawn at style zoom 12: clusters and heat map both apply).
    let z = 13;
    let ((_, ex, ey), eb) = tile_of(z, 76.95, 43.26);
    let px_m = (eb[2] - eb[0]) / 256.0;
    // Clusters' cells are 40 px from the origin: keep the group 20 m or more from a cell's side.
    let cell = 40.0 * px_m;
    let mut cx = eb[2] - 5.0 * px_m;
    while (cx / cell - (cx / cell).round()).abs() * cell < 20.0 {
        cx -= 25.0;
    }
    let cy = (eb[1] + eb[3]) / 2.0;
    let lon = (cx / R).to_degrees();
    let lat = (2.0 * (cy / R).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    let edge_group: Vec<(f64, f64)> =
        (0..12).map(|i| (lon + f64::from(i % 4) * 0.00003, lat + f64::from(i / 4) * 0.00003)).collect();
    let db = test_db().await;
    let app = fixture(&db, &edge_group).await;

    // The dense group: the orange circle of a cluster of 10..50 at its place, 10 px below the
    // centre (under the count), and heat around it (the circle's stroke is white).
    let (t, b) = tile_of(z, GROUP.0, GROUP.1);
    let img = tile(&app, t, "group").await;
    let (gx, gy) = pixel(b, GROUP.0, GROUP.1);
    let inside = img.get_pixel(gx.round() as u32, (gy + 10.0).round() as u32);
    assert!(near(inside, CLUSTER_ORANGE, 30) && inside[3] > 240, "cluster circle: {inside:?}");
    let around = img.get_pixel(inward(gx, 22.0), gy.round() as u32);
    assert!(around[3] > 60 && !near(around, CLUSTER_ORANGE, 60), "heat around the cluster: {around:?}");
    // Far from every point the tile is transparent.
    let far = img.get_pixel(inward(gx, 120.0), inward(gy, 120.0));
    assert_eq!(far[3], 0, "{far:?}");

    // A lone point: its own circle (refused, red) and the heat map's cool colours 9 px away.
    let (lon0, lat0) = LONE[0];
    let (t, b) = tile_of(z, lon0, lat0);
    let img = tile(&app, t, "lone").await;
    let (lx, ly) = pixel(b, lon0, lat0);
    let dot = img.get_pixel(lx.round() as u32, ly.round() as u32);
    assert!(near(dot, [0xc6, 0x28, 0x28], 30), "the lone point's circle: {dot:?}");
    let warm = img.get_pixel(inward(lx, 9.0), ly.round() as u32);
    assert!(warm[3] > 0 && warm[2] > warm[0], "cool heat next to a lone point: {warm:?}");

    // Two neighbouring tiles: the edge group's cluster circle runs on across their shared edge,
    // over the same rows of the left tile's last column and the right tile's first column.
    let left = tile(&app, (z, ex, ey), "edge-left").await;
    let right = tile(&app, (z, ex + 1, ey), "edge-right").await;
    let orange_rows = |img: &image::RgbaImage, col: u32| -> Vec<u32> {
        (0..256).filter(|&row| near(img.get_pixel(col, row), CLUSTER_ORANGE, 30)).collect()
    };
    let (l, r) = (orange_rows(&left, 255), orange_rows(&right, 0));
    assert!(l.len() >= 12, "the cluster on the left tile's edge: {l:?}");
    let span = |v: &[u32]| (v[0], v[v.len() - 1]);
    let (ls, rs) = (span(&l), span(&r));
    assert!(ls.0.abs_diff(rs.0) <= 1 && ls.1.abs_diff(rs.1) <= 1, "left {ls:?}, right {rs:?}");
    // And the heat map joins: along the shared edge, outside the circle, the two columns differ
    // only by the heat's gradient over one pixel (measured: at most 14 of 255).
    let worst = (0..256)
        .filter(|row| !(ls.0.saturating_sub(4)..=ls.1 + 4).contains(row))
        .map(|row| {
            // Premultiplied: a colour under an alpha of 0 or 1 is no colour.
            let pre = |p: &image::Rgba<u8>, i: usize| {
                if i == 3 { u32::from(p[3]) } else { u32::from(p[i]) * u32::from(p[3]) / 255 }
            };
            let (a, b) = (left.get_pixel(255, row), right.get_pixel(0, row));
            (0..4).map(|i| pre(a, i).abs_diff(pre(b, i))).max().unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    eprintln!("the heat map at the tiles' shared edge: at most {worst} of 255 between the two columns");
    assert!(worst <= 24, "the heat map jumps by {worst} at the tiles' edge");
}

/// The applications' cluster sums, as a print's style evaluates them, are in the style.
#[test]
fn the_styles_cluster_convention_names_the_applications() {
    let text = std::fs::read_to_string(common::repo().join("styles/qala.json")).unwrap();
    let style: Value = serde_json::from_str(&text).unwrap();
    let s = qala::print::style::PrintStyle::parse(&style, "name_en");
    let c = s.cluster_of("applications", 12.0).expect("applications are clustered at z12");
    assert_eq!(c.radius, 40.0);
    assert!(s.cluster_of("applications", 15.0).is_none(), "not clustered at z15");
    assert!(s.cluster_of("poi", 12.0).is_none());
}
