//! `qala ingest`: reading GeoJSON, Shapefile, GeoPackage, KML and CSV with GDAL, reprojecting to
//! WGS84 and loading through [`super::store::BulkLoader`].
//!
//! GDAL reads in a blocking thread and hands rows over a bounded channel, so reading, validation and
//! `COPY` overlap. Source fields map to layer attributes by name (case-insensitive) or by `--map
//! src=dst`; unmapped fields are listed in the report. The JSON report lists every refused row.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{FieldValue, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::catalog::LayerDef;
use super::kato::locate::KatoIndex;
use super::row_check::{self, GeomCheck};
use super::store::{BulkLoader, DatasetInfo, LoadSummary};

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub path: PathBuf,
    /// CRS of the source when the file does not say (or says wrongly): EPSG code, WKT or PROJ.
    pub srs: Option<String>,
    /// Text encoding of the source's attributes (Shapefile/DBF, CSV), e.g. `cp1251`.
    pub encoding: Option<String>,
    /// `source field -> layer attribute`.
    pub map: Vec<(String, String)>,
    /// Source field whose value identifies a feature across imports (update instead of duplicate).
    pub key: Option<String>,
    /// Layer of a multi-layer source (GeoPackage); the first by default.
    pub source_layer: Option<String>,
    /// Show a progress bar.
    pub progress: bool,
}

/// The report of one import, also written as JSON.
#[derive(Debug, Serialize)]
pub struct IngestReport {
    pub file: String,
    pub layer: String,
    pub driver: String,
    pub source_layer: String,
    pub source_srs: String,
    /// Source field -> layer attribute.
    pub mapped_fields: BTreeMap<String, String>,
    /// Source fields not loaded (no attribute of that name and no `--map`).
    pub ignored_fields: Vec<String>,
    pub seconds: f64,
    #[serde(flatten)]
    pub summary: LoadSummary,
}

enum Item {
    Row { row: u64, key: Option<String>, wkb: Vec<u8>, attrs: Map<String, Value>, check: Option<GeomCheck> },
    Reject { row: u64, reason: String },
}

struct SourceInfo {
    driver: String,
    source_layer: String,
    srs: String,
    total: Option<u64>,
    mapped: BTreeMap<String, String>,
    ignored: Vec<String>,
}

/// Imports `opts.path` into `layer`, recording `actor` as the author.
pub async fn ingest(
    pool: &PgPool,
    layer: &LayerDef,
    opts: &IngestOptions,
    actor: &str,
) -> Result<IngestReport> {
    let started = Instant::now();
    if !opts.path.exists() {
        bail!("{}: no such file", opts.path.display());
    }
    let path = opts.path.clone();
    let sha = tokio::task::spawn_blocking(move || sha256_file(&path));

    let (info_tx, info_rx) = tokio::sync::oneshot::channel();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Item>>(8);
    let reader_opts = opts.clone();
    let reader_layer = layer.clone();
    let reader =
        tokio::task::spawn_blocking(move || read_source(&reader_layer, &reader_opts, info_tx, go_rx, tx));

    let info = match info_rx.await {
        Ok(info) => info,
        Err(_) => {
            // The reader failed before it could describe the source: its error says why.
            reader.await??;
            bail!("the reader stopped without an error");
        }
    };
    let dataset = DatasetInfo {
        source_path: opts.path.display().to_string(),
        source_sha256: sha.await?.ok(),
        driver: info.driver.clone(),
        source_srs: Some(info.srs.clone()),
        options: serde_json::json!({
            "srs": opts.srs, "encoding": opts.encoding, "key": opts.key, "source_layer": info.source_layer,
            "map": opts.map.iter().map(|(a, b)| format!("{a}={b}")).collect::<Vec<_>>(),
        }),
        metadata: serde_json::json!({"layer_metadata": layer.metadata, "feature_count": info.total}),
    };
    let bar = progress_bar(opts.progress, info.total);
    let mut loader = BulkLoader::begin_sized(pool, layer, actor, &dataset, info.total).await?;
    // A load built beside an empty layer wants the reader to check geometries and find KATO codes.
    let kato = match loader.takes_checked_rows() {
        true => Some(super::kato::store::boundary_index(pool).await?),
        false => None,
    };
    let _ = go_tx.send(kato);
    while let Some(batch) = rx.recv().await {
        let n = batch.len() as u64;
        for item in batch {
            match item {
                Item::Row { row, key, wkb, attrs, check } => {
                    let check = check.unwrap_or(GeomCheck::ToDatabase);
                    loader.push_checked(row, key.as_deref(), &wkb, &attrs, check).await?
                }
                Item::Reject { row, reason } => loader.reject(row, reason),
            }
        }
        bar.inc(n);
    }
    reader.await??;
    bar.set_message("finishing (repair, KATO, history)");
    let summary = loader.finish_with(|stage| bar.set_message(stage.to_string())).await?;
    bar.finish_and_clear();
    Ok(IngestReport {
        file: opts.path.display().to_string(),
        layer: layer.id.clone(),
        driver: info.driver,
        source_layer: info.source_layer,
        source_srs: info.srs,
        mapped_fields: info.mapped,
        ignored_fields: info.ignored,
        seconds: started.elapsed().as_secs_f64(),
        summary,
    })
}

