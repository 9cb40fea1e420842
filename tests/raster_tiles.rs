//! Raster tiles (issue 17) on the demo city: a PNG tile agrees pixel for pixel with the GeoPDF of
//! the same place and resolution rasterised by poppler's `pdftoppm -r 96` (1 CSS px = 0.75 pt =
//! 1 px at 96 dpi); an edit through the API, an edit in the tile's buffer and a direct SQL edit
//! show in the next tile; a restricted layer never reaches an anonymous tile, even after a
//! permitted caller's tile of the same composite was cached; sizes (@2x, 512), formats (PNG, WebP,
//! JPEG), ETag/304 and a bad format's 404.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Resp, TestDb, basic, call, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::load_dir;
use qala::layers::{demo, sync};
use qala::tiles::coords::{HALF_WORLD, TileCoord, from_3857, lonlat_to_3857, tile_range};
use serde_json::json;

/// The demo city's layers and data, and a state over them (64 MB tile cache).
async fn demo_state(db: &TestDb) -> AppState {
    let layers = load_dir(&common::repo().join("layers")).unwrap();
    sync::sync(&db.pool, &layers).await.unwrap();
    let catalog = Catalog::new(layers);
    demo::load(&db.pool, &catalog, &common::open_data(), demo::DEFAULT_SEED, false).await.unwrap();
    let settings = HttpSettings {
        tile_cache_bytes: 64 << 20,
        public_url: "http://maps.example".into(),
        ..HttpSettings::default()
    };
    AppState::with_settings(db.pool.clone(), catalog, settings)
}

async fn get(state: &AppState, uri: &str, headers: &[(&str, String)]) -> Resp {
    call(&qala::http::app(state.clone()), "GET", uri, headers, vec![]).await
}

fn decode(bytes: &[u8]) -> image::RgbaImage {
    image::load_from_memory(bytes).unwrap().to_rgba8()
}

fn tile_at(lon: f64, lat: f64, z: u8) -> TileCoord {
    let (x, y, _, _) = tile_range([lon, lat, lon, lat], z);
    TileCoord::new(z, x, y).unwrap()
}

/// Pixels whose colour is within 40 of `rgb` on every channel.
fn count_colour(img: &image::RgbaImage, rgb: [u8; 3]) -> usize {
    img.pixels()
        .filter(|p| p[3] > 200 && (0..3).all(|i| (i32::from(p[i]) - i32::from(rgb[i])).abs() <= 40))
        .count()
}

fn header_mm(r: &Resp) -> [f64; 4] {
    let h = r.header("qala-map-frame");
    let get = |k: &str| -> f64 {
        h.split(';').find_map(|p| p.strip_prefix(&format!("{k}="))).unwrap().parse().unwrap()
    };
    [get("x"), get("y"), get("width"), get("height")]
}

