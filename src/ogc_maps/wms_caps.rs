//! The WMS 1.3.0 capabilities document (pure), from what the route found the caller may read:
//! groups of layers (a theme, the rasters), each layer with its geographic box, a box per CRS,
//! its scale range, whether it can be queried, and a style whose legend is GetLegendGraphic.
//! Every URL starts with the configured public URL, never the request's `Host`.

use sha2::{Digest, Sha256};

use super::crs::{MAP_CRS, MapCrs};
use super::params::{InfoFormat, MAX_SIDE, MapFormat};
use super::xml::Xml;

/// A layer as the capabilities name it.
#[derive(Debug, Clone, PartialEq)]
pub struct CapsLayer {
    pub name: String,
    pub title: String,
    pub abstract_text: String,
    /// West, south, east, north (degrees).
    pub wgs84: [f64; 4],
    /// The box in each CRS, PostGIS order (written in the CRS's axis order).
    pub bboxes: Vec<(MapCrs, [f64; 4])>,
    pub queryable: bool,
    /// Shown at scales up to this denominator (from the layer's smallest zoom), if limited.
    pub max_scale: Option<f64>,
    /// Owner and licence, as the attribution title.
    pub attribution: Option<String>,
}

/// A group of layers (a theme), named by its title only: requesting it is not possible.
#[derive(Debug, Clone, PartialEq)]
pub struct CapsGroup {
    pub title: String,
    pub layers: Vec<CapsLayer>,
}

/// What the capabilities say of the service.
#[derive(Debug, Clone)]
pub struct WmsService<'a> {
    /// The service's base URL (`{public_url}/wms`).
    pub url: &'a str,
    /// Appended to every operation's URL (`LANGUAGE=kk&`) when the caller chose a language.
    pub url_params: &'a str,
    pub title: &'a str,
    pub abstract_text: &'a str,
    /// The language of titles and abstracts (`kk`, `ru`, `en`).
    pub lang: &'a str,
}

fn num(v: f64) -> String {
    // Shortest text that reads back as the same number.
    format!("{v}")
}

/// The GetLegendGraphic URL of a layer.
pub fn legend_url(url: &str, url_params: &str, layer: &str) -> String {
    format!(
        "{url}?{url_params}SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&SLD_VERSION=1.1.0&LAYER={}&FORMAT=image/png&STYLE=default",
        urlencode(layer)
    )
}

/// Percent-encoding of a query value (layer ids are plain, but nothing is assumed).
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn online(x: &mut Xml, href: &str) {
    x.empty(
        "OnlineResource",
        &[("xmlns:xlink", "http://www.w3.org/1999/xlink"), ("xlink:type", "simple"), ("xlink:href", href)],
    );
}

fn operation(x: &mut Xml, name: &str, formats: &[&str], href: &str) {
    x.open(name, &[]);
    for f in formats {
        x.leaf("Format", &[], f);
    }
    x.open("DCPType", &[]);
    x.open("HTTP", &[]);
    x.open("Get", &[]);
    online(x, href);
    x.close("Get");
    x.close("HTTP");
    x.close("DCPType");
    x.close(name);
}

fn geographic_box(x: &mut Xml, b: [f64; 4]) {
    x.open("EX_GeographicBoundingBox", &[]);
    x.leaf("westBoundLongitude", &[], &num(b[0]));
    x.leaf("eastBoundLongitude", &[], &num(b[2]));
    x.leaf("southBoundLatitude", &[], &num(b[1]));
    x.leaf("northBoundLatitude", &[], &num(b[3]));
    x.close("EX_GeographicBoundingBox");
}

fn crs_box(x: &mut Xml, crs: &MapCrs, xy: [f64; 4]) {
    let b = crs.xy_to_bbox(xy);
    let (a, c, d, e) = (num(b[0]), num(b[1]), num(b[2]), num(b[3]));
    x.empty("BoundingBox", &[("CRS", crs.name), ("minx", &a), ("miny", &c), ("maxx", &d), ("maxy", &e)]);
}

