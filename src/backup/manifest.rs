//! A backup's manifest on disk (`<data-dir>/backups/base/<id>/manifest.json`): what `qala restore`
//! and `qala backup list` read when the database is gone. Written atomically (temporary file,
//! fsync, rename, fsync of the directory).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One file of a backup with its size and SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the backup's directory.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// A DEM registered in the database, as the backup found it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemEntry {
    pub id: String,
    /// The path the `dems` row names.
    pub file: String,
    pub sha256: Option<String>,
    /// Where the copy is, relative to the data directory (files under the data dir are copied;
    /// others are only recorded with their SHA-256).
    pub copied_as: Option<String>,
}

/// The result of checking a backup by restoring it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verification {
    pub verified_at: DateTime<Utc>,
    pub ok: bool,
    /// Tables compared, rows, attachment files checked, mismatches.
    pub detail: serde_json::Value,
}

/// A base backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub timeline: Option<u32>,
    pub wal_start_lsn: Option<String>,
    pub wal_end_lsn: Option<String>,
    /// Bytes of the backup's own files.
    pub size_bytes: u64,
    pub files: Vec<FileEntry>,
    /// Attachment files in the archive when the backup ended, and their bytes.
    pub attachments: u64,
    pub attachment_bytes: u64,
    pub dems: Vec<DemEntry>,
    pub error: Option<String>,
    pub verification: Option<Verification>,
}

impl Manifest {
    pub fn new(id: &str, started_at: DateTime<Utc>) -> Manifest {
        Manifest {
            id: id.to_string(),
            state: "running".into(),
            started_at,
            finished_at: None,
            timeline: None,
            wal_start_lsn: None,
            wal_end_lsn: None,
            size_bytes: 0,
            files: vec![],
            attachments: 0,
            attachment_bytes: 0,
            dems: vec![],
            error: None,
            verification: None,
        }
    }
}

/// The backups' directories of a data directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(data_dir: &Path) -> Layout {
        Layout { root: data_dir.join("backups") }
    }
    pub fn base(&self) -> PathBuf {
        self.root.join("base")
    }
    pub fn backup(&self, id: &str) -> PathBuf {
        self.base().join(id)
    }
    pub fn wal(&self) -> PathBuf {
        self.root.join("wal")
    }
    /// The content-addressed archive of attachment files (`<aa>/<sha256>`, like the live dir).
    pub fn attachments(&self) -> PathBuf {
        self.root.join("files").join("attachments")
    }
    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Writes the manifest of its backup atomically.
    pub fn write(&self, m: &Manifest) -> Result<()> {
        let dir = self.backup(&m.id);
        fs::create_dir_all(&dir)?;
        write_atomic(&dir.join("manifest.json"), &serde_json::to_vec_pretty(m)?)
    }

    pub fn read(&self, id: &str) -> Result<Manifest> {
        let p = self.backup(id).join("manifest.json");
        let text = fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        serde_json::from_slice(&text).with_context(|| format!("{} is not a backup manifest", p.display()))
    }

    /// Every manifest on disk, oldest first (ids sort by time). Unreadable ones are skipped with a
    /// warning.
    pub fn list(&self) -> Vec<Manifest> {
        let Ok(entries) = fs::read_dir(self.base()) else { return vec![] };
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| valid_id(n))
            .collect();
        ids.sort();
        ids.iter()
            .filter_map(|id| match self.read(id) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!(error = %e, "skipping an unreadable backup manifest");
                    None
                }
            })
            .collect()
    }
}

/// A backup id: its start time, `YYYYMMDDTHHMMSSZ`.
pub fn id_of(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

pub fn valid_id(s: &str) -> bool {
    s.len() == 16
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'T',
            15 => b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

/// SHA-256 (hex) and size of a file, read in blocks.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Writes `bytes` to `path` through a temporary file, fsync'd, renamed, the directory fsync'd.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Copies `from` to `to` (a new file) through a temporary name, fsync'd.
pub fn copy_durable(from: &Path, to: &Path) -> Result<u64> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = to.with_extension("part");
    let n = fs::copy(from, &tmp)
        .with_context(|| format!("cannot copy {} to {}", from.display(), tmp.display()))?;
    File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, to)?;
    sync_dir(to.parent().unwrap_or(Path::new(".")))?;
    Ok(n)
}

pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_times_and_checked() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T13:05:09Z").unwrap().with_timezone(&Utc);
        assert_eq!(id_of(t), "20261203T130509Z");
        assert!(valid_id("20261203T130509Z"));
        assert!(!valid_id("../../etc/passw"));
        assert!(!valid_id("20261203T130509"));
    }
}
