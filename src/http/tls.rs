//! HTTPS served by Qala itself: rustls (ring provider), TLS 1.2 and 1.3 only, the certificate and
//! key re-read without a restart, HSTS, and the plain-HTTP listener that only redirects.
//!
//! - [`CertStore`] is the server's certificate resolver: it hands out the current pair, an `Arc`
//!   swapped by [`CertStore::reload`]. A new pair that does not load (unreadable, not PEM, a key
//!   that does not match the certificate) is refused and logged; the old pair stays in use.
//! - [`spawn_reloader`] reloads on SIGHUP and when either file's modification time or size
//!   changes (polled: the files are two `stat`s, and polling also sees a renamed-over file).
//! - [`serve_redirect`] answers every request on a plain listener with 308 to the configured
//!   public URL (never the `Host` header) plus the path and query.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

/// The `Strict-Transport-Security` value of every HTTPS answer.
pub const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000; includeSubDomains");

/// Largest certificate chain or key file read, in bytes.
const MAX_PEM_BYTES: u64 = 1 << 20;

/// Where the certificate chain and its key are, and how often they are checked for changes.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub poll: Duration,
}

/// The current certificate and key, swapped whole when new files load.
#[derive(Debug)]
pub struct CertStore {
    settings: TlsSettings,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    /// Loads the pair; an error names the file and the reason (the server does not start).
    pub fn load(settings: TlsSettings) -> anyhow::Result<Arc<CertStore>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let pair = read_pair(&settings.cert, &settings.key, &provider)?;
        Ok(Arc::new(CertStore { settings, provider, current: RwLock::new(Arc::new(pair)) }))
    }

    /// Re-reads the files: `Ok` when the new pair is in use, `Err` (logged) when the old one stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        match read_pair(&self.settings.cert, &self.settings.key, &self.provider) {
            Ok(pair) => {
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(pair);
                tracing::info!(cert = %self.settings.cert.display(), "TLS certificate reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "TLS certificate not reloaded; the previous one stays in use");
                Err(e)
            }
        }
    }

    /// The rustls configuration serving this store's pair: TLS 1.2 and 1.3, ALPN h2 and http/1.1.
    pub fn server_config(self: &Arc<Self>) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    fn stamp(&self) -> Option<(Stamp, Stamp)> {
        Some((stamp(&self.settings.cert)?, stamp(&self.settings.key)?))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner())))
    }
}

type Stamp = (Option<SystemTime>, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok(), m.len()))
}

fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut buf = Vec::new();
    f.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    anyhow::ensure!(
        buf.len() as u64 <= MAX_PEM_BYTES,
        "{}: larger than {MAX_PEM_BYTES} bytes",
        path.display()
    );
    Ok(buf)
}

/// Reads a PEM certificate chain (leaf first) and its PEM private key, and checks they match.
fn read_pair(cert: &Path, key: &Path, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let certs = CertificateDer::pem_slice_iter(&read_bounded(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{}: not a PEM certificate chain: {e}", cert.display()))?;
    anyhow::ensure!(!certs.is_empty(), "{}: no certificate in the file", cert.display());
    let private = PrivateKeyDer::from_pem_slice(&read_bounded(key)?)
        .map_err(|e| anyhow::anyhow!("{}: not a PEM private key: {e}", key.display()))?;
    CertifiedKey::from_der(certs, private, provider)
        .map_err(|e| anyhow::anyhow!("{} and {}: {e}", cert.display(), key.display()))
}

/// Reloads `store` on SIGHUP and when its files change, until the returned task is aborted.
pub fn spawn_reloader(store: Arc<CertStore>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let mut seen = store.stamp();
        let mut tick = tokio::time::interval(store.settings.poll.max(Duration::from_millis(100)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let hangup = async {
                match hup.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = hangup => {
                    tracing::info!("SIGHUP: reloading the TLS certificate");
                    let _ = store.reload();
                    seen = store.stamp();
                }
                _ = tick.tick() => {
                    let now = store.stamp();
                    // A half-written pair fails to load and is retried at the next change (the
                    // writer's last write changes the stamp again).
                    if now.is_some() && now != seen {
                        seen = now;
                        let _ = store.reload();
                    }
                }
            }
        }
    })
}

/// The redirect's target: `public_url` (its own path prefix kept) + the request's path and query.
pub fn redirect_target(public_url: &str, path_and_query: Option<&str>) -> String {
    let base = public_url.trim_end_matches('/');
    let pq = path_and_query.filter(|p| p.starts_with('/')).unwrap_or("/");
    format!("{base}{pq}")
}

/// Answers every request on `listener` with 308 to `public_url` + path and query. Each connection
/// has `header_timeout` to send its headers and at most a minute in all; at most 1,024 at once.
pub async fn serve_redirect(listener: TcpListener, public_url: String, header_timeout: Duration) {
    let slots = Arc::new(tokio::sync::Semaphore::new(1024));
    let public_url: Arc<str> = public_url.into();
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!(error = %e, "redirect listener: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let public_url = Arc::clone(&public_url);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let target = redirect_target(&public_url, req.uri().path_and_query().map(|p| p.as_str()));
                async move {
                    let mut resp = hyper::Response::new(axum::body::Body::empty());
                    *resp.status_mut() = StatusCode::PERMANENT_REDIRECT;
                    if let Ok(v) = HeaderValue::from_str(&target) {
                        resp.headers_mut().insert(header::LOCATION, v);
                    }
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redirect_targets() {
        use super::redirect_target as t;
        assert_eq!(t("https://gis.example.kz", Some("/a/b?x=1")), "https://gis.example.kz/a/b?x=1");
        assert_eq!(t("https://gis.example.kz/qala/", Some("/t?z")), "https://gis.example.kz/qala/t?z");
        assert_eq!(t("https://gis.example.kz", None), "https://gis.example.kz/");
        assert_eq!(t("https://gis.example.kz", Some("http://evil/")), "https://gis.example.kz/");
    }
}
