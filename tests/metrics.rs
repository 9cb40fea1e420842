//! Operations (issue 16): `/metrics` in the Prometheus text format (requests by route template and
//! status, the tile cache, the pool, disk), who may read it (admin and `monitoring`, anonymous 401,
//! others 403 in their language), `/readyz` (200; 503 with `Retry-After` and the failing check named
//! when the database does not answer or the disk is below the threshold), `/api/admin/status`, and
//! the operations page in Chromium in ru and kk (`web/tests/ops-status.mjs`, screenshots in
//! `target/artifacts/ops/`).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{basic, call, places_layer, sync_layers, test_db, user};
use qala::http::AppState;
use qala::layers::Catalog;
use qala::metrics::OpsSettings;

/// One sample of the exposition: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text format strictly: `# HELP`/`# TYPE` comments, and samples
/// `name{label="value",...} number`; any other line fails the test.
fn parse(text: &str) -> Vec<Sample> {
    let name_re = regex::Regex::new(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$").unwrap();
    let label_re = regex::Regex::new(r#"^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$"#).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(c) = line.strip_prefix("# ") {
            let mut w = c.split(' ');
            let kind = w.next().unwrap();
            assert!(kind == "HELP" || kind == "TYPE", "comment: {line}");
            assert!(name_re.is_match(w.next().unwrap()), "comment's name: {line}");
            if kind == "TYPE" {
                let t = w.next().unwrap();
                assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&t), "type: {line}");
            }
            continue;
        }
        let (head, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value: {line}")),
        };
        let (name, labels) = match head.split_once('{') {
            Some((n, rest)) => {
                let inner = rest.strip_suffix('}').unwrap_or_else(|| panic!("labels: {line}"));
                let mut labels = BTreeMap::new();
                for part in split_labels(inner) {
                    let c = label_re.captures(&part).unwrap_or_else(|| panic!("label {part:?} in {line}"));
                    labels.insert(c[1].to_string(), c[2].to_string());
                }
                (n.to_string(), labels)
            }
            None => (head.to_string(), BTreeMap::new()),
        };
        assert!(name_re.is_match(&name), "name: {line}");
        out.push((name, labels, value));
    }
    out
}

/// `a="x",b="y,z"` → its pairs (commas inside quotes kept).
fn split_labels(s: &str) -> Vec<String> {
    let (mut parts, mut cur, mut quoted, mut escaped) = (Vec::new(), String::new(), false, false);
    for ch in s.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// The value of the sample `name` whose labels include `want`.
fn value(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| n == name && want.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|s| s.2)
}

