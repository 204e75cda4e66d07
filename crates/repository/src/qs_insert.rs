//! Query Service writes: literal rows as one generator call per statement,
//! `INSERT INTO t SELECT inline(array(struct(v1, v2, ...), struct(...), ...))` (Query Service
//! has no `VALUES`; `inline` is documented in Adobe's SQL syntax page, section "Inline", and
//! its Spark SQL functions page), every value rendered by [`crate::qs_literal`] (typed for
//! Spark's store assignment, strings read alike by Spark and PostgreSQL, nested fields as
//! `struct(expr AS field, ...)`, arrays as `array(...)`). The rows are one flat argument
//! list, so a parser's work grows with the row count, not faster (a `UNION ALL` chain nests
//! a level deeper per row).

use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, IdenStatic, Iterable, Statement,
};

use crate::core::Core;
use crate::error::RepoError;
use crate::qs_literal::{QsType, qs_ident, value_literal};
use crate::table::Table;

/// The default size cap of a Query Service insert statement ([`Profile::with_statement_cap`]
/// changes it): rows go into an `INSERT INTO ... SELECT` while it stays under the cap, and a
/// row that alone would exceed it is [`RepoError::StatementTooLarge`] before anything is
/// sent. Every `INSERT INTO ... SELECT` is a batch job on Query Service (billed, minutes of
/// start-up), so few large statements beat many small ones; but Query Service documents no
/// statement limit, and a statement over whatever the real one is fails outright.
///
/// 4 MiB is the largest size a Spark engine with its default 1 GiB driver heap parses.
/// Measured on a local Spark 4.3 (pyspark) with the nested `web_events` rows: parse time and
/// memory grow linearly, about 190 MiB of driver heap per MiB of SQL held while the statement
/// is planned (4 MiB: 0.8 GiB, 8 MiB: 1.6 GiB, 16 MiB: 3.1 GiB); with the default 1 GiB
/// driver, 4 MiB parsed and 8 MiB ran out of memory; with a 6 GiB driver, 4, 8 and 16 MiB
/// statements ran with every value exact. The local Query Service takes about 115 MiB per MiB
/// (debug build). At 4 MiB, 100,000 event rows (about 275 bytes of SQL each) take 5 batch
/// jobs, fully nested XDM rows (600–700 bytes, their field names alone about 230) 17–19;
/// a 10 MiB cap brings those to 8–9 where the engine is known to have the memory.
///
/// [`Profile::with_statement_cap`]: crate::Profile::with_statement_cap
pub const MAX_STATEMENT_BYTES: usize = 4 << 20;
/// At most this many rows (struct elements of the `inline(array(...))`) go into one
/// statement. The default byte cap binds first for any row over 84 bytes; this bounds the element
/// count of one array expression for very narrow rows.
pub const MAX_ROWS_PER_STATEMENT: usize = 50_000;

