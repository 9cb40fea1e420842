//! Bulk loading of features into a layer, shared by `qala ingest` and `qala demo-data`.
//!
//! A load runs in one transaction: rows are validated against the layer schema in Rust, streamed
//! with `COPY` into a temporary staging table, then repaired (`ST_MakeValid`), filtered (empty,
//! wrong dimension, out of range, repeated key) and upserted into `features` by a few set-based
//! statements. KATO codes and history are written by the table's triggers in the same transaction.
//! Nothing is lost silently: every refused row comes back with its row number and reason.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::catalog::LayerDef;
use super::fresh_load::{self, FreshLoad};
use super::row_check::GeomCheck;
use super::schema;

/// A row refused by the load, with its row number in the source (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub row: u64,
    pub reason: String,
}

/// What a load did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadSummary {
    pub dataset_id: i64,
    /// Rows offered to the load.
    pub read: u64,
    /// Rows now stored (inserted + updated + unchanged).
    pub loaded: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Rows whose key matched a stored feature with the same content.
    pub unchanged: u64,
    /// Invalid geometries made valid.
    pub repaired: u64,
    pub rejected: Vec<Rejection>,
}

/// Where the data of a load comes from (recorded in `datasets`).
#[derive(Debug, Clone, Default)]
pub struct DatasetInfo {
    pub source_path: String,
    pub source_sha256: Option<String>,
    pub driver: String,
    pub source_srs: Option<String>,
    pub options: Value,
    pub metadata: Value,
}

/// COPY data sent at a time.
pub(super) const FLUSH_BYTES: usize = 4 << 20;

/// A load in progress. Call [`BulkLoader::push`] for each row and [`BulkLoader::finish`] once.
#[derive(Debug)]
pub struct BulkLoader<'a> {
    pool: PgPool,
    tx: Transaction<'static, Postgres>,
    /// Set when the load builds the layer beside its empty partition ([`fresh_load`]).
    fresh: Option<FreshLoad>,
    layer: &'a LayerDef,
    dataset_id: i64,
    buf: Vec<u8>,
    summary: LoadSummary,
}

