//! `qala eds`: verify a CMS signature (`verify`) and list the trust anchors (`roots`); the EDS
//! flags ([`EdsArgs`]) that `qala serve` flattens too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use base64::Engine;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};

use qala::config::Settings;
use qala::eds::{EdsConfig, KeyPurpose, UnknownRevocationPolicy, Verifier};

/// Where the verifier finds its anchors, CRLs and OCSP responder.
#[derive(Debug, Clone, Args)]
pub struct EdsArgs {
    /// Trust anchors: a PEM/DER file or a directory of them (repeatable; default
    /// `<open-data-dir>/eds/ca`).
    #[arg(long = "eds-roots", env = "QALA_EDS_ROOTS", value_delimiter = ',')]
    pub roots: Vec<PathBuf>,
    /// A directory of local CRL files (repeatable; default `<open-data-dir>/eds/crl`).
    #[arg(long = "eds-crl-dir", env = "QALA_EDS_CRL_DIR", value_delimiter = ',')]
    pub crl_dirs: Vec<PathBuf>,
    /// Ask this OCSP responder instead of the one the certificate names.
    #[arg(long = "eds-ocsp-url", env = "QALA_EDS_OCSP_URL")]
    pub ocsp_url: Option<String>,
    /// Do not download CRLs from the certificates' distribution points.
    #[arg(long = "eds-no-crl-fetch", env = "QALA_EDS_NO_CRL_FETCH")]
    pub no_crl_fetch: bool,
    /// When neither OCSP nor a CRL answers: refuse the signature, or accept it (reported).
    #[arg(long = "eds-unknown-revocation", env = "QALA_EDS_UNKNOWN_REVOCATION", value_enum, default_value_t = UnknownRevocation::Refuse)]
    pub unknown_revocation: UnknownRevocation,
    /// Seconds per OCSP or CRL request.
    #[arg(long = "eds-timeout", env = "QALA_EDS_TIMEOUT", default_value_t = 10)]
    pub timeout_secs: u64,
}

/// `--eds-unknown-revocation`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnknownRevocation {
    Refuse,
    Accept,
}

impl EdsArgs {
    /// The verifier's configuration; defaults under `open_data_dir`.
    pub fn config(&self, open_data_dir: &Path) -> EdsConfig {
        let or =
            |v: &Vec<PathBuf>, d: &str| if v.is_empty() { vec![open_data_dir.join(d)] } else { v.clone() };
        EdsConfig {
            roots: or(&self.roots, "eds/ca"),
            crl_dirs: or(&self.crl_dirs, "eds/crl"),
            ocsp_url: self.ocsp_url.clone(),
            fetch_crls: !self.no_crl_fetch,
            unknown_revocation: match self.unknown_revocation {
                UnknownRevocation::Refuse => UnknownRevocationPolicy::Refuse,
                UnknownRevocation::Accept => UnknownRevocationPolicy::Accept,
            },
            timeout: Duration::from_secs(self.timeout_secs.clamp(1, 120)),
        }
    }
}

/// `qala eds …`.
#[derive(Debug, Subcommand)]
pub enum EdsAction {
    /// Verify a CMS (PKCS#7) signature; prints the verdict as JSON. Exit 0 when every signature
    /// is valid, 1 when one is refused, 2 when the input cannot be read.
    Verify {
        /// The CMS: DER, PEM or base64 (as NCALayer returns it).
        #[arg(long)]
        cms: PathBuf,
        /// The signed data, when the CMS is detached.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The time at which validity is judged (RFC 3339; default now).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        #[arg(long, value_enum, default_value_t = Purpose::Sign)]
        purpose: Purpose,
        #[command(flatten)]
        eds: EdsArgs,
    },
    /// List the trust anchors as JSON.
    Roots {
        #[command(flatten)]
        eds: EdsArgs,
    },
}

/// `--purpose`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Purpose {
    Auth,
    Sign,
}

/// Input files are bounded like the verifier's input.
const MAX_INPUT: u64 = 96 << 20;

fn read(path: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    anyhow::ensure!(len <= MAX_INPUT, "{} is larger than {} MB", path.display(), MAX_INPUT >> 20);
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// DER from DER, PEM or base64 text.
pub fn cms_der(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.first() == Some(&0x30) {
        return bytes;
    }
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let body: String =
            text.lines().filter(|l| !l.starts_with("-----")).flat_map(|l| l.trim().chars()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
            return der;
        }
    }
    bytes
}

/// Runs `qala eds …`; the process's exit code (stdout flushed).
pub async fn run(settings: &Settings, action: EdsAction) -> Result<u8> {
    let code = run_inner(settings, action).await?;
    std::io::Write::flush(&mut std::io::stdout())?;
    Ok(code)
}

async fn run_inner(settings: &Settings, action: EdsAction) -> Result<u8> {
    let lang = qala::i18n::cli_lang();
    match action {
        EdsAction::Roots { eds } => {
            let verifier = Verifier::new(eds.config(&settings.open_data_dir))?;
            println!("{}", serde_json::to_string_pretty(&verifier.roots())?);
            Ok(0)
        }
        EdsAction::Verify { cms, data, at, purpose, eds } => {
            let verifier = Verifier::new(eds.config(&settings.open_data_dir))?;
            let cms = cms_der(read(&cms)?);
            let data = data.as_deref().map(read).transpose()?;
            let purpose = match purpose {
                Purpose::Auth => KeyPurpose::Auth,
                Purpose::Sign => KeyPurpose::Sign,
            };
            match verifier.verify(&cms, data.as_deref(), purpose, at.unwrap_or_else(Utc::now)).await {
                Ok(verdict) => {
                    let mut json = serde_json::to_value(&verdict)?;
                    for (report, signer) in
                        verdict.signers.iter().zip(json["signers"].as_array_mut().into_iter().flatten())
                    {
                        if let Some(r) = report.refusal {
                            signer["message"] = r.msg().text(lang).into();
                        }
                    }
                    println!("{}", serde_json::to_string_pretty(&json)?);
                    Ok(if verdict.valid { 0 } else { 1 })
                }
                Err(e) => {
                    let json = serde_json::json!({"valid": false, "error": e.msg().code(), "message": e.msg().text(lang), "detail": e.to_string()});
                    println!("{}", serde_json::to_string_pretty(&json)?);
                    Ok(2)
                }
            }
        }
    }
}
