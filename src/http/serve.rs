//! Serving the router on a socket, with every connection bounded in time and number.
//!
//! - A client has [`HttpSettings::header_read_timeout`] to send a request's headers (hyper closes
//!   the connection beyond), and a request [`HttpSettings::request_timeout`] to be answered (408).
//! - A connection with no request in flight and no bytes moving for
//!   [`HttpSettings::idle_timeout`] is closed: an idle keep-alive connection, a client that
//!   announced a body and sends nothing, or one that stopped reading a response.
//! - At most [`HttpSettings::max_connections`] connections are served at once (bounded again by
//!   the process's open-file limit, which is raised to its hard limit at start), so thousands of
//!   idle sockets never stop the server from accepting: their time runs out and others get in.
//! - Ctrl-C or SIGTERM stop accepting and let the requests in flight finish.
//! - With TLS ([`ServeOptions::tls`], see [`super::tls`]) the handshake is bounded by the header
//!   timeout too, counts as activity, and every answer carries HSTS; a failed handshake ends only
//!   its own connection. [`ServeOptions::redirect_bind`] adds the plain listener that redirects.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::state::{AppState, HttpSettings};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};

/// How [`serve_with`] listens beyond its address.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Terminate TLS with this certificate and key (reloaded when they change or on SIGHUP).
    pub tls: Option<super::tls::TlsSettings>,
    /// A plain-HTTP listener answering 308 to the public URL.
    pub redirect_bind: Option<String>,
}

/// Serves `app` on `addr` until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(state: AppState, addr: &str) -> anyhow::Result<()> {
    serve_with(state, addr, ServeOptions::default()).await
}

/// [`serve`] with TLS and the redirect listener.
pub async fn serve_with(state: AppState, addr: &str, options: ServeOptions) -> anyhow::Result<()> {
    raise_open_files_limit();
    let tls = match options.tls {
        Some(settings) => {
            let store = super::tls::CertStore::load(settings)?;
            let config = store.server_config()?;
            Some((tokio_rustls::TlsAcceptor::from(config), super::tls::spawn_reloader(store)))
        }
        None => None,
    };
    let listener =
        TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let invalidation = crate::tiles::invalidate::spawn(state.pool.clone(), state.tiles.clone()).await?;
    // Credentials changed through another server clear this one's cache too.
    let auth_invalidation = state.auth.listen().await?;
    let redirect = match options.redirect_bind {
        Some(r) => {
            let l = TcpListener::bind(&r).await.map_err(|e| anyhow::anyhow!("cannot listen on {r}: {e}"))?;
            println!("Qala redirects http://{}/ to {}", l.local_addr()?, state.settings.public_url);
            let (url, header) = (state.settings.public_url.clone(), state.settings.header_read_timeout);
            Some(tokio::spawn(super::tls::serve_redirect(l, url, header)))
        }
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("Qala is serving on {scheme}://{local}/ (public URL {})", state.settings.public_url);
    let (acceptor, reloader) = tls.unzip();
    let result = serve_listener_tls(state, listener, acceptor, shutdown_signal()).await;
    for task in reloader.into_iter().chain(redirect).chain([invalidation, auth_invalidation]) {
        task.abort();
    }
    result
}

/// Serves the application on an open listener until `shutdown` completes (tests pass their own).
pub async fn serve_listener(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    serve_listener_tls(state, listener, None, shutdown).await
}

/// [`serve_listener`], over TLS when an acceptor is given.
pub async fn serve_listener_tls(
    state: AppState,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let settings = Arc::clone(&state.settings);
    let app = super::app(state);
    let limit = settings.max_connections.min(open_files_limit().saturating_sub(64)).max(16);
    let slots = Arc::new(Semaphore::new(limit));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(settings.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => s?,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a little
                    // for idle connections to time out rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = Connection { app: app.clone(), peer, settings: Arc::clone(&settings) };
        let builder = Arc::clone(&builder);
        let stop = stop_rx.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let activity = Arc::new(Activity::new());
            let watched = Watched { inner: stream, activity: Arc::clone(&activity) };
            match tls {
                None => conn.run(watched, activity, false, &builder, stop).await,
                Some(acceptor) => {
                    // The handshake has the time a client has to send its headers.
                    let handshake =
                        tokio::time::timeout(conn.settings.header_read_timeout, acceptor.accept(watched));
                    match handshake.await {
                        Ok(Ok(tls_stream)) => conn.run(tls_stream, activity, true, &builder, stop).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, peer = %peer, "TLS handshake failed"),
                        Err(_) => tracing::debug!(peer = %peer, "TLS handshake timed out"),
                    }
                }
            }
            drop(slot);
        });
    }
    let _ = stop_tx.send(true);
    // Let the requests in flight finish (connections end as soon as they are idle).
    let all = u32::try_from(limit).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(30), slots.acquire_many(all)).await;
    Ok(())
}