fn layer(x: &mut Xml, svc: &WmsService<'_>, l: &CapsLayer) {
    x.open("Layer", &[("queryable", if l.queryable { "1" } else { "0" }), ("opaque", "0")]);
    x.leaf("Name", &[], &l.name);
    x.leaf("Title", &[], &l.title);
    if !l.abstract_text.is_empty() {
        x.leaf("Abstract", &[], &l.abstract_text);
    }
    geographic_box(x, l.wgs84);
    for (crs, b) in &l.bboxes {
        crs_box(x, crs, *b);
    }
    if let Some(a) = &l.attribution {
        x.open("Attribution", &[]);
        x.leaf("Title", &[], a);
        x.close("Attribution");
    }
    x.open("Style", &[]);
    x.leaf("Name", &[], "default");
    x.leaf("Title", &[], "default");
    x.open("LegendURL", &[]);
    x.leaf("Format", &[], "image/png");
    online(x, &legend_url(svc.url, svc.url_params, &l.name));
    x.close("LegendURL");
    x.close("Style");
    if let Some(s) = l.max_scale {
        x.leaf("MaxScaleDenominator", &[], &format!("{s:.1}"));
    }
    x.close("Layer");
}

/// The union of boxes (`None` when there are none).
pub fn union(boxes: impl Iterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    boxes.fold(None, |acc, b| match acc {
        None => Some(b),
        Some(a) => Some([a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]),
    })
}

/// The capabilities document. Its `updateSequence` is a digest of the rest, so a client that
/// sends it back learns whether anything it may see changed.
pub fn wms_capabilities(svc: &WmsService<'_>, groups: &[CapsGroup]) -> (String, String) {
    let body = document(svc, groups, "");
    let seq = hex::encode(&Sha256::digest(body.as_bytes())[..8]);
    (document(svc, groups, &seq), seq)
}

