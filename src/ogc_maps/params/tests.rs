//! The checks of GetMap, GetFeatureInfo and GetLegendGraphic parameters.
#![allow(clippy::unwrap_used)]

use super::*;

fn kvp(q: &str) -> Kvp {
    Kvp::from_pairs(
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect(),
    )
    .unwrap()
}

const MAP: &str =
    "VERSION=1.3.0&LAYERS=a,b&STYLES=&CRS=EPSG:4326&BBOX=43,76,44,77&WIDTH=200&HEIGHT=100&FORMAT=image/png";

fn code(q: &str) -> (ExceptionCode, Option<String>) {
    let e = get_map(&kvp(q)).unwrap_err();
    (e.code, e.locator)
}

#[test]
fn a_good_get_map() {
    let r = get_map(&kvp(MAP)).unwrap();
    assert_eq!(r.layers, vec!["a", "b"]);
    assert_eq!(r.crs.srid, 4326);
    assert_eq!(r.bbox, [76.0, 43.0, 77.0, 44.0], "EPSG:4326 is lat,lon in 1.3.0");
    assert_eq!((r.width, r.height, r.format), (200, 100, MapFormat::Png));
    assert!(!r.transparent);
    assert_eq!(r.bgcolor, [255, 255, 255]);
    assert_eq!(r.exceptions, ExceptionsMode::Xml);
    let r = get_map(&kvp(&format!(
        "{}&TRANSPARENT=true&BGCOLOR=0x10FF20&EXCEPTIONS=INIMAGE&format=image/png;%20mode=8bit",
        MAP.replace("&FORMAT=image/png", "")
    )))
    .unwrap();
    assert!(r.transparent);
    assert_eq!(r.bgcolor, [0x10, 0xff, 0x20]);
    assert_eq!(r.exceptions, ExceptionsMode::InImage);
    let crs84 = get_map(&kvp(&MAP.replace("EPSG:4326&BBOX=43,76,44,77", "CRS:84&BBOX=76,43,77,44"))).unwrap();
    assert_eq!(crs84.bbox, r.bbox);
    assert_eq!(MapFormat::parse("image/png; mode=8bit"), Some(MapFormat::Png));
    assert_eq!(MapFormat::parse("image/webp"), Some(MapFormat::Webp));
    assert_eq!(MapFormat::parse("image/jpeg"), Some(MapFormat::Jpeg));
}

#[test]
fn bad_get_maps_get_their_codes() {
    use ExceptionCode::*;
    assert_eq!(code(&MAP.replace("1.3.0", "1.1.1")).0, InvalidParameterValue);
    assert_eq!(code(&MAP.replace("LAYERS=a,b&", "")), (MissingParameterValue, Some("LAYERS".into())));
    assert_eq!(code(&MAP.replace("STYLES=", "STYLES=fancy,")).0, StyleNotDefined);
    assert_eq!(code(&MAP.replace("STYLES=", "STYLES=default")).0, InvalidParameterValue);
    assert!(get_map(&kvp(&MAP.replace("STYLES=", "STYLES=default,"))).is_ok());
    assert_eq!(code(&MAP.replace("EPSG:4326", "EPSG:2154")), (InvalidCrs, Some("CRS".into())));
    assert_eq!(code(&MAP.replace("CRS=EPSG:4326&", "")).0, MissingParameterValue);
    assert_eq!(
        code(&MAP.replace("43,76,44,77", "44,76,43,77")),
        (InvalidParameterValue, Some("BBOX".into()))
    );
    assert_eq!(code(&MAP.replace("43,76,44,77", "43,76,43,77")).0, InvalidParameterValue);
    assert_eq!(code(&MAP.replace("43,76,44,77", "43,76,44")).0, InvalidParameterValue);
    assert_eq!(code(&MAP.replace("43,76,44,77", "43,76,44,NaN")).0, InvalidParameterValue);
    assert_eq!(code(&MAP.replace("43,76,44,77", "43,76,95,77")).0, InvalidParameterValue);
    assert_eq!(code(&MAP.replace("image/png", "image/gif")), (InvalidFormat, Some("FORMAT".into())));
    assert_eq!(code(&MAP.replace("WIDTH=200", "WIDTH=4097")), (InvalidParameterValue, Some("WIDTH".into())));
    assert_eq!(code(&MAP.replace("WIDTH=200&HEIGHT=100", "WIDTH=4096&HEIGHT=4096")).0, InvalidParameterValue);
    assert!(get_map(&kvp(&MAP.replace("WIDTH=200&HEIGHT=100", "WIDTH=4096&HEIGHT=3072"))).is_ok());
    assert_eq!(code(&MAP.replace("WIDTH=200", "WIDTH=0")).0, InvalidParameterValue);
    assert_eq!(code(&MAP.replace("WIDTH=200", "WIDTH=-2")).0, InvalidParameterValue);
    assert_eq!(code(&format!("{MAP}&TRANSPARENT=maybe")).0, InvalidParameterValue);
    assert_eq!(code(&format!("{MAP}&BGCOLOR=red")).0, InvalidParameterValue);
    let too_many = (0..=MAX_LAYERS).map(|i| format!("l{i}")).collect::<Vec<_>>().join(",");
    assert_eq!(code(&MAP.replace("LAYERS=a,b", &format!("LAYERS={too_many}"))).0, InvalidParameterValue);
}

