//! The files Qala keeps outside the database: attachments (content-addressed, immutable) mirrored
//! into the backups' own content-addressed archive, so a file added after a base backup is kept
//! too; and the DEMs the `dems` table registers.

use std::fs;
use std::path::Path;

use anyhow::Result;
use sqlx::PgPool;

use super::manifest::{DemEntry, Layout, copy_durable, sha256_file};

/// What a mirror pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Mirrored {
    /// Files copied in this pass.
    pub copied: u64,
    /// Files in the archive after it.
    pub total: u64,
    /// Bytes in the archive after it.
    pub bytes: u64,
}

fn is_sha(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Copies every attachment file of `<data_dir>/attachments` missing from the archive. A file is
/// copied only when its content hashes to its name (one still being written is left for the
/// next pass); files already archived are never rewritten. Blocking.
pub fn mirror_attachments(data_dir: &Path, layout: &Layout) -> Result<Mirrored> {
    let live = data_dir.join("attachments");
    let archive = layout.attachments();
    let mut m = Mirrored::default();
    let Ok(shards) = fs::read_dir(&live) else { return Ok(m) };
    for shard in shards.flatten() {
        let Ok(files) = fs::read_dir(shard.path()) else { continue };
        for f in files.flatten() {
            let name = f.file_name().to_string_lossy().to_string();
            if !is_sha(&name) {
                continue;
            }
            let target = archive.join(&name[..2]).join(&name);
            if target.exists() {
                m.total += 1;
                m.bytes += target.metadata().map(|x| x.len()).unwrap_or(0);
                continue;
            }
            let (sha, size) = sha256_file(&f.path())?;
            if sha != name {
                tracing::warn!(file = %f.path().display(), "attachment does not match its name yet; left for the next pass");
                continue;
            }
            copy_durable(&f.path(), &target)?;
            m.copied += 1;
            m.total += 1;
            m.bytes += size;
        }
    }
    Ok(m)
}

/// The DEMs registered in the database: files under the data directory are copied into the
/// backup (`<backup>/dems/<relative path>`), others recorded with their path and SHA-256.
pub async fn dems(pool: &PgPool, data_dir: &Path, backup_dir: &Path) -> Result<Vec<DemEntry>> {
    let rows: Vec<(String, String)> = sqlx::query_as(include_str!("sql/dems.sql")).fetch_all(pool).await?;
    let (data_dir, backup_dir) = (data_dir.to_path_buf(), backup_dir.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for (id, file) in rows {
            let p = Path::new(&file);
            let abs = p.canonicalize().ok();
            let sha = abs.as_deref().and_then(|a| sha256_file(a).ok()).map(|(s, _)| s);
            let rel = abs.as_deref().and_then(|a| a.strip_prefix(&data_dir).ok()).map(|r| r.to_path_buf());
            let copied_as = match (&abs, rel) {
                (Some(a), Some(r)) => {
                    copy_durable(a, &backup_dir.join("dems").join(&r))?;
                    Some(r.to_string_lossy().to_string())
                }
                _ => None,
            };
            out.push(DemEntry { id, file, sha256: sha, copied_as });
        }
        Ok(out)
    })
    .await?
}
