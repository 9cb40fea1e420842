//! `qala backup` (a base backup now, verified; `list`; `verify ID`) and `qala restore` (a new data
//! directory from the backups on disk) for Qala's own cluster. With `--database-url` the
//! database is its DBA's to back up, and these commands refuse.

use std::path::PathBuf;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use qala::backup::{self, Backups, restore};
use qala::config::Settings;
use qala::db::Database;

#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// The backups on disk with their state and verification.
    List,
    /// Verify a backup again by restoring it and comparing it with the live database.
    Verify { id: String },
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub action: Option<BackupAction>,
    /// After a backup, keep this many base backups (older ones and their WAL are removed).
    #[arg(long, env = "QALA_BACKUP_KEEP", default_value_t = 4)]
    pub keep: usize,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The new data directory (missing or empty).
    #[arg(long)]
    pub to: PathBuf,
    /// The state at this instant (RFC 3339): commits after it are not replayed.
    #[arg(long, conflicts_with = "latest")]
    pub time: Option<DateTime<Utc>>,
    /// Everything archived (the default).
    #[arg(long)]
    pub latest: bool,
    /// Start from this base backup (default: the latest that ended before --time).
    #[arg(long)]
    pub backup: Option<String>,
}

fn own_cluster(settings: &Settings) -> Result<Backups> {
    if settings.database_url.is_some() {
        bail!("DATABASE_URL is set: that database is backed up by its DBA, not by `qala backup`");
    }
    Backups::new(&settings.data_dir)
}

fn say(step: &str) {
    println!("  {step}");
}

pub async fn run(settings: &Settings, args: BackupArgs) -> Result<()> {
    let b = own_cluster(settings)?;
    match args.action {
        Some(BackupAction::List) => {
            let all = b.layout.list();
            if all.is_empty() {
                println!("no backups in {}", b.layout.base().display());
            }
            for m in all {
                let v = match &m.verification {
                    Some(v) if v.ok => format!("verified {}", v.verified_at.to_rfc3339()),
                    Some(v) => format!("verification FAILED {}", v.verified_at.to_rfc3339()),
                    None => "not verified".into(),
                };
                println!(
                    "{}  {:<7} {:>12} bytes  WAL {}..{}  {}",
                    m.id,
                    m.state,
                    m.size_bytes,
                    m.wal_start_lsn.as_deref().unwrap_or("-"),
                    m.wal_end_lsn.as_deref().unwrap_or("-"),
                    v
                );
            }
            Ok(())
        }
        Some(BackupAction::Verify { id }) => {
            let db = Database::open(None, &settings.data_dir).await?;
            let mut m = b.layout.read(&id)?;
            let Some(lock) = qala::db::leader::try_lock(&db.pool, "backup").await? else {
                bail!("a backup or a verification is running");
            };
            let r = backup::verify::verify(&b, &db.pool, &mut m, &say).await;
            lock.release().await;
            r?;
            let ok = m.verification.as_ref().is_some_and(|v| v.ok);
            println!("{}", serde_json::to_string_pretty(&m.verification)?);
            db.close().await?;
            if !ok {
                bail!("backup {id} failed verification");
            }
            Ok(())
        }
        None => {
            let db = Database::open(None, &settings.data_dir).await?;
            let Some(lock) = qala::db::leader::try_lock(&db.pool, "backup").await? else {
                bail!("another backup is running");
            };
            println!("backup of {}", b.cluster.pg_dir().display());
            let m = backup::take_and_verify(&b, &db.pool, Some("cli"), &say).await;
            lock.release().await;
            let m = m?;
            let pruned = backup::prune(&b, &db.pool, args.keep).await?;
            if !pruned.is_empty() {
                println!("  removed older backups: {}", pruned.join(", "));
            }
            db.close().await?;
            let ok = m.verification.as_ref().is_some_and(|v| v.ok);
            println!(
                "backup {} done: {} bytes in {}, {}",
                m.id,
                m.size_bytes,
                b.layout.backup(&m.id).display(),
                if ok { "verified" } else { "NOT verified" }
            );
            if !ok {
                bail!("backup {} was taken but did not verify: {:?}", m.id, m.verification.map(|v| v.detail));
            }
            Ok(())
        }
    }
}

pub async fn restore(settings: &Settings, args: RestoreArgs) -> Result<()> {
    let b = own_cluster(settings)?;
    let target = match args.time {
        Some(t) => restore::Target::Time(t),
        None => restore::Target::Latest,
    };
    println!("restore into {}", args.to.display());
    let r = restore::restore(&b, &args.to, &target, args.backup.as_deref(), &say).await?;
    println!(
        "restored backup {} to {} in {}: {:.1} s; {} attachments, {} DEMs; start it with `qala --data-dir {} db start`",
        r.backup,
        r.target,
        r.data_dir.display(),
        r.seconds,
        r.attachments_restored,
        r.dems_restored,
        r.data_dir.display()
    );
    if !r.attachments_missing.is_empty() {
        println!("attachments missing from the archive: {}", r.attachments_missing.join(", "));
    }
    Ok(())
}

/// `qala serve`'s backup schedule (its own cluster only).
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// A verified base backup this often (`7d`, `12h`, `30m`; `0` turns them off). Attachments
    /// are mirrored into the backups every minute regardless.
    #[arg(long, env = "QALA_BACKUP_EVERY", default_value = "7d")]
    pub backup_every: String,
    /// Base backups kept (older ones and the WAL before the oldest kept are removed).
    #[arg(long = "backup-keep", env = "QALA_BACKUP_KEEP", default_value_t = 4)]
    pub backup_keep: usize,
}

impl ScheduleArgs {
    /// The backups of the own cluster and the schedule's task; `None` with an external database.
    pub fn spawn(
        &self,
        settings: &Settings,
        pool: &sqlx::PgPool,
    ) -> Result<Option<(Backups, tokio::task::JoinHandle<()>)>> {
        if settings.database_url.is_some() {
            println!("Backups: an external database (--database-url) is backed up by its DBA");
            return Ok(None);
        }
        let every = backup::schedule::parse_every(&self.backup_every)
            .map_err(|e| anyhow::anyhow!("--backup-every: {e}"))?;
        let b = Backups::new(&settings.data_dir)?;
        let schedule = backup::schedule::Schedule {
            every,
            keep: self.backup_keep.max(1),
            tick: std::time::Duration::from_secs(60),
        };
        let task = tokio::spawn(backup::schedule::run(b.clone(), pool.clone(), schedule));
        Ok(Some((b, task)))
    }
}
