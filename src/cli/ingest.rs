//! `qala ingest`: a vector file into a layer, with a report of every refused row.

use anyhow::{Context, Result};
use qala::config::Settings;
use qala::i18n::{Msg, cli_lang};
use qala::layers::{Catalog, ingest};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub layer: String,
    /// CRS of the source: EPSG code (EPSG:28413), WKT or PROJ string.
    #[arg(long)]
    pub srs: Option<String>,
    /// Attribute encoding of the source (e.g. cp1251) when the file does not declare it.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Map a source field to a layer attribute: `--map src=dst` (repeatable).
    #[arg(long = "map", value_parser = parse_mapping)]
    pub map: Vec<(String, String)>,
    /// Source field identifying a feature: a re-import updates instead of duplicating.
    #[arg(long)]
    pub key: Option<String>,
    /// Layer of a multi-layer source (GeoPackage).
    #[arg(long)]
    pub source_layer: Option<String>,
    /// Where to write the JSON report (default: <data-dir>/reports/ingest-<layer>-<time>.json).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Name recorded as the author of the changes.
    #[arg(long, default_value = "qala:ingest")]
    pub actor: String,
}

fn parse_mapping(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
        _ => Err(format!("`{s}` is not of the form source_field=attribute")),
    }
}

/// Loads the file, validates it against the layer, writes the report and prints the summary.
pub async fn run(settings: &Settings, args: IngestArgs) -> Result<()> {
    let IngestArgs { file, layer, srs, encoding, map, key, source_layer, report, actor } = args;
    let (db, layers) = super::open_synced(settings).await?;
    let catalog = Catalog::new(layers);
    let def = catalog
        .get(&layer)
        .with_context(|| format!("no layer `{layer}` in {}", settings.layers_dir.display()))?;
    let opts = ingest::IngestOptions { path: file, srs, encoding, map, key, source_layer, progress: true };
    let result = ingest::ingest(&db.pool, def, &opts, &actor).await;
    db.close().await?;
    let r = result?;
    let report_path = report.unwrap_or_else(|| {
        settings
            .data_dir
            .join("reports")
            .join(format!("ingest-{layer}-{}.json", chrono::Utc::now().format("%Y%m%dT%H%M%S")))
    });
    if let Some(dir) = report_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&report_path, serde_json::to_string_pretty(&r)?)
        .with_context(|| format!("cannot write the report {}", report_path.display()))?;
    let lang = cli_lang();
    let s = &r.summary;
    for rej in s.rejected.iter().take(20) {
        eprintln!("row {}: {}", rej.row, rej.reason);
    }
    if s.rejected.len() > 20 {
        eprintln!("... {} more in the report", s.rejected.len() - 20);
    }
    println!(
        "{}: {} {}, {} {} ({} new, {} updated, {} unchanged), {} {}, {} {} in {:.1} s; report: {}",
        r.layer,
        Msg::IngestRead.text(lang),
        s.read,
        Msg::IngestLoaded.text(lang),
        s.loaded,
        s.inserted,
        s.updated,
        s.unchanged,
        Msg::IngestRepaired.text(lang),
        s.repaired,
        Msg::IngestRejected.text(lang),
        s.rejected.len(),
        r.seconds,
        report_path.display()
    );
    Ok(())
}
