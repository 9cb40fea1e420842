//! The verifier's public face: [`Verifier::verify`] takes a CMS (and detached data), the purpose
//! (AUTH or SIGN) and the time at which validity is judged, and returns a [`Verdict`] with one
//! [`SignerReport`] per signer: identity, certificate facts, chain, revocation status and, when
//! refused, the first [`Refusal`] in the order signature, chain, validity, key usage, revocation.
//! Anchors and local CRLs are read once at [`Verifier::new`]; OCSP and CRL answers are cached.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::cert::Cert;
use super::chain::{self, ChainError};
use super::cms::{self, Check};
use super::identity::{self, Identity};
use super::revocation::cache::{Clock, system_clock};
use super::revocation::crl::Crl;
use super::revocation::{self, Checker, HttpSource, Options, Outcome, RevocationSource};
use super::roots::{self, Anchor, EdsSetupError, RootInfo};
use super::usage::{self, KeyPurpose};
use crate::i18n::Msg;

/// What to do when neither OCSP nor a CRL answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownRevocationPolicy {
    #[default]
    Refuse,
    Accept,
}

/// How the verifier is set up.
#[derive(Debug, Clone)]
pub struct EdsConfig {
    /// Files or directories of PEM/DER trust anchors.
    pub roots: Vec<PathBuf>,
    /// Directories (or files) of local CRLs; a missing directory is skipped.
    pub crl_dirs: Vec<PathBuf>,
    /// The OCSP responder to ask instead of the certificate's AIA.
    pub ocsp_url: Option<String>,
    /// Fetch CRLs and delta CRLs from the certificates' distribution points.
    pub fetch_crls: bool,
    pub unknown_revocation: UnknownRevocationPolicy,
    /// Per OCSP or CRL request.
    pub timeout: Duration,
}

/// The revocation status of a signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RevocationStatus {
    Good {
        source: &'static str,
        checked_at: DateTime<Utc>,
    },
    Revoked {
        revoked_at: DateTime<Utc>,
        reason: Option<String>,
        source: &'static str,
    },
    Unknown {
        accepted_by_policy: bool,
    },
    /// Not asked: the signer was refused before (signature, chain, validity or key usage).
    NotChecked,
}

/// Why a signer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    BadSignature,
    DataMismatch,
    UntrustedChain,
    NotYetValid,
    Expired,
    WrongKeyUsage,
    Revoked,
    RevocationUnknown,
    UnsupportedAlgorithm,
}

impl Refusal {
    pub fn msg(self) -> Msg {
        match self {
            Refusal::BadSignature => Msg::EdsBadSignature,
            Refusal::DataMismatch => Msg::EdsDataMismatch,
            Refusal::UntrustedChain => Msg::EdsUntrustedChain,
            Refusal::NotYetValid => Msg::EdsNotYetValid,
            Refusal::Expired => Msg::EdsExpired,
            Refusal::WrongKeyUsage => Msg::EdsWrongKeyUsage,
            Refusal::Revoked => Msg::EdsRevoked,
            Refusal::RevocationUnknown => Msg::EdsRevocationUnknown,
            Refusal::UnsupportedAlgorithm => Msg::EdsUnsupportedAlgorithm,
        }
    }

    pub fn code(self) -> &'static str {
        self.msg().code()
    }
}

/// Why a CMS could not be judged at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum EdsError {
    /// Not a CMS SignedData, too large, no signer, a signer without its certificate.
    #[error("unreadable signature: {0}")]
    Unreadable(String),
    /// Neither attached content nor detached data.
    #[error("the signature carries no content and no data was given")]
    NoContent,
}

impl EdsError {
    pub fn msg(&self) -> Msg {
        match self {
            EdsError::Unreadable(_) => Msg::EdsUnreadable,
            EdsError::NoContent => Msg::EdsNoContent,
        }
    }
}

/// One signer as judged.
#[derive(Debug, Clone, Serialize)]
pub struct SignerReport {
    pub identity: Identity,
    /// Hex, uppercase.
    pub certificate_serial: String,
    pub issuer: String,
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub signing_time: Option<DateTime<Utc>>,
    /// "RSA", "GOST 34.310-2004", "GOST 34.10-2015".
    pub algorithm: String,
    pub key_usage: Vec<String>,
    /// What the certificate is for.
    pub purpose: Option<KeyPurpose>,
    /// Subjects from the signer up to the anchor.
    pub chain: Vec<String>,
    pub revocation: RevocationStatus,
    pub valid: bool,
    pub refusal: Option<Refusal>,
    #[serde(skip)]
    pub certificate_der: Vec<u8>,
}

