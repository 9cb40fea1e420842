//! A large load into an empty layer, built beside the layer's partition and swapped in: the way
//! ogr2ogr loads a new table (rows first, indexes once at the end), with what Qala adds kept.
//!
//! 1. The main transaction of the load ([`super::store::BulkLoader`]) holds the empty partition
//!    against writes (SHARE ROW EXCLUSIVE: reads go on) and the `datasets` row.
//! 2. Rows the reader checked ([`super::row_check`]: valid, kept, KATO code found in memory) get
//!    their ids from `features_id_seq`, in the order of the file, and stream by COPY into
//!    `qala_load_<layer>` on a second connection. Other rows (invalid, unusual) go to a staging
//!    table there, where the database repairs and checks them as in an ordinary load, then join
//!    the load table.
//! 3. The second connection commits (the table is not part of `features` yet, so nobody reads it);
//!    its indexes (the parent's and the layer's own) are built on two connections at once, while
//!    the main transaction copies the rows' history into `feature_history`.
//! 4. The main transaction replaces the empty partition by the table
//!    (`qala_swap_in_load_table`, waiting at most a second at a time for the lock on `features`),
//!    notifies the change and commits: the rows, their history and the dataset appear together.
//!    The index builds have set the table's row count for the planner; autovacuum gathers its
//!    column statistics soon after (an ANALYZE here would cost half a second of the load).
//!
//! A load that fails anywhere rolls the main transaction back and drops the load table
//! ([`abandon`]); one that dies leaves the table, which the next fresh load of the layer drops.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::catalog::LayerDef;
use super::row_check::GeomCheck;
use super::store::{
    FLUSH_BYTES, Rejection, STAGE_COPY, StageVerdicts, copy_escape, copy_in, repair_and_reject,
    write_copy_row, write_hex_ewkb,
};

/// Ids taken from the sequence at a time.
const ID_BLOCK: i64 = 10_000;
/// Attempts at the lock on `features` the swap needs, one second each.
const SWAP_ATTEMPTS: u32 = 30;

/// What the rows of the load share (written into every row as the triggers would).
#[derive(Debug)]
struct Fixed {
    layer: String,
    dataset_id: i64,
    actor: String,
    /// `now()` of the main transaction, as text.
    now: String,
    dept: Option<String>,
}

/// A fresh load in progress.
#[derive(Debug)]
pub(super) struct FreshLoad {
    table: String,
    dim: i32,
    fixed: Fixed,
    conn: Transaction<'static, Postgres>,
    rows: Vec<u8>,
    /// Rows for the database to repair and check, not sent yet, and whether any were.
    staged: Vec<u8>,
    any_staged: bool,
    ids: Vec<i64>,
    /// Key -> the first row that held it (byte-wise, as stage_reject.sql groups them).
    keys: HashMap<String, u64>,
    written: u64,
}

/// Whether a load of `expected` rows into `layer` is built beside the partition: large enough for
/// index builds to beat row-by-row maintenance, and the partition empty. Locks the partition
/// against writes on `main` (until its commit) before looking, so it stays empty.
pub(super) async fn applies(
    main: &mut PgConnection,
    layer: &LayerDef,
    expected: Option<u64>,
) -> Result<bool> {
    if expected.is_none_or(|n| n < super::store::BULK_INDEX_ROWS as u64) {
        return Ok(false);
    }
    let part = format!("\"features_{}\"", layer.id);
    sqlx::query(&format!("LOCK TABLE {part} IN SHARE ROW EXCLUSIVE MODE")).execute(&mut *main).await?;
    let held: bool =
        sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {part})")).fetch_one(&mut *main).await?;
    Ok(!held)
}

