//! Crash safety (issue 16, SEC-2): `qala serve` over its own cluster while clients edit features
//! through the API and remember every acknowledged write. The server is killed with SIGKILL
//! mid-load and restarted: every acknowledged write is there, and no write is half there (a
//! feature's versions and its history rows agree). Then PostgreSQL's postmaster is killed with
//! SIGKILL during the load and started again with `qala db start`: the same server process, not
//! restarted, serves again by itself (`/healthz` back to 200, writes acknowledged again) and every
//! acknowledged write is there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "crash-test-password-2026";

fn qala(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_qala"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("QALA_USER_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "qala {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `qala serve` over the cluster of `dir` (no DATABASE_URL: its own cluster, already running).
fn serve(dir: &Path, layers: &Path, port: u16) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qala"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--layers-dir")
        .arg(layers)
        // No services: a missing directory offers none.
        .arg("--services-dir")
        .arg(layers.join("no-services"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--db-connections", "8"])
        .args(["--statement-timeout-s", "10", "--backup-every", "0"])
        .current_dir(common::repo())
        .env_remove("DATABASE_URL")
        .env("QALA_LANG", "en")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    common::procs::wait_until_serving(&mut child);
    Server(child)
}

/// What a client was told: the feature's `floors` as last acknowledged, and whether a later
/// write was sent without an answer (then either value may be stored).
#[derive(Debug, Clone, Copy)]
struct Ack {
    floors: i64,
    pending: Option<i64>,
}

type Acks = Arc<Mutex<HashMap<i64, Ack>>>;

/// N clients creating features and patching them (with If-Match) until `stop`.
fn load(
    base: &str,
    acks: &Acks,
    stop: &Arc<AtomicBool>,
    counted: &Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..6)
        .map(|c| {
            let (base, acks, stop, counted) = (base.to_string(), acks.clone(), stop.clone(), counted.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.25]},
                        "properties": {"name": format!("c{c}-{n}"), "floors": 1}});
                    let r = http
                        .post(format!("{base}/ogc/collections/places/items"))
                        .basic_auth("root", Some(PASSWORD))
                        .header("content-type", "application/geo+json")
                        .body(body.to_string())
                        .send()
                        .await;
                    let Ok(r) = r else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    if r.status().as_u16() != 201 {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                    let etag = r.headers()["etag"].to_str().unwrap().to_string();
                    let fid: i64 = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
                    acks.lock().unwrap().insert(fid, Ack { floors: 1, pending: None });
                    counted.fetch_add(1, Ordering::SeqCst);
                    acks.lock().unwrap().get_mut(&fid).unwrap().pending = Some(2);
                    let r = http
                        .patch(format!("{base}/ogc/collections/places/items/{fid}"))
                        .basic_auth("root", Some(PASSWORD))
                        .header("content-type", "application/merge-patch+json")
                        .header("if-match", etag)
                        .body(json!({"properties": {"floors": 2}}).to_string())
                        .send()
                        .await;
                    if r.is_ok_and(|r| r.status().as_u16() == 200) {
                        *acks.lock().unwrap().get_mut(&fid).unwrap() = Ack { floors: 2, pending: None };
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect()
}

async fn wait_for(what: &str, timeout: Duration, mut f: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every acknowledged write is stored, and every feature's history agrees with its version.
async fn check(url: &str, acks: &Acks) -> usize {
    let pool = qala::db::connect(url, 2).await.unwrap();
    let rows: Vec<(i64, Value, i32)> =
        sqlx::query_as("SELECT id, attrs, version FROM features WHERE layer_id = 'places'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let stored: HashMap<i64, (Value, i32)> = rows.into_iter().map(|(id, a, v)| (id, (a, v))).collect();
    let acks = acks.lock().unwrap().clone();
    for (fid, ack) in &acks {
        let (attrs, _) = stored.get(fid).unwrap_or_else(|| panic!("acknowledged feature {fid} is gone"));
        let floors = attrs["floors"].as_i64().unwrap();
        assert!(
            floors == ack.floors || Some(floors) == ack.pending,
            "feature {fid}: acknowledged {ack:?}, stored {floors}"
        );
    }
    // No half write: each stored version has its history row (insert, then one per update), the
    // last one holding the stored attributes, and no history row without its feature.
    let history: Vec<(i64, i64, i32, Option<Value>)> = sqlx::query_as(
        "SELECT feature_id, count(*), max(version), (array_agg(attrs_after ORDER BY version DESC))[1]
           FROM feature_history WHERE layer_id = 'places' GROUP BY feature_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(history.len(), stored.len(), "every feature has history, and history only stored features");
    for (fid, n, max_version, last) in history {
        let (attrs, version) =
            stored.get(&fid).unwrap_or_else(|| panic!("history of a feature {fid} not stored"));
        assert_eq!(
            (n, max_version),
            (i64::from(*version), *version),
            "feature {fid}: versions and history rows"
        );
        assert_eq!(last.as_ref(), Some(attrs), "feature {fid}: the last history row is the stored state");
    }
    pool.close().await;
    acks.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_of_the_server_and_of_postgres() {
    let base_dir =
        std::env::var("QALA_TEST_DATA_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| "/tmp".into());
    std::fs::create_dir_all(&base_dir).unwrap();
    let scratch = tempfile::Builder::new().prefix("qala-crash-").tempdir_in(&base_dir).unwrap();
    std::fs::set_permissions(scratch.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dir = scratch.path().join("data");
    let layers = scratch.path().join("layers");
    std::fs::create_dir_all(&layers).unwrap();
    std::fs::write(layers.join("places.toml"), common::places_toml("places", "", "public = true", ""))
        .unwrap();
    qala(&dir, &["db", "start"]);
    qala(&dir, &["user", "add", "root", "--role", "admin"]);
    let url = qala(&dir, &["db", "url"]).trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let acks: Acks = Arc::default();
    let counted = Arc::new(AtomicUsize::new(0));

    // 1. SIGKILL of the server mid-load.
    let mut server = serve(&dir, &layers, port);
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(&base, &acks, &stop, &counted);
    wait_for("60 acknowledged writes", Duration::from_secs(30), async || {
        counted.load(Ordering::SeqCst) >= 60
    })
    .await;
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    drop(server);
    let server = serve(&dir, &layers, port);
    let n1 = check(&url, &acks).await;
    println!("server SIGKILL: {n1} acknowledged features all stored, no half write");

    // 2. SIGKILL of PostgreSQL's postmaster mid-load; the server is not restarted.
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(&base, &acks, &stop, &counted);
    let at = counted.load(Ordering::SeqCst);
    wait_for("40 more writes", Duration::from_secs(30), async || counted.load(Ordering::SeqCst) >= at + 40)
        .await;
    let pid = std::fs::read_to_string(dir.join("pg/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    let killed_at = Instant::now();
    let http = reqwest::Client::new();
    let healthz = |http: reqwest::Client, base: String| async move {
        http.get(format!("{base}/healthz")).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    };
    wait_for("/healthz to fail", Duration::from_secs(20), async || {
        healthz(http.clone(), base.clone()).await != 200
    })
    .await;
    qala(&dir, &["db", "start"]);
    wait_for("/healthz back to 200", Duration::from_secs(30), async || {
        healthz(http.clone(), base.clone()).await == 200
    })
    .await;
    let back_in = killed_at.elapsed();
    let at = counted.load(Ordering::SeqCst);
    wait_for("writes acknowledged again", Duration::from_secs(30), async || {
        counted.load(Ordering::SeqCst) >= at + 20
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let n2 = check(&url, &acks).await;
    println!(
        "postmaster SIGKILL: the same server served again {:.1} s after the kill; {n2} acknowledged features all stored",
        back_in.as_secs_f64()
    );
    drop(server);
    qala(&dir, &["db", "stop"]);
}