/// The judgement of a CMS.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Every signer valid, and at least one.
    pub valid: bool,
    pub signers: Vec<SignerReport>,
    /// The encapsulated content, when attached.
    #[serde(skip)]
    pub content: Option<Vec<u8>>,
}

struct Inner {
    anchors: Vec<Anchor>,
    /// SHA-256 of (certificate, issuer key) of links whose signature checked.
    links: std::sync::Mutex<std::collections::HashSet<[u8; 32]>>,
    checker: Checker,
    policy: UnknownRevocationPolicy,
}

/// Verifies NCA CMS signatures; cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("anchors", &self.inner.anchors.len())
            .field("checker", &self.inner.checker)
            .field("policy", &self.inner.policy)
            .finish()
    }
}

fn local_crls(dirs: &[PathBuf]) -> Result<Vec<Crl>, EdsSetupError> {
    let mut out = Vec::new();
    for dir in dirs {
        if !dir.exists() {
            tracing::warn!(dir = %dir.display(), "CRL directory missing, skipped");
            continue;
        }
        for file in roots::files_of(dir, &["crl", "der", "pem"])? {
            let bytes = roots::read_bounded(&file, revocation::crl::MAX_CRL_BYTES)?;
            let crl =
                Crl::parse(&revocation::crl_der(bytes)).map_err(|e| EdsSetupError::Crl(file.clone(), e))?;
            out.push(crl);
        }
    }
    Ok(out)
}

impl Verifier {
    /// Anchors and local CRLs read, OCSP and CRLs over HTTP, the system clock.
    pub fn new(config: EdsConfig) -> Result<Verifier, EdsSetupError> {
        let source = HttpSource::new(config.timeout)
            .map_err(|e| EdsSetupError::Crl(PathBuf::from("http"), e.to_string()))?;
        Self::with_source(config, Arc::new(source), system_clock())
    }

    /// As [`Verifier::new`] with another source of revocation answers and clock (tests).
    pub fn with_source(
        config: EdsConfig,
        source: Arc<dyn RevocationSource>,
        clock: Clock,
    ) -> Result<Verifier, EdsSetupError> {
        let anchors = roots::load(&config.roots)?;
        let crls = local_crls(&config.crl_dirs)?;
        let options = Options { ocsp_url: config.ocsp_url.clone(), fetch_crls: config.fetch_crls };
        Ok(Verifier {
            inner: Arc::new(Inner {
                anchors,
                links: Default::default(),
                checker: Checker::new(source, clock, options, crls),
                policy: config.unknown_revocation,
            }),
        })
    }

    /// The trust anchors.
    pub fn roots(&self) -> Vec<RootInfo> {
        self.inner.anchors.iter().map(Anchor::info).collect()
    }

    /// Judges `cms_der` (with `detached_data` when the content is not attached) for `purpose`
    /// at the time `at`.
    pub async fn verify(
        &self,
        cms_der: &[u8],
        detached_data: Option<&[u8]>,
        purpose: KeyPurpose,
        at: DateTime<Utc>,
    ) -> Result<Verdict, EdsError> {
        let parsed = cms::parse(cms_der).map_err(EdsError::Unreadable)?;
        let (content, detached_differs) = match (&parsed.content, detached_data) {
            (Some(c), d) => (c.as_slice(), d.is_some_and(|d| d != c.as_slice())),
            (None, Some(d)) => (d, false),
            (None, None) => return Err(EdsError::NoContent),
        };
        let mut signers = Vec::with_capacity(parsed.signers.len());
        for si in &parsed.signers {
            let cert = cms::signer_cert(si, &parsed.certs)
                .ok_or_else(|| EdsError::Unreadable("a signer's certificate is not in the CMS".into()))?;
            let check = if detached_differs {
                Check::DataMismatch
            } else {
                cms::check(si, cert, content, &parsed.content_type)
            };
            signers.push(self.judge(cert, &parsed.certs, check, cms::signing_time(si), purpose, at).await);
        }
        Ok(Verdict {
            valid: !signers.is_empty() && signers.iter().all(|s| s.valid),
            signers,
            content: parsed.content.clone(),
        })
    }

