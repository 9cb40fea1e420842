//! The GeoPackage export: GDAL writes the rows as they arrive into a file in a temporary
//! directory (in one transaction), which is then sent.

use gdal::vector::{
    Feature, FieldValue, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use serde_json::Value;
use tokio::sync::mpsc::Receiver;

use super::{Row, cell};
use crate::layers::catalog::{AttrType, GeometryType, LayerDef};

/// Writes the rows as they arrive (blocking: run it in a blocking thread); the finished file,
/// open for reading, already without a name.
pub(super) fn write(layer: &LayerDef, srid: i32, mut rows: Receiver<Row>) -> anyhow::Result<std::fs::File> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(format!("{}.gpkg", layer.id));
    {
        let driver = gdal::DriverManager::get_driver_by_name("GPKG")?;
        let mut ds = driver.create_vector_only(&path)?;
        let mut srs = gdal::spatial_ref::SpatialRef::from_epsg(srid as u32)?;
        srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
        let ty = match layer.geometry {
            GeometryType::Point => OGRwkbGeometryType::wkbMultiPoint,
            GeometryType::Line => OGRwkbGeometryType::wkbMultiLineString,
            GeometryType::Polygon => OGRwkbGeometryType::wkbMultiPolygon,
        };
        let mut txn = ds.start_transaction()?;
        let lyr = txn.create_layer(LayerOptions { name: &layer.id, srs: Some(&srs), ty, options: None })?;
        let mut defs: Vec<(&str, OGRFieldType::Type)> = layer
            .attributes
            .iter()
            .map(|a| {
                let t = match a.kind {
                    AttrType::Integer => OGRFieldType::OFTInteger64,
                    AttrType::Number => OGRFieldType::OFTReal,
                    AttrType::Boolean => OGRFieldType::OFTInteger,
                    _ => OGRFieldType::OFTString,
                };
                (a.name.as_str(), t)
            })
            .collect();
        defs.push(("qala_id", OGRFieldType::OFTInteger64));
        defs.push(("kato", OGRFieldType::OFTString));
        defs.push(("version", OGRFieldType::OFTInteger));
        lyr.create_defn_fields(&defs)?;
        while let Some(r) = rows.blocking_recv() {
            let mut f = Feature::new(lyr.defn())?;
            for (i, a) in layer.attributes.iter().enumerate() {
                let v = match (a.kind, r.attrs.get(&a.name)) {
                    (_, None | Some(Value::Null)) => None,
                    (AttrType::Integer, Some(v)) => v.as_i64().map(FieldValue::Integer64Value),
                    (AttrType::Number, Some(v)) => v.as_f64().map(FieldValue::RealValue),
                    (AttrType::Boolean, Some(v)) => {
                        v.as_bool().map(|b| FieldValue::IntegerValue(i32::from(b)))
                    }
                    (_, v) => Some(FieldValue::StringValue(cell(v))),
                };
                if let Some(v) = v {
                    f.set_field(i, &v)?;
                }
            }
            let n = layer.attributes.len();
            f.set_field_integer64(n, r.id)?;
            if let Some(k) = &r.kato {
                f.set_field_string(n + 1, k)?;
            }
            f.set_field_integer(n + 2, r.version)?;
            if let Some(wkb) = &r.wkb {
                f.set_geometry(Geometry::from_wkb(wkb)?)?;
            }
            f.create(&lyr)?;
        }
        txn.commit()?;
    }
    let file = std::fs::File::open(&path)?;
    // The directory and the file's name go; the open file stays readable.
    drop(dir);
    Ok(file)
}
