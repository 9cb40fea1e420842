//! Revocation: OCSP first, then CRLs, each answer cached for its own lifetime on an injected
//! clock. Where the answers come from is a [`RevocationSource`]: HTTP in production
//! ([`HttpSource`]), recorded answers in tests. Local CRL files (offline operation) are read once.
//!
//! - [`ocsp`]: requests and checked responses; [`crl`]: CRLs and delta CRLs; [`cache`]: the TTL
//!   cache and the clock.

pub mod cache;
pub mod crl;
pub mod ocsp;

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sha2::Digest;

use crate::eds::cert::Cert;
use cache::{Clock, TtlCache};
use crl::{Crl, Entry};
use ocsp::Answer;

/// A boxed future (the source trait stays object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An OCSP response as a source returns it.
#[derive(Debug, Clone)]
pub struct OcspReply {
    pub der: Vec<u8>,
    /// True when the response answers the request just sent (its echoed nonce must match);
    /// false for recorded answers.
    pub live: bool,
}

/// Where OCSP responses and CRLs come from.
pub trait RevocationSource: Send + Sync + Debug {
    /// Sends the DER `request` about the certificate `serial_hex` to `url`.
    fn ocsp<'a>(
        &'a self,
        url: &'a str,
        request: &'a [u8],
        serial_hex: &'a str,
    ) -> BoxFuture<'a, Option<OcspReply>>;
    /// Fetches the CRL at `url` (DER or PEM).
    fn crl<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<Vec<u8>>>;
}

/// OCSP by HTTP POST and CRLs by HTTP GET, each bounded by the timeout and in size.
#[derive(Debug, Clone)]
pub struct HttpSource {
    client: reqwest::Client,
}

impl HttpSource {
    pub fn new(timeout: StdDuration) -> Result<HttpSource, reqwest::Error> {
        Ok(HttpSource {
            client: reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build()?,
        })
    }

    async fn body(resp: reqwest::Response, limit: usize) -> Option<Vec<u8>> {
        let mut resp = resp.error_for_status().ok()?;
        if resp.content_length().is_some_and(|l| l > limit as u64) {
            return None;
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.ok()? {
            out.extend_from_slice(&chunk);
            if out.len() > limit {
                return None;
            }
        }
        Some(out)
    }
}

impl RevocationSource for HttpSource {
    fn ocsp<'a>(
        &'a self,
        url: &'a str,
        request: &'a [u8],
        _serial_hex: &'a str,
    ) -> BoxFuture<'a, Option<OcspReply>> {
        Box::pin(async move {
            let sent = self
                .client
                .post(url)
                .header("content-type", "application/ocsp-request")
                .header("accept", "application/ocsp-response")
                .body(request.to_vec())
                .send()
                .await;
            match sent {
                Ok(resp) => {
                    Self::body(resp, ocsp::MAX_RESPONSE_BYTES).await.map(|der| OcspReply { der, live: true })
                }
                Err(e) => {
                    tracing::warn!(url, error = %e, "OCSP request failed");
                    None
                }
            }
        })
    }

    fn crl<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            match self.client.get(url).send().await {
                Ok(resp) => Self::body(resp, crl::MAX_CRL_BYTES as usize).await,
                Err(e) => {
                    tracing::warn!(url, error = %e, "CRL download failed");
                    None
                }
            }
        })
    }
}

/// DER of a CRL file that may be PEM.
pub fn crl_der(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.windows(10).any(|w| w == b"-----BEGIN")
        && let Ok((_, der)) = der::pem::decode_vec(&bytes)
    {
        return der;
    }
    bytes
}

/// What the revocation check found for one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Good { source: &'static str, checked_at: DateTime<Utc> },
    Revoked { revoked_at: DateTime<Utc>, reason: Option<String>, source: &'static str },
    Unknown,
}

/// Settings of the checker.
#[derive(Debug, Clone)]
pub struct Options {
    pub ocsp_url: Option<String>,
    pub fetch_crls: bool,
}

/// OCSP then CRLs, with caches.
pub struct Checker {
    source: Arc<dyn RevocationSource>,
    clock: Clock,
    options: Options,
    local: Vec<Arc<Crl>>,
    ocsp_cache: TtlCache<(Vec<u8>, String), ocsp::Checked>,
    crl_cache: TtlCache<String, Option<Arc<Crl>>>,
}

impl Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("source", &self.source)
            .field("options", &self.options)
            .field("local_crls", &self.local.len())
            .field("ocsp_cached", &self.ocsp_cache.len())
            .field("crls_cached", &self.crl_cache.len())
            .finish()
    }
}

/// Longest time an answer is kept, whatever its nextUpdate says.
const MAX_CACHE: Duration = Duration::hours(24);
/// How long a failed CRL download is not retried.
const NEGATIVE_CACHE: Duration = Duration::minutes(1);

