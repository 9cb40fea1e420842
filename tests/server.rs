//! The server on a real socket: connection and request time limits, idle sockets, the public URL
//! and trusted proxies, rate limits, JSON errors, and surviving a database restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{call, places_layer, sync_layers, test_db, user};
use qala::http::limits::{LimitClock, Rate, RateLimitSettings};
use qala::http::{AppState, HttpSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Serves `state` on a socket until the test ends; returns `host:port`.
async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(qala::http::serve_listener(state, listener, std::future::pending()));
    addr.to_string()
}

/// A raw HTTP/1.1 exchange: sends `request`, reads until the server closes or the response ends.
async fn raw(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

/// Waits (bounded) until the server closes `s`; true when it did.
async fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

fn quick(settings: HttpSettings) -> HttpSettings {
    HttpSettings {
        idle_timeout: Duration::from_millis(500),
        header_read_timeout: Duration::from_millis(500),
        body_read_timeout: Duration::from_millis(500),
        ..settings
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_slow_and_silent_connections_are_closed_and_health_answers_under_thousands_of_sockets() {
    qala::http::serve::raise_open_files_limit();
    let db = test_db().await;
    let state = AppState::with_settings(
        db.pool.clone(),
        qala::layers::Catalog::new(vec![]),
        quick(HttpSettings::default()),
    );
    let addr = serve(state).await;

    // A connection that sends nothing is closed.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(closed_by_server(&mut silent, Duration::from_secs(10)).await, "a silent socket stays open");

    // Headers sent a byte at a time and never finished: closed.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    assert!(closed_by_server(&mut slow, Duration::from_secs(10)).await, "unfinished headers stay open");

    // A request that announces 2 GB and sends nothing does not hold its connection.
    let mut big = TcpStream::connect(&addr).await.unwrap();
    big.write_all(
        b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(closed_by_server(&mut big, Duration::from_secs(10)).await, "a silent body holds its connection");

    // A kept-alive connection is closed once idle.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    assert!(closed_by_server(&mut kept, Duration::from_secs(10)).await, "an idle keep-alive stays open");

    // Two thousand idle sockets (more than Debian's default 1,024 open files) do not keep
    // anyone out.
    let mut idle = Vec::new();
    for _ in 0..2000 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    let answer = raw(&addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"database\":\"ok\""), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_come_from_the_public_url_and_addresses_only_from_trusted_proxies() {
    let db = test_db().await;
    sync_layers(&db.pool, &[places_layer(true)]).await;
    user(&db, "ed", &["editor"], None, None).await;
    let settings = |trusted: &str| HttpSettings {
        public_url: "https://gis.example.kz".into(),
        trusted_proxies: qala::http::state::parse_networks(trusted).unwrap(),
        ..Default::default()
    };
    let forged = "Host: evil.example\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: http\r\n";
    let addr = serve(AppState::with_settings(
        db.pool.clone(),
        qala::layers::Catalog::new(vec![places_layer(true)]),
        settings(""),
    ))
    .await;
    for path in ["/tiles/places.json", "/tiles", "/styles/qala.json"] {
        let r = raw(&addr, &format!("GET {path} HTTP/1.1\r\n{forged}Connection: close\r\n\r\n")).await;
        assert!(!r.contains("evil.example"), "{path}: {r}");
    }
    let r =
        raw(&addr, &format!("GET /tiles/places.json HTTP/1.1\r\n{forged}Connection: close\r\n\r\n")).await;
    assert!(r.contains("https://gis.example.kz/tiles/places/{z}/{x}/{y}.mvt"), "{r}");

    // A failed login through an untrusted peer is journalled with the peer's address, not the
    // forged header's; through a trusted proxy, with the forwarded client's.
    let login = r#"{"login":"ed","password":"wrong-password"}"#;
    let post = |xff: &str| {
        format!(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {xff}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{login}",
            login.len()
        )
    };
    let r = raw(&addr, &post("6.6.6.6")).await;
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");
    let trusted = serve(AppState::with_settings(
        db.pool.clone(),
        qala::layers::Catalog::new(vec![places_layer(true)]),
        settings("127.0.0.1"),
    ))
    .await;
    let r = raw(&trusted, &post("6.6.6.6, 203.0.113.5")).await;
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");
    let ips: Vec<Option<String>> =
        sqlx::query_scalar("SELECT ip FROM events WHERE kind = 'login' AND outcome <> 'ok' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(ips, vec![Some("127.0.0.1".to_string()), Some("203.0.113.5".to_string())]);
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_refill_on_the_clock() {
    let db = test_db().await;
    sync_layers(&db.pool, &[places_layer(true)]).await;
    let clock = LimitClock::manual();
    let settings = HttpSettings {
        rate_limits: RateLimitSettings {
            export: Rate { per_minute: 2, burst: 2 },
            search: Rate { per_minute: 3, burst: 3 },
            clock: clock.clone(),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = qala::http::app(AppState::with_settings(
        db.pool.clone(),
        qala::layers::Catalog::new(vec![places_layer(true)]),
        settings,
    ));
    let export = "/ogc/collections/places/export?format=csv";
    for _ in 0..2 {
        assert_eq!(call(&app, "GET", export, &[], vec![]).await.status, 200);
    }
    let refused = call(&app, "GET", export, &[("accept-language", "kk".into())], vec![]).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), "30");
    assert_eq!(refused.json()["error"]["code"], "too_many_requests");
    assert_eq!(refused.json()["error"]["message"], "Сұраулар тым көп: біраздан кейін қайталаңыз");
    // Searches have their own quota.
    assert_eq!(call(&app, "GET", "/api/search?q=abc", &[], vec![]).await.status, 200);
    clock.advance(Duration::from_secs(30));
    assert_eq!(call(&app, "GET", export, &[], vec![]).await.status, 200);
    assert_eq!(call(&app, "GET", export, &[], vec![]).await.status, 429);
}

#[tokio::test]
async fn errors_before_the_handlers_are_json_in_the_callers_language() {
    let db = test_db().await;
    let app = common::app(&db.pool, vec![]);
    let big = vec![b'x'; 3 << 20];
    let r = call(
        &app,
        "POST",
        "/api/auth/login",
        &[("content-type", "application/json".into()), ("accept-language", "ru".into())],
        big,
    )
    .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"]["code"], "payload_too_large", "{}", r.text());
    let r =
        call(&app, "POST", "/api/auth/login", &[("content-type", "application/json".into())], b"{".to_vec())
            .await;
    assert_eq!(r.status / 100, 4);
    assert_eq!(r.json()["error"]["code"], "bad_request", "{}", r.text());
    let r =
        call(&app, "POST", "/api/auth/login", &[("content-type", "text/plain".into())], b"{}".to_vec()).await;
    assert_eq!(r.status, 415);
    assert_eq!(r.json()["error"]["code"], "unsupported_media_type", "{}", r.text());
    let r = call(&app, "DELETE", "/api/search", &[("accept-language", "en".into())], vec![]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["error"]["message"], "This method is not allowed here", "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_finds_its_database_again_after_a_restart_and_says_when_it_cannot() {
    let dir = tempfile::Builder::new().prefix("qala-restart-").tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cluster = qala::db::cluster::Cluster::new(dir.path()).unwrap();
    let c = cluster.clone();
    let (port, _) = tokio::task::spawn_blocking(move || c.start()).await.unwrap().unwrap();
    let settings = qala::db::PoolSettings {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(2),
        statement_timeout: Some(Duration::from_secs(10)),
    };
    let pool = qala::db::connect_with(&cluster.url(port), &settings).await.unwrap();
    qala::db::migrate(&pool).await.unwrap();
    sync_layers(&pool, &[places_layer(true)]).await;
    let app =
        qala::http::app(AppState::new(pool.clone(), qala::layers::Catalog::new(vec![places_layer(true)])));
    assert_eq!(call(&app, "GET", "/healthz", &[], vec![]).await.status, 200);
    assert_eq!(call(&app, "GET", "/tiles/places/10/733/380.mvt", &[], vec![]).await.status / 100, 2);

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop()).await.unwrap().unwrap();
    for path in ["/healthz", "/tiles/places/10/733/381.mvt", "/ogc/collections/places/items"] {
        let r = call(&app, "GET", path, &[], vec![]).await;
        assert_eq!(r.status, 503, "{path}: {}", r.text());
        assert!(!r.header("retry-after").is_empty(), "{path}");
        assert_eq!(r.json()["error"]["code"], "database_unavailable", "{path}");
    }

    let c = cluster.clone();
    let (again, _) = tokio::task::spawn_blocking(move || c.start()).await.unwrap().unwrap();
    assert_eq!(again, port, "the cluster keeps its port");
    let r = call(&app, "GET", "/healthz", &[], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(call(&app, "GET", "/ogc/collections/places/items", &[], vec![]).await.status, 200);
    pool.close().await;
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop()).await.unwrap().unwrap();
}