fn progress_bar(show: bool, total: Option<u64>) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => indicatif::ProgressBar::new(t),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Sends GDAL's messages to the log instead of stderr. A feature without geometry makes the
/// binding ask GDAL about a null geometry (CPLE_ObjectNull, 10); that row is reported as rejected,
/// so the message itself is only debug detail.
fn route_gdal_messages() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| {
            use gdal::errors::CplErrType;
            match class {
                CplErrType::Failure | CplErrType::Fatal if number != 10 => {
                    tracing::warn!(target: "gdal", number, "{message}")
                }
                CplErrType::Warning => tracing::info!(target: "gdal", number, "{message}"),
                _ => tracing::debug!(target: "gdal", number, "{message}"),
            }
        });
    });
}

/// Runs in a blocking thread: opens the source, describes it, then streams rows in batches.
fn read_source(
    layer: &LayerDef,
    opts: &IngestOptions,
    info_tx: tokio::sync::oneshot::Sender<SourceInfo>,
    go: tokio::sync::oneshot::Receiver<Option<KatoIndex>>,
    tx: tokio::sync::mpsc::Sender<Vec<Item>>,
) -> Result<()> {
    route_gdal_messages();
    let ext = extension(&opts.path);
    // CSV has no encoding option in GDAL: a non-UTF-8 CSV is transcoded into a temporary copy.
    let _tmp;
    let mut path = opts.path.clone();
    if let (Some(enc), "csv") = (&opts.encoding, ext.as_str()) {
        let encoding = encoding_rs::Encoding::for_label(enc.as_bytes())
            .with_context(|| format!("unknown encoding `{enc}` (try cp1251, utf-8, koi8-r)"))?;
        let bytes = std::fs::read(&opts.path)?;
        let (text, _, _) = encoding.decode(&bytes);
        let dir = tempfile::tempdir()?;
        path = dir.path().join(opts.path.file_name().unwrap_or_default());
        std::fs::write(&path, text.as_bytes())?;
        _tmp = dir;
    }
    let mut open_options: Vec<String> = Vec::new();
    match ext.as_str() {
        "csv" => open_options.extend(
            [
                "GEOM_POSSIBLE_NAMES=wkt,geom,geometry,the_geom,shape",
                "X_POSSIBLE_NAMES=lon,lng,long,longitude,x",
                "Y_POSSIBLE_NAMES=lat,latitude,y",
                "KEEP_GEOM_COLUMNS=NO",
            ]
            .map(String::from),
        ),
        "shp" | "dbf" | "zip" => {
            if let Some(enc) = &opts.encoding {
                open_options.push(format!("ENCODING={}", gdal_encoding_name(enc)));
            }
        }
        _ => {}
    }
    let open_refs: Vec<&str> = open_options.iter().map(String::as_str).collect();
    let ds = Dataset::open_ex(
        &path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR,
            open_options: Some(&open_refs),
            ..Default::default()
        },
    )
    .with_context(|| format!("GDAL cannot open {} as vector data", opts.path.display()))?;
    let driver = ds.driver().short_name();
    let mut src = match &opts.source_layer {
        Some(name) => ds.layer_by_name(name).with_context(|| format!("no layer `{name}` in the source"))?,
        None => ds.layer(0).context("the source has no layers")?,
    };
    let source_layer = src.name();

    let source_srs = match &opts.srs {
        Some(def) => SpatialRef::from_definition(def)
            .with_context(|| format!("`{def}` is not a CRS GDAL understands"))?,
        None => match src.spatial_ref() {
            Some(s) => s,
            None => SpatialRef::from_epsg(4326)?,
        },
    };
    let srs_name = describe_srs(&source_srs, opts.srs.is_none() && src.spatial_ref().is_none());
    let mut source_srs = source_srs;
    source_srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut wgs84 = SpatialRef::from_epsg(4326)?;
    wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let transform =
        CoordTransform::new(&source_srs, &wgs84).context("no transformation from the source CRS to WGS84")?;
    let is_wgs84 =
        source_srs.auth_name().as_deref() == Some("EPSG") && source_srs.auth_code().ok() == Some(4326);

    // Field mapping: explicit --map first, then same name (case-insensitive).
    let field_names: Vec<String> = src.defn().fields().map(|f| f.name()).collect();
    let explicit: BTreeMap<String, String> = opts.map.iter().cloned().collect();
    for s in explicit.keys() {
        if !field_names.iter().any(|f| f == s) {
            bail!("--map {s}=...: the source has no field `{s}` (fields: {})", field_names.join(", "));
        }
    }
    for d in explicit.values() {
        if layer.attribute(d).is_none() {
            bail!("--map ...={d}: layer `{}` has no attribute `{d}`", layer.id);
        }
    }
    if let Some(k) = &opts.key
        && !field_names.iter().any(|f| f == k)
    {
        bail!("--key {k}: the source has no field `{k}` (fields: {})", field_names.join(", "));
    }
    let mut mapped = BTreeMap::new();
    let mut ignored = Vec::new();
    for f in &field_names {
        if let Some(d) = explicit.get(f) {
            mapped.insert(f.clone(), d.clone());
        } else if let Some(a) = layer.attributes.iter().find(|a| a.name.eq_ignore_ascii_case(f)) {
            mapped.insert(f.clone(), a.name.clone());
        } else if opts.key.as_deref() != Some(f) {
            ignored.push(f.clone());
        }
    }
    let field_targets: Vec<Option<String>> = field_names.iter().map(|f| mapped.get(f).cloned()).collect();
    let key_idx = opts.key.as_ref().and_then(|k| field_names.iter().position(|f| f == k));

    let total = src.try_feature_count();
    let info = SourceInfo { driver, source_layer, srs: srs_name, total, mapped, ignored };
    if info_tx.send(info).is_err() {
        return Ok(());
    }
    // The loader answers once it has begun: with the KATO boundaries when it wants checked rows.
    let Ok(kato) = go.blocking_recv() else {
        return Ok(());
    };
    let checks = kato.as_ref().map(|k| (k, layer.geometry.dimension()));

    let mut batch = Vec::with_capacity(2000);
    for (i, feature) in src.features().enumerate() {
        let row = i as u64 + 1;
        let item = read_feature(&feature, row, &field_targets, key_idx, &transform, is_wgs84, checks);
        batch.push(item);
        if batch.len() == 2000
            && tx.blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(2000))).is_err()
        {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(batch);
    }
    Ok(())
}

