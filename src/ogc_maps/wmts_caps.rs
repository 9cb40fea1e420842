//! The WMTS 1.0 capabilities document (pure): the operations (KVP and REST), the layers the
//! caller may read with their geographic box, style, formats, both tile matrix sets (with limits
//! where a layer covers less than the set) and `ResourceURL` templates; then the sets.

use super::params::MapFormat;
use super::wmts::{SETS, TILE_PX, TileMatrixSet};
use super::xml::Xml;

/// A layer of the WMTS capabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct WmtsLayer {
    pub id: String,
    pub title: String,
    pub abstract_text: String,
    /// West, south, east, north.
    pub wgs84: [f64; 4],
    /// The GetLegendGraphic URL of the layer (the WMS's), if there is a legend.
    pub legend_url: Option<String>,
}

/// What the document says of the service.
#[derive(Debug, Clone)]
pub struct WmtsService<'a> {
    /// `{public_url}/wmts`.
    pub url: &'a str,
    pub title: &'a str,
    pub abstract_text: &'a str,
    pub lang: &'a str,
}

fn kvp_get(x: &mut Xml, href: &str, encoding: &str) {
    x.open("ows:Get", &[("xlink:href", href)]);
    x.open("ows:Constraint", &[("name", "GetEncoding")]);
    x.open("ows:AllowedValues", &[]);
    x.leaf("ows:Value", &[], encoding);
    x.close("ows:AllowedValues");
    x.close("ows:Constraint");
    x.close("ows:Get");
}

fn operation(x: &mut Xml, svc: &WmtsService<'_>, name: &str, rest: &str) {
    x.open("ows:Operation", &[("name", name)]);
    x.open("ows:DCP", &[]);
    x.open("ows:HTTP", &[]);
    kvp_get(x, &format!("{}?", svc.url), "KVP");
    kvp_get(x, &format!("{}/{rest}", svc.url), "RESTful");
    x.close("ows:HTTP");
    x.close("ows:DCP");
    x.close("ows:Operation");
}

fn num(v: f64) -> String {
    format!("{v}")
}

/// The range of tiles of `set` at `level` that cover `xy` (PostGIS order, the set's CRS):
/// min row, max row, min col, max col.
pub fn tile_limits(set: &TileMatrixSet, level: u8, xy: [f64; 4]) -> (u32, u32, u32, u32) {
    let side = set.resolution(level) * f64::from(TILE_PX);
    let max = f64::from(set.matrix_size(level) - 1);
    let clamp = |v: f64| v.floor().clamp(0.0, max) as u32;
    let (c0, c1) = (clamp((xy[0] - set.top_left.0) / side), clamp((xy[2] - set.top_left.0) / side));
    let (r0, r1) = (clamp((set.top_left.1 - xy[3]) / side), clamp((set.top_left.1 - xy[1]) / side));
    (r0, r1, c0, c1)
}