/// A row as `struct(...)` text, with each column's name and literal length.
type StructRow = (String, Vec<(&'static str, usize)>);

/// Opens the row list of a statement.
const OPEN: &str = "SELECT inline(array(";
/// Closes it.
const CLOSE: &str = "))";
/// Between two rows, and between the values of a row: a bare comma (as in the renderer's
/// `struct(...)` / `array(...)`), since every byte counts against the statement cap.
const SEPARATOR: &str = ",";

impl<E: Table> Core<E> {
    fn qs_table_name(&self) -> (Option<String>, String) {
        let e = E::default();
        (e.schema_name().map(qs_ident), qs_ident(e.table_name()))
    }

    pub(crate) fn query_service_insert_sql<A>(&self, models: &[A]) -> Result<Vec<String>, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        let (schema, name) = self.qs_table_name();
        let table = match schema {
            Some(s) => format!("{s}.{name}"),
            None => name,
        };
        let prefix = format!("INSERT INTO {table} ");
        Ok(self
            .row_sources(models, prefix.len())?
            .into_iter()
            .map(|rows| format!("{prefix}{rows}"))
            .collect())
    }

    /// One row as `struct(v1, v2, ...)`, the values in column order (positional: Spark
    /// names the fields `col1`, `col2`, ... alike in every row, so the array has one
    /// element type), with the name and length of each column's literal.
    fn struct_row<A>(&self, m: &A, columns: &[(E::Column, QsType)]) -> Result<StructRow, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        let types = &self.profile.composites;
        let mut row = String::from("struct(");
        let mut sizes = Vec::with_capacity(columns.len());
        for (k, (c, ty)) in columns.iter().enumerate() {
            let lit = match m.get(*c) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => {
                    value_literal(&v, ty, types, c.as_str())?
                }
                ActiveValue::NotSet => "NULL".to_owned(),
            };
            if k > 0 {
                row.push_str(SEPARATOR);
            }
            row.push_str(&lit);
            sizes.push((c.as_str(), lit.len()));
        }
        row.push(')');
        Ok((row, sizes))
    }

    /// The `SELECT inline(array(...))` row sources of a batch, each at most
    /// [`MAX_ROWS_PER_STATEMENT`] rows and, with `reserve` bytes in front of it (the
    /// `INSERT INTO t ` of its statement), at most the profile's statement cap long.
    fn row_sources<A>(&self, models: &[A], reserve: usize) -> Result<Vec<String>, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        let types = &self.profile.composites;
        let columns: Vec<(E::Column, QsType)> = E::Column::iter()
            .map(|c| (c, QsType::of_column(&c, types)))
            .collect();
        let cap = self.profile.statement_cap;
        let frame = reserve + OPEN.len() + CLOSE.len();
        let mut out = Vec::new();
        let mut sql = String::new();
        let mut rows = 0usize;
        for (index, m) in models.iter().enumerate() {
            let (row, sizes) = self.struct_row(m, &columns)?;
            let alone = frame.saturating_add(row.len());
            if alone > cap {
                let column = sizes
                    .iter()
                    .max_by_key(|(_, n)| *n)
                    .map(|(c, _)| (*c).to_owned())
                    .unwrap_or_default();
                return Err(RepoError::StatementTooLarge {
                    row: index,
                    column,
                    bytes: alone,
                    limit: cap,
                });
            }
            // `sql` holds `OPEN` and the rows so far; `reserve` and `CLOSE` come around it.
            if rows > 0 && reserve + sql.len() + SEPARATOR.len() + row.len() + CLOSE.len() > cap {
                sql.push_str(CLOSE);
                out.push(std::mem::take(&mut sql));
                rows = 0;
            }
            if rows == 0 {
                sql.push_str(OPEN);
            } else {
                sql.push_str(SEPARATOR);
            }
            sql.push_str(&row);
            rows += 1;
            if rows == MAX_ROWS_PER_STATEMENT {
                sql.push_str(CLOSE);
                out.push(std::mem::take(&mut sql));
                rows = 0;
            }
        }
        if rows > 0 {
            sql.push_str(CLOSE);
            out.push(sql);
        }
        Ok(out)
    }

    /// `insert_many` on Query Service, all or nothing: a batch that fits one statement is one
    /// `INSERT INTO ... SELECT` (atomic by itself); a larger one is staged — an empty scratch
    /// dataset with the target's columns (`CREATE TABLE s AS (SELECT * FROM t WHERE 1=0)`),
    /// the rows into it, then one `INSERT INTO t SELECT * FROM s` and `DROP TABLE s`. If
    /// anything fails before that last insert, the scratch table is dropped and the target is
    /// unchanged.
    pub(crate) async fn insert_many_query_service<C, A>(
        &self,
        db: &C,
        models: &[A],
    ) -> Result<u64, RepoError>
    where
        C: ConnectionTrait,
        A: ActiveModelTrait<Entity = E>,
    {
        let (schema, name) = self.qs_table_name();
        let qualify = |n: &str| match &schema {
            Some(s) => format!("{s}.{n}"),
            None => n.to_owned(),
        };
        let target = qualify(&name);
        let written = u64::try_from(models.len()).unwrap_or(u64::MAX);
        let exec = |sql: String| {
            self.profile
                .exec(db, Statement::from_string(DbBackend::Postgres, sql))
        };
        let scratch = qualify(&scratch_name());
        // Render everything first: a bad value (or a row too large for any statement) is
        // refused before anything is sent. Room for the longer of the two targets.
        let reserve = "INSERT INTO  ".len() + target.len().max(scratch.len());
        let sources = self.row_sources(models, reserve)?;
        if sources.len() <= 1 {
            for rows in sources {
                exec(format!("INSERT INTO {target} {rows}")).await?;
            }
            return Ok(written);
        }
        exec(format!(
            "CREATE TABLE {scratch} AS (SELECT * FROM {target} WHERE 1=0)"
        ))
        .await?;
        let mut outcome = Ok(());
        for rows in sources {
            if let Err(e) = exec(format!("INSERT INTO {scratch} {rows}")).await {
                outcome = Err(e);
                break;
            }
        }
        if outcome.is_ok() {
            outcome = exec(format!("INSERT INTO {target} SELECT * FROM {scratch}"))
                .await
                .map(|_| ());
        }
        if let Err(e) = exec(format!("DROP TABLE IF EXISTS {scratch}")).await {
            tracing::warn!(%scratch, error = %e, "could not drop the staging table of insert_many; drop it by hand");
        }
        outcome.map(|_| written)
    }
}

/// A name no one else uses: `qsorm_stage_<pid>_<nanos>_<counter>`.
fn scratch_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "qsorm_stage_{}_{nanos:x}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