fn judged(
    entry: Option<Entry>,
    at: DateTime<Utc>,
    source: &'static str,
    checked_at: DateTime<Utc>,
) -> Outcome {
    match entry {
        Some(e) if e.revoked_at <= at => {
            Outcome::Revoked { revoked_at: e.revoked_at, reason: e.reason, source }
        }
        _ => Outcome::Good { source, checked_at },
    }
}

impl Checker {
    pub fn new(
        source: Arc<dyn RevocationSource>,
        clock: Clock,
        options: Options,
        local: Vec<Crl>,
    ) -> Checker {
        Checker {
            source,
            clock,
            options,
            local: local.into_iter().map(Arc::new).collect(),
            ocsp_cache: TtlCache::new(10_000),
            crl_cache: TtlCache::new(64),
        }
    }

    /// The status of `cert` (issued by `issuer`) at `at`.
    pub async fn status(&self, cert: &Cert, issuer: &Cert, at: DateTime<Utc>) -> Outcome {
        if let Some(found) = self.by_ocsp(cert, issuer, at).await {
            return found;
        }
        self.by_crl(cert, issuer, at).await.unwrap_or(Outcome::Unknown)
    }

    async fn by_ocsp(&self, cert: &Cert, issuer: &Cert, at: DateTime<Utc>) -> Option<Outcome> {
        let now = (self.clock)();
        let key = (sha2::Sha256::digest(&issuer.spki_der).to_vec(), cert.serial_hex.clone());
        let checked = match self.ocsp_cache.get(&key, now) {
            Some(c) => c,
            None => {
                let url = self.options.ocsp_url.clone().or_else(|| cert.ocsp_urls.first().cloned())?;
                let request = ocsp::request(cert, issuer).ok()?;
                let reply = self.source.ocsp(&url, &request.der, &cert.serial_hex).await?;
                let nonce = reply.live.then_some(request.nonce.as_slice());
                match ocsp::check(&reply.der, cert, issuer, nonce, now) {
                    Ok(c) => {
                        let expires = c
                            .next_update
                            .unwrap_or(c.this_update + ocsp::MAX_AGE_WITHOUT_NEXT_UPDATE)
                            .min(now + MAX_CACHE);
                        if c.answer != Answer::Unknown {
                            self.ocsp_cache.put(key, c.clone(), expires, now);
                        }
                        c
                    }
                    Err(e) => {
                        tracing::warn!(url, error = %e, "OCSP response refused");
                        return None;
                    }
                }
            }
        };
        match checked.answer {
            Answer::Good => Some(Outcome::Good { source: "ocsp", checked_at: checked.this_update }),
            Answer::Revoked(e) => Some(judged(Some(e), at, "ocsp", checked.this_update)),
            Answer::Unknown => None,
        }
    }

    async fn fetched(&self, url: &str, now: DateTime<Utc>) -> Option<Arc<Crl>> {
        if let Some(hit) = self.crl_cache.get(&url.to_string(), now) {
            return hit;
        }
        let parsed = match self.source.crl(url).await {
            Some(bytes) => match Crl::parse(&crl_der(bytes)) {
                Ok(c) => Some(Arc::new(c)),
                Err(e) => {
                    tracing::warn!(url, error = %e, "CRL unreadable");
                    None
                }
            },
            None => None,
        };
        let expires = match &parsed {
            Some(c) => c.next_update.unwrap_or(now + Duration::hours(1)).min(now + MAX_CACHE),
            None => now + NEGATIVE_CACHE,
        };
        self.crl_cache.put(url.to_string(), parsed.clone(), expires, now);
        parsed
    }

    async fn by_crl(&self, cert: &Cert, issuer: &Cert, at: DateTime<Utc>) -> Option<Outcome> {
        let now = (self.clock)();
        let mut all: Vec<Arc<Crl>> = self.local.clone();
        if self.options.fetch_crls {
            for url in cert.crl_urls.iter().take(4) {
                all.extend(self.fetched(url, now).await);
            }
        }
        let usable = |c: &Arc<Crl>| c.applies(at, now) && c.issued_by(issuer);
        let base = all
            .iter()
            .filter(|c| c.delta_base.is_none())
            .filter(|c| usable(c))
            .max_by_key(|c| c.this_update)?
            .clone();
        if self.options.fetch_crls {
            let mut urls: Vec<String> = cert.freshest_crl_urls.clone();
            urls.extend(base.freshest_urls.iter().cloned());
            urls.dedup();
            for url in urls.iter().take(4) {
                all.extend(self.fetched(url, now).await);
            }
        }
        let deltas: Vec<&Crl> =
            all.iter().filter(|c| c.delta_base.is_some() && usable(c)).map(|c| c.as_ref()).collect();
        let entry = crl::lookup(&base, &deltas, &cert.serial_hex, at);
        Some(judged(entry, at, "crl", base.this_update))
    }
}
