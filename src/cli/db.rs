//! `qala db`: Qala's own PostgreSQL cluster.

use anyhow::{Result, bail};
use clap::Subcommand;
use qala::config::Settings;
use qala::db::cluster;

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Create (if needed) and start the cluster; it keeps running.
    Start,
    /// Stop the cluster.
    Stop,
    /// Print whether the cluster runs, and where.
    Status,
    /// Print the connection URL of the running cluster.
    Url,
}

pub fn run(settings: &Settings, action: DbAction) -> Result<()> {
    if settings.database_url.is_some() && !matches!(action, DbAction::Url) {
        bail!("DATABASE_URL is set: Qala uses that server and does not manage a cluster");
    }
    if let (Some(url), DbAction::Url) = (&settings.database_url, &action) {
        println!("{url}");
        return Ok(());
    }
    let c = cluster::Cluster::new(&settings.data_dir)?;
    match action {
        DbAction::Start => {
            let (port, started) = c.start()?;
            let what = if started { "started" } else { "already running" };
            println!("{what}: {} ({})", c.url(port), c.pg_dir().display());
        }
        DbAction::Stop => {
            if c.stop()? {
                println!("stopped");
            } else {
                println!("not running");
            }
        }
        DbAction::Status => match c.status()? {
            cluster::Status::NotInitialised => {
                println!("not initialised ({})", c.pg_dir().display())
            }
            cluster::Status::Stopped => println!("stopped ({})", c.pg_dir().display()),
            cluster::Status::Running { pid, port } => {
                println!("running: pid {pid}, {} ({})", c.url(port), c.pg_dir().display())
            }
        },
        DbAction::Url => match c.status()? {
            cluster::Status::Running { port, .. } => println!("{}", c.url(port)),
            _ => bail!("the cluster is not running: `qala db start`"),
        },
    }
    Ok(())
}
