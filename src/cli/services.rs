//! `qala services check|sync|list`: the service files (`services/*.toml`), checked like layer
//! files and synced into the database (versioned); and the registry `qala serve` works with.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;
use qala::applications::calendar::Calendar;
use qala::applications::registry::Registry;
use qala::applications::service::{ServiceDef, check_layers, load_dir};
use qala::config::Settings;
use qala::db::Database;
use qala::layers::catalog::LayerDef;

#[derive(Debug, Subcommand)]
pub enum ServicesAction {
    /// Check every service file (and the layers they name); prints each problem with its file,
    /// field and reason.
    Check,
    /// Check and write the services into the database.
    Sync,
    /// List the services of the files.
    List,
}

/// The service files, checked against the layer catalog; none when the directory is missing.
pub fn load_services(settings: &Settings, layers: &[LayerDef]) -> Result<Vec<ServiceDef>> {
    if !settings.services_dir.is_dir() {
        tracing::warn!(dir = %settings.services_dir.display(), "no services directory: no services are offered");
        return Ok(Vec::new());
    }
    let services = load_dir(&settings.services_dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("the service files have errors:\n{}", lines.join("\n"))
    })?;
    let missing = check_layers(&services, |id| layers.iter().any(|l| l.id == id));
    if !missing.is_empty() {
        let lines: Vec<String> = missing.iter().map(|e| format!("  {e}")).collect();
        anyhow::bail!("the service files have errors:\n{}", lines.join("\n"));
    }
    Ok(services)
}

/// The working-day calendar of `<open-data-dir>/calendar` (the weekday rule when it is missing).
pub fn load_calendar(settings: &Settings) -> Result<Calendar> {
    let dir = settings.open_data_dir.join("calendar");
    if !dir.is_dir() {
        tracing::warn!(dir = %dir.display(), "no calendar files: deadlines follow the plain weekday rule");
        return Ok(Calendar::new());
    }
    Calendar::load_dir(&dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("the calendar files have errors:\n{}", lines.join("\n"))
    })
}

/// Loads, syncs and returns the registry `qala serve` works with.
pub async fn registry(settings: &Settings, db: &Database, layers: &[LayerDef]) -> Result<Arc<Registry>> {
    let services = load_services(settings, layers)?;
    qala::applications::sync::sync(&db.pool, &services).await?;
    let registry = Registry::new(services, load_calendar(settings)?);
    registry.reload_calendar(&db.pool).await?;
    Ok(Arc::new(registry))
}

pub async fn run(settings: &Settings, action: ServicesAction) -> Result<()> {
    let layers = super::load_catalog(settings)?;
    match action {
        ServicesAction::Check => {
            let services = load_services(settings, &layers)?;
            println!("{} services are valid", services.len());
        }
        ServicesAction::List => {
            for s in load_services(settings, &layers)? {
                println!("{}\tv{}\t{}\t{}\t{}", s.id, s.version, s.category, s.provider, s.title.ru);
            }
        }
        ServicesAction::Sync => {
            let services = load_services(settings, &layers)?;
            let db = Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
            let summary = qala::applications::sync::sync(&db.pool, &services).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
            db.close().await?;
        }
    }
    Ok(())
}
