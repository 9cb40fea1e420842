//! Readiness: whether this server should be sent requests. Each check is named with its state and a
//! short detail (no personal data, safe for anybody to read): the database answers within
//! [`DB_TIMEOUT`], the migrations applied are exactly the ones this binary embeds, the data
//! directory's file system has at least the configured free space, and the server is not shutting
//! down.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::PgPool;

use super::Ops;
use super::figures::disk_of;

/// The longest the database checks may take together.
pub const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// A check's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Fail,
}

/// One named check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `database`, `migrations`, `disk` or `shutdown`.
    pub name: &'static str,
    pub state: State,
    pub detail: String,
}

/// All checks; ready when every one is ok.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub checks: Vec<Check>,
}

impl Readiness {
    /// The names of the failing checks.
    pub fn failing(&self) -> Vec<&'static str> {
        self.checks.iter().filter(|c| c.state == State::Fail).map(|c| c.name).collect()
    }
}

fn check(name: &'static str, ok: bool, detail: String) -> Check {
    Check { name, state: if ok { State::Ok } else { State::Fail }, detail }
}

/// Whole MiB, for details.
fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

impl Ops {
    /// Runs every check now.
    pub async fn readiness(&self, pool: &PgPool) -> Readiness {
        let started = Instant::now();
        let (database, migrations) = match tokio::time::timeout(DB_TIMEOUT, database_checks(pool)).await {
            Ok(Ok(m)) => {
                let ms = started.elapsed().as_millis();
                (check("database", true, format!("answered in {ms} ms")), m)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: the database did not answer");
                (
                    check("database", false, "does not answer".into()),
                    check("migrations", false, "unknown: the database does not answer".into()),
                )
            }
            Err(_) => (
                check("database", false, format!("no answer within {} s", DB_TIMEOUT.as_secs())),
                check("migrations", false, "unknown: the database does not answer".into()),
            ),
        };
        let settings = self.settings();
        let min = settings.min_free_disk_bytes;
        let disk = match disk_of(&settings.data_dir) {
            Ok(d) => check(
                "disk",
                d.free_bytes >= min,
                format!(
                    "{} MiB free of {} MiB, at least {} MiB needed",
                    mib(d.free_bytes),
                    mib(d.total_bytes),
                    mib(min)
                ),
            ),
            Err(_) => check("disk", false, "the data directory cannot be measured".into()),
        };
        let shutdown = if self.is_shutting_down() {
            check("shutdown", false, "the server is shutting down".into())
        } else {
            check("shutdown", true, "serving".into())
        };
        let checks = vec![database, migrations, disk, shutdown];
        Readiness { ready: checks.iter().all(|c| c.state == State::Ok), checks }
    }
}

/// `SELECT 1`, then the applied migrations against the embedded ones.
async fn database_checks(pool: &PgPool) -> Result<Check, sqlx::Error> {
    sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool).await?;
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as(include_str!("sql/migrations.sql")).fetch_all(pool).await?;
    Ok(compare_migrations(&applied, &embedded()))
}

/// The migrations this binary carries: version and checksum.
pub fn embedded() -> Vec<(i64, Vec<u8>)> {
    sqlx::migrate!("./migrations")
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect()
}

/// Whether `applied` is exactly `embedded` (same versions, same checksums), with the difference.
///
/// ```
/// # use qala::metrics::ready::{compare_migrations, State};
/// let e = vec![(1, vec![1]), (2, vec![2])];
/// assert_eq!(compare_migrations(&e, &e).state, State::Ok);
/// assert_eq!(compare_migrations(&e[..1], &e).detail, "not applied: 2");
/// ```
pub fn compare_migrations(applied: &[(i64, Vec<u8>)], embedded: &[(i64, Vec<u8>)]) -> Check {
    let a: BTreeMap<i64, &[u8]> = applied.iter().map(|(v, c)| (*v, c.as_slice())).collect();
    let e: BTreeMap<i64, &[u8]> = embedded.iter().map(|(v, c)| (*v, c.as_slice())).collect();
    let list = |v: Vec<i64>| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let missing: Vec<i64> = e.keys().filter(|v| !a.contains_key(v)).copied().collect();
    let unknown: Vec<i64> = a.keys().filter(|v| !e.contains_key(v)).copied().collect();
    let changed: Vec<i64> =
        e.iter().filter(|(v, c)| a.get(v).is_some_and(|x| x != *c)).map(|(v, _)| *v).collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("not applied: {}", list(missing)));
    }
    if !unknown.is_empty() {
        problems.push(format!("applied but unknown to this version: {}", list(unknown)));
    }
    if !changed.is_empty() {
        problems.push(format!("changed since applied: {}", list(changed)));
    }
    if problems.is_empty() {
        check("migrations", true, format!("{} applied, current", a.len()))
    } else {
        check("migrations", false, problems.join("; "))
    }
}
