//! OGC WMS 1.3.0 and WMTS 1.0 (issue 17) through the router over a real database: capabilities per
//! caller (anonymous, and Basic credentials with the restricted layer's role) in the request's
//! language; GetMap in each CRS puts a known point at the pixel proj4rs computes independently of
//! PROJ and PostGIS; transparent against BGCOLOR; GetFeatureInfo at that pixel in JSON, GeoJSON
//! and HTML; GetLegendGraphic; every bad request gets the exception report with its code; WMTS
//! capabilities, a GoogleMapsCompatible tile equal to the raster tile, a UTM 43N tile with the
//! point where it belongs, TileOutOfRange and the REST 404.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Resp, TestDb, basic, call, parcels_layer, places_layer, sync_layers, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::layers::catalog::LayerDef;
use serde_json::{Value, json};

/// The known point (a school of `places`), and the restricted square's centre (`secret`).
const P: (f64, f64) = (76.93, 43.25);
const S: (f64, f64) = (76.94, 43.25);

const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";
const MERC: &str = "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs";
const UTM43: &str = "+proj=utm +zone=43 +datum=WGS84 +units=m +no_defs";
const GK13: &str = "+proj=tmerc +lat_0=0 +lon_0=75 +k=1 +x_0=13500000 +y_0=0 +ellps=krass +towgs84=23.57,-140.95,-79.8,0,0.35,0.79,-0.22 +units=m +no_defs";

/// WGS84 -> `to` with proj4rs, independent of PROJ, GDAL and PostGIS.
fn project(to: &str, lon: f64, lat: f64) -> (f64, f64) {
    let src = proj4rs::Proj::from_proj_string(WGS84).unwrap();
    let dst = proj4rs::Proj::from_proj_string(to).unwrap();
    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&src, &dst, &mut p).unwrap();
    (p.0, p.1)
}

fn secret_layer() -> LayerDef {
    let mut l = parcels_layer();
    l.id = "secret".into();
    l.access.public = false;
    l.access.roles = vec!["editor".into()];
    l
}

async fn load(db: &TestDb, layer: &LayerDef, features: &[(Value, Value)]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.geojson");
    let fs: Vec<_> =
        features.iter().map(|(g, p)| json!({"type": "Feature", "geometry": g, "properties": p})).collect();
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": fs}).to_string()).unwrap();
    let opts = qala::layers::ingest::IngestOptions { path, ..Default::default() };
    let r = qala::layers::ingest::ingest(&db.pool, layer, &opts, "t").await.unwrap();
    assert!(r.summary.rejected.is_empty(), "{:?}", r.summary.rejected);
}

/// A style drawing the school as a red circle of 6 px and the secret square in blue.
const STYLE: &str = r##"{"version": 8, "sources": {}, "layers": [
  {"id": "secret-fill", "type": "fill", "source": "qala", "source-layer": "secret", "paint": {"fill-color": "#0000ff"}},
  {"id": "places-dot", "type": "circle", "source": "qala", "source-layer": "places",
   "paint": {"circle-radius": 6, "circle-color": "#ff0000"}}
]}"##;

struct Fixture {
    _db: TestDb,
    _styles: tempfile::TempDir,
    app: axum::Router,
}

