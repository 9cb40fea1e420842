//! What a handler learns about a request besides its body: the caller's language, the client's
//! address and the server's public URL.
//!
//! The client address comes from the socket; `X-Forwarded-For` is believed only when the socket's
//! peer is a configured trusted proxy, and then only up to the first hop that is not one
//! ([`client_addr`], pure). The public URL is configuration, never `Host` or `X-Forwarded-*`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use serde::Deserialize;

use super::state::{AppState, HttpSettings};
use crate::i18n::Lang;

/// The caller's language (`?lang=`, then `Accept-Language`).
#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = Query::<LangQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.lang);
        Ok(ReqLang(Lang::negotiate(q.as_deref(), &parts.headers)))
    }
}

/// The client's address as far as it can be trusted (`None` for requests without a socket, as
/// in tests that call the router directly). Set on every request by [`request_context`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().copied().unwrap_or(ClientAddr(None)))
    }
}

/// The server's public URL (`https://gis.example`, no trailing slash), for absolute links.
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

impl PublicUrl {
    /// `path` (starting with `/`) under the public URL.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl FromRequestParts<AppState> for PublicUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PublicUrl(state.settings.public_url.clone()))
    }
}

/// The client address of a request: the socket's peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` (read from the right) that is not a trusted proxy itself.
/// Entries that are not addresses end the walk at the last trusted hop.
///
/// ```
/// # use qala::http::{client_addr, HttpSettings};
/// let s = HttpSettings { trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()], ..Default::default() };
/// let peer = "10.0.0.5".parse().ok();
/// assert_eq!(client_addr(&s, peer, &["203.0.113.7, 10.0.0.9"]), "203.0.113.7".parse().ok());
/// // An untrusted peer's header is ignored.
/// let peer = "198.51.100.1".parse().ok();
/// assert_eq!(client_addr(&s, peer, &["203.0.113.7"]), peer);
/// ```
pub fn client_addr(settings: &HttpSettings, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
    let mut current = peer?;
    let hops = forwarded_for.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|h| !h.is_empty());
    let hops: Vec<&str> = hops.collect();
    for hop in hops.iter().rev() {
        if !settings.is_trusted_proxy(current) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => current = ip,
            None => break,
        }
    }
    Some(current)
}

/// An address in `X-Forwarded-For`: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// Middleware: puts the trusted [`ClientAddr`] into the request's extensions.
pub async fn request_context(
    State(state): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let addr = client_addr(&state.settings, peer, &forwarded);
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(nets: &[&str]) -> HttpSettings {
        HttpSettings {
            trusted_proxies: nets.iter().map(|n| n.parse().expect("net")).collect(),
            ..Default::default()
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let none = settings(&[]);
        assert_eq!(client_addr(&none, ip("192.0.2.1"), &["6.6.6.6"]), ip("192.0.2.1"));
        let s = settings(&["127.0.0.1/32", "10.0.0.0/8"]);
        // A forged first hop before the real client is not believed.
        assert_eq!(client_addr(&s, ip("127.0.0.1"), &["6.6.6.6, 203.0.113.9"]), ip("203.0.113.9"));
        // Several trusted proxies are walked through, and several header lines joined.
        assert_eq!(client_addr(&s, ip("127.0.0.1"), &["203.0.113.9", "10.1.1.1"]), ip("203.0.113.9"));
        // Garbage stops at the last trusted hop.
        assert_eq!(client_addr(&s, ip("127.0.0.1"), &["nonsense"]), ip("127.0.0.1"));
        assert_eq!(client_addr(&s, ip("127.0.0.1"), &["[2001:db8::1]:443"]), ip("2001:db8::1"));
        assert_eq!(client_addr(&s, None, &["203.0.113.9"]), None);
    }
}