async fn points(pool: &sqlx::PgPool) {
    // Two places inside tile 14/11691/6004 (Almaty; every point is drawn from zoom 14 on).
    for (name, lon, lat) in [("a", 76.9001, 43.2501), ("b", 76.9005, 43.2505)] {
        sqlx::query(
            "INSERT INTO features (layer_id, attrs, geom) VALUES ('places', jsonb_build_object('name', $1::text), ST_SetSRID(ST_MakePoint($2, $3), 4326))",
        )
        .bind(name)
        .bind(lon)
        .bind(lat)
        .execute(pool)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn metrics_count_routes_tiles_pool_and_disk_for_admins_and_monitoring_only() {
    let db = test_db().await;
    sync_layers(&db.pool, &[places_layer(true)]).await;
    points(&db.pool).await;
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "viewer1", &["viewer"], None, None).await;
    user(&db, "prom", &["monitoring"], None, None).await;
    let data = tempfile::tempdir().unwrap();
    let state = AppState::new(db.pool.clone(), Catalog::new(vec![places_layer(true)]));
    state.ops.configure(OpsSettings { data_dir: data.path().to_path_buf(), min_free_disk_bytes: 1 });
    let app = qala::http::app(state.clone());

    let tile = "/tiles/places/14/11691/6004.mvt";
    let first = call(&app, "GET", tile, &[], vec![]).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert!(!first.body.is_empty(), "the tile has the two places");
    assert_eq!(call(&app, "GET", tile, &[], vec![]).await.status, 200);
    assert_eq!(call(&app, "GET", "/api/layers/nosuchlayer", &[], vec![]).await.status, 404);
    let odd = call(&app, "GET", "/api/nothing-here/12345", &[], vec![]).await;
    assert!(odd.status >= 400, "{}", odd.status);

    // Who may read it.
    let anon = call(&app, "GET", "/metrics", &[("accept-language", "ru".into())], vec![]).await;
    assert_eq!(anon.status, 401, "{}", anon.text());
    assert_eq!(anon.json()["error"]["code"], "unauthorized");
    let (k, v) = basic("viewer1");
    let refused = call(&app, "GET", "/metrics", &[(k, v), ("accept-language", "kk".into())], vec![]).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(refused.json()["error"]["code"], "operations_forbidden");
    assert_eq!(refused.json()["error"]["message"], qala::i18n::Msg::OpsForbidden.text(qala::i18n::Lang::Kk));
    let journalled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE kind = 'refusal' AND actor = 'viewer1' AND target = '/metrics'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(journalled, 1, "the refusal is in the journal");
    let (k, v) = basic("prom");
    let made = call(
        &app,
        "POST",
        "/api/auth/tokens",
        &[(k, v), ("content-type", "application/json".into())],
        br#"{"name":"prometheus"}"#.to_vec(),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text());
    let bearer = format!("Bearer {}", made.json()["token"].as_str().unwrap());
    let scraped = call(&app, "GET", "/metrics", &[("authorization", bearer.clone())], vec![]).await;
    assert_eq!(scraped.status, 200, "{}", scraped.text());
    assert!(scraped.header("content-type").starts_with("text/plain; version=0.0.4"));

    // As the admin: what the requests above left.
    let (k, v) = basic("root");
    let r = call(&app, "GET", "/metrics", &[(k, v)], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let s = parse(&text);
    let tiles =
        [("route", "/tiles/{source}/{z}/{x}/{y}"), ("method", "GET"), ("status", "200"), ("class", "2xx")];
    assert_eq!(value(&s, "qala_http_requests_total", &tiles), Some(2.0), "two tile requests:\n{text}");
    let missing = [("route", "/api/layers/{id}"), ("status", "404"), ("class", "4xx")];
    assert_eq!(value(&s, "qala_http_requests_total", &missing), Some(1.0), "the 404 by its template");
    assert_eq!(
        value(&s, "qala_http_requests_total", &[("route", "/metrics"), ("status", "401")]),
        Some(1.0),
        "the anonymous scrape"
    );
    assert!(value(&s, "qala_http_requests_total", &[("route", "/metrics"), ("status", "403")]).is_some());
    assert!(
        s.iter().all(|(_, l, _)| l
            .get("route")
            .is_none_or(|r| !r.contains("nosuchlayer") && !r.contains("12345"))),
        "no raw path is a label"
    );
    assert!(
        value(&s, "qala_http_requests_total", &[("route", "other")]).is_some(),
        "unmatched requests: other"
    );
    let bucket = [("route", "/tiles/{source}/{z}/{x}/{y}"), ("le", "30")];
    assert_eq!(value(&s, "qala_http_request_duration_seconds_bucket", &bucket), Some(2.0), "{text}");
    assert!(value(&s, "qala_http_request_duration_seconds_bucket", &[("le", "0.001")]).is_some());
    assert_eq!(value(&s, "qala_http_requests_in_flight", &[]), Some(1.0), "this scrape itself");
    assert_eq!(
        value(&s, "qala_tile_cache_hits_total", &[]),
        Some(1.0),
        "the second tile came from the cache"
    );
    assert_eq!(value(&s, "qala_tile_cache_misses_total", &[]), Some(1.0));
    assert_eq!(value(&s, "qala_tile_cache_entries", &[]).map(|v| v <= 1.0), Some(true));
    assert_eq!(value(&s, "qala_tile_bytes_served_total", &[]), Some(2.0 * first.body.len() as f64));
    let max = value(&s, "qala_db_pool_max_connections", &[]).unwrap();
    assert_eq!(max, f64::from(db.pool.options().get_max_connections()));
    let open = value(&s, "qala_db_pool_connections", &[]).unwrap();
    assert!(open >= 1.0 && open <= max, "{open} of {max}");
    assert!(value(&s, "qala_db_pool_idle_connections", &[]).unwrap() <= open);
    let free = value(&s, "qala_disk_free_bytes", &[]).unwrap();
    let total = value(&s, "qala_disk_total_bytes", &[]).unwrap();
    assert!(free > 0.0 && free <= total, "{free} of {total}");
    assert_eq!(value(&s, "qala_outbox_pending", &[]), Some(0.0));
    assert_eq!(value(&s, "qala_outbox_failed", &[]), Some(0.0));
    assert_eq!(value(&s, "qala_backup_last_verified_age_seconds", &[]), Some(-1.0), "not wired: unknown");
    assert!(value(&s, "process_resident_memory_bytes", &[]).unwrap() > 0.0);
    assert!(value(&s, "process_open_fds", &[]).unwrap() > 0.0);
    assert!(value(&s, "qala_uptime_seconds", &[]).unwrap() >= 0.0);
    assert_eq!(value(&s, "qala_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), Some(1.0));

    // The outbox and the backup age follow the data.
    sqlx::query(
        "INSERT INTO notification_outbox (subject_kind, event, channel, recipient, lang, created_at) VALUES
         ('test', 'x', 'email', 'a@example.kz', 'ru', now() - interval '90 seconds'),
         ('test', 'x', 'email', 'b@example.kz', 'ru', now()),
         ('test', 'x', 'sms', '+77010000000', 'kk', now())",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE notification_outbox SET status = 'failed' WHERE recipient = '+77010000000'")
        .execute(&db.pool)
        .await
        .unwrap();
    state.ops.set_backup_age(std::sync::Arc::new(|| Some(3600.0)));
    let r = call(&app, "GET", "/metrics", &[("authorization", bearer.clone())], vec![]).await;
    let s = parse(&r.text());
    assert_eq!(value(&s, "qala_outbox_pending", &[]), Some(2.0));
    assert_eq!(value(&s, "qala_outbox_failed", &[]), Some(1.0));
    let oldest = value(&s, "qala_outbox_oldest_pending_age_seconds", &[]).unwrap();
    assert!((89.0..3600.0).contains(&oldest), "{oldest}");
    assert_eq!(value(&s, "qala_backup_last_verified_age_seconds", &[]), Some(3600.0));

    // The same figures as JSON for the page.
    let st = call(&app, "GET", "/api/admin/status", &[("authorization", bearer)], vec![]).await;
    assert_eq!(st.status, 200, "{}", st.text());
    let j = st.json();
    assert_eq!(j["readiness"]["ready"], true, "{j}");
    assert_eq!(j["tiles"]["hits"], 1);
    assert_eq!(j["outbox"]["pending"], 2);
    assert_eq!(j["backup_last_verified_age_seconds"], 3600.0);
    assert!(j["requests"]["total"].as_u64().unwrap() >= 8, "{j}");
    let tiles_row = j["requests"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "/tiles/{source}/{z}/{x}/{y}")
        .cloned()
        .unwrap();
    assert_eq!(tiles_row["requests"], 2);
    assert!(tiles_row["p95_ms"].as_f64().unwrap() > 0.0);
    let (k, v) = basic("viewer1");
    assert_eq!(call(&app, "GET", "/api/admin/status", &[(k, v)], vec![]).await.status, 403);
    assert_eq!(call(&app, "GET", "/api/admin/status", &[], vec![]).await.status, 401);
}

#[tokio::test]
async fn readyz_names_the_failing_check() {
    let db = test_db().await;
    let data = tempfile::tempdir().unwrap();
    let state = AppState::new(db.pool.clone(), Catalog::new(vec![]));
    state.ops.configure(OpsSettings { data_dir: data.path().to_path_buf(), min_free_disk_bytes: 1 << 20 });
    let app = qala::http::app(state.clone());

    let r = call(&app, "GET", "/readyz", &[("accept-language", "ru".into())], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["status"], "ready");
    assert_eq!(j["message"], "Сервер готов принимать запросы");
    let names: Vec<&str> =
        j["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["database", "migrations", "disk", "shutdown"]);
    assert!(j["checks"].as_array().unwrap().iter().all(|c| c["state"] == "ok"), "{j}");
    assert!(r.header("retry-after").is_empty());
    let doc = call(&app, "GET", "/api/openapi.json", &[], vec![]).await.json();
    for path in ["/healthz", "/readyz", "/metrics", "/api/admin/status"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is in the OpenAPI document");
    }
    assert!(doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object());

    // More free space asked for than the disk has.
    let free = qala::metrics::figures::disk_of(data.path()).unwrap().free_bytes;
    state.ops.configure(OpsSettings {
        data_dir: data.path().to_path_buf(),
        min_free_disk_bytes: free + (1 << 40),
    });
    let r = call(&app, "GET", "/readyz", &[("accept-language", "kk".into())], vec![]).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), "5");
    let j = r.json();
    assert_eq!(j["status"], "not_ready");
    assert_eq!(failing(&j), ["disk"], "{j}");

    // Shutting down.
    state.ops.configure(OpsSettings { data_dir: data.path().to_path_buf(), min_free_disk_bytes: 1 });
    state.ops.begin_shutdown();
    let r = call(&app, "GET", "/readyz", &[], vec![]).await;
    assert_eq!((r.status, failing(&r.json())), (503, vec!["shutdown".to_string()]));

    // A migration this binary has and the database lacks.
    let fresh = AppState::new(db.pool.clone(), Catalog::new(vec![]));
    fresh.ops.configure(OpsSettings { data_dir: data.path().to_path_buf(), min_free_disk_bytes: 1 });
    let last: i64 =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations").fetch_one(&db.pool).await.unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(last)
        .execute(&db.pool)
        .await
        .unwrap();
    let r = call(&qala::http::app(fresh), "GET", "/readyz", &[], vec![]).await;
    assert_eq!(r.status, 503, "{}", r.text());
    let j = r.json();
    assert_eq!(failing(&j), ["migrations"], "{j}");
    assert!(j.to_string().contains(&format!("not applied: {last}")), "{j}");

    // A database that does not answer: a pool on a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy(&format!("postgres://postgres@127.0.0.1:{port}/nothing"))
        .unwrap();
    let down = AppState::new(dead, Catalog::new(vec![]));
    down.ops.configure(OpsSettings { data_dir: data.path().to_path_buf(), min_free_disk_bytes: 1 });
    let started = std::time::Instant::now();
    let r = call(&qala::http::app(down), "GET", "/readyz", &[], vec![]).await;
    assert!(started.elapsed() < Duration::from_secs(10), "answered within the check's timeout");
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(!r.header("retry-after").is_empty());
    let j = r.json();
    assert_eq!(failing(&j), ["database", "migrations"], "{j}");
    // No personal data or addresses: the details are fixed sentences and numbers.
    assert!(!j.to_string().contains("127.0.0.1") && !j.to_string().contains("postgres"), "{j}");
}

fn failing(j: &serde_json::Value) -> Vec<String> {
    j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "fail")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The real binary: `/readyz` and `/metrics` answer, and the operations page shows in Chromium
/// in Russian (desktop) and Kazakh (phone), for an admin and a monitoring account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operations_page_shows_in_a_real_browser() {
    let db = test_db().await;
    user(&db, "opsadmin", &["admin"], None, None).await;
    user(&db, "scraper", &["monitoring"], None, None).await;
    user(&db, "viewer2", &["viewer"], None, None).await;
    let data = tempfile::tempdir().unwrap();
    let (_server, url) =
        common::procs::qala_serve(&db.url, data.path(), &["--min-free-disk-mb".into(), "1".into()]);
    let http = reqwest::Client::new();
    let ready = http.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "{}", ready.text().await.unwrap());
    assert_eq!(http.get(format!("{url}/metrics")).send().await.unwrap().status(), 401);

    let artifacts = common::repo().join("target/artifacts/ops");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    common::procs::browser_script(
        "ops-status.mjs",
        &[("QALA_URL", url.to_string()), ("QALA_ARTIFACTS", artifacts.display().to_string())],
        Duration::from_secs(300),
    )
    .await;
    for shot in ["ru-desktop-ops.png", "kk-phone-ops.png"] {
        assert!(artifacts.join(shot).exists(), "{shot}");
    }
}