impl<'a> BulkLoader<'a> {
    /// Starts a load into `layer` on behalf of `actor` (recorded in history).
    pub async fn begin(
        pool: &PgPool,
        layer: &'a LayerDef,
        actor: &str,
        info: &DatasetInfo,
    ) -> Result<BulkLoader<'a>> {
        BulkLoader::begin_sized(pool, layer, actor, info, None).await
    }

    /// Starts a load that expects about `expected` rows. A large one into an empty layer is built
    /// beside the layer's partition ([`fresh_load`]); it then wants rows checked by the reader
    /// ([`BulkLoader::takes_checked_rows`], [`BulkLoader::push_checked`]).
    pub async fn begin_sized(
        pool: &PgPool,
        layer: &'a LayerDef,
        actor: &str,
        info: &DatasetInfo,
        expected: Option<u64>,
    ) -> Result<BulkLoader<'a>> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT set_config('qala.actor', $1, true)").bind(actor).execute(&mut *tx).await?;
        let exists: Option<bool> = sqlx::query_scalar("SELECT active FROM layers WHERE id = $1")
            .bind(&layer.id)
            .fetch_optional(&mut *tx)
            .await?;
        match exists {
            Some(true) => {}
            Some(false) => anyhow::bail!("layer `{}` is retired (its file was removed)", layer.id),
            None => anyhow::bail!("layer `{}` is not in the database: run `qala layers sync`", layer.id),
        }
        let dataset_id: i64 = sqlx::query_scalar(include_str!("sql/dataset_insert.sql"))
            .bind(&layer.id)
            .bind(&info.source_path)
            .bind(&info.source_sha256)
            .bind(&info.driver)
            .bind(&info.source_srs)
            .bind(&info.options)
            .bind(&info.metadata)
            .bind(actor)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("SET LOCAL client_min_messages = warning").execute(&mut *tx).await?;
        // A fresh load stages the rows it leaves to the database on its own connection.
        let fresh = if fresh_load::applies(&mut tx, layer, expected).await? {
            Some(FreshLoad::start(pool, &mut tx, layer, dataset_id).await?)
        } else {
            sqlx::raw_sql(include_str!("sql/stage_create.sql")).execute(&mut *tx).await?;
            None
        };
        Ok(BulkLoader {
            pool: pool.clone(),
            tx,
            fresh,
            layer,
            dataset_id,
            buf: Vec::with_capacity(FLUSH_BYTES + 64 * 1024),
            summary: LoadSummary { dataset_id, ..Default::default() },
        })
    }

    /// Refuses row `row` with `reason` (e.g. a geometry GDAL could not read or transform).
    pub fn reject(&mut self, row: u64, reason: impl Into<String>) {
        self.summary.read += 1;
        self.summary.rejected.push(Rejection { row, reason: reason.into() });
    }

    /// Whether this load wants rows checked by [`super::row_check::check`] ([`Self::push_checked`]).
    pub fn takes_checked_rows(&self) -> bool {
        self.fresh.is_some()
    }

    /// Offers one row: WKB geometry in WGS84 (lon, lat) and raw attributes, validated here.
    pub async fn push(
        &mut self,
        row: u64,
        key: Option<&str>,
        wkb: &[u8],
        attrs: &Map<String, Value>,
    ) -> Result<()> {
        self.push_checked(row, key, wkb, attrs, GeomCheck::ToDatabase).await
    }

    /// Offers one row with what the reader found of its geometry ([`GeomCheck::ToDatabase`] when it
    /// did not look): a load built beside the layer stores a [`GeomCheck::Ready`] row as it is.
    pub async fn push_checked(
        &mut self,
        row: u64,
        key: Option<&str>,
        wkb: &[u8],
        attrs: &Map<String, Value>,
        check: GeomCheck,
    ) -> Result<()> {
        self.summary.read += 1;
        let attrs = match schema::validate(self.layer, attrs) {
            Ok(a) => Value::Object(a),
            Err(errors) => {
                let reason = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                self.summary.rejected.push(Rejection { row, reason });
                return Ok(());
            }
        };
        if let Some(fresh) = &mut self.fresh {
            if let Some(r) = fresh.accept(&mut self.tx, row, key, wkb, &attrs, check).await? {
                self.summary.rejected.push(r);
            }
            return Ok(());
        }
        write_copy_row(&mut self.buf, row, key, wkb, &attrs, None);
        if self.buf.len() >= FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        let rows = std::mem::replace(&mut self.buf, Vec::with_capacity(FLUSH_BYTES + 64 * 1024));
        copy_in(&mut self.tx, STAGE_COPY, rows).await
    }

    /// Repairs, filters and writes the rows, records the outcome and commits.
    /// `on_stage` hears what the load is doing once the rows are read (for a progress display).
    pub async fn finish_with(mut self, on_stage: impl Fn(&str)) -> Result<LoadSummary> {
        let Some(fresh) = self.fresh.take() else {
            return self.finish_staged().await;
        };
        let (pool, layer) = (self.pool.clone(), self.layer.id.clone());
        let (inserted, verdicts) = match fresh.finish(&pool, &mut self.tx, on_stage).await {
            Ok(done) => done,
            Err(e) => {
                // Roll back first: the load table is locked until then.
                let _ = self.tx.rollback().await;
                fresh_load::abandon(&pool, &layer).await;
                return Err(e);
            }
        };
        let s = &mut self.summary;
        s.add_verdicts(verdicts);
        s.inserted = inserted;
        s.unchanged = s.loaded - s.inserted;
        let result = self.record_and_commit().await;
        if result.is_err() {
            fresh_load::abandon(&pool, &layer).await;
        }
        result
    }

    /// [`Self::finish_with`] without progress messages.
    pub async fn finish(self) -> Result<LoadSummary> {
        self.finish_with(|_| {}).await
    }

    /// The end of an ordinary load: the staged rows repaired, checked and upserted.
    async fn finish_staged(mut self) -> Result<LoadSummary> {
        self.flush().await?;
        let dim = i32::from(self.layer.geometry.dimension());
        let tx = &mut self.tx;
        let verdicts = repair_and_reject(tx, dim).await?;
        let s = &mut self.summary;
        s.add_verdicts(verdicts);

        // Keyed rows already stored are updated when they changed and are otherwise left alone.
        let (mut updated, mut known) = (0i64, 0i64);
        let has_stored_keys: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM features WHERE layer_id = $1 AND source_key IS NOT NULL)",
        )
        .bind(&self.layer.id)
        .fetch_one(&mut **tx)
        .await?;
        if has_stored_keys {
            updated = sqlx::query_scalar(include_str!("sql/stage_update.sql"))
                .bind(&self.layer.id)
                .bind(self.dataset_id)
                .fetch_one(&mut **tx)
                .await
                .context("cannot update features")?;
            known = sqlx::query_scalar(include_str!("sql/stage_drop_known.sql"))
                .bind(&self.layer.id)
                .fetch_one(&mut **tx)
                .await?;
        }
        let new_rows = s.loaded as i64 - known;
        // A large load into a small layer builds the spatial index once afterwards (sorted, much
        // faster than growing it row by row), as ogr2ogr does. Only this layer's partition is locked.
        let stored: i64 =
            sqlx::query_scalar("SELECT count(*) FROM features WHERE layer_id = $1 AND deleted_at IS NULL")
                .bind(&self.layer.id)
                .fetch_one(&mut **tx)
                .await?;
        let rebuild_index = new_rows >= BULK_INDEX_ROWS && new_rows > stored;
        let kato_staged = new_rows >= BULK_KATO_ROWS;
        if kato_staged {
            sqlx::query("DROP TABLE ingest_kato").execute(&mut **tx).await?;
            sqlx::raw_sql(include_str!("sql/stage_kato.sql")).execute(&mut **tx).await?;
        }
        // The bulk path also switches the partition's row triggers off for its one INSERT, which
        // writes their columns itself (stage_insert_bulk.sql); the partition is already locked
        // exclusively by the index drop, and everything is back on before the commit.
        if rebuild_index {
            sqlx::query("SELECT qala_drop_layer_indexes($1)").bind(&self.layer.id).execute(&mut **tx).await?;
            sqlx::query("SELECT qala_layer_row_triggers($1, false)")
                .bind(&self.layer.id)
                .execute(&mut **tx)
                .await?;
        }
        let insert_sql = if rebuild_index {
            include_str!("sql/stage_insert_bulk.sql")
        } else {
            include_str!("sql/stage_insert.sql")
        };
        let inserted = sqlx::query(insert_sql)
            .bind(&self.layer.id)
            .bind(self.dataset_id)
            .bind(kato_staged)
            .execute(&mut **tx)
            .await
            .context("cannot write features")?
            .rows_affected();
        if rebuild_index {
            sqlx::query("SELECT qala_layer_row_triggers($1, true)")
                .bind(&self.layer.id)
                .execute(&mut **tx)
                .await?;
            // The trigram (GIN) build is faster with room to sort its entries in memory.
            sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut **tx).await?;
            sqlx::query("SELECT qala_ensure_layer_index($1)").bind(&self.layer.id).execute(&mut **tx).await?;
        }
        let s = &mut self.summary;
        s.inserted = inserted;
        s.updated = updated as u64;
        s.unchanged = s.loaded - s.inserted - s.updated;
        self.record_and_commit().await
    }

    /// Writes the summary into the `datasets` row and commits the load.
    async fn record_and_commit(mut self) -> Result<LoadSummary> {
        sqlx::query("UPDATE datasets SET summary = $2 WHERE id = $1")
            .bind(self.dataset_id)
            .bind(serde_json::to_value(&self.summary)?)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(self.summary)
    }
}

