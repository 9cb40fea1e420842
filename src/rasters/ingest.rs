//! `qala raster add`: registers a GeoTIFF or Cloud-Optimised GeoTIFF in any CRS GDAL knows
//! (EPSG codes, SK-42 Gauss-Krüger zones such as EPSG:28413, or a WKT/PROJ definition in the file).
//! The file is warped once to EPSG:3857 (`gdalwarp -dstalpha`, bilinear) into
//! `<data-dir>/rasters/ID.tif` as a COG: 256 px tiles, DEFLATE, internal overviews (built when the
//! source has none; a source already in 3857 is copied with the overviews it has). Paletted files
//! are expanded to RGBA first; nodata and alpha become transparency. RGB, RGBA, paletted and grey
//! (with or without alpha) 8-bit rasters are accepted.
//!
//! Bounds: at most [`MAX_FILE_BYTES`] of file and [`MAX_PIXELS`] pixels, 1 to 4 bands of 8 bits.
//! Refusals a user reads (not a raster, no CRS, too big, exists) are in the caller's language.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use sha2::Digest;
use sqlx::PgPool;

use super::{RasterDef, RasterKind, store};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::{AccessDef, Translated};
use crate::tiles::coords;

/// Largest source file accepted, in bytes (8 GiB).
pub const MAX_FILE_BYTES: u64 = 8 << 30;
/// Most pixels in a source raster (40,000 x 40,000).
pub const MAX_PIXELS: u64 = 1_600_000_000;
/// Most characters in a title.
pub const MAX_TITLE: usize = 200;

/// What to register.
#[derive(Debug, Clone)]
pub struct Spec {
    pub id: String,
    pub title: Translated,
    pub kind: RasterKind,
    pub access: AccessDef,
    /// Replace a raster with the same id.
    pub replace: bool,
    /// Who registers it (`cli:<user>`).
    pub created_by: String,
}

fn refused(msg: Msg, lang: Lang, detail: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{} ({detail})", msg.text(lang))
}

/// The directory of registered rasters' files.
pub fn raster_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("rasters")
}

/// Registers `source` as `spec` (see the module's documentation); shows progress bars when
/// `show_progress`.
pub async fn add(
    pool: &PgPool,
    data_dir: &Path,
    source: &Path,
    spec: Spec,
    lang: Lang,
    show_progress: bool,
) -> Result<RasterDef> {
    if !crate::layers::catalog::is_valid_id(&spec.id) || spec.id == super::HILLSHADE_ID {
        return Err(refused(Msg::RasterBadId, lang, &spec.id));
    }
    for t in [&spec.title.kk, &spec.title.ru, &spec.title.en] {
        if t.trim().is_empty() || t.chars().count() > MAX_TITLE {
            bail!("titles in kk, ru and en are required, 1 to {MAX_TITLE} characters each");
        }
    }
    if spec.kind == RasterKind::Hillshade {
        bail!("the kind of a raster is orthophoto, survey or other");
    }
    if !spec.replace && store::exists(pool, &spec.id).await? {
        return Err(refused(Msg::RasterExists, lang, &spec.id));
    }
    let dir = raster_dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (src, target) = (source.to_path_buf(), dir.join(format!("{}.tif", spec.id)));
    let made = tokio::task::spawn_blocking(move || convert(&src, &target, lang, show_progress)).await??;
    let file = format!("rasters/{}.tif", spec.id);
    let max_zoom = super::max_zoom_for(made.pixel_3857);
    let def = RasterDef {
        id: spec.id.clone(),
        title: spec.title,
        kind: spec.kind,
        access: spec.access,
        file,
        source_name: source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        source_sha256: made.sha256,
        source_crs: made.source_crs,
        bounds_4326: made.bounds_4326,
        bounds_3857: made.bounds_3857,
        resolution_m: made.resolution_m,
        bands: made.bands,
        min_zoom: super::min_zoom_for(made.bounds_3857, max_zoom),
        max_zoom,
        nodata: made.nodata,
        created_by: spec.created_by,
        created_at: chrono::Utc::now(),
    };
    if !store::save(pool, &def, spec.replace).await? {
        return Err(refused(Msg::RasterExists, lang, &def.id));
    }
    Ok(def)
}

/// Removes raster `id` and its file.
pub async fn remove(pool: &PgPool, data_dir: &Path, id: &str, lang: Lang) -> Result<()> {
    let Some(file) = store::remove(pool, id).await? else {
        return Err(refused(Msg::RasterUnknown, lang, id));
    };
    let _ = std::fs::remove_file(data_dir.join(file));
    Ok(())
}

/// What converting a source gave.
#[derive(Debug)]
struct Made {
    sha256: String,
    source_crs: String,
    bounds_4326: [f64; 4],
    bounds_3857: [f64; 4],
    pixel_3857: f64,
    resolution_m: f64,
    bands: u8,
    nodata: Option<f64>,
}

