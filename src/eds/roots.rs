//! Trust anchors: certificates read once from the configured files and directories (PEM or DER;
//! the test and production NCA roots may sit side by side), and what `qala eds roots` lists.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::cert::Cert;

/// Files larger than this are not certificates.
const MAX_FILE: u64 = 1 << 20;
/// At most this many anchors.
const MAX_ANCHORS: usize = 256;

/// An anchor as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RootInfo {
    pub subject: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub algorithm: String,
    pub sha256: String,
    pub file: PathBuf,
}

/// A trust anchor and the file it came from.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub cert: Cert,
    pub file: PathBuf,
}

impl Anchor {
    pub fn info(&self) -> RootInfo {
        RootInfo {
            subject: self.cert.subject.clone(),
            serial: self.cert.serial_hex.clone(),
            not_before: self.cert.not_before,
            not_after: self.cert.not_after,
            algorithm: self.cert.key_algorithm.clone(),
            sha256: self.cert.fingerprint(),
            file: self.file.clone(),
        }
    }
}

/// Why the anchors could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EdsSetupError {
    #[error("cannot read {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not a certificate (PEM or DER): {1}")]
    NotACertificate(PathBuf, String),
    #[error("no trust anchors in {0}")]
    NoAnchors(String),
    #[error("more than {MAX_ANCHORS} trust anchors")]
    TooMany,
    #[error("cannot read the CRL {0}: {1}")]
    Crl(PathBuf, String),
}

/// The files of `path` (itself, or the certificate-looking files of a directory, sorted).
pub fn files_of(path: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, EdsSetupError> {
    let meta = std::fs::metadata(path).map_err(|e| EdsSetupError::Io(path.to_path_buf(), e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| EdsSetupError::Io(path.to_path_buf(), e))? {
        let p = entry.map_err(|e| EdsSetupError::Io(path.to_path_buf(), e))?.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if p.is_file() && extensions.contains(&ext.as_str()) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, EdsSetupError> {
    let meta = std::fs::metadata(path).map_err(|e| EdsSetupError::Io(path.to_path_buf(), e))?;
    if meta.len() > limit {
        return Err(EdsSetupError::NotACertificate(path.to_path_buf(), format!("larger than {limit} bytes")));
    }
    std::fs::read(path).map_err(|e| EdsSetupError::Io(path.to_path_buf(), e))
}

/// Loads every anchor under `paths`.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Anchor>, EdsSetupError> {
    let mut anchors: Vec<Anchor> = Vec::new();
    for path in paths {
        for file in files_of(path, &["crt", "cer", "pem", "der"])? {
            let bytes = read_bounded(&file, MAX_FILE)?;
            let certs = Cert::read_all(&bytes)
                .map_err(|e| EdsSetupError::NotACertificate(file.clone(), e.to_string()))?;
            for cert in certs {
                if !anchors.iter().any(|a| a.cert.der == cert.der) {
                    anchors.push(Anchor { cert, file: file.clone() });
                }
            }
            if anchors.len() > MAX_ANCHORS {
                return Err(EdsSetupError::TooMany);
            }
        }
    }
    if anchors.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(EdsSetupError::NoAnchors(names.join(", ")));
    }
    Ok(anchors)
}
