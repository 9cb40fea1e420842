//! Security monitoring (SEC-1): each rule raised through the real path (the HTTP routes of an
//! in-process router, client addresses through a trusted proxy's X-Forwarded-For), once per
//! window; incidents only for security admins and admins; each incident forwarded once to a UDP
//! syslog socket and a JSON-lines file; the served process forwards what its pass raises.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Resp, TestDb, basic, call_from, places_layer, sync_layers, test_db, user};
use qala::security::{Rules, scan};
use serde_json::{Value, json};

const PROXY: &str = "10.0.0.1";

fn rules() -> Rules {
    Rules { guess_logins: 4, guess_addresses: 4, refusals: 5, exports: 3, ..Rules::default() }
}

fn app(db: &TestDb) -> axum::Router {
    let settings = qala::http::HttpSettings {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..Default::default()
    };
    let catalog = qala::layers::Catalog::new(vec![places_layer(true)]);
    qala::http::app(qala::http::AppState::with_settings(db.pool.clone(), catalog, settings))
}

/// A request from client `ip` through the trusted proxy.
async fn from(
    app: &axum::Router,
    ip: &str,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Value,
) -> Resp {
    let mut h = headers.to_vec();
    h.push(("x-forwarded-for", ip.to_string()));
    h.push(("content-type", "application/json".to_string()));
    let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    call_from(app, Some(PROXY), method, uri, &h, body).await
}

async fn login(app: &axum::Router, ip: &str, login: &str, password: &str) -> Resp {
    from(app, ip, "POST", "/api/auth/login", &[], json!({"login": login, "password": password})).await
}

/// Incidents of `rule` (all states).
async fn incidents(db: &TestDb, rule: &str) -> Vec<(i64, String, Vec<i64>)> {
    sqlx::query_as("SELECT id, subject, evidence FROM incidents WHERE rule = $1 ORDER BY id")
        .bind(rule)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

async fn pass(db: &TestDb) -> Vec<i64> {
    let r = scan(&db.pool, &rules(), chrono::Utc::now()).await.unwrap();
    assert!(r.ran);
    r.raised
}

#[tokio::test]
async fn password_guessing_across_accounts_and_addresses() {
    let db = test_db().await;
    let app = app(&db);
    user(&db, "aigerim", &["viewer"], None, None).await;
    for i in 0..3 {
        assert_eq!(login(&app, "203.0.113.5", &format!("guess{i}"), "wrong-password").await.status, 401);
    }
    assert!(pass(&db).await.is_empty(), "three logins are below the threshold of four");
    for i in 3..7 {
        assert_eq!(login(&app, "203.0.113.5", &format!("guess{i}"), "wrong-password").await.status, 401);
    }
    assert_eq!(pass(&db).await.len(), 1);
    // Later failures of the same burst add evidence, no second incident.
    assert_eq!(login(&app, "203.0.113.5", "guess9", "wrong-password").await.status, 401);
    assert!(pass(&db).await.is_empty());
    let found = incidents(&db, "password_guessing").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "ip:203.0.113.5");
    assert_eq!(found[0].2.len(), 8, "every failure of the window is evidence");

    // Many addresses against one login.
    for i in 1..=4 {
        assert_eq!(login(&app, &format!("198.51.100.{i}"), "aigerim", "not-her-password").await.status, 401);
    }
    assert_eq!(pass(&db).await.len(), 1);
    let found = incidents(&db, "password_guessing").await;
    assert_eq!(found.iter().filter(|f| f.1 == "login:aigerim").count(), 1, "{found:?}");
    // Nothing is examined twice.
    let again = scan(&db.pool, &rules(), chrono::Utc::now()).await.unwrap();
    assert_eq!((again.examined, again.raised.len()), (0, 0));
}