    async fn judge(
        &self,
        cert: &Cert,
        pool: &[Cert],
        check: Check,
        signing_time: Option<DateTime<Utc>>,
        purpose: KeyPurpose,
        at: DateTime<Utc>,
    ) -> SignerReport {
        let mut refusal = match check {
            Check::Valid => None,
            Check::BadSignature => Some(Refusal::BadSignature),
            Check::DataMismatch => Some(Refusal::DataMismatch),
            Check::Unsupported => Some(Refusal::UnsupportedAlgorithm),
        };
        let chain = chain::build_with(cert, pool, &self.inner.anchors, &|c: &Cert, i: &Cert| self.link(c, i));
        if refusal.is_none() {
            refusal = match &chain {
                Ok(_) => None,
                Err(ChainError::Untrusted) => Some(Refusal::UntrustedChain),
                Err(ChainError::Unsupported) => Some(Refusal::UnsupportedAlgorithm),
            };
        }
        let links: &[Cert] = chain.as_deref().unwrap_or(std::slice::from_ref(cert));
        if refusal.is_none() {
            refusal = links.iter().find_map(|c| {
                if at < c.not_before {
                    Some(Refusal::NotYetValid)
                } else if at > c.not_after {
                    Some(Refusal::Expired)
                } else {
                    None
                }
            });
        }
        if refusal.is_none() && !usage::allows(cert, purpose) {
            refusal = Some(Refusal::WrongKeyUsage);
        }
        let mut revocation = RevocationStatus::NotChecked;
        if refusal.is_none() {
            let (status, refused) = self.revocation(links, at).await;
            revocation = status;
            refusal = refused;
        }
        SignerReport {
            identity: identity::identity(&cert.cert.tbs_certificate.subject, &cert.eku),
            certificate_serial: cert.serial_hex.clone(),
            issuer: cert.issuer.clone(),
            subject: cert.subject.clone(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            signing_time,
            algorithm: cert.key_algorithm.clone(),
            key_usage: usage::describe(cert),
            purpose: usage::purpose_of(cert),
            chain: links.iter().map(|c| c.subject.clone()).collect(),
            revocation,
            valid: refusal.is_none(),
            refusal,
            certificate_der: cert.der.clone(),
        }
    }

    /// Checks a link's signature once; later chains through it reuse the answer.
    fn link(&self, cert: &Cert, issuer: &Cert) -> Result<(), super::algo::SigError> {
        use sha2::Digest;
        let key: [u8; 32] =
            sha2::Sha256::new().chain_update(&cert.der).chain_update(&issuer.spki_der).finalize().into();
        let known = |k: &[u8; 32]| self.inner.links.lock().unwrap_or_else(|p| p.into_inner()).contains(k);
        if known(&key) {
            return Ok(());
        }
        cert.signed_by(issuer)?;
        let mut links = self.inner.links.lock().unwrap_or_else(|p| p.into_inner());
        if links.len() >= 10_000 {
            links.clear();
        }
        links.insert(key);
        Ok(())
    }

    /// The signer's status (reported) and the refusal, if any, over every certificate below
    /// the anchor.
    async fn revocation(&self, links: &[Cert], at: DateTime<Utc>) -> (RevocationStatus, Option<Refusal>) {
        let accept = self.inner.policy == UnknownRevocationPolicy::Accept;
        let mut reported = None;
        let mut refusal = None;
        for pair in links.windows(2) {
            let status = match self.inner.checker.status(&pair[0], &pair[1], at).await {
                Outcome::Good { source, checked_at } => RevocationStatus::Good { source, checked_at },
                Outcome::Revoked { revoked_at, reason, source } => {
                    refusal = refusal.or(Some(Refusal::Revoked));
                    RevocationStatus::Revoked { revoked_at, reason, source }
                }
                Outcome::Unknown => {
                    if !accept {
                        refusal = refusal.or(Some(Refusal::RevocationUnknown));
                    }
                    RevocationStatus::Unknown { accepted_by_policy: accept }
                }
            };
            reported.get_or_insert(status);
            if refusal.is_some() {
                break;
            }
        }
        (reported.unwrap_or(RevocationStatus::NotChecked), refusal)
    }
}
