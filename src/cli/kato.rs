//! `qala kato`: the KATO classifier and its boundaries.

use anyhow::{Context, Result};
use clap::Subcommand;
use qala::config::Settings;
use qala::db::Database;
use qala::layers::{demo, kato};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum KatoAction {
    /// Import a KATO file (open-data CSV, stat.gov.kz layout, or a names file).
    Import { file: PathBuf },
    /// Attach boundaries from a polygon file to KATO units and re-assign features' codes.
    Boundaries {
        file: PathBuf,
        /// Field holding the nine-digit KATO code.
        #[arg(long, default_value = "kato")]
        code_field: String,
        /// Mark these boundaries as synthetic.
        #[arg(long)]
        synthetic: bool,
    },
}

pub async fn run(settings: &Settings, action: KatoAction) -> Result<()> {
    let (db, _) = super::open_synced(settings).await?;
    let result = run_on(&db, action).await;
    db.close().await?;
    result
}

async fn run_on(db: &Database, action: KatoAction) -> Result<()> {
    match action {
        KatoAction::Import { file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let parsed = kato::parse::parse(&kato::parse::decode(&bytes))
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let s = kato::store::import_units(&db.pool, parsed, &file.display().to_string()).await?;
            for r in &s.rejected {
                eprintln!("line {}: {}", r.line, r.reason);
            }
            println!(
                "{:?} layout: {} units imported, {} rejected; {} units in the classifier",
                s.layout,
                s.imported,
                s.rejected.len(),
                s.total_units
            );
        }
        KatoAction::Boundaries { file, code_field, synthetic } => {
            let polygons = demo::read_polygons(&file, &code_field)?;
            let mut attached = 0;
            for (code, mp) in polygons {
                if !kato::is_code(&code) {
                    eprintln!("skipped `{code}`: not a nine-digit KATO code");
                    continue;
                }
                if kato::store::unit(&db.pool, &code).await?.is_none() {
                    eprintln!("skipped {code}: no such KATO unit (import the classifier first)");
                    continue;
                }
                let wkb = demo::wkb(&geo::Geometry::MultiPolygon(mp))?;
                match kato::store::upsert_boundary(
                    &db.pool,
                    &code,
                    &wkb,
                    &file.display().to_string(),
                    synthetic,
                )
                .await
                {
                    Ok(()) => attached += 1,
                    Err(e) => eprintln!("skipped {code}: {e:#}"),
                }
            }
            let changed = kato::store::reassign_features(&db.pool).await?;
            println!("{attached} boundaries attached; {changed} features got a new KATO code");
        }
    }
    Ok(())
}