/// One client connection: its router, its peer, and the activity the idle check watches.
struct Connection {
    app: Router,
    peer: SocketAddr,
    settings: Arc<HttpSettings>,
}

impl Connection {
    async fn run<S>(
        self,
        stream: S,
        activity: Arc<Activity>,
        hsts: bool,
        builder: &hyper_util::server::conn::auto::Builder<TokioExecutor>,
        mut stop: watch::Receiver<bool>,
    ) where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let io = TokioIo::new(stream);
        let (app, peer, timeout) = (self.app, self.peer, self.settings.request_timeout);
        let counter = Arc::clone(&in_flight);
        let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            let query_lang =
                axum::extract::Query::<LangParam>::try_from_uri(req.uri()).ok().and_then(|q| q.0.lang);
            let lang = Lang::negotiate(query_lang.as_deref(), req.headers());
            let guard = InFlight::enter(&counter);
            let app = app.clone();
            async move {
                let _guard = guard;
                let mut resp = match tokio::time::timeout(timeout, app.oneshot(req)).await {
                    Ok(r) => r?,
                    Err(_) => timeout_response(lang),
                };
                if hsts {
                    resp.headers_mut()
                        .insert(axum::http::header::STRICT_TRANSPORT_SECURITY, super::tls::HSTS);
                }
                Ok::<_, std::convert::Infallible>(resp)
            }
        });
        let conn = builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        let idle = self.settings.idle_timeout;
        let mut closing: Option<Instant> = None;
        loop {
            let wake = match closing {
                Some(since) => since + Duration::from_secs(5),
                None => activity.last() + idle,
            };
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
                    }
                    return;
                }
                _ = stop.changed(), if closing.is_none() => {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now());
                }
                _ = tokio::time::sleep_until(wake.into()) => {
                    if closing.is_some() {
                        return; // it did not finish after being asked to: drop it
                    }
                    if in_flight.load(Ordering::SeqCst) == 0 && activity.last().elapsed() >= idle {
                        conn.as_mut().graceful_shutdown();
                        closing = Some(Instant::now());
                    }
                }
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct LangParam {
    lang: Option<String>,
}

/// The 408 of a request that ran out of time (written here: the router's error layer is inside).
fn timeout_response(lang: Lang) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp =
        ApiError::new(axum::http::StatusCode::REQUEST_TIMEOUT, Msg::RequestTimeout, lang).into_response();
    resp.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    resp
}

/// Counts a request in flight while it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(counter: &Arc<AtomicUsize>) -> InFlight {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(counter))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// When bytes last moved on a connection.
struct Activity {
    base: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity { base: Instant::now(), last_ms: AtomicU64::new(0) }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// A socket that records its activity.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Raises the soft limit of open files to the hard limit (Debian's default soft limit, 1,024,
/// would otherwise cap the connections).
pub fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open files limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open files limit"),
    }
}

fn open_files_limit() -> usize {
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .map(|(soft, _)| usize::try_from(soft).unwrap_or(usize::MAX))
        .unwrap_or(1024)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
