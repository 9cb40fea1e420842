//! Backups of Qala's own cluster (SEC-2): continuous WAL archiving (set up by
//! [`crate::db::cluster`]), base backups with the files kept outside the database, their
//! verification by restoring them, point-in-time restore into a new data directory, retention,
//! and the server's schedule. Nothing here knows HTTP.
//!
//! On disk, `<data-dir>/backups/`: `base/<id>/` (`pg/base.tar.gz`, `pg/pg_wal.tar.gz`,
//! `pg/backup_manifest`, `dems/...`, `manifest.json`), `wal/` (archived segments), `files/attachments/`
//! (content-addressed attachment files), `tmp/` (verification copies). A database named by
//! `--database-url` is its DBA's to back up: these functions refuse it.

pub mod base;
pub mod files;
pub mod manifest;
pub mod restore;
pub mod schedule;
pub mod store;
pub mod verify;

use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db::cluster::Cluster;
use manifest::{Layout, Manifest};

/// The backups of the cluster in a data directory.
#[derive(Debug, Clone)]
pub struct Backups {
    /// Canonical.
    pub data_dir: PathBuf,
    pub cluster: Cluster,
    pub layout: Layout,
}

impl Backups {
    pub fn new(data_dir: &Path) -> Result<Backups> {
        let cluster = Cluster::new(data_dir)?;
        let data_dir = cluster.data_dir().to_path_buf();
        Ok(Backups { layout: Layout::new(&data_dir), data_dir, cluster })
    }
}

/// Takes a base backup, then verifies it; the manifest with the verification's result. A
/// verification that fails is recorded (and reported in the returned manifest), not an error.
pub async fn take_and_verify(
    b: &Backups,
    pool: &PgPool,
    requested_by: Option<&str>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Manifest> {
    let m = base::begin(b, pool, requested_by).await?;
    finish_and_verify(b, pool, m, progress).await
}

/// [`base::complete`] and [`verify::verify`] of a backup [`base::begin`] started.
pub async fn finish_and_verify(
    b: &Backups,
    pool: &PgPool,
    m: Manifest,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Manifest> {
    let mut m = base::complete(b, pool, m, progress).await?;
    if let Err(e) = verify::verify(b, pool, &mut m, progress).await {
        progress(&format!("verification could not run: {e:#}"));
        m.verification = Some(manifest::Verification {
            verified_at: Utc::now(),
            ok: false,
            detail: serde_json::json!({"error": format!("{e:#}")}),
        });
        b.layout.write(&m)?;
        store::verified(pool, &m).await?;
    }
    Ok(m)
}

/// Marks backups left `running` (their process ended mid-way) as failed, on disk and in the
/// table, and removes the copies of verifications that did not end. Call it only while holding
/// the `backup` leader lock.
pub async fn fail_interrupted(b: &Backups, pool: &PgPool) {
    for mut m in b.layout.list().into_iter().filter(|m| m.state == "running") {
        m.state = "failed".into();
        m.error = Some("interrupted: the process taking it ended".into());
        if let Err(e) = b.layout.write(&m) {
            tracing::warn!(error = %e, id = m.id, "cannot mark an interrupted backup");
        }
    }
    // Copies of verifications that did not end: stopped and removed.
    let tmp = b.layout.tmp();
    let cleaned = tokio::task::spawn_blocking(move || -> Result<()> {
        for e in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            if e.path().join("pg").join("PG_VERSION").exists() {
                let _ = Cluster::new(&e.path())?.stop();
            }
            std::fs::remove_dir_all(e.path())?;
        }
        Ok(())
    })
    .await;
    if !matches!(cleaned, Ok(Ok(()))) {
        tracing::warn!(result = ?cleaned, "cannot remove the copies of interrupted verifications");
    }
    if let Err(e) = store::fail_interrupted(pool, &[]).await {
        tracing::warn!(error = %e, "cannot mark interrupted backups");
    }
}

/// When the last backup that passed verification was verified (the `backups` table).
pub async fn last_verified(pool: &PgPool) -> Result<Option<DateTime<Utc>>> {
    Ok(store::last_verified(pool).await?)
}

/// The same from the manifests on disk (when the database is not at hand).
pub fn last_verified_on_disk(data_dir: &Path) -> Option<DateTime<Utc>> {
    Layout::new(data_dir)
        .list()
        .iter()
        .filter_map(|m| m.verification.as_ref().filter(|v| v.ok).map(|v| v.verified_at))
        .max()
}

/// Keeps the `keep` newest done backups: older ones (and failed ones older than the oldest kept)
/// are deleted with their rows, and archived WAL segments older than the oldest kept backup's
/// start are removed. Returns the ids deleted.
pub async fn prune(b: &Backups, pool: &PgPool, keep: usize) -> Result<Vec<String>> {
    let all = b.layout.list();
    let done: Vec<&Manifest> = all.iter().filter(|m| m.state == "done").collect();
    if done.len() <= keep.max(1) {
        return Ok(vec![]);
    }
    let oldest_kept = done[done.len() - keep.max(1)];
    let mut deleted = Vec::new();
    for m in all.iter().filter(|m| m.id < oldest_kept.id && m.state != "running") {
        std::fs::remove_dir_all(b.layout.backup(&m.id))?;
        store::delete(pool, &m.id).await?;
        deleted.push(m.id.clone());
    }
    if let Some(first) = oldest_kept.wal_start_lsn.as_deref().and_then(segment_of) {
        for e in std::fs::read_dir(b.layout.wal())?.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.len() >= 24
                && name[..24].bytes().all(|c| c.is_ascii_hexdigit())
                && name[8..24] < first[..]
            {
                std::fs::remove_file(e.path())?;
            }
        }
    }
    Ok(deleted)
}

/// The log and segment part (`XXXXXXXXYYYYYYYY`) of a WAL file name holding `lsn` (`0/3000028`),
/// 16 MiB segments.
pub fn segment_of(lsn: &str) -> Option<String> {
    let (hi, lo) = lsn.split_once('/')?;
    let (hi, lo) = (u32::from_str_radix(hi, 16).ok()?, u32::from_str_radix(lo, 16).ok()?);
    Some(format!("{hi:08X}{:08X}", lo / (16 << 20)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_of_lsns() {
        assert_eq!(super::segment_of("0/3000028").as_deref(), Some("0000000000000003"));
        assert_eq!(super::segment_of("1/FF000000").as_deref(), Some("00000001000000FF"));
        assert_eq!(super::segment_of("nonsense"), None);
    }
}
