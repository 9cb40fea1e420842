//! Verifying a backup by restoring it: the live database's per-table row counts and checksums
//! are taken at one instant that is also a restore point; the backup is restored into a
//! temporary directory, recovered to that restore point on a private port, and the same figures
//! computed there must be equal. The attachment files its `attachments` rows name must be in the
//! archive with their SHA-256.
//!
//! Why the instant is consistent: a REPEATABLE READ transaction first takes SHARE locks on every
//! table (which waits for every transaction that has written a table to end and keeps new writers
//! out, since writers hold ROW EXCLUSIVE until they end), then takes its snapshot, creates the
//! restore point and exports the snapshot. While the locks are held no change to any table can
//! commit, so the tables' committed content is the same at the snapshot and at the restore point:
//! every transaction the snapshot sees committed before it (its commit record precedes the restore
//! point's in the WAL), and none that committed a table change after it can exist before the
//! restore point. A second connection imports the snapshot and computes the figures after the
//! locks are released, so writers wait only for the few milliseconds of the restore point.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use serde_json::json;
use sqlx::{Connection, PgConnection, PgPool};

use super::Backups;
use super::manifest::{Manifest, Verification, sha256_file};
use crate::db::cluster::{Cluster, RecoveryTarget, free_local_port};

/// Row count and checksum of each table.
pub type Figures = BTreeMap<String, (i64, String)>;

/// The figures of `tables` in the connection's current transaction.
pub async fn figures(conn: &mut PgConnection, tables: &[String]) -> sqlx::Result<Figures> {
    let mut out = Figures::new();
    for t in tables {
        let (n, sum): (i64, String) = sqlx::query_as(&format!(
            "SELECT count(*), coalesce(sum(hashtextextended(x::text, 0)), 0)::text FROM ONLY {t} x"
        ))
        .fetch_one(&mut *conn)
        .await?;
        out.insert(t.clone(), (n, sum));
    }
    Ok(out)
}

/// The live side: figures at a restore point, as described above. Returns the restore point's
/// name, the leaf tables and their figures.
pub async fn live_figures_at_restore_point(pool: &PgPool, point: &str) -> Result<(Vec<String>, Figures)> {
    let mut last = None;
    for attempt in 0..10 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        match try_live(pool, point).await {
            Ok(r) => return Ok(r),
            // A table dropped between listing and locking, a long writer, a deadlock: again.
            Err(e) => {
                tracing::info!(error = %format!("{e:#}"), "verification: the tables could not be locked; retrying");
                last = Some(e)
            }
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no attempt")))
}

async fn try_live(pool: &PgPool, point: &str) -> Result<(Vec<String>, Figures)> {
    let listed: Vec<(String, bool)> = sqlx::query_as(include_str!("sql/tables.sql")).fetch_all(pool).await?;
    let all: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
    let leaves: Vec<String> = listed.iter().filter(|(_, l)| *l).map(|(n, _)| n.clone()).collect();
    let mut locker = pool.acquire().await?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ").execute(&mut *locker).await?;
    let taken: Result<String> = async {
        // Writers queue behind a waiting lock: wait little, and retry. With a writer that holds one
        // table and wants another this session is the one to find the deadlock (its timeout is
        // shorter than anyone's) and give up, never the writer.
        sqlx::query("SET LOCAL lock_timeout = '2s'").execute(&mut *locker).await?;
        sqlx::query("SET LOCAL deadlock_timeout = '20ms'").execute(&mut *locker).await?;
        sqlx::query(&format!("LOCK TABLE {} IN SHARE MODE", all.join(", "))).execute(&mut *locker).await?;
        // The first statement after the locks: the transaction's snapshot is taken here.
        let (snapshot, _lsn): (String, String) =
            sqlx::query_as("SELECT pg_export_snapshot(), pg_create_restore_point($1)::text")
                .bind(point)
                .fetch_one(&mut *locker)
                .await?;
        Ok(snapshot)
    }
    .await;
    let snapshot = match taken {
        Ok(s) => s,
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *locker).await;
            return Err(e);
        }
    };
    let mut reader = pool.acquire().await?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *reader).await?;
    let imported = sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{}'", snapshot.replace('\'', "")))
        .execute(&mut *reader)
        .await;
    // The locks go as soon as the snapshot is imported (or could not be).
    sqlx::query("COMMIT").execute(&mut *locker).await?;
    imported?;
    let f = figures(&mut reader, &leaves).await;
    sqlx::query("COMMIT").execute(&mut *reader).await?;
    Ok((leaves, f?))
}

