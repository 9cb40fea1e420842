//! Several `qala serve` over one database behind HAProxy (`deploy/haproxy.cfg`, its addresses
//! replaced by free ports): a feature edited through server A shows in the tile server B had
//! cached; a user blocked through A is refused by B at once; under steady tile load through
//! HAProxy, SIGKILL of one server loses no request. And `db::leader`: one holder at a time.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::procs::{self, Proc};
use serde_json::json;

/// Within this a change on one server must show on the other (the credentials cache lives 60 s,
/// and tiles are cached without end: only a notification makes either happen in time).
const AT_ONCE: Duration = Duration::from_secs(10);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn basic_root() -> String {
    let (_, v) = common::basic("root");
    v
}

/// HAProxy with `deploy/haproxy.cfg` on `front`, over `servers` (`host:port`), in the foreground.
fn haproxy(dir: &std::path::Path, front: u16, servers: [&str; 2]) -> Proc {
    let cfg = std::fs::read_to_string(common::repo().join("deploy/haproxy.cfg")).unwrap();
    for needle in ["log /dev/log local0", "bind 127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8082"] {
        assert!(cfg.contains(needle), "deploy/haproxy.cfg no longer has {needle:?}");
    }
    let cfg = cfg
        .replace("log /dev/log local0", "")
        .replace("bind 127.0.0.1:8080", &format!("bind 127.0.0.1:{front}"))
        .replace("127.0.0.1:8081", servers[0])
        .replace("127.0.0.1:8082", servers[1]);
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, cfg).unwrap();
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("haproxy.log")).unwrap())
        .spawn()
        .expect("haproxy runs (scripts/setup.sh installs it)");
    Proc(child)
}