fn read_feature(
    feature: &gdal::vector::Feature<'_>,
    row: u64,
    targets: &[Option<String>],
    key_idx: Option<usize>,
    transform: &CoordTransform,
    is_wgs84: bool,
    checks: Option<(&KatoIndex, u8)>,
) -> Item {
    let Some(geom) = feature.geometry().filter(|g| g.has_gdal_ptr() && !g.is_empty()) else {
        return Item::Reject { row, reason: "no geometry (empty or unreadable)".into() };
    };
    let geom = if is_wgs84 {
        geom.clone()
    } else {
        match geom.transform(transform) {
            Ok(g) => g,
            Err(e) => {
                return Item::Reject { row, reason: format!("cannot reproject: {e}") };
            }
        }
    };
    let mut geom = geom;
    geom.flatten_to_2d();
    let check = checks.map(|(kato, dim)| row_check::check(&geom, dim, kato));
    let wkb = match geom.wkb() {
        Ok(w) => w,
        Err(e) => {
            return Item::Reject { row, reason: format!("cannot encode geometry: {e}") };
        }
    };
    let mut attrs = Map::new();
    let mut key = None;
    for idx in 0..feature.field_count() {
        // Types the binding cannot convert (binary, time) are read as text rather than skipped.
        let value = feature
            .field(idx)
            .or_else(|_| feature.field_as_string(idx).map(|s| s.map(FieldValue::StringValue)))
            .ok()
            .flatten();
        if Some(idx) == key_idx {
            key = value.as_ref().map(field_to_string);
        }
        if let (Some(Some(target)), Some(v)) = (targets.get(idx), value) {
            attrs.insert(target.clone(), field_to_json(v));
        }
    }
    if key_idx.is_some() && key.as_deref().is_none_or(str::is_empty) {
        return Item::Reject { row, reason: "the key field is empty".into() };
    }
    Item::Row { row, key, wkb, attrs, check }
}