/// Verifies backup `m`: restore point, WAL switch, the copy recovered and compared. Records the
/// result in `m` (the caller writes it). `progress` hears each step.
pub async fn verify(
    b: &Backups,
    pool: &PgPool,
    m: &mut Manifest,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<()> {
    if m.state != "done" {
        bail!("backup {} is {}, not done", m.id, m.state);
    }
    let started = Instant::now();
    let point = format!("qala_verify_{}_{}", m.id, Utc::now().timestamp());
    progress("checking the backup's files against its manifest");
    let (dir, mm) = (b.layout.backup(&m.id), m.clone());
    tokio::task::spawn_blocking(move || super::base::check_files(&dir, &mm)).await??;
    let (tables, live) = live_figures_at_restore_point(pool, &point).await?;
    progress(&format!("live figures of {} tables at restore point {point}", tables.len()));
    let segment: String =
        sqlx::query_scalar("SELECT pg_walfile_name(pg_switch_wal())").fetch_one(pool).await?;
    wait_archived(&b.layout.wal(), &segment, Duration::from_secs(120)).await?;

    let work = b.layout.tmp().join(format!("verify-{}", m.id));
    let (bb, id, w, p) = (b.clone(), m.id.clone(), work.clone(), point.clone());
    let (copy, port) =
        tokio::task::spawn_blocking(move || restore_copy(&bb, &id, &w, &RecoveryTarget::Name(p))).await??;
    progress(&format!("copy recovered to the restore point on port {port}"));
    let result = compare(&copy, port, &tables, &live, b).await;
    let c = copy.clone();
    let _ = tokio::task::spawn_blocking(move || c.stop()).await?;
    let _ = std::fs::remove_dir_all(&work);
    let (ok, mut detail) = match result {
        Ok(d) => (d["mismatches"].as_array().is_some_and(|a| a.is_empty()), d),
        Err(e) => (false, json!({"error": format!("{e:#}")})),
    };
    detail["restore_point"] = json!(point);
    detail["seconds"] = json!(started.elapsed().as_secs_f64());
    m.verification = Some(Verification { verified_at: Utc::now(), ok, detail });
    b.layout.write(m)?;
    super::store::verified(pool, m).await?;
    progress(if ok {
        "verified: the copy equals the live database at the restore point"
    } else {
        "verification FAILED"
    });
    Ok(())
}

async fn compare(
    copy: &Cluster,
    port: u16,
    tables: &[String],
    live: &Figures,
    b: &Backups,
) -> Result<serde_json::Value> {
    let mut conn =
        PgConnection::connect(&copy.url(port)).await.context("cannot connect to the restored copy")?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut conn).await?;
    let restored = figures(&mut conn, tables).await?;
    let shas: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachments").fetch_all(&mut conn).await?;
    sqlx::query("COMMIT").execute(&mut conn).await?;
    conn.close().await?;
    let mut mismatches = Vec::new();
    for (t, want) in live {
        if restored.get(t) != Some(want) {
            mismatches.push(json!({"table": t, "live": want, "restored": restored.get(t)}));
        }
    }
    let archive = b.layout.attachments();
    let checked = shas.len();
    let bad = tokio::task::spawn_blocking(move || {
        shas.into_iter()
            .filter(|s| s.len() == 64)
            .filter(|s| sha256_file(&archive.join(&s[..2]).join(s)).map(|(h, _)| h != *s).unwrap_or(true))
            .collect::<Vec<_>>()
    })
    .await?;
    for s in bad {
        mismatches.push(json!({"attachment": s, "reason": "missing from the archive or altered"}));
    }
    let rows: i64 = live.values().map(|(n, _)| n).sum();
    Ok(json!({"tables": live.len(), "rows": rows, "attachments_checked": checked, "mismatches": mismatches}))
}

/// Waits until WAL segment `name` is in the archive.
pub async fn wait_archived(wal: &Path, name: &str, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    while !wal.join(name).exists() {
        if start.elapsed() > timeout {
            bail!("WAL segment {name} was not archived within {timeout:?} (see the cluster's log)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Restores backup `id` into `work/pg` (which must not exist or be empty), recovers it from the
/// WAL archive to `target`, promoted, and leaves it running on a free port. Blocking.
pub fn restore_copy(b: &Backups, id: &str, work: &Path, target: &RecoveryTarget) -> Result<(Cluster, u16)> {
    if work.exists() {
        // A copy left by a verification that did not end (its process died) may still run.
        if work.join("pg").join("PG_VERSION").exists() {
            let _ = Cluster::new(work)?.stop();
        }
        std::fs::remove_dir_all(work)?;
    }
    std::fs::create_dir_all(work)?;
    let copy = super::restore::extract(b, id, work)?;
    copy.prepare_recovery(&b.layout.wal(), target)?;
    let port = free_local_port()?;
    copy.start_plain(port)?;
    copy.wait_promoted(port, Duration::from_secs(3600))?;
    Ok((copy, port))
}