#[test]
fn feature_info() {
    let q = format!("{MAP}&QUERY_LAYERS=b&INFO_FORMAT=text/html&I=10&J=99&FEATURE_COUNT=500");
    let r = get_feature_info(&kvp(&q)).unwrap();
    assert_eq!((r.i, r.j, r.feature_count, r.info_format), (10, 99, MAX_FEATURE_COUNT, InfoFormat::Html));
    assert_eq!(r.query_layers, vec!["b"]);
    let e = get_feature_info(&kvp(&q.replace("J=99", "J=100"))).unwrap_err();
    assert_eq!((e.code, e.locator.as_deref()), (ExceptionCode::InvalidPoint, Some("J")));
    let e = get_feature_info(&kvp(&q.replace("QUERY_LAYERS=b", "QUERY_LAYERS=c"))).unwrap_err();
    assert_eq!(e.code, ExceptionCode::LayerNotDefined);
    let e = get_feature_info(&kvp(&q.replace("text/html", "application/xml"))).unwrap_err();
    assert_eq!(e.code, ExceptionCode::InvalidFormat);
    let e = get_feature_info(&kvp(&q.replace("&I=10", ""))).unwrap_err();
    assert_eq!(e.code, ExceptionCode::MissingParameterValue);
    assert!(get_feature_info(&kvp(&q.replace("&FORMAT=image/png", ""))).is_ok());
    assert_eq!(InfoFormat::parse("application/geo+json"), Some(InfoFormat::GeoJson));
}

#[test]
fn legend_graphic() {
    let r = get_legend_graphic(&kvp("LAYER=a&FORMAT=image/png&SCALE=2000&WIDTH=20")).unwrap();
    assert_eq!((r.layer.as_str(), r.scale, r.width, r.height), ("a", Some(2000.0), Some(20), None));
    assert_eq!(
        get_legend_graphic(&kvp("FORMAT=image/png")).unwrap_err().code,
        ExceptionCode::MissingParameterValue
    );
    assert_eq!(get_legend_graphic(&kvp("LAYER=a&FORMAT=x")).unwrap_err().code, ExceptionCode::InvalidFormat);
    assert_eq!(
        get_legend_graphic(&kvp("LAYER=a&FORMAT=image/png&STYLE=x")).unwrap_err().code,
        ExceptionCode::StyleNotDefined
    );
    assert!(get_legend_graphic(&kvp("LAYER=a&FORMAT=image/png&SCALE=-1")).is_err());
}

#[test]
fn ground_resolution_of_each_crs() {
    // 0.01 degree of longitude at 43.25 N over 100 pixels: about 8.1 m a pixel.
    let g = map_crs("CRS:84").unwrap();
    let r = ground_resolution(&g, [76.9, 43.2, 76.91, 43.3], 100);
    assert!((r - 8.1).abs() < 0.05, "{r}");
    let m = map_crs("EPSG:3857").unwrap();
    // 1 000 m of Web Mercator at 43.25 N is about 728.6 m on the ground.
    let y = 5_350_000.0;
    let r = ground_resolution(&m, [8_560_000.0, y - 10.0, 8_561_000.0, y + 10.0], 1000);
    assert!((r - 0.7286).abs() < 0.01, "{r}");
    let u = map_crs("EPSG:32643").unwrap();
    assert_eq!(ground_resolution(&u, [650_000.0, 4_790_000.0, 651_000.0, 4_791_000.0], 500), 2.0);
}
