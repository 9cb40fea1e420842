//! The shape of a GeoJSON geometry sent to a layer, checked before PostGIS reads it (pure): its
//! type against the layer's, the nesting of its coordinates, and how many numbers each position
//! carries against the dimensions the layer accepts (`xy` by default; `xyz` when its file says so,
//! the height then being dropped on storage; never a fourth, since GeoJSON has no measure).
//! Validity, the extent and the CRS are PostGIS's (see `edit.rs`). A geometry has at most
//! [`MAX_VERTICES`] positions (issue 16: one write cannot make PostGIS validate and index millions
//! of them); geometry literals of CQL2 filters are bounded by the filter's size (`limits.rs`).
//!
//! ```
//! use qala::features::geojson::check;
//! use qala::layers::catalog::{Dimensions, GeometryType};
//! let p = serde_json::json!({"type": "Point", "coordinates": [76.9, 43.2, 800.0]});
//! assert!(check(&p, GeometryType::Point, Dimensions::Xyz).is_ok());
//! assert!(check(&p, GeometryType::Point, Dimensions::Xy).unwrap_err().contains("3 coordinates"));
//! ```

use serde_json::Value;

use crate::layers::catalog::{Dimensions, GeometryType};

/// The most positions (vertices) one written geometry may have.
pub const MAX_VERTICES: usize = 100_000;

/// The GeoJSON types a layer of `g` holds, upper-case as PostGIS names them.
pub fn wanted(g: GeometryType) -> [&'static str; 2] {
    match g {
        GeometryType::Point => ["POINT", "MULTIPOINT"],
        GeometryType::Line => ["LINESTRING", "MULTILINESTRING"],
        GeometryType::Polygon => ["POLYGON", "MULTIPOLYGON"],
    }
}

/// Checks a geometry for a layer of type `g` accepting `dims`; the error is the reason, to follow
/// the field name `geometry`.
pub fn check(geometry: &Value, g: GeometryType, dims: Dimensions) -> Result<(), String> {
    let Some(obj) = geometry.as_object() else {
        return Err("is not a GeoJSON geometry (an object)".into());
    };
    for k in obj.keys() {
        match k.as_str() {
            "type" | "coordinates" | "bbox" => {}
            "crs" => return Err("has a `crs` member: give the CRS in the Content-Crs header".into()),
            other => return Err(format!("is not a GeoJSON geometry: `{other}` is not one of its members")),
        }
    }
    let gtype = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    // Nesting of `coordinates` around the positions, and the fewest positions of the innermost list.
    let (depth, min_positions) = match gtype {
        "Point" => (0, 1),
        "MultiPoint" => (1, 1),
        "LineString" => (1, 2),
        "MultiLineString" => (2, 2),
        "Polygon" => (2, 4),
        "MultiPolygon" => (3, 4),
        "GeometryCollection" => (0, 0),
        _ => return Err(format!("is not a GeoJSON geometry: `type` is `{gtype}`")),
    };
    let upper = gtype.to_ascii_uppercase();
    let want = wanted(g);
    if !want.contains(&upper.as_str()) {
        return Err(format!("is a {upper}; this layer holds {}", want.join(" or ")));
    }
    let coords = obj.get("coordinates").ok_or("is not a GeoJSON geometry: `coordinates` is missing")?;
    let mut sizes = Sizes::default();
    walk(coords, depth, min_positions, &mut sizes)?;
    match (sizes.min, sizes.max) {
        (Some(lo), Some(hi)) if lo != hi => {
            Err(format!("mixes positions of {lo} and {hi} coordinates; every position needs the same"))
        }
        (Some(n), _) if n >= 4 => Err(format!(
            "has positions of {n} coordinates; a position is x, y{} (GeoJSON has no measure, M)",
            if dims == Dimensions::Xyz { " and an optional z" } else { "" }
        )),
        (Some(n), _) if n > dims.max_coordinates() => Err(format!(
            "has positions of {n} coordinates (x, y, z); this layer accepts x and y only (its file may say `dimensions = \"xyz\"`)"
        )),
        _ => Ok(()),
    }
}

#[derive(Debug, Default)]
struct Sizes {
    min: Option<usize>,
    max: Option<usize>,
    count: usize,
}

fn walk(v: &Value, depth: usize, min_positions: usize, sizes: &mut Sizes) -> Result<(), String> {
    let Some(items) = v.as_array() else {
        return Err("is not a GeoJSON geometry: `coordinates` must be nested arrays of positions".into());
    };
    if depth == 0 {
        if items.len() < 2 || !items.iter().all(Value::is_number) {
            return Err("is not a GeoJSON geometry: a position is an array of at least two numbers".into());
        }
        sizes.min = Some(sizes.min.map_or(items.len(), |m| m.min(items.len())));
        sizes.max = Some(sizes.max.map_or(items.len(), |m| m.max(items.len())));
        sizes.count += 1;
        if sizes.count > MAX_VERTICES {
            return Err(format!(
                "has more than {MAX_VERTICES} vertices, the limit of one geometry (MAX_VERTICES)"
            ));
        }
        return Ok(());
    }
    let least = if depth == 1 { min_positions } else { 1 };
    if items.len() < least {
        return Err(format!(
            "is not a GeoJSON geometry: a list of coordinates has {} positions or parts, at least {least} needed",
            items.len()
        ));
    }
    items.iter().try_for_each(|i| walk(i, depth - 1, min_positions, sizes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_nesting_and_dimensions() {
        let poly = |ring: Value| json!({"type": "Polygon", "coordinates": [ring]});
        let ok = poly(json!([[0, 0], [1, 0], [1, 1], [0, 0]]));
        assert_eq!(check(&ok, GeometryType::Polygon, Dimensions::Xy), Ok(()));
        let four = poly(json!([[0, 0, 1, 2], [1, 0, 1, 2], [1, 1, 1, 2], [0, 0, 1, 2]]));
        for d in [Dimensions::Xy, Dimensions::Xyz] {
            assert!(check(&four, GeometryType::Polygon, d).unwrap_err().contains("no measure"));
        }
        let mixed = poly(json!([[0, 0], [1, 0, 5], [1, 1], [0, 0]]));
        assert!(check(&mixed, GeometryType::Polygon, Dimensions::Xyz).unwrap_err().contains("mixes"));
        let short = poly(json!([[0, 0], [1, 0], [0, 0]]));
        assert!(check(&short, GeometryType::Polygon, Dimensions::Xy).unwrap_err().contains("at least 4"));
        let line = json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]});
        assert!(
            check(&line, GeometryType::Point, Dimensions::Xy).unwrap_err().contains("this layer holds POINT")
        );
        let crs = json!({"type": "Point", "coordinates": [0, 0], "crs": {}});
        assert!(check(&crs, GeometryType::Point, Dimensions::Xy).unwrap_err().contains("Content-Crs"));
        let many: Vec<[f64; 2]> = (0..=MAX_VERTICES).map(|i| [i as f64, 0.0]).collect();
        let many = json!({"type": "MultiPoint", "coordinates": many});
        assert!(check(&many, GeometryType::Point, Dimensions::Xy).unwrap_err().contains("100000 vertices"));
        let text = json!({"type": "Point", "coordinates": ["0", "0"]});
        assert!(check(&text, GeometryType::Point, Dimensions::Xy).unwrap_err().contains("not a GeoJSON"));
    }
}