fn field_to_json(v: FieldValue) -> Value {
    match v {
        FieldValue::IntegerValue(i) => Value::from(i),
        FieldValue::Integer64Value(i) => Value::from(i),
        FieldValue::RealValue(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        FieldValue::StringValue(s) => Value::String(s),
        FieldValue::DateValue(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        FieldValue::DateTimeValue(d) => Value::String(d.to_rfc3339()),
        FieldValue::IntegerListValue(l) => Value::from(l),
        FieldValue::Integer64ListValue(l) => Value::from(l),
        FieldValue::RealListValue(l) => Value::from(l),
        FieldValue::StringListValue(l) => Value::from(l),
    }
}

fn field_to_string(v: &FieldValue) -> String {
    match field_to_json(v.clone()) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// GDAL's name for an encoding label (`cp1251` -> `CP1251`, `windows-1251` -> `CP1251`).
fn gdal_encoding_name(label: &str) -> String {
    match encoding_rs::Encoding::for_label(label.as_bytes()).map(|e| e.name()) {
        Some("windows-1251") => "CP1251".into(),
        Some("UTF-8") => "UTF-8".into(),
        Some("KOI8-R") => "KOI8-R".into(),
        Some(other) => other.to_string(),
        None => label.to_uppercase(),
    }
}

fn describe_srs(srs: &SpatialRef, assumed: bool) -> String {
    let name = match (srs.auth_name(), srs.auth_code()) {
        (Some(a), Ok(c)) => format!("{a}:{c}"),
        _ => srs.to_proj4().unwrap_or_else(|_| srs.name().unwrap_or_else(|| "unknown".into())),
    };
    if assumed { format!("{name} (assumed: the source declares no CRS)") } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_labels_map_to_gdal_names() {
        assert_eq!(gdal_encoding_name("cp1251"), "CP1251");
        assert_eq!(gdal_encoding_name("windows-1251"), "CP1251");
        assert_eq!(gdal_encoding_name("utf8"), "UTF-8");
    }
}