fn extent(r: &Resp) -> [f64; 4] {
    let v: Vec<f64> = r.header("qala-map-extent").split(',').map(|s| s.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

async fn print(state: &AppState, centre: (f64, f64), scale: f64, layers: &[&str]) -> Resp {
    let body = json!({"center": [centre.0, centre.1], "scale": scale, "paper": "A4", "orientation": "landscape",
                      "crs": "EPSG:3857", "layers": layers, "title": "Алматы", "lang": "kk"});
    let h = [("content-type", "application/json".to_string())];
    let r =
        call(&qala::http::app(state.clone()), "POST", "/api/print", &h, body.to_string().into_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r
}

/// The first page of a PDF rasterised by `pdftoppm -r 96`.
fn rasterise(pdf: &[u8], dir: &Path) -> image::RgbaImage {
    let path = dir.join("page.pdf");
    std::fs::write(&path, pdf).unwrap();
    let stem = dir.join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "96", "-png", "-singlefile", path.to_str().unwrap(), stem.to_str().unwrap()])
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    image::open(dir.join("page.png")).unwrap().to_rgba8()
}

/// PX_PER_MM at 96 dpi.
const PX_PER_MM: f64 = 96.0 / 25.4;

#[tokio::test]
async fn a_png_tile_agrees_with_the_geopdf_of_the_same_place() {
    let db = test_db().await;
    let state = demo_state(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let layers = ["buildings", "streets", "poi"];
    let z = 17;
    // A CSS pixel of the tile in Web Mercator metres; the print's is scale × k × 0.75 pt.
    let res = TileCoord::new(z, 0, 0).unwrap().pixel_m();
    let m_per_pt_per_scale = 0.0254 / 72.0;
    let first = print(&state, (76.9457, 43.2379), 3000.0, &layers).await;
    let k: f64 = first.header("qala-scale-factor").parse().unwrap();
    let scale = res / (k * 0.75 * m_per_pt_per_scale);
    // Move the centre so that a tile's corner falls on a whole pixel of the rasterised page.
    let [fx, fy, _, _] = header_mm(&first);
    let ext = extent(&first);
    let (cx, cy) = ((ext[0] + ext[2]) / 2.0, (ext[1] + ext[3]) / 2.0);
    let (fx_px, fy_px) = (fx * PX_PER_MM, fy * PX_PER_MM);
    let hw = (ext[2] - ext[0]) / 2.0 * scale / 3000.0;
    let hh = (ext[3] - ext[1]) / 2.0 * scale / 3000.0;
    // Page column of the world's west edge (tiles' corners are whole tiles from it) and page row
    // of its north edge: whole numbers once the centre moves by (dx, dy).
    let col = fx_px + (-HALF_WORLD - (cx - hw)) / res;
    let dx = (col - col.round()) * res;
    let row = fy_px + ((cy + hh) - HALF_WORLD) / res;
    let dy = -(row - row.round()) * res;
    let (lon, lat) = from_3857(cx + dx, cy + dy);
    let r = print(&state, (lon, lat), scale, &layers).await;
    let ext = extent(&r);
    let [fx, fy, fw, fh] = header_mm(&r);
    let page = rasterise(&r.body, dir.path());
    // The style's background, under the tile.
    let style: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo().join("styles/qala.json")).unwrap())
            .unwrap();
    let bg = qala::print::style::PrintStyle::parse(&style, "name_kk").background.unwrap();
    let background = [bg.r, bg.g, bg.b].map(|c| (c * 255.0).round() as u8);

    // The z17 tiles wholly inside the frame, at least one.
    let (x0, y0, x1, y1) = tile_range(
        {
            let (w, s) = from_3857(ext[0], ext[1]);
            let (e, n) = from_3857(ext[2], ext[3]);
            [w, s, e, n]
        },
        z,
    );
    let mut figures = Vec::new();
    for ty in y0 + 1..y1 {
        for tx in x0 + 1..x1 {
            let t = TileCoord::new(z, tx, ty).unwrap();
            let b = t.bounds_3857();
            let left = fx * PX_PER_MM + (b[0] - ext[0]) / res;
            let top = fy * PX_PER_MM + (ext[3] - b[3]) / res;
            assert!((left - left.round()).abs() < 0.02 && (top - top.round()).abs() < 0.02, "{left} {top}");
            let (left, top) = (left.round() as u32, top.round() as u32);
            assert!(
                f64::from(left + 256) < (fx + fw) * PX_PER_MM && f64::from(top + 256) < (fy + fh) * PX_PER_MM
            );
            let resp = get(&state, &format!("/tiles/{}/{z}/{tx}/{ty}.png", layers.join(",")), &[]).await;
            assert_eq!(resp.status, 200, "{}", resp.text());
            let tile = decode(&resp.body);
            // The tile is transparent where nothing is drawn; the print's frame is the style's
            // background: compare the tile over that background.
            let (mut close, mut total, mut inked, mut inked_close) = (0usize, 0usize, 0usize, 0usize);
            for y in 0..256 {
                for x in 0..256 {
                    let p = tile.get_pixel(x, y);
                    let q = page.get_pixel(left + x, top + y);
                    let a = f64::from(p[3]) / 255.0;
                    let bgc = background;
                    let over: Vec<f64> =
                        (0..3).map(|i| f64::from(p[i]) * a + f64::from(bgc[i]) * (1.0 - a)).collect();
                    let diff = (0..3).map(|i| (over[i] - f64::from(q[i])).abs()).fold(0.0, f64::max);
                    total += 1;
                    if diff <= 48.0 {
                        close += 1;
                    }
                    if p[3] > 0 {
                        inked += 1;
                        if diff <= 48.0 {
                            inked_close += 1;
                        }
                    }
                }
            }
            figures.push((t, close as f64 / total as f64, inked, inked_close as f64 / inked.max(1) as f64));
            // Kept for a look: the tile and the same square of the page.
            let art = common::repo().join("target/artifacts/raster_tiles");
            std::fs::create_dir_all(&art).unwrap();
            std::fs::write(art.join(format!("tile-{}-{}.png", t.x, t.y)), &resp.body).unwrap();
            image::imageops::crop_imm(&page, left, top, 256, 256)
                .to_image()
                .save(art.join(format!("page-{}-{}.png", t.x, t.y)))
                .unwrap();
        }
    }
    assert!(!figures.is_empty(), "no tile inside the frame");
    for (t, share, inked, inked_share) in &figures {
        println!(
            "tile {}/{}/{}: {:.2} % of pixels within 48/255 of the page; {inked} pixels drawn, {:.2} % of them within",
            t.z,
            t.x,
            t.y,
            share * 100.0,
            inked_share * 100.0
        );
    }
    // Something is drawn, and the tiles agree with the page.
    let drawn: usize = figures.iter().map(|f| f.2).sum();
    assert!(drawn > figures.len() * 256 * 256 / 20, "{figures:?}");
    let worst = figures.iter().map(|f| f.1).fold(1.0, f64::min);
    assert!(worst >= 0.97, "agreement {worst}");
    let worst_drawn = figures.iter().map(|f| f.3).fold(1.0, f64::min);
    assert!(worst_drawn >= 0.90, "agreement on drawn pixels {worst_drawn}");
}