/// Polls `check` every 50 ms until it is true; panics after `limit`. Returns the time it took.
async fn until<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The tile-cache hits a server has counted (its `/metrics`).
async fn tile_hits(http: &reqwest::Client, base: &str) -> f64 {
    let text = http
        .get(format!("{base}/metrics"))
        .header("authorization", basic_root())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("qala_tile_cache_hits_total"))
        .filter_map(|l| l.split_whitespace().last()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_behind_haproxy() {
    let db = common::test_db().await;
    common::user(&db, "root", &["admin"], None, None).await;
    common::user(&db, "ed", &["editor"], None, None).await;
    let (dir_a, dir_b, dir_h) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let extra = ["--trusted-proxies".to_string(), "127.0.0.1".to_string()];
    let (mut server_a, a) = procs::qala_serve(&db.url, dir_a.path(), &extra);
    let (_server_b, b) = procs::qala_serve(&db.url, dir_b.path(), &extra);
    let front = free_port();
    let addr = |u: &str| u.trim_start_matches("http://").to_string();
    let _haproxy = haproxy(dir_h.path(), front, [&addr(&a), &addr(&b)]);
    let front = format!("http://127.0.0.1:{front}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let ready = http.get(format!("{a}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "A not ready: {}", ready.text().await.unwrap());
    let log = dir_h.path().join("haproxy.log");
    until(Duration::from_secs(20), &format!("haproxy answers ({})", log.display()), || {
        let (http, url) = (http.clone(), format!("{front}/readyz"));
        async move { http.get(url).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;

    // (a) B caches an (empty) tile; a feature written through A shows in B's next tile.
    let (lon, lat) = (76.9123, 43.2456);
    let t = qala::tiles::coords::TileCoord::containing(lon, lat, 14);
    let tile_b = format!("{b}/tiles/poi/{}/{}/{}.mvt", t.z, t.x, t.y);
    assert_eq!(http.get(&tile_b).send().await.unwrap().status(), 204);
    let hits = tile_hits(&http, &b).await;
    assert_eq!(http.get(&tile_b).send().await.unwrap().status(), 204);
    assert_eq!(tile_hits(&http, &b).await, hits + 1.0, "B answered the second request from its cache");
    let feature = json!({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name_ru": "Школа 1", "name_kk": "Мектеп 1", "kind": "school", "street": "Абая",
                       "house_number": "1", "capacity": 100}
    });
    let w = http
        .post(format!("{a}/ogc/collections/poi/items"))
        .header("authorization", basic_root())
        .header("content-type", "application/geo+json")
        .body(feature.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(w.status(), 201, "{}", w.text().await.unwrap());
    let took = until(AT_ONCE, "B's tile shows A's edit", || {
        let (http, url) = (http.clone(), tile_b.clone());
        async move { http.get(url).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    println!("tile edit on A seen on B after {took:?}");

    // (b) A session cached by B; the user blocked through A; B refuses the session at once.
    let login = http
        .post(format!("{b}/api/auth/login"))
        .header("content-type", "application/json")
        .body(json!({"login": "ed", "password": "ed-password"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let me = |base: &str| {
        let (http, url, cookie) = (http.clone(), format!("{base}/api/auth/me"), cookie.clone());
        async move { http.get(url).header("cookie", cookie).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(me(&b).await, 200);
    assert_eq!(me(&b).await, 200);
    let block = http
        .post(format!("{a}/api/admin/users/ed/block"))
        .header("authorization", basic_root())
        .send()
        .await
        .unwrap();
    assert_eq!(block.status(), 204, "{}", block.text().await.unwrap());
    let took = until(AT_ONCE, "B refuses the blocked user's session", || {
        let f = me(&b);
        async move { f.await == 401 }
    })
    .await;
    println!("block on A refused on B after {took:?}");

    // (c) Steady tile load through HAProxy; server A is SIGKILLed midway: every request is 200.
    let tile_front = format!("{front}/tiles/poi/{}/{}/{}.mvt", t.z, t.x, t.y);
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let (http, url, done) = (http.clone(), tile_front.clone(), Arc::clone(&done));
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..150 {
                    let s = match http.get(&url).send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(e) => {
                            eprintln!("request failed: {e}");
                            0
                        }
                    };
                    statuses.push(s);
                    done.fetch_add(1, Ordering::SeqCst);
                }
                statuses
            })
        })
        .collect();
    until(Duration::from_secs(60), "a third of the load sent", || {
        let n = done.load(Ordering::SeqCst);
        async move { n >= 300 }
    })
    .await;
    server_a.0.kill().unwrap();
    let _ = server_a.0.wait();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let failed: Vec<_> = all.iter().filter(|s| **s != 200).collect();
    assert_eq!(all.len(), 900);
    assert!(failed.is_empty(), "{} of {} requests were not 200: {failed:?}", failed.len(), all.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn leader_runs_one_holder_at_a_time() {
    use qala::db::leader;
    let db = common::test_db().await;
    let other = qala::db::connect(&db.url, 2).await.unwrap();
    // One holder: while a job of "job" runs on the first pool, the second skips it.
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let pool = db.pool.clone();
    let first = tokio::spawn(async move {
        leader::run_exclusive(&pool, "job", async move {
            started_tx.send(()).unwrap();
            finish_rx.await.unwrap();
            1
        })
        .await
        .unwrap()
    });
    started_rx.await.unwrap();
    assert_eq!(leader::run_exclusive(&other, "job", async { 2 }).await.unwrap(), None);
    assert_eq!(leader::run_exclusive(&other, "another job", async { 3 }).await.unwrap(), Some(3));
    finish_tx.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Some(1));
    assert_eq!(leader::run_exclusive(&other, "job", async { 4 }).await.unwrap(), Some(4));

    // A job cancelled mid-run (its future dropped) leaves no lock behind.
    let pool = db.pool.clone();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let stuck = tokio::spawn(async move {
        leader::run_exclusive(&pool, "job", async move {
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        })
        .await
    });
    started_rx.await.unwrap();
    assert_eq!(leader::run_exclusive(&other, "job", async { 5 }).await.unwrap(), None);
    stuck.abort();
    let _ = stuck.await;
    let took = until(Duration::from_secs(10), "the cancelled job's lock is gone", || {
        let other = other.clone();
        async move { leader::run_exclusive(&other, "job", async { 6 }).await.unwrap() == Some(6) }
    })
    .await;
    println!("lock of a cancelled job released after {took:?}");
}

/// `db::listen` (what keeps cached tiles and credentials fresh) across a PostgreSQL restart: the
/// gap is reported once listening has started again, and later notifications arrive.
#[tokio::test(flavor = "multi_thread")]
async fn notifications_survive_a_postgres_restart() {
    use qala::db::cluster::Cluster;
    let dir = tempfile::Builder::new().prefix("qala-listen-").tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cluster = Cluster::new(dir.path()).unwrap();
    let c = cluster.clone();
    let (port, _) = tokio::task::spawn_blocking(move || c.start()).await.unwrap().unwrap();
    let url = cluster.url(port);
    let pool = qala::db::connect(&url, 4).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let gap = tx.clone();
    let task = qala::db::listen::spawn(
        pool.clone(),
        "qala_test_channel",
        move |p| tx.send(format!("note:{p}")).unwrap(),
        move || gap.send("gap".into()).unwrap(),
    )
    .await
    .unwrap();
    let notify = |payload: &'static str| {
        let url = url.clone();
        async move {
            let p = qala::db::connect(&url, 1).await.unwrap();
            sqlx::query("SELECT pg_notify('qala_test_channel', $1)").bind(payload).execute(&p).await.unwrap();
            p.close().await;
        }
    };
    notify("before").await;
    assert_eq!(next(&mut rx).await, "note:before");

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop()).await.unwrap().unwrap();
    let c = cluster.clone();
    let (port2, _) = tokio::task::spawn_blocking(move || c.start()).await.unwrap().unwrap();
    assert_eq!(port2, port, "the cluster keeps its port");
    // Gaps are reported (at the loss, and again once listening has started); after the last one,
    // a notification arrives.
    let mut seen = Vec::new();
    loop {
        notify("after").await;
        let e = next(&mut rx).await;
        if e == "note:after" {
            break;
        }
        seen.push(e);
        assert!(seen.len() < 20, "{seen:?}");
    }
    assert!(seen.iter().any(|e| e == "gap"), "no gap reported: {seen:?}");
    task.abort();
    pool.close().await;
    tokio::task::spawn_blocking(move || cluster.stop()).await.unwrap().unwrap();
}

/// The next event of the listener, within 30 s.
async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.expect("an event within 30 s").unwrap()
}
