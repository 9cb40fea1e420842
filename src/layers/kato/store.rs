//! KATO in the database: importing units (with the hierarchy rule of the module), attaching
//! boundaries and reading units for the API. All KATO SQL is in `sql/` beside this file.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::locate::KatoIndex;
use super::parse::{Layout, Parsed, RowError};
use super::{level, parent_of};

/// The outcome of `qala kato import`.
#[derive(Debug, Serialize)]
pub struct ImportSummary {
    pub layout: Layout,
    pub imported: usize,
    pub rejected: Vec<RowError>,
    pub total_units: i64,
}

/// Writes parsed units into `kato_units`, deriving level and parent from the codes of the file and
/// of the units already stored.
pub async fn import_units(pool: &PgPool, parsed: Parsed, source: &str) -> Result<ImportSummary> {
    let mut tx = pool.begin().await?;
    let existing: Vec<(String,)> =
        sqlx::query_as("SELECT code::text FROM kato_units").fetch_all(&mut *tx).await?;
    let mut codes: BTreeSet<String> = existing.into_iter().map(|r| r.0).collect();
    codes.extend(parsed.units.iter().map(|u| u.code.clone()));

    let n = parsed.units.len();
    let (mut code, mut parent, mut lvl) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut ru, mut kk, mut en) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for u in &parsed.units {
        parent.push(parent_of(&u.code, |c| codes.contains(c)));
        lvl.push(i16::from(level(&u.code).unwrap_or(4)));
        code.push(u.code.clone());
        ru.push(u.name_ru.clone());
        kk.push(u.name_kk.clone());
        en.push(u.name_en.clone());
    }
    sqlx::query(include_str!("sql/upsert_units.sql"))
        .bind(&code)
        .bind(&parent)
        .bind(&lvl)
        .bind(&ru)
        .bind(&kk)
        .bind(&en)
        .bind(source)
        .execute(&mut *tx)
        .await
        .context("cannot store KATO units")?;
    // Units stored earlier may now have a nearer parent (e.g. a district imported after villages).
    let stale: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT code::text, parent_code::text FROM kato_units").fetch_all(&mut *tx).await?;
    for (c, p) in stale {
        let want = parent_of(&c, |x| codes.contains(x));
        if want != p {
            sqlx::query("UPDATE kato_units SET parent_code = $2 WHERE code = $1")
                .bind(&c)
                .bind(&want)
                .execute(&mut *tx)
                .await?;
        }
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM kato_units").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(ImportSummary { layout: parsed.layout, imported: n, rejected: parsed.errors, total_units: total })
}

/// Attaches a boundary (WKB in WGS84) to a unit. The unit must exist.
pub async fn upsert_boundary(
    pool: &PgPool,
    code: &str,
    wkb: &[u8],
    source: &str,
    synthetic: bool,
) -> Result<()> {
    sqlx::query(include_str!("sql/upsert_boundary.sql"))
        .bind(code)
        .bind(wkb)
        .bind(source)
        .bind(synthetic)
        .execute(pool)
        .await
        .with_context(|| format!("cannot attach a boundary to KATO {code}"))?;
    Ok(())
}

/// Re-assigns every feature's KATO code after boundaries changed. Returns the number changed.
pub async fn reassign_features(pool: &PgPool) -> Result<u64> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('qala.actor', 'qala:kato', true)").execute(&mut *tx).await?;
    let n = sqlx::query(include_str!("sql/reassign_features.sql")).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// A unit as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Unit {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i16,
    pub name_ru: String,
    pub name_kk: Option<String>,
    pub name_en: Option<String>,
}

/// A unit with its boundary's extent.
#[derive(Debug, sqlx::FromRow)]
struct UnitRow {
    #[sqlx(flatten)]
    unit: Unit,
    xmin: Option<f64>,
    ymin: Option<f64>,
    xmax: Option<f64>,
    ymax: Option<f64>,
    synthetic: Option<bool>,
}

/// A unit, the bbox of its boundary (`[min_lon, min_lat, max_lon, max_lat]`) and whether that
/// boundary is synthetic.
pub async fn unit(pool: &PgPool, code: &str) -> sqlx::Result<Option<(Unit, Option<[f64; 4]>, Option<bool>)>> {
    let row: Option<UnitRow> =
        sqlx::query_as(include_str!("sql/unit.sql")).bind(code).fetch_optional(pool).await?;
    Ok(row.map(|r| {
        let bbox = match (r.xmin, r.ymin, r.xmax, r.ymax) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        };
        (r.unit, bbox, r.synthetic)
    }))
}

/// All boundary parts in memory, for locating many features at once ([`KatoIndex::locate`]).
pub async fn boundary_index(pool: &PgPool) -> Result<KatoIndex> {
    use geozero::ToGeo;
    let rows: Vec<(String, f64, Vec<u8>)> =
        sqlx::query_as(include_str!("sql/boundary_parts.sql")).fetch_all(pool).await?;
    let mut parts = Vec::with_capacity(rows.len());
    for (code, area, wkb) in rows {
        match geozero::wkb::Wkb(wkb).to_geo().context("cannot read a KATO boundary part")? {
            geo::Geometry::Polygon(p) => parts.push((code, area, p)),
            _ => anyhow::bail!("a boundary part of {code} is not a polygon"),
        }
    }
    Ok(KatoIndex::new(parts))
}

pub async fn ancestors(pool: &PgPool, code: &str) -> sqlx::Result<Vec<Unit>> {
    sqlx::query_as(include_str!("sql/ancestors.sql")).bind(code).fetch_all(pool).await
}

pub async fn children(pool: &PgPool, code: &str) -> sqlx::Result<Vec<Unit>> {
    sqlx::query_as(include_str!("sql/children.sql")).bind(code).fetch_all(pool).await
}

/// Units whose names resemble `q` (typo-tolerant), best first, with their scores (0-1); only
/// descendants of `within` (and `within` itself) when given.
pub async fn search(
    pool: &PgPool,
    q: &str,
    within: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<(Unit, f32)>> {
    let prefix = within.map(super::descendant_prefix).unwrap_or_default();
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL pg_trgm.word_similarity_threshold = 0.45").execute(&mut *tx).await?;
    let rows: Vec<SearchRow> = sqlx::query_as(include_str!("sql/search.sql"))
        .bind(q.to_lowercase())
        .bind(limit)
        .bind(prefix)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(|r| (r.unit, r.score)).collect())
}

#[derive(sqlx::FromRow)]
struct SearchRow {
    #[sqlx(flatten)]
    unit: Unit,
    score: f32,
}