async fn fixture() -> Fixture {
    let db = test_db().await;
    let layers = vec![places_layer(true), secret_layer()];
    sync_layers(&db.pool, &layers).await;
    load(
        &db,
        &layers[0],
        &[(
            json!({"type": "Point", "coordinates": [P.0, P.1]}),
            json!({"name": "school <1>", "kind": "school"}),
        )],
    )
    .await;
    let h = 0.0005;
    let square = json!({"type": "Polygon", "coordinates": [[[S.0 - h, S.1 - h], [S.0 + h, S.1 - h], [S.0 + h, S.1 + h], [S.0 - h, S.1 + h], [S.0 - h, S.1 - h]]]});
    load(&db, &layers[1], &[(square, json!({"name": "classified"}))]).await;
    user(&db, "ed", &["editor"], None, None).await;
    let styles = tempfile::tempdir().unwrap();
    std::fs::write(styles.path().join("qala.json"), STYLE).unwrap();
    let settings = HttpSettings {
        tile_cache_bytes: 16 << 20,
        public_url: "http://maps.example".into(),
        styles_dir: styles.path().to_path_buf(),
        ..HttpSettings::default()
    };
    let state = AppState::with_settings(db.pool.clone(), Catalog::new(layers), settings);
    Fixture { _db: db, _styles: styles, app: qala::http::app(state) }
}

impl Fixture {
    async fn get(&self, uri: &str, who: Option<&str>) -> Resp {
        let headers: Vec<(&str, String)> = who.map(basic).into_iter().collect();
        call(&self.app, "GET", uri, &headers, vec![]).await
    }
}

fn decode(r: &Resp) -> image::RgbaImage {
    assert_eq!(r.status, 200, "{}", r.text());
    image::load_from_memory(&r.body).unwrap().to_rgba8()
}

/// The centre of the pixels close to `rgb` (opaque), and how many there are.
fn centroid(img: &image::RgbaImage, rgb: [u8; 3]) -> Option<(f64, f64, usize)> {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0usize);
    for (x, y, p) in img.enumerate_pixels() {
        if p[3] > 200 && (0..3).all(|i| (i32::from(p[i]) - i32::from(rgb[i])).abs() <= 60) {
            sx += f64::from(x) + 0.5;
            sy += f64::from(y) + 0.5;
            n += 1;
        }
    }
    (n > 0).then(|| (sx / n as f64, sy / n as f64, n))
}

/// The exception code of a WMS report (and that it is one).
fn wms_code(r: &Resp) -> String {
    let t = r.text();
    assert!(r.header("content-type").starts_with("text/xml"), "{} {t}", r.header("content-type"));
    assert!(t.contains("<ServiceExceptionReport"), "{t}");
    well_formed(&t);
    t.split("code=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string()
}

/// The document parses as XML (every element closed where it was opened).
fn well_formed(t: &str) {
    let mut r = quick_xml::Reader::from_str(t);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{t}"),
        }
    }
}

const W: u32 = 200;
const H: u32 = 150;
/// Where the point is asked to be: the centre of pixel (60, 40).
const AT: (f64, f64) = (60.5, 40.5);

/// A GetMap of `layers` in `crs` whose box puts `(x, y)` (that CRS, x east) at [`AT`], `r` units
/// a pixel; the BBOX is written in the CRS's axis order.
fn getmap(crs: &str, north_first: bool, (x, y): (f64, f64), r: f64, layers: &str, extra: &str) -> String {
    let minx = x - AT.0 * r;
    let maxy = y + AT.1 * r;
    let (maxx, miny) = (minx + f64::from(W) * r, maxy - f64::from(H) * r);
    let bbox = if north_first { [miny, minx, maxy, maxx] } else { [minx, miny, maxx, maxy] };
    let bbox = bbox.map(|v| format!("{v:.9}")).join(",");
    format!(
        "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layers}&STYLES=&CRS={crs}&BBOX={bbox}&WIDTH={W}&HEIGHT={H}&FORMAT=image/png{extra}"
    )
}