/// The capabilities document. `boxes(layer, set)` gives a layer's box in a set's CRS (PostGIS
/// order), from which the set's limits are written.
pub fn wmts_capabilities(
    svc: &WmtsService<'_>,
    layers: &[WmtsLayer],
    boxes: &dyn Fn(&WmtsLayer, &TileMatrixSet) -> Option<[f64; 4]>,
) -> String {
    let mut x = Xml::new();
    x.open(
        "Capabilities",
        &[
            ("xmlns", "http://www.opengis.net/wmts/1.0"),
            ("xmlns:ows", "http://www.opengis.net/ows/1.1"),
            ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd",
            ),
            ("version", "1.0.0"),
            ("xml:lang", svc.lang),
        ],
    );
    x.open("ows:ServiceIdentification", &[]);
    x.leaf("ows:Title", &[], svc.title);
    x.leaf("ows:Abstract", &[], svc.abstract_text);
    x.leaf("ows:ServiceType", &[], "OGC WMTS");
    x.leaf("ows:ServiceTypeVersion", &[], "1.0.0");
    x.leaf("ows:Fees", &[], "none");
    x.leaf("ows:AccessConstraints", &[], "none");
    x.close("ows:ServiceIdentification");
    x.open("ows:OperationsMetadata", &[]);
    operation(&mut x, svc, "GetCapabilities", "1.0.0/WMTSCapabilities.xml");
    operation(&mut x, svc, "GetTile", "1.0.0/");
    x.close("ows:OperationsMetadata");

    x.open("Contents", &[]);
    for l in layers {
        x.open("Layer", &[]);
        x.leaf("ows:Title", &[], &l.title);
        if !l.abstract_text.is_empty() {
            x.leaf("ows:Abstract", &[], &l.abstract_text);
        }
        x.open("ows:WGS84BoundingBox", &[]);
        x.leaf("ows:LowerCorner", &[], &format!("{} {}", num(l.wgs84[0]), num(l.wgs84[1])));
        x.leaf("ows:UpperCorner", &[], &format!("{} {}", num(l.wgs84[2]), num(l.wgs84[3])));
        x.close("ows:WGS84BoundingBox");
        x.leaf("ows:Identifier", &[], &l.id);
        x.open("Style", &[("isDefault", "true")]);
        x.leaf("ows:Identifier", &[], "default");
        if let Some(u) = &l.legend_url {
            x.empty("LegendURL", &[("format", "image/png"), ("xlink:href", u)]);
        }
        x.close("Style");
        for f in MapFormat::ALL {
            x.leaf("Format", &[], f.mime());
        }
        for set in SETS {
            x.open("TileMatrixSetLink", &[]);
            x.leaf("TileMatrixSet", &[], set.id);
            if let Some(b) = boxes(l, &set) {
                x.open("TileMatrixSetLimits", &[]);
                for level in 0..=set.max_level {
                    let (r0, r1, c0, c1) = tile_limits(&set, level, b);
                    x.open("TileMatrixLimits", &[]);
                    x.leaf("TileMatrix", &[], &level.to_string());
                    x.leaf("MinTileRow", &[], &r0.to_string());
                    x.leaf("MaxTileRow", &[], &r1.to_string());
                    x.leaf("MinTileCol", &[], &c0.to_string());
                    x.leaf("MaxTileCol", &[], &c1.to_string());
                    x.close("TileMatrixLimits");
                }
                x.close("TileMatrixSetLimits");
            }
            x.close("TileMatrixSetLink");
        }
        for f in MapFormat::ALL {
            let template = format!(
                "{}/1.0.0/{}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.{}",
                svc.url,
                l.id,
                f.extension()
            );
            x.empty(
                "ResourceURL",
                &[("format", f.mime()), ("resourceType", "tile"), ("template", &template)],
            );
        }
        x.close("Layer");
    }
    for set in SETS {
        x.open("TileMatrixSet", &[]);
        x.leaf("ows:Identifier", &[], set.id);
        x.leaf("ows:SupportedCRS", &[], set.urn);
        if let Some(w) = set.well_known {
            x.leaf("WellKnownScaleSet", &[], w);
        }
        for level in 0..=set.max_level {
            let n = set.matrix_size(level).to_string();
            x.open("TileMatrix", &[]);
            x.leaf("ows:Identifier", &[], &level.to_string());
            x.leaf("ScaleDenominator", &[], &num(set.scale_denominator(level)));
            x.leaf("TopLeftCorner", &[], &format!("{} {}", num(set.top_left.0), num(set.top_left.1)));
            x.leaf("TileWidth", &[], &TILE_PX.to_string());
            x.leaf("TileHeight", &[], &TILE_PX.to_string());
            x.leaf("MatrixWidth", &[], &n);
            x.leaf("MatrixHeight", &[], &n);
            x.close("TileMatrix");
        }
        x.close("TileMatrixSet");
    }
    x.close("Contents");
    x.empty("ServiceMetadataURL", &[("xlink:href", &format!("{}/1.0.0/WMTSCapabilities.xml", svc.url))]);
    x.close("Capabilities");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ogc_maps::wmts::{GOOGLE, UTM43N};

    #[test]
    fn document_names_layers_sets_and_templates() {
        let svc =
            WmtsService { url: "https://gis.example/wmts", title: "Qala", abstract_text: "", lang: "en" };
        let l = WmtsLayer {
            id: "places".into(),
            title: "Places & <co>".into(),
            abstract_text: String::new(),
            wgs84: [76.8, 43.1, 77.1, 43.4],
            legend_url: Some("https://gis.example/wms?REQUEST=GetLegendGraphic&LAYER=places".into()),
        };
        let doc = wmts_capabilities(&svc, &[l], &|_, s| {
            (s.id == "UTM43N").then_some([600_000.0, 4_770_000.0, 690_000.0, 4_810_000.0])
        });
        assert!(doc.contains("<ows:Title>Places &amp; &lt;co&gt;</ows:Title>"), "{doc}");
        assert!(doc.contains("<ows:LowerCorner>76.8 43.1</ows:LowerCorner>"));
        assert!(doc.contains(r#"template="https://gis.example/wmts/1.0.0/places/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png""#), "{doc}");
        assert!(doc.contains(
            "<WellKnownScaleSet>urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible</WellKnownScaleSet>"
        ));
        assert!(doc.contains("<TopLeftCorner>150000 5200000</TopLeftCorner>"), "{doc}");
        assert!(doc.contains("<ows:SupportedCRS>urn:ogc:def:crs:EPSG::32643</ows:SupportedCRS>"));
        assert!(doc.contains("<TileMatrixSetLimits>"));
        assert!(doc.contains("REQUEST=GetLegendGraphic&amp;LAYER=places"));
    }

    #[test]
    fn limits_cover_the_box() {
        let b = [8_560_000.0, 5_340_000.0, 8_580_000.0, 5_360_000.0];
        let (r0, r1, c0, c1) = tile_limits(&GOOGLE, 12, b);
        for (r, c) in [(r0, c0), (r1, c1)] {
            let t = GOOGLE.tile_bbox(12, r, c);
            assert!(t[2] > b[0] && t[0] < b[2] && t[3] > b[1] && t[1] < b[3]);
        }
        assert_eq!(tile_limits(&UTM43N, 0, [0.0, 0.0, 1e7, 1e7]), (0, 0, 0, 0));
    }
}
