//! The administrators' edits of the working-day calendar (`calendar_days`), laid over the files of
//! `../shared/data/calendar` by [`super::registry::Registry::reload_calendar`]. Every edit is
//! journalled in the same transaction.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::calendar::{CalendarDay, DayKind};
use crate::layers::catalog::Translated;

/// The edits, in date order.
pub async fn edits(pool: &PgPool) -> sqlx::Result<Vec<CalendarDay>> {
    let rows: Vec<(NaiveDate, String, String, String, String)> =
        sqlx::query_as("SELECT day, kind, name_kk, name_ru, name_en FROM calendar_days ORDER BY day")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(date, kind, kk, ru, en)| {
            Some(CalendarDay { date, kind: DayKind::parse(&kind)?, name: Translated { kk, ru, en } })
        })
        .collect())
}

/// Sets the listing of a date (checked by [`super::calendar::check_day`] first) by `actor`.
pub async fn set(pool: &PgPool, day: &CalendarDay, actor: &str) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO calendar_days (day, kind, name_kk, name_ru, name_en, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (day) DO UPDATE SET kind = $2, name_kk = $3, name_ru = $4, name_en = $5, updated_by = $6,
                                          updated_at = now()",
    )
    .bind(day.date)
    .bind(day.kind.as_str())
    .bind(&day.name.kk)
    .bind(&day.name.ru)
    .bind(&day.name.en)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    let detail = serde_json::json!({ "kind": day.kind.as_str(), "name": day.name });
    crate::auth::journal::record_in(
        &mut *tx,
        "calendar.set",
        Some(actor),
        None,
        Some(&day.date.to_string()),
        "ok",
        detail,
    )
    .await?;
    tx.commit().await
}

/// Removes an edit; whether there was one.
pub async fn remove(pool: &PgPool, date: NaiveDate, actor: &str) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let n = sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(date).execute(&mut *tx).await?;
    if n.rows_affected() > 0 {
        crate::auth::journal::record_in(
            &mut *tx,
            "calendar.remove",
            Some(actor),
            None,
            Some(&date.to_string()),
            "ok",
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n.rows_affected() > 0)
}
