//! Taking a base backup: `pg_basebackup` (tar, gzip, fast checkpoint, its WAL streamed in) into
//! `<data-dir>/backups/base/<id>/pg/`, the attachments mirrored, the DEMs copied or recorded, and
//! the manifest with every file's size and SHA-256, on disk and in the `backups` table.

use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use sqlx::PgPool;

use super::Backups;
use super::files::{dems, mirror_attachments};
use super::manifest::{FileEntry, Manifest, id_of, sha256_file};
use super::store;
use crate::db::cluster::{ARCHIVING_MARKER, Status};

/// Starts a backup: a new id (its start time), its directory, manifest and row in state
/// `running`, and the WAL archive switched on. Fails when the cluster does not run.
pub async fn begin(b: &Backups, pool: &PgPool, requested_by: Option<&str>) -> Result<Manifest> {
    let mut now = Utc::now();
    while b.layout.backup(&id_of(now)).exists() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        now = Utc::now();
    }
    let m = Manifest::new(&id_of(now), now);
    b.layout.write(&m)?;
    // From now on every finished WAL segment is archived (src/db/cluster.rs).
    let marker = b.layout.wal().join(ARCHIVING_MARKER);
    if !marker.exists() {
        std::fs::create_dir_all(b.layout.wal())?;
        super::manifest::write_atomic(&marker, b"WAL segments are archived here while this file exists\n")?;
    }
    store::insert(pool, &m, requested_by).await?;
    Ok(m)
}

/// Runs the backup begun by [`begin`]; `progress` hears each step. The manifest and row end in
/// `done` or `failed` (with the error), and the manifest is returned either way when it could be
/// written.
pub async fn complete(
    b: &Backups,
    pool: &PgPool,
    mut m: Manifest,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Manifest> {
    let r = run(b, pool, &mut m, progress).await;
    m.finished_at = Some(Utc::now());
    match &r {
        Ok(()) => m.state = "done".into(),
        Err(e) => {
            m.state = "failed".into();
            m.error = Some(format!("{e:#}"));
        }
    }
    b.layout.write(&m)?;
    store::finish(pool, &m).await?;
    r.map(|()| m)
}

async fn run(b: &Backups, pool: &PgPool, m: &mut Manifest, progress: &(dyn Fn(&str) + Sync)) -> Result<()> {
    let port = match b.cluster.status()? {
        Status::Running { port, .. } => port,
        _ => bail!("the cluster in {} is not running", b.cluster.pg_dir().display()),
    };
    let dir = b.layout.backup(&m.id);
    progress("mirroring attachments");
    let (data_dir, layout) = (b.data_dir.clone(), b.layout.clone());
    let mirrored = tokio::task::spawn_blocking(move || mirror_attachments(&data_dir, &layout)).await??;
    progress(&format!("attachments: {} copied, {} in the archive", mirrored.copied, mirrored.total));

    progress("pg_basebackup (tar, gzip, fast checkpoint, WAL streamed)");
    let mut cmd = std::process::Command::new(b.cluster.program("pg_basebackup"));
    cmd.arg("-D")
        .arg(dir.join("pg"))
        .args([
            "-Ft",
            "-z",
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "--no-password",
        ])
        .args(["-p", &port.to_string(), "-l", &format!("qala {}", m.id)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || cmd.output()).await?.context("cannot run pg_basebackup")?;
    if !out.status.success() {
        bail!("pg_basebackup failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let pg_manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("pg").join("backup_manifest"))
            .context("pg_basebackup wrote no backup_manifest")?,
    )?;
    if let Some(range) = pg_manifest["WAL-Ranges"].as_array().and_then(|r| r.first()) {
        m.timeline = range["Timeline"].as_u64().map(|t| t as u32);
        m.wal_start_lsn = range["Start-LSN"].as_str().map(str::to_string);
        m.wal_end_lsn = range["End-LSN"].as_str().map(str::to_string);
    }
    progress(&format!(
        "base backup taken: WAL {} .. {}",
        m.wal_start_lsn.as_deref().unwrap_or("?"),
        m.wal_end_lsn.as_deref().unwrap_or("?")
    ));

    m.dems = dems(pool, &b.data_dir, &dir).await?;
    progress(&format!(
        "DEMs: {} registered, {} copied",
        m.dems.len(),
        m.dems.iter().filter(|d| d.copied_as.is_some()).count()
    ));

    // Files attached while pg_basebackup ran.
    let (data_dir, layout) = (b.data_dir.clone(), b.layout.clone());
    let mirrored = tokio::task::spawn_blocking(move || mirror_attachments(&data_dir, &layout)).await??;
    m.attachments = mirrored.total;
    m.attachment_bytes = mirrored.bytes;

    let d = dir.clone();
    m.files = tokio::task::spawn_blocking(move || hash_tree(&d)).await??;
    m.size_bytes = m.files.iter().map(|f| f.size).sum();
    progress(&format!("{} files, {} bytes, hashed", m.files.len(), m.size_bytes));
    Ok(())
}

/// Every file under `dir` but the manifest itself, with size and SHA-256, sorted by path.
fn hash_tree(dir: &Path) -> Result<Vec<FileEntry>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)?.flatten() {
            let p = e.path();
            if e.file_type()?.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir)?.to_string_lossy().to_string();
            if rel == "manifest.json" || rel.ends_with(".tmp") {
                continue;
            }
            let (sha256, size) = sha256_file(&p)?;
            out.push(FileEntry { path: rel, size, sha256 });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Checks every file of a backup against its manifest (size and SHA-256).
pub fn check_files(dir: &Path, m: &Manifest) -> Result<()> {
    for f in &m.files {
        let (sha, size) = sha256_file(&dir.join(&f.path))?;
        if sha != f.sha256 || size != f.size {
            bail!("{} differs from the manifest", f.path);
        }
    }
    Ok(())
}
