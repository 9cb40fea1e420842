//! `qala layers`: the catalog of layer files.

use anyhow::{Context, Result};
use clap::Subcommand;
use qala::config::Settings;
use qala::db::Database;
use qala::layers::sync;

#[derive(Debug, Subcommand)]
pub enum LayersAction {
    /// List the layers of the catalog (validates every file).
    List,
    /// Print one layer's definition as JSON.
    Show { id: String },
    /// Write the catalog into the database.
    Sync,
}

pub async fn run(settings: &Settings, action: LayersAction) -> Result<()> {
    match action {
        LayersAction::List => {
            for l in super::load_catalog(settings)? {
                let access = if l.access.public { "public" } else { "restricted" };
                let synthetic = if l.metadata.synthetic { " synthetic" } else { "" };
                println!(
                    "{:<18} {:<8} {:<14} z{}-{} {access}{synthetic}  {}",
                    l.id,
                    l.geometry.as_str(),
                    l.theme,
                    l.min_zoom,
                    l.max_zoom,
                    l.title.ru
                );
            }
        }
        LayersAction::Show { id } => {
            let layers = super::load_catalog(settings)?;
            let l = layers.iter().find(|l| l.id == id).with_context(|| format!("no layer `{id}`"))?;
            println!("{}", serde_json::to_string_pretty(l)?);
        }
        LayersAction::Sync => {
            let (db, layers) = (
                Database::open(settings.database_url.as_deref(), &settings.data_dir).await?,
                super::load_catalog(settings)?,
            );
            let s = sync::sync(&db.pool, &layers).await;
            db.close().await?;
            let s = s?;
            println!(
                "added: {:?}, changed: {:?}, unchanged: {}, retired: {:?}",
                s.added,
                s.changed,
                s.unchanged.len(),
                s.retired
            );
        }
    }
    Ok(())
}
