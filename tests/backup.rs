//! The restore drill (issue 16, SEC-2): a cluster of its own with WAL archiving, features and an
//! attachment, `qala backup`, more rows, a time T, more rows and a second attachment after T, the
//! cluster destroyed, `qala restore --time T` into a fresh directory: exactly the rows committed
//! before T and the first attachment, none of what came after. Prints the recovery point and the
//! recovery time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::PgPool;

fn qala(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_qala"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("QALA_ARCHIVE_TIMEOUT_S", "5")
        .env("QALA_LANG", "en")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "qala {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn url_of(dir: &Path) -> String {
    String::from_utf8(qala(dir, &["db", "url"]).stdout).unwrap().trim().to_string()
}

/// A data directory the postgres user can reach, under the test's own scratch directory.
pub fn scratch(prefix: &str) -> tempfile::TempDir {
    let base =
        std::env::var("QALA_TEST_DATA_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| "/tmp".into());
    std::fs::create_dir_all(&base).unwrap();
    std::fs::set_permissions(&base, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let d = tempfile::Builder::new().prefix(prefix).tempdir_in(base).unwrap();
    std::fs::set_permissions(d.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    d
}

/// Stores `bytes` as an attachment of feature `fid` the way the server does (content-addressed).
async fn attach(pool: &PgPool, dir: &Path, fid: i64, bytes: &[u8]) -> String {
    let sha = hex::encode(Sha256::digest(bytes));
    let p = qala::features::attachments::stored_path(&dir.join("attachments"), &sha);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    sqlx::query(
        "INSERT INTO attachments (layer_id, feature_id, sha256, file_name, media_type, size_bytes, created_by)
         VALUES ('places', $1, $2, 'a.txt', 'text/plain', $3, 'drill')",
    )
    .bind(fid)
    .bind(&sha)
    .bind(bytes.len() as i64)
    .execute(pool)
    .await
    .unwrap();
    sha
}

async fn add(pool: &PgPool, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO features (layer_id, geom, attrs) VALUES ('places', ST_SetSRID(ST_MakePoint(76.9, 43.25), 4326), $1) RETURNING id",
    )
    .bind(serde_json::json!({"name": name, "floors": 3}))
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The live features as (id, md5 of the row's content), in id order.
async fn features(pool: &PgPool) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT id, md5(row(id, geom, attrs, version, deleted_at)::text) FROM features WHERE layer_id = 'places' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_drill_recovers_exactly_what_was_committed_before_t() {
    let scratch_dir = scratch("qala-drill-");
    let live = scratch_dir.path().join("live");
    let fresh = scratch_dir.path().join("restored");
    qala(&live, &["db", "start"]);
    let pool = qala::db::connect(&url_of(&live), 4).await.unwrap();
    qala::db::migrate(&pool).await.unwrap();
    common::sync_layers(&pool, &[common::places_layer(true)]).await;

    // Before the backup: features and the first attachment.
    for i in 0..20 {
        add(&pool, &format!("before-backup-{i}")).await;
    }
    let first = add(&pool, "with attachment").await;
    let sha1 = attach(&pool, &live, first, b"first attachment: before T").await;
    // A DEM under the data directory: copied by the backup, restored and re-pointed.
    std::fs::create_dir_all(live.join("dem")).unwrap();
    std::fs::write(live.join("dem/relief.tif"), b"not really a GeoTIFF").unwrap();
    sqlx::query(
        "INSERT INTO dems (id, file, source, bounds, cell_deg, min_m, max_m) VALUES ('relief', $1, 'drill', '{76,43,77,44}', 0.001, 500, 4000)",
    )
    .bind(live.join("dem/relief.tif").canonicalize().unwrap().to_str().unwrap())
    .execute(&pool)
    .await
    .unwrap();
    let out = qala(&live, &["backup"]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("verified"), "{said}");
    let list = String::from_utf8_lossy(&qala(&live, &["backup", "list"]).stdout).to_string();
    assert_eq!(list.lines().filter(|l| l.contains(" done ") && l.contains("verified")).count(), 1, "{list}");

    // After the backup, before T: new rows, an edit and a deletion.
    for i in 0..15 {
        add(&pool, &format!("after-backup-{i}")).await;
    }
    sqlx::query("UPDATE features SET attrs = attrs || '{\"floors\": 9}' WHERE layer_id = 'places' AND attrs->>'name' = 'before-backup-3'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE features SET deleted_at = now(), deleted_by = 'drill' WHERE layer_id = 'places' AND attrs->>'name' = 'before-backup-4'")
        .execute(&pool)
        .await
        .unwrap();
    let before_t = features(&pool).await;
    let last_commit_before_t: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT clock_timestamp()").fetch_one(&pool).await.unwrap();
    let t: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT clock_timestamp()").fetch_one(&pool).await.unwrap();

    // After T: more rows, an edit, a second attachment.
    for i in 0..10 {
        add(&pool, &format!("after-t-{i}")).await;
    }
    sqlx::query("UPDATE features SET attrs = attrs || '{\"floors\": 42}' WHERE layer_id = 'places' AND attrs->>'name' = 'before-backup-5'")
        .execute(&pool)
        .await
        .unwrap();
    let second = add(&pool, "second attachment").await;
    let sha2 = attach(&pool, &live, second, b"second attachment: after T").await;
    let after_t = features(&pool).await;
    assert!(after_t.len() > before_t.len());

    // Every commit is in an archived segment.
    let segment: String =
        sqlx::query_scalar("SELECT pg_walfile_name(pg_switch_wal())").fetch_one(&pool).await.unwrap();
    qala::backup::verify::wait_archived(&live.join("backups/wal"), &segment, Duration::from_secs(60))
        .await
        .unwrap();
    pool.close().await;

    // The disaster: the cluster stopped and its directory gone.
    qala(&live, &["db", "stop"]);
    std::fs::remove_dir_all(live.join("pg")).unwrap();
    std::fs::remove_dir_all(live.join("attachments")).unwrap();
    std::fs::remove_dir_all(live.join("dem")).unwrap();

    let started = Instant::now();
    let t_arg = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let out = qala(&live, &["restore", "--to", fresh.to_str().unwrap(), "--time", &t_arg]);
    let restored_in = started.elapsed();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("restored backup"), "{said}");
    qala(&fresh, &["db", "start"]);
    let recovery_time = started.elapsed();
    let pool = qala::db::connect(&url_of(&fresh), 2).await.unwrap();

    let got = features(&pool).await;
    assert_eq!(got, before_t, "exactly the rows committed before T, as they were at T");
    let lost: Vec<&(i64, String)> = before_t.iter().filter(|r| !got.contains(r)).collect();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT attrs->>'name' FROM features WHERE attrs->>'name' LIKE 'after-t-%'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(names.is_empty(), "nothing committed after T: {names:?}");
    let shas: Vec<String> =
        sqlx::query_scalar("SELECT sha256 FROM attachments").fetch_all(&pool).await.unwrap();
    assert_eq!(shas, vec![sha1.clone()]);
    let file1 = qala::features::attachments::stored_path(&fresh.join("attachments"), &sha1);
    assert_eq!(std::fs::read(&file1).unwrap(), b"first attachment: before T");
    assert!(!qala::features::attachments::stored_path(&fresh.join("attachments"), &sha2).exists());
    let dem: String =
        sqlx::query_scalar("SELECT file FROM dems WHERE id = 'relief'").fetch_one(&pool).await.unwrap();
    assert_eq!(Path::new(&dem), fresh.canonicalize().unwrap().join("dem/relief.tif"));
    assert_eq!(std::fs::read(&dem).unwrap(), b"not really a GeoTIFF");
    // The restored server is a working primary: it takes writes (and would archive them).
    add(&pool, "after restore").await;
    let newest: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT max(greatest(created_at, updated_at, coalesce(deleted_at, created_at))) FROM features WHERE attrs->>'name' <> 'after restore'")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;

    println!(
        "restore drill: recovery point: {} of {} rows committed before T lost ({} rows added and an edit after T, not restored, as asked); \
         the last restored change {:.0} ms before T (last commit before T at {:.0} ms before it); \
         recovery time: {:.1} s (restore {:.1} s + start {:.1} s)",
        lost.len(),
        before_t.len(),
        after_t.len() - before_t.len(),
        (t - newest).num_microseconds().unwrap_or(0) as f64 / 1000.0,
        (t - last_commit_before_t).num_microseconds().unwrap_or(0) as f64 / 1000.0,
        recovery_time.as_secs_f64(),
        restored_in.as_secs_f64(),
        (recovery_time - restored_in).as_secs_f64()
    );
    qala(&fresh, &["db", "stop"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_start_and_list_backups_through_the_api() {
    let scratch_dir = scratch("qala-backup-api-");
    let live = scratch_dir.path().join("live");
    qala(&live, &["db", "start"]);
    let url = url_of(&live);
    let pool = qala::db::connect(&url, 8).await.unwrap();
    let writers_pool = qala::db::connect(&url, 3).await.unwrap();
    qala::db::migrate(&pool).await.unwrap();
    let db = common::TestDb { pool: pool.clone(), url, name: "qala".into() };
    common::user(&db, "root", &["admin"], None, None).await;
    common::user(&db, "viewer", &["viewer"], None, None).await;
    let backups = qala::backup::Backups::new(&live).unwrap();
    let state = qala::http::AppState::new(pool.clone(), qala::layers::Catalog::new(vec![]));
    let external = qala::http::app(state.clone());
    let app = qala::http::app(state.with_backups(Some(backups)));
    let post = |app: axum::Router, who: Option<&'static str>| async move {
        let headers: Vec<(&str, String)> = who.map(|w| vec![common::basic(w)]).unwrap_or_default();
        common::call(&app, "POST", "/api/admin/backups", &headers, vec![]).await
    };

    // Writers all along the backup and its verification: transactions writing two tables, in
    // both orders. The verification must still find the copy equal to the live figures.
    sqlx::raw_sql("CREATE TABLE churn_a (x bigint); CREATE TABLE churn_b (x bigint)")
        .execute(&pool)
        .await
        .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (pool, stop) = (writers_pool.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0i64;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    n += 1;
                    let (first, second) =
                        if w % 2 == 0 { ("churn_a", "churn_b") } else { ("churn_b", "churn_a") };
                    let mut tx = pool.begin().await.unwrap();
                    let r = async {
                        sqlx::query(&format!("INSERT INTO {first} VALUES ($1)"))
                            .bind(n)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(&format!("INSERT INTO {second} VALUES ($1)"))
                            .bind(n)
                            .execute(&mut *tx)
                            .await
                    }
                    .await;
                    if r.is_ok() {
                        tx.commit().await.unwrap();
                    }
                }
                n
            })
        })
        .collect();

    assert_eq!(post(app.clone(), None).await.status, 401);
    assert_eq!(post(app.clone(), Some("viewer")).await.status, 403);
    let r = post(external.clone(), Some("root")).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (409, Some("backups_unavailable")));
    let r = post(app.clone(), Some("root")).await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["id"].as_str().unwrap().to_string();
    // The first still runs (pg_basebackup, then the verification's restore): a second waits.
    assert_eq!(post(app.clone(), Some("root")).await.status, 409);

    let (status, _) =
        common::get_json(&app, "/api/admin/backups", &[("authorization", &common::basic("viewer").1)]).await;
    assert_eq!(status, 403);
    let start = Instant::now();
    let row = loop {
        let (status, body) =
            common::get_json(&app, "/api/admin/backups", &[("authorization", &common::basic("root").1)])
                .await;
        assert_eq!(status, 200);
        let row = body["backups"][0].clone();
        assert_eq!(row["id"], id);
        if row["verify_result"].is_string() {
            assert!(body["last_verified"].is_string(), "{body}");
            break row;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the backup did not finish: {row}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut written = 0;
    for w in writers {
        written += w.await.unwrap();
    }
    assert!(written > 10, "the writers wrote during the backup ({written})");
    assert_eq!(row["state"], "done", "{row}");
    assert_eq!(row["verify_result"], "ok", "{row}");
    assert_eq!(row["verification"]["mismatches"], serde_json::json!([]), "{row}");
    assert!(row["verification"]["tables"].as_u64().unwrap() > 20, "{row}");
    assert!(qala::backup::last_verified(&pool).await.unwrap().is_some());
    assert!(qala::backup::last_verified_on_disk(&live).is_some());
    let journalled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE kind IN ('backup.start', 'backup.done', 'backup.refused')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(journalled >= 3, "starts, ends and refusals are journalled ({journalled})");
    pool.close().await;

    // Retention: a second backup keeping one removes the first and the WAL before the second.
    let said = String::from_utf8_lossy(&qala(&live, &["backup", "--keep", "1"]).stdout).to_string();
    assert!(said.contains(&format!("removed older backups: {id}")), "{said}");
    assert!(!live.join("backups/base").join(&id).exists());
    let kept = qala::backup::manifest::Layout::new(&live).list();
    assert_eq!(kept.len(), 1);
    let first = qala::backup::segment_of(kept[0].wal_start_lsn.as_deref().unwrap()).unwrap();
    let wal: Vec<String> = std::fs::read_dir(live.join("backups/wal"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.len() >= 24 && n[..24].bytes().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert!(!wal.is_empty() && wal.iter().all(|n| n[8..24] >= first[..]), "{first} {wal:?}");
    qala(&live, &["db", "stop"]);
}
