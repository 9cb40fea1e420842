//! `qala restore`: a fresh data directory from the backups on disk alone. The base backup is the
//! latest that ended before the target time (or the one named), its WAL replayed from the archive
//! up to the time (`recovery_target_time`, then promote) or to the archive's end, the DEMs copied
//! back and re-pointed, and the attachment files its `attachments` rows name copied from the
//! archive. Never writes into an existing non-empty directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use super::Backups;
use super::manifest::{Manifest, copy_durable, sha256_file};
use crate::db::cluster::{Cluster, RecoveryTarget};

/// Which state to restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Everything archived.
    Latest,
    /// The state at this instant (commits after it are not replayed).
    Time(DateTime<Utc>),
}

/// What a restore did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub backup: String,
    pub target: String,
    pub data_dir: PathBuf,
    pub attachments_restored: u64,
    pub attachments_missing: Vec<String>,
    pub dems_restored: u64,
    pub seconds: f64,
}

/// The backup to start from: `id` if given (it must have ended before `target`), else the latest
/// done backup that ended before the target time (any, for `Latest`).
pub fn choose(all: &[Manifest], id: Option<&str>, target: &Target) -> Result<Manifest> {
    let before = |m: &Manifest| match target {
        Target::Latest => true,
        Target::Time(t) => m.finished_at.is_some_and(|f| f <= *t),
    };
    let done = all.iter().filter(|m| m.state == "done");
    let found = match id {
        Some(id) => {
            let m = all.iter().find(|m| m.id == id).with_context(|| format!("there is no backup {id}"))?;
            if m.state != "done" || !before(m) {
                bail!(
                    "backup {id} is {} and ended at {:?}: it cannot restore {target:?}",
                    m.state,
                    m.finished_at
                );
            }
            Some(m)
        }
        None => done.filter(|m| before(m)).max_by_key(|m| m.finished_at),
    };
    found.cloned().with_context(|| format!("no finished backup ended before {target:?}"))
}

/// Unpacks backup `id` into `<work>/pg` and hands it to the cluster's owner. Blocking.
pub fn extract(b: &Backups, id: &str, work: &Path) -> Result<Cluster> {
    let copy = Cluster::new(work)?;
    let pg = copy.pg_dir().to_path_buf();
    let src = b.layout.backup(id).join("pg");
    std::fs::create_dir_all(pg.join("pg_wal"))?;
    untar(&src.join("base.tar.gz"), &pg)?;
    untar(&src.join("pg_wal.tar.gz"), &pg.join("pg_wal"))?;
    std::fs::set_permissions(&pg, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    copy.hand_to_owner(&pg)?;
    Ok(copy)
}

fn untar(archive: &Path, into: &Path) -> Result<()> {
    let out = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .output()
        .context("cannot run tar")?;
    if !out.status.success() {
        bail!("tar -xzf {} failed: {}", archive.display(), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Builds `to` (missing or empty) from the backups of `b`. `progress` hears each step. Leaves
/// the new cluster stopped: `qala --data-dir TO db start` (or `serve`) starts it.
pub async fn restore(
    b: &Backups,
    to: &Path,
    target: &Target,
    id: Option<&str>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Report> {
    let started = Instant::now();
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!("{} exists and is not empty: a restore only builds a new data directory", to.display());
    }
    let m = choose(&b.layout.list(), id, target)?;
    progress(&format!("base backup {} (ended {:?}, WAL from {:?})", m.id, m.finished_at, m.wal_start_lsn));
    std::fs::create_dir_all(to)?;
    let to = to.canonicalize()?;
    let (bb, id2, t2) = (b.clone(), m.id.clone(), to.clone());
    let copy = tokio::task::spawn_blocking(move || extract(&bb, &id2, &t2)).await??;
    let rt = match target {
        Target::Latest => RecoveryTarget::End,
        Target::Time(t) => RecoveryTarget::Time(*t),
    };
    copy.prepare_recovery(&b.layout.wal(), &rt)?;
    progress(&format!("replaying WAL from {} to {target:?}", b.layout.wal().display()));
    let port = crate::db::cluster::free_local_port()?;
    let c = copy.clone();
    tokio::task::spawn_blocking(move || {
        c.start_plain(port)?;
        c.wait_promoted(port, Duration::from_secs(6 * 3600))
    })
    .await??;
    progress("recovered and promoted");
    let after = finish(b, &m, &copy, port, &to, progress).await;
    let c = copy.clone();
    tokio::task::spawn_blocking(move || c.stop()).await??;
    let (attachments_restored, attachments_missing, dems_restored) = after?;
    Ok(Report {
        backup: m.id,
        target: format!("{target:?}"),
        data_dir: to,
        attachments_restored,
        attachments_missing,
        dems_restored,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Attachments and DEMs for the recovered database on `port`.
async fn finish(
    b: &Backups,
    m: &Manifest,
    copy: &Cluster,
    port: u16,
    to: &Path,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<(u64, Vec<String>, u64)> {
    let mut conn =
        PgConnection::connect(&copy.url(port)).await.context("cannot connect to the restored database")?;
    let shas: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachments ORDER BY 1").fetch_all(&mut conn).await?;
    let mut dems = 0;
    for d in &m.dems {
        if let Some(rel) = &d.copied_as {
            let dest = to.join(rel);
            copy_durable(&b.layout.backup(&m.id).join("dems").join(rel), &dest)?;
            sqlx::query("UPDATE dems SET file = $2 WHERE id = $1")
                .bind(&d.id)
                .bind(dest.to_string_lossy().as_ref())
                .execute(&mut conn)
                .await?;
            dems += 1;
        }
    }
    conn.close().await?;
    let (archive, live) = (b.layout.attachments(), to.join("attachments"));
    let (restored, missing) = tokio::task::spawn_blocking(move || {
        let (mut n, mut missing) = (0u64, Vec::new());
        for s in shas.iter().filter(|s| s.len() == 64) {
            let from = archive.join(&s[..2]).join(s);
            match sha256_file(&from) {
                Ok((h, _)) if h == *s => {
                    copy_durable(&from, &live.join(&s[..2]).join(s))?;
                    n += 1;
                }
                _ => missing.push(s.clone()),
            }
        }
        anyhow::Ok((n, missing))
    })
    .await??;
    progress(&format!("attachments: {restored} restored, {} missing; DEMs: {dems} restored", missing.len()));
    Ok((restored, missing, dems))
}