fn document(svc: &WmsService<'_>, groups: &[CapsGroup], seq: &str) -> String {
    let mut x = Xml::new();
    let mut root = vec![
        ("version", "1.3.0"),
        ("xmlns", "http://www.opengis.net/wms"),
        ("xmlns:sld", "http://www.opengis.net/sld"),
        ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        (
            "xsi:schemaLocation",
            "http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd \
             http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd",
        ),
        ("xml:lang", svc.lang),
    ];
    if !seq.is_empty() {
        root.push(("updateSequence", seq));
    }
    x.open("WMS_Capabilities", &root);
    x.open("Service", &[]);
    x.leaf("Name", &[], "WMS");
    x.leaf("Title", &[], svc.title);
    x.leaf("Abstract", &[], svc.abstract_text);
    online(&mut x, svc.url);
    x.leaf("Fees", &[], "none");
    x.leaf("AccessConstraints", &[], "none");
    x.leaf("LayerLimit", &[], &super::params::MAX_LAYERS.to_string());
    x.leaf("MaxWidth", &[], &MAX_SIDE.to_string());
    x.leaf("MaxHeight", &[], &MAX_SIDE.to_string());
    x.close("Service");

    let href = format!("{}?{}", svc.url, svc.url_params);
    let images: Vec<&str> = MapFormat::ALL.iter().map(|f| f.mime()).collect();
    let infos: Vec<&str> = InfoFormat::ALL.iter().map(|f| f.mime()).collect();
    x.open("Capability", &[]);
    x.open("Request", &[]);
    operation(&mut x, "GetCapabilities", &["text/xml"], &href);
    operation(&mut x, "GetMap", &images, &href);
    operation(&mut x, "GetFeatureInfo", &infos, &href);
    operation(&mut x, "sld:GetLegendGraphic", &images, &href);
    x.close("Request");
    x.open("Exception", &[]);
    // INIMAGE is not offered: a GetMap asking for it gets the XML report.
    for f in ["XML", "BLANK"] {
        x.leaf("Format", &[], f);
    }
    x.close("Exception");

    x.open("Layer", &[]);
    x.leaf("Title", &[], svc.title);
    for c in MAP_CRS {
        x.leaf("CRS", &[], c.name);
    }
    let all = union(groups.iter().flat_map(|g| g.layers.iter().map(|l| l.wgs84)));
    geographic_box(&mut x, all.unwrap_or(crate::layers::catalog::KAZAKHSTAN));
    for g in groups.iter().filter(|g| !g.layers.is_empty()) {
        x.open("Layer", &[]);
        x.leaf("Title", &[], &g.title);
        for l in &g.layers {
            layer(&mut x, svc, l);
        }
        x.close("Layer");
    }
    x.close("Layer");
    x.close("Capability");
    x.close("WMS_Capabilities");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ogc_maps::map_crs;

    fn svc() -> WmsService<'static> {
        WmsService {
            url: "https://gis.example/wms",
            url_params: "LANGUAGE=kk&",
            title: "Qala <maps>",
            abstract_text: "a & b",
            lang: "kk",
        }
    }

    #[test]
    fn capabilities_name_layers_with_boxes_styles_and_escaped_text() {
        let g4326 = map_crs("EPSG:4326").unwrap_or(MAP_CRS[1]);
        let l = CapsLayer {
            name: "places".into(),
            title: "Орындар \"<>\"".into(),
            abstract_text: "x".into(),
            wgs84: [76.8, 43.1, 77.1, 43.4],
            bboxes: vec![(g4326, [76.8, 43.1, 77.1, 43.4])],
            queryable: true,
            max_scale: Some(70_000.0),
            attribution: Some("Akimat (CC0)".into()),
        };
        let (doc, seq) = wms_capabilities(&svc(), &[CapsGroup { title: "test".into(), layers: vec![l] }]);
        assert_eq!(seq.len(), 16);
        assert!(doc.contains(&format!(r#"updateSequence="{seq}""#)), "{doc}");
        assert!(doc.contains("<Title>Qala &lt;maps&gt;</Title>"), "{doc}");
        assert!(doc.contains(r#"<Layer queryable="1" opaque="0">"#));
        assert!(doc.contains("<Name>places</Name>"));
        // EPSG:4326 boxes are latitude first.
        assert!(
            doc.contains(r#"<BoundingBox CRS="EPSG:4326" minx="43.1" miny="76.8" maxx="43.4" maxy="77.1"/>"#),
            "{doc}"
        );
        assert!(doc.contains("<westBoundLongitude>76.8</westBoundLongitude>"));
        assert!(doc.contains("REQUEST=GetLegendGraphic&amp;SLD_VERSION=1.1.0&amp;LAYER=places"), "{doc}");
        assert!(doc.contains(r#"xlink:href="https://gis.example/wms?LANGUAGE=kk&amp;""#), "{doc}");
        assert!(doc.contains("<MaxScaleDenominator>70000.0</MaxScaleDenominator>"));
        for c in ["EPSG:3857", "EPSG:4326", "CRS:84", "EPSG:32643", "EPSG:28413"] {
            assert!(doc.contains(&format!("<CRS>{c}</CRS>")), "{c}");
        }
        // The same inputs, the same sequence; other inputs, another.
        let (_, seq2) = wms_capabilities(&svc(), &[]);
        assert_ne!(seq, seq2);
        assert_eq!(wms_capabilities(&svc(), &[]).1, seq2);
    }

    #[test]
    fn union_of_boxes() {
        assert_eq!(
            union([[0.0, 0.0, 1.0, 1.0], [-1.0, 0.5, 0.5, 2.0]].into_iter()),
            Some([-1.0, 0.0, 1.0, 2.0])
        );
        assert_eq!(union(std::iter::empty()), None);
    }
}