impl LoadSummary {
    /// Counts what the database made of the staged rows: those it repaired (unless it then refused
    /// them) and those it refused; every row not refused is loaded.
    fn add_verdicts(&mut self, v: StageVerdicts) {
        let refused: std::collections::HashSet<u64> = v.rejected.iter().map(|r| r.row).collect();
        self.repaired = v.repaired.iter().filter(|r| !refused.contains(&(**r as u64))).count() as u64;
        self.rejected.extend(v.rejected);
        self.rejected.sort_by_key(|r| r.row);
        self.loaded = self.read - self.rejected.len() as u64;
    }
}

/// What the database made of the staged rows.
#[derive(Debug, Default)]
pub(super) struct StageVerdicts {
    /// Rows whose geometry was invalid and made valid.
    pub repaired: Vec<i64>,
    /// Rows removed from the stage, with the reason.
    pub rejected: Vec<Rejection>,
}

/// The COPY of staging rows ([`write_copy_row`]) into `ingest_stage` (sql/stage_create.sql).
pub(super) const STAGE_COPY: &str =
    "COPY ingest_stage (row_no, source_key, geom, attrs, first_row) FROM STDIN";

/// Repairs the staged rows' geometries and removes the rows that cannot be loaded
/// (sql/stage_repair.sql, sql/stage_reject.sql), for a layer of dimension `dim`.
pub(super) async fn repair_and_reject(conn: &mut PgConnection, dim: i32) -> Result<StageVerdicts> {
    let repaired =
        sqlx::query_scalar(include_str!("sql/stage_repair.sql")).bind(dim).fetch_all(&mut *conn).await?;
    let rejected: Vec<(i64, String)> =
        sqlx::query_as(include_str!("sql/stage_reject.sql")).bind(dim).fetch_all(&mut *conn).await?;
    let rejected = rejected.into_iter().map(|(row, reason)| Rejection { row: row as u64, reason }).collect();
    Ok(StageVerdicts { repaired, rejected })
}