#[tokio::test]
async fn repeated_refusals_and_a_viewer_is_refused_the_incidents() {
    let db = test_db().await;
    let app = app(&db);
    user(&db, "viewer1", &["viewer"], None, None).await;
    let v = [basic("viewer1")];
    for _ in 0..4 {
        assert_eq!(
            from(&app, "203.0.113.7", "GET", "/api/admin/incidents", &v, Value::Null).await.status,
            403
        );
    }
    assert!(pass(&db).await.is_empty());
    let r = from(&app, "203.0.113.7", "POST", "/api/admin/incidents/1", &v, json!({"action": "close"})).await;
    assert_eq!(r.status, 403);
    assert_eq!(from(&app, "203.0.113.7", "GET", "/api/admin/incidents", &[], Value::Null).await.status, 401);
    assert_eq!(pass(&db).await.len(), 1);
    let found = incidents(&db, "repeated_refusals").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "ip:203.0.113.7");
    let actors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT actor FROM events WHERE id = ANY($1) ORDER BY id")
            .bind(&found[0].2)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(actors.iter().filter(|a| a.as_deref() == Some("viewer1")).count(), 5);
}

#[tokio::test]
async fn a_session_and_a_token_from_a_new_address() {
    let db = test_db().await;
    let app = app(&db);
    user(&db, "dana", &["editor"], None, None).await;
    let r = login(&app, "198.51.100.10", "dana", "dana-password").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let cookie = r.header("set-cookie").split(';').next().unwrap().to_string();
    let c = [("cookie", cookie)];
    // The address the session was opened from, then a second one (twice), then a third.
    assert_eq!(from(&app, "198.51.100.10", "GET", "/api/auth/me", &c, Value::Null).await.status, 200);
    assert!(pass(&db).await.is_empty(), "the session's own address is not new");
    for ip in ["198.51.100.20", "198.51.100.20", "198.51.100.30"] {
        assert_eq!(from(&app, ip, "GET", "/api/auth/me", &c, Value::Null).await.status, 200);
    }
    assert_eq!(pass(&db).await.len(), 1, "one incident per credential and window");
    let found = incidents(&db, "new_address").await;
    assert_eq!(found.len(), 1);
    assert!(found[0].1.starts_with("session:"), "{found:?}");
    assert_eq!(found[0].2.len(), 2, "two new addresses, each journalled once");

    // An API token: its first address is its own, the second is new.
    let csrf = r.json()["csrf"].as_str().unwrap().to_string();
    let h = [c[0].clone(), ("x-csrf-token", csrf)];
    let t = from(&app, "198.51.100.10", "POST", "/api/auth/tokens", &h, json!({"name": "qgis"})).await;
    assert_eq!(t.status, 201, "{}", t.text());
    let bearer = [("authorization", format!("Bearer {}", t.json()["token"].as_str().unwrap()))];
    assert_eq!(from(&app, "192.0.2.1", "GET", "/api/auth/me", &bearer, Value::Null).await.status, 200);
    assert!(pass(&db).await.is_empty());
    assert_eq!(from(&app, "192.0.2.2", "GET", "/api/auth/me", &bearer, Value::Null).await.status, 200);
    assert_eq!(pass(&db).await.len(), 1);
    let found = incidents(&db, "new_address").await;
    assert_eq!(found.iter().filter(|f| f.1.starts_with("token:")).count(), 1, "{found:?}");
    // An unknown token is not a credential: nothing is remembered for it.
    let fake = [("authorization", "Bearer qala_not_a_token".to_string())];
    assert_eq!(from(&app, "192.0.2.3", "GET", "/api/auth/me", &fake, Value::Null).await.status, 401);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM credential_addresses WHERE ip = '192.0.2.3'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn admin_rights_changed_and_acknowledged_by_a_security_admin() {
    let db = test_db().await;
    let app = app(&db);
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "sec", &["security_admin"], None, None).await;
    user(&db, "bob", &["viewer"], None, None).await;
    let root = [basic("root")];
    let r =
        from(&app, "192.0.2.9", "PATCH", "/api/admin/users/bob", &root, json!({"full_name": "Bob"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(pass(&db).await.is_empty(), "a name change is not a rights change");
    let r = from(
        &app,
        "192.0.2.9",
        "PATCH",
        "/api/admin/users/bob",
        &root,
        json!({"roles": ["viewer", "admin"]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let raised = pass(&db).await;
    assert_eq!(raised.len(), 1);
    let found = incidents(&db, "admin_rights").await;
    assert_eq!(found[0].1, "user:bob");

    // The security admin sees it with its evidence, acknowledges and closes it.
    let sec = [basic("sec")];
    let list = from(&app, "192.0.2.10", "GET", "/api/admin/incidents?state=open", &sec, Value::Null).await;
    assert_eq!(list.status, 200, "{}", list.text());
    let item = list.json().as_array().unwrap().iter().find(|i| i["id"] == raised[0]).cloned().unwrap();
    assert_eq!(item["severity"], "high");
    assert_eq!(item["detail"]["granted"], json!(["admin"]));
    assert_eq!(item["events"][0]["kind"], "admin");
    let uri = format!("/api/admin/incidents/{}", raised[0]);
    let r = from(
        &app,
        "192.0.2.10",
        "POST",
        &uri,
        &sec,
        json!({"action": "acknowledge", "comment": "asked root"}),
    )
    .await;
    assert_eq!((r.status, r.json()["state"].clone()), (200, json!("acknowledged")), "{}", r.text());
    let r = from(
        &app,
        "192.0.2.10",
        "POST",
        &uri,
        &sec,
        json!({"action": "close", "comment": "approved change"}),
    )
    .await;
    assert_eq!((r.json()["state"].clone(), r.json()["acted_by"].clone()), (json!("closed"), json!("sec")));
    assert_eq!(r.json()["history"].as_array().unwrap().len(), 2);
    let r = from(&app, "192.0.2.10", "POST", &uri, &sec, json!({"action": "acknowledge"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (409, json!("incident_closed")));
    let r = from(&app, "192.0.2.10", "POST", "/api/admin/incidents/999999", &sec, json!({"action": "close"}))
        .await;
    assert_eq!(r.status, 404);
    let journalled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'incident' AND actor = 'sec'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(journalled, 2);
    let closed =
        from(&app, "192.0.2.10", "GET", "/api/admin/incidents?state=closed", &root, Value::Null).await;
    assert_eq!(closed.json().as_array().unwrap().len(), 1, "admins see incidents too");
    // Removing the role is a change too.
    let r =
        from(&app, "192.0.2.9", "PATCH", "/api/admin/users/bob", &root, json!({"roles": ["viewer"]})).await;
    assert_eq!(r.status, 200);
    assert_eq!(pass(&db).await.len(), 1, "a new incident: the closed one's window does not swallow it");
}

#[tokio::test]
async fn mass_exports() {
    let db = test_db().await;
    sync_layers(&db.pool, &[places_layer(true)]).await;
    let app = app(&db);
    user(&db, "erlan", &["editor"], None, None).await;
    let e = [basic("erlan")];
    for _ in 0..2 {
        let r = from(&app, "192.0.2.20", "GET", "/ogc/collections/places/export?format=csv", &e, Value::Null)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert!(pass(&db).await.is_empty());
    for _ in 0..3 {
        let r = from(&app, "192.0.2.20", "GET", "/ogc/collections/places/export?format=csv", &e, Value::Null)
            .await;
        assert_eq!(r.status, 200);
    }
    assert_eq!(pass(&db).await.len(), 1);
    let found = incidents(&db, "mass_export").await;
    assert_eq!((found.len(), found[0].1.as_str(), found[0].2.len()), (1, "login:erlan", 5));
}

#[tokio::test]
async fn each_incident_is_forwarded_once_to_syslog_and_a_file() {
    let db = test_db().await;
    let app = app(&db);
    for i in 0..4 {
        login(&app, "203.0.113.50", &format!("x{i}"), "wrong-password").await;
    }
    for i in 0..4 {
        login(&app, &format!("203.0.113.{}", 60 + i), "victim", "wrong-password").await;
    }
    let raised = pass(&db).await;
    assert_eq!(raised.len(), 2);
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("incidents.jsonl");
    let sinks: Vec<qala::security::forward::Sink> = vec![
        format!("syslog://{}", udp.local_addr().unwrap()).parse().unwrap(),
        format!("file://{}", file.display()).parse().unwrap(),
    ];
    assert_eq!(qala::security::forward::run_once(&db.pool, &sinks, "qala-test").await.unwrap(), 4);
    assert_eq!(
        qala::security::forward::run_once(&db.pool, &sinks, "qala-test").await.unwrap(),
        0,
        "nothing twice"
    );
    let mut buf = vec![0u8; 65536];
    let mut got = Vec::new();
    for _ in 0..2 {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), udp.recv(&mut buf))
            .await
            .unwrap()
            .unwrap();
        got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    for (line, id) in got.iter().zip(&raised) {
        assert!(line.starts_with("<83>1 "), "authpriv.err for high: {line}");
        assert!(line.contains(" qala-test qala - password_guessing [qala@32473 "), "{line}");
        assert!(line.contains(&format!("id=\"{id}\"")), "{line}");
    }
    let lines: Vec<Value> =
        std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.iter().map(|l| l["id"].as_i64().unwrap()).collect::<Vec<_>>(), raised);
    // A new incident: only it is sent (the next datagram is its own).
    for i in 0..4 {
        login(&app, "203.0.113.99", &format!("y{i}"), "wrong-password").await;
    }
    let third = pass(&db).await;
    assert_eq!(third.len(), 1);
    assert_eq!(qala::security::forward::run_once(&db.pool, &sinks, "qala-test").await.unwrap(), 2);
    let n =
        tokio::time::timeout(std::time::Duration::from_secs(10), udp.recv(&mut buf)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains(&format!("id=\"{}\"", third[0])));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 3);
}

#[tokio::test]
async fn the_server_scans_and_forwards_by_itself() {
    let db = test_db().await;
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    let data = tempfile::tempdir().unwrap();
    let extra = [
        format!("--security-forward=syslog://{}", udp.local_addr().unwrap()),
        "--security-scan-s=1".to_string(),
        "--security-guesses=3".to_string(),
    ];
    let (_server, url) = common::procs::qala_serve(&db.url, data.path(), &extra);
    let client = reqwest::Client::new();
    for i in 0..3 {
        let r = client
            .post(format!("{url}/api/auth/login"))
            .header("content-type", "application/json")
            .body(json!({"login": format!("z{i}"), "password": "wrong-password"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let mut buf = vec![0u8; 65536];
    let n = tokio::task::spawn_blocking(move || {
        udp.recv(&mut buf).map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())
    })
    .await
    .unwrap()
    .expect("the server forwards the incident it raised");
    assert!(n.contains("password_guessing") && n.contains("subject=\"ip:127.0.0.1\""), "{n}");
}

/// The screen `/app/incidents` in Chromium against the real binary (`web/tests/incidents.mjs`):
/// a security admin sees the incident the server raised, acknowledges and closes it; a viewer is
/// refused. Needs `web/dist` (`cd web && npm run build`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incidents_screen_in_a_real_browser() {
    let db = test_db().await;
    user(&db, "sec", &["security_admin"], None, None).await;
    user(&db, "viewer3", &["viewer"], None, None).await;
    let data = tempfile::tempdir().unwrap();
    let extra = ["--security-scan-s=1".to_string(), "--security-guesses=3".to_string()];
    let (_server, url) = common::procs::qala_serve(&db.url, data.path(), &extra);
    let client = reqwest::Client::new();
    for i in 0..3 {
        client
            .post(format!("{url}/api/auth/login"))
            .header("content-type", "application/json")
            .body(json!({"login": format!("w{i}"), "password": "wrong-password"}).to_string())
            .send()
            .await
            .unwrap();
    }
    let pool = db.pool.clone();
    common::apps::until("the server raises the incident", || {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM incidents").fetch_one(&pool).await.unwrap()
                == 1
        }
    })
    .await;
    let artifacts = common::repo().join("target/artifacts/incidents");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    common::procs::browser_script(
        "incidents.mjs",
        &[("QALA_URL", url.to_string()), ("QALA_ARTIFACTS", artifacts.display().to_string())],
        std::time::Duration::from_secs(300),
    )
    .await;
    let state: String = sqlx::query_scalar("SELECT state FROM incidents").fetch_one(&db.pool).await.unwrap();
    assert_eq!(state, "closed");
}