#[tokio::test]
async fn raster_tiles_follow_edits_and_access() {
    let db = test_db().await;
    let state = demo_state(&db).await;
    let _listener = qala::tiles::invalidate::spawn(db.pool.clone(), state.tiles.clone()).await.unwrap();
    user(&db, "boss", &["admin"], None, None).await;
    let (lon, lat) = (76.9457, 43.2379);
    let t = tile_at(lon, lat, 17);
    let uri = format!("/tiles/buildings,streets,poi/17/{}/{}.png", t.x, t.y);

    // An image, cacheable publicly, with an ETag; 304 for a current copy.
    let r = get(&state, &uri, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "image/png");
    assert_eq!(r.header("cache-control"), "public, max-age=60");
    let etag = r.header("etag");
    assert!(etag.starts_with('"'));
    let before = decode(&r.body);
    assert_eq!(before.dimensions(), (256, 256));
    assert_eq!(get(&state, &uri, &[("if-none-match", etag.clone())]).await.status, 304);

    // The catalog names the PNG tiles of each layer.
    let (_, cat) = common::get_json(&qala::http::app(state.clone()), "/tiles", &[]).await;
    let buildings = cat["tiles"].as_array().unwrap().iter().find(|t| t["id"] == "buildings").unwrap();
    assert_eq!(buildings["raster_tiles"], "http://maps.example/tiles/buildings/{z}/{x}/{y}.png");

    // Sizes and formats.
    let at2x = get(&state, &uri.replace(".png", "@2x.png"), &[]).await;
    assert_eq!(decode(&at2x.body).dimensions(), (512, 512));
    let big = get(&state, &format!("/tiles/buildings,streets,poi/512/17/{}/{}.png", t.x, t.y), &[]).await;
    assert_eq!((big.status, decode(&big.body).dimensions()), (200, (512, 512)));
    let big2x = get(&state, &format!("/tiles/buildings/512/17/{}/{}@2x.webp", t.x, t.y), &[]).await;
    assert_eq!(decode(&big2x.body).dimensions(), (1024, 1024));
    for (ext, mime) in [("webp", "image/webp"), ("jpg", "image/jpeg")] {
        let r = get(&state, &uri.replace(".png", &format!(".{ext}")), &[]).await;
        assert_eq!(r.header("content-type"), mime);
        assert_eq!(decode(&r.body).dimensions(), (256, 256));
    }
    let bad = get(&state, &uri.replace(".png", ".gif"), &[("accept-language", "en".into())]).await;
    assert_eq!(bad.status, 404);
    assert_eq!(bad.json()["error"]["code"], "tile_format_unknown");
    assert!(bad.json()["error"]["message"].as_str().unwrap().contains(".png"), "{}", bad.text());
    let bad = get(&state, &format!("/tiles/buildings/512/17/{}/{}.mvt", t.x, t.y), &[]).await;
    assert_eq!(bad.status, 404);

    // A hospital added through the API in the middle of the tile shows in the next tile.
    let b = t.bounds_3857();
    let (plon, plat) = from_3857((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let red = [0xb3, 0x00, 0x00];
    let reds = count_colour(&before, red);
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [plon, plat]},
        "properties": {"name_ru": "Больница", "name_kk": "Аурухана", "kind": "hospital", "street": "Абай", "house_number": "1", "capacity": 100}});
    let h = [basic("boss"), ("content-type", "application/geo+json".to_string())];
    let app = qala::http::app(state.clone());
    let w = call(&app, "POST", "/ogc/collections/poi/items", &h, feature.to_string().into_bytes()).await;
    assert_eq!(w.status, 201, "{}", w.text());
    let id: i64 = w.header("location").rsplit('/').next().unwrap().parse().unwrap();
    let after = wait_for(&state, &uri, |img| count_colour(img, red) > reds + 40).await;
    println!("hospital red pixels: {reds} before, {} after the API edit", count_colour(&after, red));

    // A direct SQL edit (as QGIS makes) turns it into a school: the red goes.
    sqlx::query("UPDATE features SET attrs = attrs || '{\"kind\": \"school\"}' WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    wait_for(&state, &uri, |img| count_colour(img, red) <= reds + 5).await;

    // A point just east of the tile (3 CSS px out): its circle reaches into the tile, and the
    // edit evicts the tile through its buffer.
    let east = get(&state, &uri, &[]).await;
    let edge_reds = |img: &image::RgbaImage| {
        (0..256)
            .map(|y| {
                (248..256)
                    .filter(|x| {
                        let p = img.get_pixel(*x, y);
                        p[3] > 200 && (i32::from(p[0]) - 0xb3).abs() <= 40 && p[1] < 60 && p[2] < 60
                    })
                    .count()
            })
            .sum::<usize>()
    };
    let edge_before = edge_reds(&decode(&east.body));
    let (elon, elat) = from_3857(b[2] + 3.0 * t.pixel_m(), (b[1] + b[3]) / 2.0);
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [elon, elat]},
        "properties": {"name_ru": "Больница 2", "name_kk": "Аурухана 2", "kind": "hospital", "street": "Абай", "house_number": "2", "capacity": 100}});
    let w = call(&app, "POST", "/ogc/collections/poi/items", &h, feature.to_string().into_bytes()).await;
    assert_eq!(w.status, 201, "{}", w.text());
    wait_for(&state, &uri, |img| edge_reds(img) > edge_before + 5).await;

    // The restricted utility networks: the admin's composite tile has them; an anonymous caller
    // asking the same composite afterwards gets exactly the public layers' tile.
    let composite = format!("/tiles/utility_networks,buildings/17/{}/{}.png", t.x, t.y);
    let boss = get(&state, &composite, &[basic("boss")]).await;
    assert_eq!(boss.status, 200);
    assert!(boss.header("cache-control").contains("private"));
    let anon = get(&state, &composite, &[]).await;
    assert_eq!(anon.status, 200);
    let public = get(&state, &format!("/tiles/buildings/17/{}/{}.png", t.x, t.y), &[]).await;
    assert_eq!(anon.body, public.body, "the anonymous composite is the public layers' tile");
    assert_ne!(boss.body, anon.body, "the networks are drawn for the admin");
    assert_eq!(get(&state, &composite.replace("buildings", "nosuch"), &[]).await.status, 404);
    let only = get(&state, &format!("/tiles/utility_networks/17/{}/{}.png", t.x, t.y), &[]).await;
    assert_eq!(only.status, 404);
}

