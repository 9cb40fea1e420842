//! Rasters (issue 17): `qala raster add` of GeoTIFFs in UTM 43N, SK-42 Gauss-Krüger zone 13,
//! WGS84 and a Web Mercator COG with overviews; reads placing a marker where GDAL's own
//! `gdaltransform` says it is, in several CRSs; access per role; the hillshade of a DEM; refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestDb, test_db};
use gdal::raster::{Buffer, ColorEntry, ColorInterpretation, ColorTable, PaletteInterpretation};
use gdal::spatial_ref::SpatialRef;
use qala::i18n::{Lang, Msg};
use qala::policy::Caller;
use qala::rasters::{RasterKind, RasterService};

fn work_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qala-rasters-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes an 8-bit GeoTIFF: `bands` of `w` x `h` values, with a CRS when `epsg` is given.
fn geotiff(
    path: &Path,
    epsg: Option<u32>,
    gt: [f64; 6],
    (w, h): (usize, usize),
    bands: &[Vec<u8>],
) -> gdal::Dataset {
    let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
    let mut ds = driver.create_with_band_type::<u8, _>(path, w, h, bands.len()).unwrap();
    ds.set_geo_transform(&gt).unwrap();
    if let Some(code) = epsg {
        ds.set_spatial_ref(&SpatialRef::from_epsg(code).unwrap()).unwrap();
    }
    for (i, data) in bands.iter().enumerate() {
        let mut band = ds.rasterband(i + 1).unwrap();
        band.write((0, 0), (w, h), &mut Buffer::new((w, h), data.clone())).unwrap();
        if bands.len() == 4 && i == 3 {
            band.set_color_interpretation(ColorInterpretation::AlphaBand).unwrap();
        }
    }
    ds
}

/// A band of `bg` with a `marker` square of `side` pixels from column `c`, row `r`.
fn band(w: usize, h: usize, bg: u8, marker: u8, (c, r, side): (usize, usize, usize)) -> Vec<u8> {
    let mut v = vec![bg; w * h];
    for y in r..r + side {
        for x in c..c + side {
            v[y * w + x] = marker;
        }
    }
    v
}

fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A point transformed by GDAL's `gdaltransform` (x east, y north).
fn gdaltransform(from: &str, to: &str, x: f64, y: f64) -> (f64, f64) {
    let out = Command::new("gdaltransform")
        .args(["-s_srs", from, "-t_srs", to, "-output_xy"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut child = out;
    writeln!(child.stdin.take().unwrap(), "{x} {y}").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<f64> = text.split_whitespace().map(|s| s.parse().unwrap()).collect();
    (v[0], v[1])
}

/// Runs `qala` against `db` with the data directory `data`, in `lang`.
fn qala(db: &TestDb, data: &Path, lang: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qala"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("QALA_LANG", lang)
        .output()
        .expect("qala runs")
}

fn add(db: &TestDb, data: &Path, file: &Path, id: &str, kind: &str, access: &[&str]) {
    let mut args = vec!["raster", "add", file.to_str().unwrap(), "--id", id, "--kind", kind, "--quiet"];
    args.extend(["--title-kk", "Ортофото", "--title-ru", "Ортофотоплан", "--title-en", "Orthophoto"]);
    args.extend(access);
    let out = qala(db, data, "en", &args);
    assert!(out.status.success(), "raster add {id}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The premultiplied RGBA of pixel (`i`, `j`).
fn px(p: &tiny_skia::Pixmap, i: u32, j: u32) -> [u8; 4] {
    let c = p.pixel(i, j).unwrap();
    [c.red(), c.green(), c.blue(), c.alpha()]
}

fn near(got: [u8; 4], want: [u8; 4]) -> bool {
    got.iter().zip(want).all(|(a, b)| (i16::from(*a) - i16::from(b)).abs() <= 24)
}

fn overviews(path: &Path) -> String {
    let info = tool("gdalinfo", &[path.to_str().unwrap()]);
    info.lines().find(|l| l.trim_start().starts_with("Overviews:")).unwrap_or_default().trim().to_string()
}

/// A raster, the marker's centre in its CRS, the marker's colour and the background's.
struct Case {
    id: &'static str,
    crs: &'static str,
    marker: (f64, f64),
    colour: [u8; 4],
    background: [u8; 4],
}

/// Reads a 120 x 120 image centred on the marker in `srid` (half-width `half` in its units):
/// the centre is the marker's colour and a corner the background.
async fn check_marker(svc: &RasterService, case: &Case, srid: u32, half: f64) {
    let (x, y) = if case.crs == format!("EPSG:{srid}") {
        case.marker
    } else {
        gdaltransform(case.crs, &format!("EPSG:{srid}"), case.marker.0, case.marker.1)
    };
    let img = svc.read(case.id, srid, [x - half, y - half, x + half, y + half], 120, 120).await.unwrap();
    let img = img.unwrap_or_else(|| panic!("{} in EPSG:{srid} misses", case.id));
    for (i, j) in [(59, 59), (60, 60), (59, 60), (60, 59)] {
        assert!(near(px(&img, i, j), case.colour), "{} EPSG:{srid} centre {:?}", case.id, px(&img, i, j));
    }
    for (i, j) in [(3, 3), (116, 116), (3, 116)] {
        assert!(
            near(px(&img, i, j), case.background),
            "{} EPSG:{srid} ({i},{j}) {:?}",
            case.id,
            px(&img, i, j)
        );
    }
}

#[tokio::test]
async fn rasters_in_any_crs_are_registered_read_in_place_and_guarded() {
    let db = test_db().await;
    let dir = work_dir("ingest");
    let data = dir.join("var");
    let (w, h) = (1024, 1024);
    let square = (600, 300, 12); // 12 px from column 600, row 300: centre at 606, 306

    // RGB orthophoto in UTM 43N, 2 m pixels.
    let utm = dir.join("utm.tif");
    let gt_utm = [650_000.0, 2.0, 0.0, 4_792_000.0, 0.0, -2.0];
    geotiff(
        &utm,
        Some(32643),
        gt_utm,
        (w, h),
        &[band(w, h, 40, 230, square), band(w, h, 160, 20, square), band(w, h, 40, 20, square)],
    );
    // Paletted survey in SK-42 Gauss-Krüger zone 13 (false easting 13,500,000), 2 m pixels.
    let sk42 = dir.join("sk42.tif");
    let gt_sk = [13_655_000.0, 2.0, 0.0, 4_792_000.0, 0.0, -2.0];
    let ds = geotiff(&sk42, Some(28413), gt_sk, (w, h), &[band(w, h, 0, 1, square)]);
    let mut table = ColorTable::new(PaletteInterpretation::Rgba);
    table.set_color_entry(0, &ColorEntry::rgba(240, 235, 220, 255));
    table.set_color_entry(1, &ColorEntry::rgba(150, 80, 30, 255));
    ds.rasterband(1).unwrap().set_color_table(&table);
    drop(ds);
    // Grey scan in WGS84.
    let grey = dir.join("grey.tif");
    let gt_grey = [76.90, 0.00002, 0.0, 43.26, 0.0, -0.00002];
    geotiff(&grey, Some(4326), gt_grey, (w, h), &[band(w, h, 180, 20, square)]);
    // RGBA in Web Mercator, its first 128 columns transparent, as a COG with overviews.
    let merc_src = dir.join("merc_src.tif");
    let gt_merc = [8_562_000.0, 1.5, 0.0, 5_352_000.0, 0.0, -1.5];
    let mut alpha = vec![255u8; w * h];
    for y in 0..h {
        alpha[y * w..y * w + 128].fill(0);
    }
    geotiff(
        &merc_src,
        Some(3857),
        gt_merc,
        (w, h),
        &[band(w, h, 30, 250, square), band(w, h, 60, 220, square), band(w, h, 200, 0, square), alpha],
    );
    let merc = dir.join("merc_cog.tif");
    tool("gdal_translate", &["-q", "-of", "COG", merc_src.to_str().unwrap(), merc.to_str().unwrap()]);
    let merc_overviews = overviews(&merc);
    assert!(!merc_overviews.is_empty(), "the source COG has overviews");

    add(&db, &data, &utm, "ortho_utm", "orthophoto", &["--public"]);
    add(&db, &data, &sk42, "survey_sk42", "survey", &["--roles", "reviewer"]);
    add(&db, &data, &grey, "scan_grey", "other", &["--orgs", "almaty-su"]);
    add(&db, &data, &merc, "cog_merc", "other", &["--public"]);

    // Stored as tiled 3857 GeoTIFFs with overviews; the COG's own overviews kept.
    for id in ["ortho_utm", "survey_sk42", "scan_grey", "cog_merc"] {
        let f = data.join(format!("rasters/{id}.tif"));
        let info = tool("gdalinfo", &[f.to_str().unwrap()]);
        assert!(info.contains("\"EPSG\",3857") || info.contains("Pseudo-Mercator"), "{id}: {info}");
        assert!(!overviews(&f).is_empty(), "{id} has overviews: {info}");
        assert!(info.contains("Block=256x256"), "{id} is tiled");
    }
    assert_eq!(overviews(&data.join("rasters/cog_merc.tif")), merc_overviews);

    let listed = String::from_utf8(qala(&db, &data, "en", &["raster", "list"]).stdout).unwrap();
    for id in ["ortho_utm", "survey_sk42", "scan_grey", "cog_merc"] {
        assert!(listed.contains(id), "{listed}");
    }

    let svc = RasterService::new(db.pool.clone(), &data);
    let centre = |gt: [f64; 6]| (gt[0] + 606.0 * gt[1], gt[3] + 306.0 * gt[5]);
    let cases = [
        Case {
            id: "ortho_utm",
            crs: "EPSG:32643",
            marker: centre(gt_utm),
            colour: [230, 20, 20, 255],
            background: [40, 160, 40, 255],
        },
        Case {
            id: "survey_sk42",
            crs: "EPSG:28413",
            marker: centre(gt_sk),
            colour: [150, 80, 30, 255],
            background: [240, 235, 220, 255],
        },
        Case {
            id: "scan_grey",
            crs: "EPSG:4326",
            marker: centre(gt_grey),
            colour: [20, 20, 20, 255],
            background: [180, 180, 180, 255],
        },
        Case {
            id: "cog_merc",
            crs: "EPSG:3857",
            marker: centre(gt_merc),
            colour: [250, 220, 0, 255],
            background: [30, 60, 200, 255],
        },
    ];
    for case in &cases {
        check_marker(&svc, case, 3857, 60.0).await;
        check_marker(&svc, case, 4326, 0.0005).await;
        check_marker(&svc, case, 32643, 45.0).await;
    }
    check_marker(&svc, &cases[1], 28413, 45.0).await;

    // Transparent outside the raster and where it is transparent; nothing where it is not.
    let [x0, y0, ..] = svc.all().await.unwrap().iter().find(|r| r.id == "ortho_utm").unwrap().bounds_3857;
    let edge = svc
        .read("ortho_utm", 3857, [x0 - 100.0, y0 - 100.0, x0 + 100.0, y0 + 100.0], 100, 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(px(&edge, 10, 90)[3], 0, "outside the raster");
    assert_eq!(px(&edge, 90, 10)[3], 255, "inside the raster");
    let left = (gt_merc[0] + 50.0 * 1.5, gt_merc[3] - 500.0 * 1.5);
    let clear = svc
        .read("cog_merc", 3857, [left.0 - 20.0, left.1 - 20.0, left.0 + 20.0, left.1 + 20.0], 40, 40)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(px(&clear, 20, 20), [0, 0, 0, 0], "the COG's transparent columns");
    assert!(svc.read("ortho_utm", 3857, [0.0, 0.0, 1000.0, 1000.0], 64, 64).await.unwrap().is_none());
    assert!(svc.read("nothing", 3857, [0.0, 0.0, 1000.0, 1000.0], 64, 64).await.unwrap().is_none());
    assert!(svc.read("ortho_utm", 3857, [0.0, 0.0, 1000.0, 1000.0], 5000, 64).await.is_err(), "bounded size");

    // Access as for layers: public, a role, an organisation.
    let ids = |v: Vec<qala::rasters::RasterDef>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(svc.readable(&Caller::Anonymous).await.unwrap()), ["cog_merc", "ortho_utm"]);
    assert!(svc.get_readable(&Caller::Anonymous, "survey_sk42").await.unwrap().is_none());
    assert!(svc.get_readable(&Caller::user("v", &["viewer"]), "survey_sk42").await.unwrap().is_none());
    assert!(svc.get_readable(&Caller::user("e", &["editor"]), "survey_sk42").await.unwrap().is_none());
    let reviewer = Caller::user("r", &["reviewer"]);
    assert_eq!(svc.get_readable(&reviewer, "survey_sk42").await.unwrap().unwrap().kind, RasterKind::Survey);
    assert_eq!(ids(svc.readable(&reviewer).await.unwrap()), ["cog_merc", "ortho_utm", "survey_sk42"]);
    let Caller::User(mut member) = Caller::user("m", &["viewer"]) else { unreachable!() };
    member.org = Some("almaty-su".into());
    assert!(svc.get_readable(&Caller::User(member), "scan_grey").await.unwrap().is_some());

    // The API lists what the caller may read, titled in its language.
    let state = qala::http::AppState::new(db.pool.clone(), qala::layers::Catalog::new(vec![]))
        .with_rasters(svc.clone());
    let app = qala::http::app(state);
    let (status, body) = common::get_json(&app, "/api/rasters?lang=kk", &[]).await;
    assert_eq!(status, 200, "{body}");
    let listed: Vec<&str> =
        body["rasters"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(listed, ["cog_merc", "ortho_utm"]);
    let first = &body["rasters"][1];
    assert_eq!(first["title"], "Ортофото");
    assert_eq!(first["tiles"], "/tiles/ortho_utm/{z}/{x}/{y}.png");
    assert_eq!(first["kind"], "orthophoto");
    assert!(first["max_zoom"].as_u64().unwrap() >= 16, "{first}");

    // A print draws the rasters it names under its layers, lists them in its legend, and refuses
    // one the caller may not read exactly like an unknown one.
    let ortho = svc.get_readable(&Caller::Anonymous, "ortho_utm").await.unwrap().unwrap();
    let print = |rasters: serde_json::Value| {
        let body = serde_json::json!({"bbox": ortho.bounds_4326, "paper": "A4", "lang": "ru",
                                      "crs": "EPSG:32643", "rasters": rasters});
        let app = app.clone();
        async move {
            common::call(
                &app,
                "POST",
                "/api/print",
                &[("host", "qala.test".into()), ("content-type", "application/json".into())],
                serde_json::to_vec(&body).unwrap(),
            )
            .await
        }
    };
    let r = print(serde_json::json!(["ortho_utm"])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let pdf = dir.join("ortho.pdf");
    std::fs::write(&pdf, &r.body).unwrap();
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("Ортофото"), "the legend names the raster");
    // The page rasterised: the orthophoto's green fills most of the frame (the bbox is the raster's).
    let png = dir.join("ortho-page");
    let out = Command::new("pdftoppm")
        .args(["-r", "30", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = image::open(png.with_extension("png")).unwrap().to_rgb8();
    let green = page
        .pixels()
        .filter(|p| p[0].abs_diff(40) < 30 && p[1].abs_diff(160) < 30 && p[2].abs_diff(40) < 30)
        .count();
    let share = green as f64 / (page.width() * page.height()) as f64;
    // (The raster is twice as wide as high, the A4 frame upright: about a quarter of the page.)
    assert!(share > 0.2, "the orthophoto covers {:.1} % of the page", share * 100.0);
    let r = print(serde_json::json!(["survey_sk42"])).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let refused_restricted = r.text();
    let r = print(serde_json::json!(["no_such_raster"])).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        refused_restricted.replace("survey_sk42", "X"),
        r.text().replace("no_such_raster", "X"),
        "a raster the caller may not read is refused like an unknown one"
    );

    // Removing (and replacing) notifies: the service's cached list follows.
    let out = qala(&db, &data, "en", &["raster", "remove", "scan_grey"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!data.join("rasters/scan_grey.tif").exists());
    let admin = Caller::user("a", &["admin"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while svc.get_readable(&admin, "scan_grey").await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the removal was not heard");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    add(&db, &data, &utm, "ortho_utm", "orthophoto", &["--roles", "reviewer", "--replace"]);
    while svc.get_readable(&Caller::Anonymous, "ortho_utm").await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the replacement was not heard");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Refusals, in the user's language.
    let refused = |lang: &str, args: &[&str]| {
        let out = qala(&db, &data, lang, args);
        assert!(!out.status.success(), "{args:?} must fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let add_args = |file: &Path, id: &str| -> Vec<String> {
        ["raster", "add", file.to_str().unwrap(), "--id", id, "--kind", "other", "--public", "--quiet"]
            .into_iter()
            .chain(["--title-kk", "a", "--title-ru", "b", "--title-en", "c"])
            .map(str::to_string)
            .collect()
    };
    let run = |lang: &str, file: &Path, id: &str| {
        let a = add_args(file, id);
        refused(lang, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let no_crs = dir.join("no_crs.tif");
    geotiff(&no_crs, None, [0.0, 1.0, 0.0, 0.0, 0.0, -1.0], (64, 64), &[vec![1; 64 * 64]]);
    assert!(run("en", &no_crs, "x").contains(Msg::RasterNoCrs.text(Lang::En)));
    assert!(run("ru", &no_crs, "x").contains(Msg::RasterNoCrs.text(Lang::Ru)));
    let text = dir.join("notes.tif");
    std::fs::write(&text, "not a raster at all\n").unwrap();
    assert!(run("kk", &text, "x").contains(Msg::RasterNotRaster.text(Lang::Kk)));
    let big = dir.join("big.tif");
    tool(
        "gdal_create",
        &[
            "-q",
            "-outsize",
            "50000",
            "50000",
            "-bands",
            "1",
            "-a_srs",
            "EPSG:32643",
            "-a_ullr",
            "650000",
            "4800000",
            "750000",
            "4700000",
            "-co",
            "TILED=YES",
            "-co",
            "SPARSE_OK=TRUE",
            big.to_str().unwrap(),
        ],
    );
    assert!(run("en", &big, "x").contains(Msg::RasterTooBig.text(Lang::En)));
    assert!(run("en", &utm, "cog_merc").contains(Msg::RasterExists.text(Lang::En)));
    assert!(run("en", &utm, "hillshade").contains(Msg::RasterBadId.text(Lang::En)));
    assert!(refused("ru", &["raster", "remove", "nope"]).contains(Msg::RasterUnknown.text(Lang::Ru)));
    assert!(!data.join("rasters/x.tif").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_hillshade_of_a_dem_is_lit_from_the_north_west() {
    let db = test_db().await;
    let dir = work_dir("hillshade");
    // A ridge running north-south at 77.1°E: its west slope faces the sun (azimuth 315°), its
    // east slope faces away.
    let (w, h) = (200, 200);
    let mut heights = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let lon = 77.0 + (x as f64 + 0.5) * 0.001;
            heights[y * w + x] = (2000.0 - (lon - 77.1).abs() * 40_000.0) as f32;
        }
    }
    let dem = dir.join("ridge.tif");
    {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver.create_with_band_type::<f32, _>(&dem, w, h, 1).unwrap();
        ds.set_geo_transform(&[77.0, 0.001, 0.0, 43.2, 0.0, -0.001]).unwrap();
        ds.set_spatial_ref(&SpatialRef::from_epsg(4326).unwrap()).unwrap();
        ds.rasterband(1).unwrap().write((0, 0), (w, h), &mut Buffer::new((w, h), heights)).unwrap();
    }
    let svc = RasterService::new(db.pool.clone(), dir.join("var"));
    assert!(svc.readable(&Caller::Anonymous).await.unwrap().is_empty(), "no DEM, no hillshade");
    qala::tiles::terrain::register(&db.pool, &dir.join("var/dem"), "ridge", &dem, serde_json::json!({}), "")
        .await
        .unwrap();
    // Registering a DEM notifies the rasters' listeners: the cached list (empty) follows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while svc.readable(&Caller::Anonymous).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the DEM's registration was not heard");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let listed = svc.readable(&Caller::Anonymous).await.unwrap();
    assert_eq!(listed[0].id, "hillshade");
    let version = listed[0].created_at;
    assert!(version > chrono::DateTime::UNIX_EPOCH, "the hillshade's version is its DEM's registration");
    assert_eq!(listed[0].kind, RasterKind::Hillshade);

    // West of the ridge, on it and east of it, and beyond the DEM in the north.
    let (x0, y0) = qala::tiles::coords::lonlat_to_3857(77.04, 43.10);
    let (x1, y1) = qala::tiles::coords::lonlat_to_3857(77.16, 43.22);
    let img = svc.read("hillshade", 3857, [x0, y0, x1, y1], 240, 240).await.unwrap().unwrap();
    let flat = (45f64.to_radians().sin() * f64::from(qala::rasters::hillshade::ALPHA)) as u8;
    let (west, east) = (px(&img, 40, 200), px(&img, 200, 200));
    assert!(
        west[0] > flat + 20 && east[0] + 20 < flat,
        "lit west {west:?}, shaded east {east:?}, flat {flat}"
    );
    assert_eq!(west[3], qala::rasters::hillshade::ALPHA);
    assert_eq!(px(&img, 120, 5)[3], 0, "north of the DEM");
    // The same in lon/lat: no seam between two neighbouring requests.
    let a = svc.read("hillshade", 4326, [77.02, 43.05, 77.06, 43.09], 64, 64).await.unwrap().unwrap();
    let b = svc.read("hillshade", 4326, [77.06, 43.05, 77.10, 43.09], 64, 64).await.unwrap().unwrap();
    let (ea, eb) = (px(&a, 63, 32)[0], px(&b, 0, 32)[0]);
    assert!((i16::from(ea) - i16::from(eb)).abs() <= 3, "tiles join: {ea} vs {eb}");
    assert!(svc.read("hillshade", 3857, [0.0, 0.0, 1000.0, 1000.0], 64, 64).await.unwrap().is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A COG whose overviews differ from its full resolution (written after them): a zoomed-out read
/// shows the overviews' colour, so it read them and not the full resolution, and ingest kept them.
#[tokio::test]
async fn zoomed_out_reads_use_the_overviews_a_cog_brings() {
    let db = test_db().await;
    let dir = work_dir("overviews");
    let data = dir.join("var");
    let (w, h) = (2048, 2048);
    let src = dir.join("src.tif");
    let gt = [8_560_000.0, 1.0, 0.0, 5_350_000.0, 0.0, -1.0];
    drop(geotiff(&src, Some(3857), gt, (w, h), &[vec![20; w * h], vec![40; w * h], vec![220; w * h]]));
    tool("gdaladdo", &["-q", "-r", "average", src.to_str().unwrap(), "2", "4", "8", "16"]);
    {
        let ds = gdal::Dataset::open_ex(
            &src,
            gdal::DatasetOptions { open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE, ..Default::default() },
        )
        .unwrap();
        for (b, v) in [(1, 230u8), (2, 20), (3, 20)] {
            let mut band = ds.rasterband(b).unwrap();
            band.write((0, 0), (w, h), &mut Buffer::new((w, h), vec![v; w * h])).unwrap();
        }
    }
    let cog = dir.join("cog.tif");
    tool(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "COG",
            "-co",
            "OVERVIEWS=FORCE_USE_EXISTING",
            src.to_str().unwrap(),
            cog.to_str().unwrap(),
        ],
    );
    add(&db, &data, &cog, "stale", "orthophoto", &["--public"]);
    let svc = RasterService::new(db.pool.clone(), &data);
    let whole = [gt[0], gt[3] - 2048.0, gt[0] + 2048.0, gt[3]];
    let started = std::time::Instant::now();
    let small = svc.read("stale", 3857, whole, 256, 256).await.unwrap().unwrap();
    eprintln!("a 256 px read over 2048 px of source: {:?}", started.elapsed());
    assert!(near(px(&small, 128, 128), [20, 40, 220, 255]), "overview colour: {:?}", px(&small, 128, 128));
    let (cx, cy) = (gt[0] + 1024.0, gt[3] - 1024.0);
    let sharp = svc
        .read("stale", 3857, [cx - 64.0, cy - 64.0, cx + 64.0, cy + 64.0], 128, 128)
        .await
        .unwrap()
        .unwrap();
    assert!(near(px(&sharp, 64, 64), [230, 20, 20, 255]), "full resolution: {:?}", px(&sharp, 64, 64));
    let _ = std::fs::remove_dir_all(&dir);
}
