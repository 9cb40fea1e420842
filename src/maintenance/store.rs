//! The SQL of maintenance windows (`maintenance_windows`, migration 0031): the windows not over,
//! every window for the admin list, announcing (under a lock, so two announcements cannot both
//! pass the overlap check; the table's exclusion constraint is the last word), cancelling, and the
//! NOTIFY that tells every server to reload.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};

use super::rules::{Texts, Window};

/// The channel a change of the windows is notified on.
pub const CHANNEL: &str = "qala_maintenance";

/// The name of the constraint refusing overlapping windows.
pub const NO_OVERLAP: &str = "maintenance_windows_no_overlap";

type Row = (i64, DateTime<Utc>, DateTime<Utc>, String, String, String, DateTime<Utc>, String);

fn window(r: Row) -> Window {
    Window { id: r.0, starts_at: r.1, ends_at: r.2, message: Texts { kk: r.3, ru: r.4, en: r.5 } }
}

/// The windows not cancelled and not over at `now`, earliest first (at most 100).
pub async fn active<'e>(
    exec: impl sqlx::Executor<'e, Database = Postgres>,
    now: DateTime<Utc>,
) -> Result<Vec<Window>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(include_str!("sql/active.sql")).bind(now).fetch_all(exec).await?;
    Ok(rows.into_iter().map(window).collect())
}

/// A window as the admin list shows it, cancelled ones included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Announced {
    #[serde(flatten)]
    pub window: Window,
    pub announced_at: DateTime<Utc>,
    pub announced_by: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<String>,
}

/// The last `limit` windows by start, latest first.
pub async fn all(pool: &PgPool, limit: i64) -> Result<Vec<Announced>, sqlx::Error> {
    type Full = (
        i64,
        DateTime<Utc>,
        DateTime<Utc>,
        String,
        String,
        String,
        DateTime<Utc>,
        String,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let rows: Vec<Full> = sqlx::query_as(include_str!("sql/all.sql")).bind(limit).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|r| Announced {
            window: window((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7.clone())),
            announced_at: r.6,
            announced_by: r.7,
            cancelled_at: r.8,
            cancelled_by: r.9,
        })
        .collect())
}

/// Begins an announcement: a transaction holding the windows' lock, and the windows not over.
pub async fn begin(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<(Transaction<'static, Postgres>, Vec<Window>), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(include_str!("sql/lock.sql")).execute(&mut *tx).await?;
    let windows = active(&mut *tx, now).await?;
    Ok((tx, windows))
}

/// Inserts a checked window in the announcement's transaction, notifies, commits; its id.
pub async fn insert(
    mut tx: Transaction<'static, Postgres>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    message: &Texts,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(include_str!("sql/insert.sql"))
        .bind(starts_at)
        .bind(ends_at)
        .bind(message.kk.trim())
        .bind(message.ru.trim())
        .bind(message.en.trim())
        .bind(now)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
    notify(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancels a window not over (a window under way ends now); whether there was one.
pub async fn cancel(pool: &PgPool, id: i64, now: DateTime<Utc>, by: &str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done: Option<i64> = sqlx::query_scalar(include_str!("sql/cancel.sql"))
        .bind(id)
        .bind(now)
        .bind(by)
        .fetch_optional(&mut *tx)
        .await?;
    if done.is_some() {
        notify(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(done.is_some())
}

async fn notify(tx: &mut Transaction<'static, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut **tx).await?;
    Ok(())
}