/// The tile at `uri` once `ok` holds for it (invalidation is asynchronous: a notification),
/// within 20 seconds.
async fn wait_for(state: &AppState, uri: &str, ok: impl Fn(&image::RgbaImage) -> bool) -> image::RgbaImage {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = get(state, uri, &[]).await;
        assert_eq!(r.status, 200);
        let img = decode(&r.body);
        if ok(&img) {
            return img;
        }
        assert!(Instant::now() < deadline, "the tile {uri} did not change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn tile_maths_of_the_test() {
    let (x, y) = lonlat_to_3857(76.9457, 43.2379);
    let t = tile_at(76.9457, 43.2379, 17);
    let b = t.bounds_3857();
    assert!(b[0] <= x && x <= b[2] && b[1] <= y && y <= b[3]);
}

/// A GeoTIFF in EPSG:3857 over `b`, one colour, registered with `qala raster add`.
fn add_raster(db: &TestDb, data: &Path, b: [f64; 4], id: &str, rgb: [u8; 3], access: &[&str]) {
    let file = data.join(format!("{id}-source.tif"));
    let (w, n, e, s) = (b[0].to_string(), b[3].to_string(), b[2].to_string(), b[1].to_string());
    let burn: Vec<String> = rgb.iter().map(|c| c.to_string()).collect();
    let mut args = vec!["-q", "-of", "GTiff", "-outsize", "64", "64", "-bands", "3", "-ot", "Byte"];
    for c in &burn {
        args.extend(["-burn", c.as_str()]);
    }
    args.extend(["-a_srs", "EPSG:3857", "-a_ullr", &w, &n, &e, &s, file.to_str().unwrap()]);
    let out = Command::new("gdal_create").args(&args).output().expect("gdal_create (gdal-bin)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut args =
        vec!["--data-dir", data.to_str().unwrap(), "raster", "add", file.to_str().unwrap(), "--id", id];
    args.extend(["--kind", "orthophoto", "--quiet", "--title-kk", "Ортофото", "--title-ru", "Ортофото"]);
    args.extend(["--title-en", "Orthophoto"]);
    args.extend(access);
    let out =
        Command::new(env!("CARGO_BIN_EXE_qala")).args(&args).env("DATABASE_URL", &db.url).output().unwrap();
    assert!(out.status.success(), "raster add: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn a_composite_names_rasters_drawn_under_the_layers() {
    let db = test_db().await;
    let data = tempfile::tempdir().unwrap();
    let t = tile_at(76.9457, 43.2379, 17);
    // The rasters cover the tile and more.
    let b = t.bounds_3857();
    let m = t.size_m();
    let cover = [b[0] - m, b[1] - m, b[2] + m, b[3] + m];
    add_raster(&db, data.path(), cover, "ortho", [0, 200, 0], &["--public"]);
    add_raster(&db, data.path(), cover, "survey", [200, 0, 200], &["--roles", "admin"]);
    let state =
        demo_state(&db).await.with_rasters(qala::rasters::RasterService::new(db.pool.clone(), data.path()));
    user(&db, "boss", &["admin"], None, None).await;
    let (x, y) = (t.x, t.y);

    // The orthophoto under the buildings: green where no building is, the buildings over it.
    let r = get(&state, &format!("/tiles/ortho,buildings/17/{x}/{y}.png"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let img = decode(&r.body);
    let green = count_colour(&img, [0, 200, 0]);
    let buildings = decode(&get(&state, &format!("/tiles/buildings/17/{x}/{y}.png"), &[]).await.body);
    let drawn = buildings.pixels().filter(|p| p[3] == 255).count();
    println!("orthophoto composite: {green} green pixels, {drawn} drawn by the buildings");
    assert!(img.pixels().all(|p| p[3] == 255), "the orthophoto covers the tile");
    assert!(green > 256 * 256 / 4 && green + drawn >= 256 * 256 - 2000 && drawn > 1000, "{green} {drawn}");
    // The raster alone, in request order with the layers (the raster under them either way).
    let alone = decode(&get(&state, &format!("/tiles/ortho/17/{x}/{y}.webp"), &[]).await.body);
    assert_eq!(count_colour(&alone, [0, 200, 0]), 256 * 256);
    let reversed = get(&state, &format!("/tiles/buildings,ortho/17/{x}/{y}.png"), &[]).await;
    assert_eq!(decode(&reversed.body), img);

    // A restricted raster: the admin's tile has it; anonymously it is not there at all.
    let uri = format!("/tiles/survey,buildings/17/{x}/{y}.png");
    let boss = decode(&get(&state, &uri, &[basic("boss")]).await.body);
    assert!(count_colour(&boss, [200, 0, 200]) > 256 * 256 / 4);
    let anon = get(&state, &uri, &[]).await;
    assert_eq!(decode(&anon.body), buildings, "the anonymous composite is the buildings alone");
    assert_eq!(get(&state, &format!("/tiles/survey/17/{x}/{y}.png"), &[]).await.status, 404);
}