impl FreshLoad {
    /// Creates the load table and opens the second connection's transaction.
    pub(super) async fn start(
        pool: &PgPool,
        main: &mut PgConnection,
        layer: &LayerDef,
        dataset_id: i64,
    ) -> Result<FreshLoad> {
        let (actor, now, dept): (String, String, Option<String>) = sqlx::query_as(
            "SELECT qala_actor(), now()::text, nullif(current_setting('qala.dept', true), '')",
        )
        .fetch_one(&mut *main)
        .await?;
        let table: String = sqlx::query_scalar("SELECT qala_create_load_table($1)")
            .bind(&layer.id)
            .fetch_one(pool)
            .await
            .context("cannot create the load table")?;
        let mut conn = pool.begin().await?;
        sqlx::raw_sql(include_str!("sql/stage_create.sql")).execute(&mut *conn).await?;
        sqlx::query("SET LOCAL client_min_messages = warning").execute(&mut *conn).await?;
        Ok(FreshLoad {
            table: format!("\"{table}\""),
            dim: i32::from(layer.geometry.dimension()),
            fixed: Fixed { layer: layer.id.clone(), dataset_id, actor, now, dept },
            conn,
            rows: Vec::with_capacity(FLUSH_BYTES + 64 * 1024),
            staged: Vec::new(),
            any_staged: false,
            ids: Vec::new(),
            keys: HashMap::new(),
            written: 0,
        })
    }

    /// Takes one row whose attributes are valid. Returns the rejection when the row is refused.
    pub(super) async fn accept(
        &mut self,
        main: &mut PgConnection,
        row: u64,
        key: Option<&str>,
        wkb: &[u8],
        attrs: &Value,
        check: GeomCheck,
    ) -> Result<Option<Rejection>> {
        let first = key.map(|k| *self.keys.entry(k.to_string()).or_insert(row));
        match check {
            GeomCheck::Refused(reason) => return Ok(Some(Rejection { row, reason })),
            GeomCheck::ToDatabase => {
                write_copy_row(&mut self.staged, row, key, wkb, attrs, first);
                if self.staged.len() >= FLUSH_BYTES {
                    self.flush_staged().await?;
                }
            }
            GeomCheck::Ready { .. } if first.is_some_and(|f| f != row) => {
                let reason =
                    format!("key `{}` repeats row {}", key.unwrap_or_default(), first.unwrap_or(row));
                return Ok(Some(Rejection { row, reason }));
            }
            GeomCheck::Ready { kato } => {
                let id = self.next_id(main).await?;
                self.write(id, key, wkb, attrs, kato.as_deref());
                if self.rows.len() >= FLUSH_BYTES {
                    self.flush().await?;
                }
            }
        }
        Ok(None)
    }

    async fn next_id(&mut self, main: &mut PgConnection) -> Result<i64> {
        if self.ids.is_empty() {
            let mut ids: Vec<i64> =
                sqlx::query_scalar("SELECT nextval('features_id_seq') FROM generate_series(1, $1)")
                    .bind(ID_BLOCK)
                    .fetch_all(&mut *main)
                    .await?;
            ids.sort_unstable_by(|a, b| b.cmp(a));
            self.ids = ids;
        }
        self.ids.pop().context("the id sequence gave nothing")
    }

    /// One row of the load table, in COPY text format.
    fn write(&mut self, id: i64, key: Option<&str>, wkb: &[u8], attrs: &Value, kato: Option<&str>) {
        use std::io::Write;
        let f = &self.fixed;
        let json = attrs.to_string();
        // id, layer_id, geom, attrs, kato, source_key, dataset_id, version, created_by, created_at,
        // updated_by, updated_at, owner_dept
        let r = &mut self.rows;
        let _ = write!(r, "{id}\t{}\t", f.layer);
        write_hex_ewkb(r, wkb);
        r.push(b'\t');
        copy_escape(r, &json);
        r.push(b'\t');
        r.extend_from_slice(kato.unwrap_or("\\N").as_bytes());
        r.push(b'\t');
        match key {
            Some(k) => copy_escape(r, k),
            None => r.extend_from_slice(b"\\N"),
        }
        let _ = write!(r, "\t{}\t1\t", f.dataset_id);
        for _ in 0..2 {
            copy_escape(r, &f.actor);
            r.push(b'\t');
            r.extend_from_slice(f.now.as_bytes());
            r.push(b'\t');
        }
        match &f.dept {
            Some(d) => copy_escape(r, d),
            None => r.extend_from_slice(b"\\N"),
        }
        r.push(b'\n');
        self.written += 1;
    }