/// Sends `data` (COPY text rows) by `sql`, a `COPY ... FROM STDIN`; nothing when it is empty.
pub(super) async fn copy_in(conn: &mut PgConnection, sql: &str, data: Vec<u8>) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(sql).await?;
    copy.send(data).await?;
    copy.finish().await.with_context(|| format!("{} failed", sql.split(" FROM").next().unwrap_or(sql)))?;
    Ok(())
}

/// Loads of at least this many new rows (and more than the layer holds) rebuild its spatial index.
pub(super) const BULK_INDEX_ROWS: i64 = 20_000;
/// Loads of at least this many new rows get their KATO codes in one spatial join.
const BULK_KATO_ROWS: i64 = 5_000;

/// Appends one staging row in COPY text format: row, key, hex EWKB, JSON, first row of the key.
pub(super) fn write_copy_row(
    buf: &mut Vec<u8>,
    row: u64,
    key: Option<&str>,
    wkb: &[u8],
    attrs: &Value,
    first_row: Option<u64>,
) {
    use std::io::Write;
    let _ = write!(buf, "{row}\t");
    match key {
        Some(k) => copy_escape(buf, k),
        None => buf.extend_from_slice(b"\\N"),
    }
    buf.push(b'\t');
    write_hex_ewkb(buf, wkb);
    buf.push(b'\t');
    copy_escape(buf, &attrs.to_string());
    match first_row {
        Some(f) => {
            let _ = writeln!(buf, "\t{f}");
        }
        None => buf.extend_from_slice(b"\t\\N\n"),
    }
}

/// Appends `wkb` as hex EWKB with SRID 4326 (COPY's text form of a geometry).
pub(super) fn write_hex_ewkb(buf: &mut Vec<u8>, wkb: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut hex = |bytes: &[u8]| {
        for b in bytes {
            buf.push(HEX[(b >> 4) as usize]);
            buf.push(HEX[(b & 15) as usize]);
        }
    };
    match ewkb_header(wkb) {
        Some(header) => {
            hex(&header);
            hex(&wkb[5..]);
        }
        None => hex(wkb),
    }
}

/// The header of `wkb` rewritten as PostGIS EWKB with SRID 4326 (byte order, type with the SRID
/// flag, SRID), so the staged geometry has its SRID from the start. `None` when `wkb` is too short
/// or already carries an SRID.
fn ewkb_header(wkb: &[u8]) -> Option<[u8; 9]> {
    const SRID_FLAG: u32 = 0x2000_0000;
    let order = *wkb.first()?;
    let raw: [u8; 4] = wkb.get(1..5)?.try_into().ok()?;
    let little = order == 1;
    let kind = if little { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) };
    if kind & SRID_FLAG != 0 {
        return None;
    }
    let (kind, srid) = if little {
        ((kind | SRID_FLAG).to_le_bytes(), 4326u32.to_le_bytes())
    } else {
        ((kind | SRID_FLAG).to_be_bytes(), 4326u32.to_be_bytes())
    };
    let mut h = [0u8; 9];
    h[0] = order;
    h[1..5].copy_from_slice(&kind);
    h[5..9].copy_from_slice(&srid);
    Some(h)
}

/// Escapes text for COPY's text format.
pub(super) fn copy_escape(buf: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            _ => buf.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_text_and_hex_encode_geometry() {
        let mut buf = Vec::new();
        let attrs = serde_json::json!({"name": "a\tb\\c\nd"});
        // POINT(1 2) as little-endian WKB becomes EWKB with SRID 4326.
        let mut point = vec![1u8, 1, 0, 0, 0];
        point.extend_from_slice(&1f64.to_le_bytes());
        point.extend_from_slice(&2f64.to_le_bytes());
        write_copy_row(&mut buf, 7, Some("k\t1"), &point, &attrs, None);
        write_copy_row(&mut buf, 8, None, &[0xFF], &serde_json::json!({}), Some(3));
        let text = String::from_utf8(buf).unwrap();
        let ewkb = "0101000020E6100000000000000000F03F0000000000000040";
        let expected =
            format!("7\tk\\t1\t{ewkb}\t{{\"name\":\"a\\\\tb\\\\\\\\c\\\\nd\"}}\t\\N\n8\t\\N\tFF\t{{}}\t3\n");
        assert_eq!(text, expected);
    }

    #[test]
    fn big_endian_wkb_gets_an_srid_too() {
        let wkb = [0u8, 0, 0, 0, 3, 9, 9];
        assert_eq!(ewkb_header(&wkb), Some([0, 0x20, 0, 0, 3, 0, 0, 0x10, 0xE6]));
        assert_eq!(ewkb_header(&[1u8, 1, 0, 0, 0x20]), None, "already EWKB with SRID");
    }
}