/// Checks `src`, converts it into `target` (through a temporary file) and describes the result.
fn convert(src: &Path, target: &Path, lang: Lang, show: bool) -> Result<Made> {
    let meta = std::fs::metadata(src)
        .map_err(|e| refused(Msg::RasterNotRaster, lang, format!("{}: {e}", src.display())))?;
    if !meta.is_file() {
        return Err(refused(Msg::RasterNotRaster, lang, src.display()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refused(Msg::RasterTooBig, lang, format!("{} bytes > {MAX_FILE_BYTES}", meta.len())));
    }
    let ds = gdal::Dataset::open(src).map_err(|_| refused(Msg::RasterNotRaster, lang, src.display()))?;
    let bands = ds.raster_count();
    if bands < 1 {
        return Err(refused(Msg::RasterNotRaster, lang, src.display()));
    }
    let (w, h) = ds.raster_size();
    if (w as u64) * (h as u64) > MAX_PIXELS {
        return Err(refused(Msg::RasterTooBig, lang, format!("{w} x {h} pixels > {MAX_PIXELS}")));
    }
    if bands > 4 {
        bail!("{} has {bands} bands; Qala shows grey, grey + alpha, RGB and RGBA rasters", src.display());
    }
    let first = ds.rasterband(1)?;
    if first.band_type() != gdal::raster::GdalDataType::UInt8 {
        bail!(
            "{} holds {:?} values; Qala shows 8-bit rasters (convert with gdal_translate -ot Byte -scale)",
            src.display(),
            first.band_type()
        );
    }
    let paletted = first.color_interpretation() == gdal::raster::ColorInterpretation::PaletteIndex;
    let nodata = first.no_data_value();
    let srs = ds.spatial_ref().ok().filter(|s| s.to_wkt().is_ok_and(|w| !w.is_empty()));
    let (Some(srs), Ok(_)) = (srs, ds.geo_transform()) else {
        return Err(refused(Msg::RasterNoCrs, lang, src.display()));
    };
    let epsg = match (srs.auth_name().as_deref(), srs.auth_code()) {
        (Some("EPSG"), Ok(code)) => Some(code),
        _ => None,
    };
    let source_crs = match epsg {
        Some(code) => format!("EPSG:{code}"),
        None => srs.to_wkt()?,
    };
    drop(ds);
    let sha256 = sha256_file(src, meta.len(), show)?;
    let tmp_dir = target.with_extension("tmp");
    let _ = std::fs::remove_dir_all(&tmp_dir);
    std::fs::create_dir_all(&tmp_dir)?;
    let result = (|| -> Result<()> {
        let mut input = src.to_path_buf();
        if paletted {
            let vrt = tmp_dir.join("expanded.vrt");
            gdal_tool("gdal_translate", &["-q", "-of", "VRT", "-expand", "rgba"], &input, &vrt, None)?;
            input = vrt;
        }
        let out = tmp_dir.join("out.tif");
        let cog = [
            "-co",
            "COMPRESS=DEFLATE",
            "-co",
            "PREDICTOR=YES",
            "-co",
            "BLOCKSIZE=256",
            "-co",
            "BIGTIFF=IF_SAFER",
        ];
        let bar = progress_bar(show, "EPSG:3857 COG");
        if epsg == Some(3857) && !paletted {
            let mut args = vec!["-of", "COG", "-co", "OVERVIEWS=AUTO", "-co", "RESAMPLING=AVERAGE"];
            args.extend(cog);
            gdal_tool("gdal_translate", &args, &input, &out, Some(&bar))?;
        } else {
            let mut args =
                vec!["-overwrite", "-t_srs", "EPSG:3857", "-r", "bilinear", "-dstalpha", "-of", "COG"];
            args.extend(["-co", "RESAMPLING=AVERAGE"]);
            args.extend(cog);
            gdal_tool("gdalwarp", &args, &input, &out, Some(&bar))?;
        }
        bar.finish_and_clear();
        std::fs::rename(&out, target)?;
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp_dir);
    result?;
    let mut made = facts(target)?;
    made.sha256 = sha256;
    made.source_crs = source_crs;
    made.nodata = nodata;
    Ok(made)
}

/// Extent, pixel size and bands of the converted file.
fn facts(path: &Path) -> Result<Made> {
    let ds = gdal::Dataset::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let gt = ds.geo_transform()?;
    let (w, h) = ds.raster_size();
    let (x0, y0) = (gt[0], gt[3]);
    let (x1, y1) = (x0 + gt[1] * w as f64, y0 + gt[5] * h as f64);
    let b3857 = [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
    let (lon0, lat0) = coords::from_3857(b3857[0], b3857[1]);
    let (lon1, lat1) = coords::from_3857(b3857[2], b3857[3]);
    let pixel_3857 = gt[1].abs().min(gt[5].abs());
    Ok(Made {
        sha256: String::new(),
        source_crs: String::new(),
        bounds_4326: [lon0, lat0, lon1, lat1],
        bounds_3857: b3857,
        pixel_3857,
        resolution_m: pixel_3857 * ((lat0 + lat1) / 2.0).to_radians().cos(),
        bands: ds.raster_count().clamp(1, 4) as u8,
        nodata: None,
    })
}

/// Runs a GDAL command-line tool on `input` into `output`, following its `0...10...` progress on
/// `bar` when there is one.
fn gdal_tool(
    tool: &str,
    args: &[&str],
    input: &Path,
    output: &Path,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<()> {
    let mut child = Command::new(tool)
        .args(args)
        .arg(input)
        .arg(output)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {tool} (Debian package gdal-bin)"))?;
    let mut stderr = child.stderr.take().context("no stderr")?;
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    if let Some(out) = child.stdout.take() {
        let mut reader = std::io::BufReader::new(out);
        let mut chunk = Vec::new();
        // GDAL prints `0...10...20...` without new lines: split on the dots.
        while reader.read_until(b'.', &mut chunk).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&chunk);
            if let (Some(bar), Ok(n)) = (bar, text.trim_matches(|c: char| !c.is_ascii_digit()).parse::<u64>())
            {
                bar.set_position(n.min(100));
            }
            chunk.clear();
        }
    }
    let status = child.wait()?;
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        bail!("{tool} failed: {}", errors.trim());
    }
    Ok(())
}

fn progress_bar(show: bool, what: &str) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(100);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}% {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    bar
}

fn sha256_file(path: &Path, len: u64, show: bool) -> Result<String> {
    let bar = if show { indicatif::ProgressBar::new(len) } else { indicatif::ProgressBar::hidden() };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} SHA-256",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut f = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(hex::encode(hasher.finalize()))
}
