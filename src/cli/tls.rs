//! The HTTPS flags of `qala serve` ([`TlsArgs`], flattened into `ServeArgs`).

use std::path::PathBuf;

/// HTTPS terminated by Qala, and the plain listener that redirects to it.
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain (leaf first) to serve HTTPS with; needs --tls-key. Re-read on SIGHUP
    /// and when the file changes (a pair that does not load keeps the previous one).
    #[arg(long, env = "QALA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "QALA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How often the certificate files are checked for changes, in seconds.
    #[arg(long, env = "QALA_TLS_RELOAD_S", default_value_t = 5)]
    pub tls_reload_s: u64,
    /// A plain-HTTP address (`0.0.0.0:80`) answering 308 to --public-url + path and query.
    #[arg(long, env = "QALA_HTTP_REDIRECT_BIND")]
    pub http_redirect_bind: Option<String>,
}

impl TlsArgs {
    /// The serving options these flags ask for.
    pub fn options(&self) -> qala::http::ServeOptions {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(qala::http::tls::TlsSettings {
                cert: cert.clone(),
                key: key.clone(),
                poll: std::time::Duration::from_secs(self.tls_reload_s.clamp(1, 3600)),
            }),
            _ => None,
        };
        qala::http::ServeOptions { tls, redirect_bind: self.http_redirect_bind.clone() }
    }
}