    /// Sends the buffered rows the database is to repair and check to the staging table.
    async fn flush_staged(&mut self) -> Result<()> {
        self.any_staged |= !self.staged.is_empty();
        copy_in(&mut self.conn, STAGE_COPY, std::mem::take(&mut self.staged)).await
    }

    /// Sends the buffered rows to the load table.
    async fn flush(&mut self) -> Result<()> {
        let rows_sql = format!(
            "COPY {} (id, layer_id, geom, attrs, kato, source_key, dataset_id, version, created_by, \
             created_at, updated_by, updated_at, owner_dept) FROM STDIN",
            self.table
        );
        let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(FLUSH_BYTES + 64 * 1024));
        copy_in(&mut self.conn, &rows_sql, rows).await
    }

    /// Writes what is left, builds the indexes and swaps the table in. Returns the rows inserted,
    /// the rows the database repaired and those it refused.
    pub(super) async fn finish(
        mut self,
        pool: &PgPool,
        main: &mut PgConnection,
        on_stage: impl Fn(&str),
    ) -> Result<(u64, StageVerdicts)> {
        let (verdicts, staged) = match self.write_rest(&on_stage).await {
            Ok(done) => done,
            Err(e) => {
                // Roll back first: the load table is locked until then.
                let _ = self.conn.rollback().await;
                return Err(e);
            }
        };
        self.conn.commit().await?;
        on_stage("building indexes, writing history");
        // The history rows are copied from the table on the main transaction (a read, which does
        // not block the index builds) while the two other connections build the indexes.
        let history_sql = include_str!("sql/fresh_history.sql").replace("{table}", &self.table);
        tokio::try_join!(
            async {
                sqlx::query(&history_sql)
                    .execute(&mut *main)
                    .await
                    .context("cannot write the history of the load")
            },
            build_indexes(pool, &self.table, &self.fixed.layer),
        )?;
        on_stage("replacing the layer's storage");
        swap_in(main, &self.fixed.layer).await?;
        let part = format!("\"features_{}\"", self.fixed.layer);
        sqlx::query(&include_str!("sql/fresh_notify.sql").replace("{table}", &part))
            .bind(&self.fixed.layer)
            .execute(&mut *main)
            .await?;
        Ok((self.written + staged, verdicts))
    }

    /// Sends the last rows and has the database repair, check and add the staged ones. Returns
    /// what it made of them and the number of staged rows kept.
    async fn write_rest(&mut self, on_stage: &impl Fn(&str)) -> Result<(StageVerdicts, u64)> {
        self.flush().await?;
        self.flush_staged().await?;
        if !self.any_staged {
            return Ok(Default::default());
        }
        on_stage("repairing invalid geometries");
        let verdicts = repair_and_reject(&mut self.conn, self.dim).await?;
        let f = &self.fixed;
        let kept = sqlx::query(&include_str!("sql/fresh_insert_staged.sql").replace("{table}", &self.table))
            .bind(&f.layer)
            .bind(f.dataset_id)
            .bind(&f.actor)
            .bind(&f.now)
            .bind(&f.dept)
            .execute(&mut *self.conn)
            .await
            .context("cannot write the repaired features")?
            .rows_affected();
        Ok((verdicts, kept))
    }
}

/// Drops the load table of `layer` after a failed load (best effort: the next load drops it too).
pub(super) async fn abandon(pool: &PgPool, layer: &str) {
    let sql = format!("DROP TABLE IF EXISTS \"qala_load_{layer}\"");
    if let Err(e) = sqlx::query(&sql).execute(pool).await {
        tracing::warn!(layer, error = %e, "could not drop the table of a failed load");
    }
}