#[tokio::test]
async fn capabilities_name_only_what_the_caller_may_read() {
    let f = fixture().await;
    let caps = "/wms?SERVICE=WMS&REQUEST=GetCapabilities";
    let anon = f.get(caps, None).await;
    assert_eq!(anon.status, 200, "{}", anon.text());
    let t = anon.text();
    well_formed(&t);
    assert!(t.contains("<WMS_Capabilities") && t.contains(r#"version="1.3.0""#));
    assert!(t.contains("<Name>places</Name>"), "{t}");
    assert!(!t.contains("secret"), "a restricted layer in the anonymous capabilities:\n{t}");
    assert!(t.contains(r#"<Layer queryable="1""#));
    assert!(t.contains("<EX_GeographicBoundingBox>"));
    for c in ["EPSG:3857", "EPSG:4326", "CRS:84", "EPSG:32643", "EPSG:28413"] {
        assert!(t.contains(&format!("<BoundingBox CRS=\"{c}\"")), "{c}: {t}");
    }
    assert!(t.contains("xlink:href=\"http://maps.example/wms?\""), "OnlineResource from the public URL: {t}");
    assert!(t.contains("REQUEST=GetLegendGraphic&amp;SLD_VERSION=1.1.0&amp;LAYER=places"));
    assert!(t.contains("<Title>Места</Title>"), "Russian by default: {t}");
    // The layer's point is inside its EPSG:4326 box (latitude first).
    let b = t.split("<BoundingBox CRS=\"EPSG:4326\"").nth(1).unwrap();
    let attr = |k: &str| -> f64 {
        b.split(&format!("{k}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    };
    assert!(attr("minx") <= P.1 && P.1 <= attr("maxx") && attr("miny") <= P.0 && P.0 <= attr("maxy"), "{b}");

    let kk = f.get(&format!("{caps}&LANGUAGE=kk"), None).await.text();
    assert!(kk.contains("<Title>Орындар</Title>") && kk.contains(r#"xml:lang="kk""#), "{kk}");
    assert!(kk.contains("http://maps.example/wms?LANGUAGE=kk&amp;"), "the operations keep the language");
    let en = call(&f.app, "GET", caps, &[("accept-language", "en".to_string())], vec![]).await.text();
    assert!(en.contains("<Title>Places</Title>"), "{en}");

    let ed = f.get(caps, Some("ed")).await.text();
    assert!(ed.contains("<Name>secret</Name>") && ed.contains("<Name>places</Name>"), "{ed}");

    // updateSequence: the same document again is CurrentUpdateSequence.
    let seq = t.split("updateSequence=\"").nth(1).unwrap().split('"').next().unwrap();
    let again = f.get(&format!("{caps}&UPDATESEQUENCE={seq}"), None).await;
    assert_eq!(wms_code(&again), "CurrentUpdateSequence");
    // Wrong credentials are refused, never silently anonymous.
    let wrong = call(&f.app, "GET", caps, &[("authorization", "Basic ZWQ6bm8=".to_string())], vec![]).await;
    assert_eq!(wrong.status, 401);
}

#[tokio::test]
async fn getmap_places_the_point_at_the_right_pixel_in_each_crs() {
    let f = fixture().await;
    let cases: [(&str, bool, (f64, f64), f64); 5] = [
        ("EPSG:3857", false, project(MERC, P.0, P.1), 10.0),
        ("EPSG:4326", true, P, 0.0001),
        ("CRS:84", false, P, 0.0001),
        ("EPSG:32643", false, project(UTM43, P.0, P.1), 10.0),
        ("EPSG:28413", true, project(GK13, P.0, P.1), 10.0),
    ];
    for (crs, north_first, at, r) in cases {
        let img = decode(&f.get(&getmap(crs, north_first, at, r, "places", ""), None).await);
        assert_eq!(img.dimensions(), (W, H));
        let (x, y, n) = centroid(&img, [255, 0, 0]).unwrap_or_else(|| panic!("{crs}: no red pixel"));
        assert!(n > 50, "{crs}: a circle of 6 px, {n} pixels");
        assert!(
            (x - AT.0).abs() < 1.0 && (y - AT.1).abs() < 1.0,
            "{crs}: the point at ({x}, {y}), expected {AT:?}"
        );
    }
    // EPSG:4326 with the axes as CRS:84 has them (lon, lat) is another place: nothing there.
    let swapped = decode(&f.get(&getmap("EPSG:4326", false, P, 0.0001, "places", ""), None).await);
    assert!(centroid(&swapped, [255, 0, 0]).is_none(), "EPSG:4326 is latitude first in WMS 1.3.0");
}

#[tokio::test]
async fn transparency_background_formats_and_access_in_images() {
    let f = fixture().await;
    let at = project(MERC, P.0, P.1);
    let transparent =
        decode(&f.get(&getmap("EPSG:3857", false, at, 10.0, "places", "&TRANSPARENT=TRUE"), None).await);
    assert_eq!(transparent.get_pixel(190, 140)[3], 0);
    let green = decode(
        &f.get(&getmap("EPSG:3857", false, at, 10.0, "places", "&TRANSPARENT=FALSE&BGCOLOR=0x00FF00"), None)
            .await,
    );
    assert_eq!(green.get_pixel(190, 140).0, [0, 255, 0, 255]);
    assert!(centroid(&green, [255, 0, 0]).is_some());
    for (mime, fmt) in [("image/jpeg", image::ImageFormat::Jpeg), ("image/webp", image::ImageFormat::WebP)] {
        let uri = getmap("EPSG:3857", false, at, 10.0, "places", "").replace("image/png", mime);
        let r = f.get(&uri, None).await;
        assert_eq!(r.header("content-type"), mime);
        assert_eq!(image::guess_format(&r.body).unwrap(), fmt);
        assert!(centroid(&decode(&r), [255, 0, 0]).is_some(), "{mime}");
    }
    let png8 = f
        .get(
            &getmap("EPSG:3857", false, at, 10.0, "places", "")
                .replace("image/png", "image/png;%20mode=8bit"),
            None,
        )
        .await;
    assert_eq!(png8.header("content-type"), "image/png");

    // The secret square: an anonymous request for it is LayerNotDefined, like an unknown layer;
    // with the role it is drawn in blue where it lies.
    let s = project(MERC, S.0, S.1);
    let anon = f.get(&getmap("EPSG:3857", false, s, 10.0, "places,secret", ""), None).await;
    let unknown = f.get(&getmap("EPSG:3857", false, s, 10.0, "places,nothing", ""), None).await;
    assert_eq!((wms_code(&anon), anon.status), ("LayerNotDefined".to_string(), 400));
    assert_eq!(
        anon.text().replace("secret", "X"),
        unknown.text().replace("nothing", "X"),
        "a restricted layer answers exactly as an unknown one"
    );
    let shown = f.get(&getmap("EPSG:3857", false, s, 10.0, "places,secret", ""), Some("ed")).await;
    assert!(shown.header("cache-control").contains("private"));
    let (x, y, _) = centroid(&decode(&shown), [0, 0, 255]).expect("the square for the editor");
    assert!((x - AT.0).abs() < 1.5 && (y - AT.1).abs() < 1.5, "square at ({x}, {y})");
    let public = f.get(&getmap("EPSG:3857", false, s, 10.0, "places", ""), None).await;
    assert!(centroid(&decode(&public), [0, 0, 255]).is_none());
    assert!(!public.header("cache-control").contains("private"));
    // EXCEPTIONS=BLANK: an empty image instead of the report.
    let blank = f
        .get(&getmap("EPSG:3857", false, s, 10.0, "nothing", "&TRANSPARENT=TRUE&EXCEPTIONS=BLANK"), None)
        .await;
    let img = decode(&blank);
    assert_eq!(img.dimensions(), (W, H));
    assert!(img.pixels().all(|p| p[3] == 0));
}

#[tokio::test]
async fn feature_info_at_the_point_in_three_formats() {
    let f = fixture().await;
    let at = project(UTM43, P.0, P.1);
    let map = getmap("EPSG:32643", false, at, 10.0, "places", "")
        .replace("REQUEST=GetMap", "REQUEST=GetFeatureInfo");
    let info = |fmt: &str, i: u32, j: u32| format!("{map}&QUERY_LAYERS=places&INFO_FORMAT={fmt}&I={i}&J={j}");
    for (fmt, sent) in [
        ("application/json", "application/json"),
        ("application/geo+json", "application/geo%2Bjson"),
        ("application/geo+json", "application/geo+json"),
    ] {
        let r = f.get(&info(sent, 60, 40), None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), fmt);
        let j = r.json();
        assert_eq!(j["type"], "FeatureCollection");
        assert_eq!(j["features"][0]["properties"]["name"], "school <1>", "{j}");
        assert_eq!(j["features"][0]["layer"]["id"], "places");
        let c = &j["features"][0]["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() - P.0).abs() < 1e-6 && (c[1].as_f64().unwrap() - P.1).abs() < 1e-6);
    }
    let html = f.get(&format!("{}&LANGUAGE=en", info("text/html", 62, 41)), None).await;
    assert!(html.header("content-type").starts_with("text/html"));
    let t = html.text();
    assert!(t.contains("<h2>Places</h2>") && t.contains("<th>Name</th><td>school &lt;1&gt;</td>"), "{t}");
    assert!(!t.contains("<1>"));
    // Far from the point: nothing.
    let far = f.get(&info("application/json", 180, 130), None).await.json();
    assert_eq!(far["features"].as_array().unwrap().len(), 0);
    let text = f.get(&info("text/plain", 60, 40), None).await.text();
    assert!(text.contains("school <1>"), "{text}");

    // The secret layer: LayerNotDefined anonymously, its feature for the editor.
    let s = project(UTM43, S.0, S.1);
    let smap = getmap("EPSG:32643", false, s, 10.0, "secret", "")
        .replace("REQUEST=GetMap", "REQUEST=GetFeatureInfo");
    let q = format!("{smap}&QUERY_LAYERS=secret&INFO_FORMAT=application/json&I=60&J=40");
    assert_eq!(wms_code(&f.get(&q, None).await), "LayerNotDefined");
    let j = f.get(&q, Some("ed")).await.json();
    assert_eq!(j["features"][0]["properties"]["name"], "classified", "{j}");
    // Bad points and formats.
    assert_eq!(wms_code(&f.get(&info("application/json", 200, 40), None).await), "InvalidPoint");
    assert_eq!(wms_code(&f.get(&info("application/xml", 60, 40), None).await), "InvalidFormat");
}

#[tokio::test]
async fn legend_graphic() {
    let f = fixture().await;
    let r = f.get("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=places&FORMAT=image/png&SLD_VERSION=1.1.0", None).await;
    let img = decode(&r);
    assert!(centroid(&img, [255, 0, 0]).is_some(), "the red dot of places");
    let secret = f.get("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=secret&FORMAT=image/png", None).await;
    assert_eq!(wms_code(&secret), "LayerNotDefined");
    let ed =
        f.get("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=secret&FORMAT=image/png", Some("ed")).await;
    assert!(centroid(&decode(&ed), [0, 0, 255]).is_some());
}

#[tokio::test]
async fn bad_requests_get_the_exception_report_with_their_code() {
    let f = fixture().await;
    let good = getmap("EPSG:3857", false, project(MERC, P.0, P.1), 10.0, "places", "");
    assert_eq!(f.get(&good, None).await.status, 200);
    let cases: Vec<(String, &str, u16)> = vec![
        (good.replace("LAYERS=places", "LAYERS=nowhere"), "LayerNotDefined", 400),
        (good.replace("CRS=EPSG:3857", "CRS=EPSG:2154"), "InvalidCRS", 400),
        (good.replace("image/png", "image/gif"), "InvalidFormat", 400),
        (good.replace("WIDTH=200", "WIDTH=5000"), "InvalidParameterValue", 400),
        (good.replace("WIDTH=200&HEIGHT=150", "WIDTH=4096&HEIGHT=4000"), "InvalidParameterValue", 400),
        (good.replace("LAYERS=places&", ""), "MissingParameterValue", 400),
        (good.replace("&BBOX=", "&X="), "MissingParameterValue", 400),
        (good.replace("VERSION=1.3.0", "VERSION=1.1.1"), "InvalidParameterValue", 400),
        (good.replace("STYLES=", "STYLES=fancy"), "StyleNotDefined", 400),
        (good.replace("REQUEST=GetMap", "REQUEST=GetStyles"), "OperationNotSupported", 501),
        (format!("{good}&layers=places"), "InvalidParameterValue", 400),
        (
            "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=places&STYLES=&CRS=EPSG:3857&BBOX=8570000,5350000,8560000,5360000&WIDTH=10&HEIGHT=10&FORMAT=image/png".into(),
            "InvalidParameterValue",
            400,
        ),
        (
            "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=places&STYLES=&CRS=EPSG:3857&BBOX=8560000,5350000,30000000,5360000&WIDTH=10&HEIGHT=10&FORMAT=image/png".into(),
            "InvalidParameterValue",
            400,
        ),
        (
            "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=places&STYLES=&CRS=EPSG:4326&BBOX=43,76,95,77&WIDTH=10&HEIGHT=10&FORMAT=image/png".into(),
            "InvalidParameterValue",
            400,
        ),
        ("/wms?REQUEST=GetCapabilities".into(), "MissingParameterValue", 400),
    ];
    for (uri, code, status) in cases {
        let r = f.get(&uri, None).await;
        assert_eq!((wms_code(&r).as_str(), r.status), (code, status), "{uri}\n{}", r.text());
    }
    // The message is in the caller's language.
    let kk =
        f.get(&format!("{}&LANGUAGE=kk", good.replace("CRS=EPSG:3857", "CRS=EPSG:2154")), None).await.text();
    assert!(kk.contains("Бұл координаттар жүйесі қолдау көрсетілмейді: EPSG:2154"), "{kk}");
}

/// The WMTS exception code of a report.
fn ows_code(r: &Resp) -> String {
    let t = r.text();
    assert!(t.contains("<ows:ExceptionReport"), "{t}");
    well_formed(&t);
    t.split("exceptionCode=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string()
}

#[tokio::test]
async fn wmts_capabilities_and_tiles() {
    let f = fixture().await;
    for uri in ["/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", "/wmts/1.0.0/WMTSCapabilities.xml"] {
        let r = f.get(uri, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let t = r.text();
        well_formed(&t);
        assert!(t.contains("<ows:Identifier>places</ows:Identifier>") && !t.contains("secret"), "{t}");
        assert!(t.contains("<ows:Identifier>GoogleMapsCompatible</ows:Identifier>"));
        assert!(t.contains("<ows:Identifier>UTM43N</ows:Identifier>"));
        assert!(t.contains("<ows:WGS84BoundingBox>"));
        assert!(t.contains(r#"template="http://maps.example/wmts/1.0.0/places/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png""#), "{t}");
    }
    let ed = f.get("/wmts/1.0.0/WMTSCapabilities.xml", Some("ed")).await.text();
    assert!(ed.contains("<ows:Identifier>secret</ows:Identifier>"));

    // GoogleMapsCompatible: the raster tile of the same z/x/y, byte for byte.
    let z = 15u8;
    let (mx, my) = project(MERC, P.0, P.1);
    let side = 2.0 * qala::tiles::coords::HALF_WORLD / f64::from(1u32 << z);
    let col = ((mx + qala::tiles::coords::HALF_WORLD) / side).floor() as u32;
    let row = ((qala::tiles::coords::HALF_WORLD - my) / side).floor() as u32;
    let raster = f.get(&format!("/tiles/places/{z}/{col}/{row}.png"), None).await;
    let rest =
        f.get(&format!("/wmts/1.0.0/places/default/GoogleMapsCompatible/{z}/{row}/{col}.png"), None).await;
    let kvp = f
        .get(&format!("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=places&STYLE=default&FORMAT=image/png&TILEMATRIXSET=GoogleMapsCompatible&TILEMATRIX={z}&TILEROW={row}&TILECOL={col}"), None)
        .await;
    assert_eq!(rest.status, 200, "{}", rest.text());
    assert_eq!(rest.body, raster.body);
    assert_eq!(kvp.body, raster.body);
    assert!(centroid(&decode(&rest), [255, 0, 0]).is_some());

    // UTM43N: the tile holding the point, the point at its pixel (at a level where it is not
    // near the tile's edge).
    let (ux, uy) = project(UTM43, P.0, P.1);
    let (level, row, col, at) = (10u8..16)
        .find_map(|level| {
            let res = 4096.0 / f64::from(1u32 << level);
            let (fx, fy) = ((ux - 150_000.0) / res, (5_200_000.0 - uy) / res);
            let (col, row) = ((fx / 256.0).floor() as u32, (fy / 256.0).floor() as u32);
            let at = (fx - f64::from(col) * 256.0, fy - f64::from(row) * 256.0);
            ((16.0..240.0).contains(&at.0) && (16.0..240.0).contains(&at.1)).then_some((level, row, col, at))
        })
        .unwrap();
    let r = f.get(&format!("/wmts/1.0.0/places/default/UTM43N/{level}/{row}/{col}.png"), None).await;
    let img = decode(&r);
    assert_eq!(img.dimensions(), (256, 256));
    let (x, y, _) = centroid(&img, [255, 0, 0]).expect("the point in its UTM tile");
    assert!((x - at.0).abs() < 1.0 && (y - at.1).abs() < 1.0, "({x}, {y}) vs {at:?} at level {level}");
    let etag = r.header("etag");
    let again = call(
        &f.app,
        "GET",
        &format!("/wmts/1.0.0/places/default/UTM43N/{level}/{row}/{col}.png"),
        &[("if-none-match", etag)],
        vec![],
    )
    .await;
    assert_eq!(again.status, 304);

    // Out of range, unknown, not allowed, not supported.
    let out = f.get("/wmts/1.0.0/places/default/UTM43N/2/4/0.png", None).await;
    assert_eq!((ows_code(&out).as_str(), out.status), ("TileOutOfRange", 400));
    let out = f.get("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=places&STYLE=default&FORMAT=image/png&TILEMATRIXSET=GoogleMapsCompatible&TILEMATRIX=3&TILEROW=0&TILECOL=8", None).await;
    assert_eq!((ows_code(&out).as_str(), out.status), ("TileOutOfRange", 400));
    let secret = f.get("/wmts/1.0.0/secret/default/UTM43N/2/0/0.png", None).await;
    let unknown = f.get("/wmts/1.0.0/nothing/default/UTM43N/2/0/0.png", None).await;
    assert_eq!((ows_code(&secret).as_str(), secret.status), ("InvalidParameterValue", 404));
    assert_eq!(secret.text().replace("secret", "X"), unknown.text().replace("nothing", "X"));
    assert_eq!(f.get("/wmts/1.0.0/secret/default/UTM43N/2/0/0.png", Some("ed")).await.status, 200);
    let set = f.get("/wmts/1.0.0/places/default/WorldCRS84Quad/2/0/0.png", None).await;
    assert_eq!(set.status, 404);
    let op = f.get("/wmts?SERVICE=WMTS&REQUEST=GetFeatureInfo", None).await;
    assert_eq!((ows_code(&op).as_str(), op.status), ("OperationNotSupported", 501));
    let missing = f.get("/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=places", None).await;
    assert_eq!((ows_code(&missing).as_str(), missing.status), ("MissingParameterValue", 400));
}