/// Builds every index of the load table on two connections at once, the costly ones spread first.
async fn build_indexes(pool: &PgPool, table: &str, layer: &str) -> Result<()> {
    let name = table.trim_matches('"');
    let ddl: Vec<String> = sqlx::query_scalar(include_str!("sql/fresh_index_ddl.sql"))
        .bind(name)
        .bind(layer)
        .fetch_all(pool)
        .await?;
    let [a, b] = spread(ddl);
    tokio::try_join!(run_all(pool, a), run_all(pool, b))?;
    Ok(())
}

async fn run_all(pool: &PgPool, statements: Vec<String>) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL maintenance_work_mem = '128MB'").execute(&mut *tx).await?;
    for s in statements {
        sqlx::query(&s).execute(&mut *tx).await.with_context(|| format!("cannot build an index: {s}"))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Rough cost of an index build (measured on 300,000 polygons: a GiST on (geometry, float) or a
/// trigram GIN about 2 s, a GiST on one geometry 0.9 s, a btree 0.2-0.7 s).
fn weight(statement: &str) -> u32 {
    if statement.contains("USING gin") || statement.contains("gist (geom_web, ") {
        5
    } else if statement.contains("USING gist") {
        2
    } else {
        1
    }
}

/// Splits statements into two lists of about equal weight (largest first, to the lighter list).
fn spread(mut statements: Vec<String>) -> [Vec<String>; 2] {
    statements.sort_by_key(|s| std::cmp::Reverse(weight(s)));
    let mut lists: [(u32, Vec<String>); 2] = Default::default();
    for s in statements {
        let lighter = usize::from(lists[1].0 < lists[0].0);
        lists[lighter].0 += weight(&s);
        lists[lighter].1.push(s);
    }
    let [(_, a), (_, b)] = lists;
    [a, b]
}

/// Replaces the partition by the load table, retrying while `features` is busy (a second a try).
async fn swap_in(main: &mut PgConnection, layer: &str) -> Result<()> {
    for attempt in 1..=SWAP_ATTEMPTS {
        sqlx::query("SAVEPOINT qala_swap").execute(&mut *main).await?;
        sqlx::query("SET LOCAL lock_timeout = '1s'").execute(&mut *main).await?;
        let swapped = sqlx::query("SELECT qala_swap_in_load_table($1)").bind(layer).execute(&mut *main).await;
        match swapped {
            Ok(_) => {
                sqlx::query("RELEASE SAVEPOINT qala_swap").execute(&mut *main).await?;
                sqlx::query("SET LOCAL lock_timeout = 0").execute(&mut *main).await?;
                return Ok(());
            }
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("55P03") && attempt < SWAP_ATTEMPTS =>
            {
                sqlx::query("ROLLBACK TO SAVEPOINT qala_swap").execute(&mut *main).await?;
                tracing::info!(layer, attempt, "features is busy; the swap waits");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e).context("cannot put the loaded table in place of the layer's storage"),
        }
    }
    anyhow::bail!("features stayed busy for {SWAP_ATTEMPTS} s: the load was not put in place")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_costly_indexes_go_to_both_connections() {
        let ddl = [
            "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (layer_id, id)",
            "CREATE INDEX t_id ON t USING btree (id)",
            "CREATE INDEX t_geom ON t USING gist (geom)",
            "CREATE INDEX t_web ON t USING gist (geom_web, web_size)",
            "CREATE INDEX t_web1 ON t USING gist (geom_web)",
            "CREATE INDEX t_t1 ON t USING gin (lower(attrs->>'name') gin_trgm_ops)",
        ];
        let [a, b] = spread(ddl.iter().map(|s| s.to_string()).collect());
        assert_eq!(a.len() + b.len(), ddl.len());
        let total = |l: &[String]| l.iter().map(|s| weight(s)).sum::<u32>();
        assert!(total(&a).abs_diff(total(&b)) <= 1, "{a:?} / {b:?}");
        assert!(a.iter().any(|s| s.contains("gin")) != b.iter().any(|s| s.contains("gin")));
        assert!(a.iter().any(|s| s.contains("geom_web, ")) != b.iter().any(|s| s.contains("geom_web, ")));
    }
}
