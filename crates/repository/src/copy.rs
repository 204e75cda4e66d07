//! The PostgreSQL fast path of `insert_many` and `upsert_many`: `COPY t (cols) FROM STDIN`
//! in text format (for upserts into a temporary staging table, then `INSERT ... SELECT ...
//! ON CONFLICT`) on a connection of the caller's pool, in a transaction of its own.
//!
//! sea-orm runs statements only: the COPY sub-protocol needs sqlx's `PgConnection::copy_in_raw`,
//! and sea-orm 2 exposes the sqlx pool of a `DatabaseConnection`
//! (`get_postgres_connection_pool`) but not the connection of a `DatabaseTransaction`. So the
//! fast path runs when `db` is a pool (a `DatabaseConnection`, or `QsConnection::executor()`
//! on PostgreSQL): the batch is its own transaction there, on whichever pooled connection.
//! Inside a caller's transaction the batch must run on that transaction's connection, and
//! takes the `UNNEST` path ([`crate::bulk`]).
//!
//! Values go in PostgreSQL's text input format ([`crate::pg_text`]): the server reads each
//! field with the column type's input function, as the `UNNEST` path's casts do; composite
//! columns as record literals ([`crate::copy_composite`]). When the
//! COPY fails for any other reason than the connection, its transaction is rolled back and
//! the caller runs the batch again on the `UNNEST` path, which names the offending row: the
//! fast path never changes an outcome, only how fast a batch that succeeds gets there.

use std::any::Any;
use std::sync::Arc;

use sea_orm::{ActiveModelTrait, Iterable};
use sea_orm::{DbErr, IdenStatic, RuntimeErr};
use sqlx::{Acquire, PgPool};

use crate::bulk::ConflictTarget;
use crate::copy_composite::Composites;
use crate::copy_encode::{Encoded, NotRendered, PIECE_ROWS, Piece, spawn_encoder};
use crate::copy_fallback::CopyFailed;
use crate::error::RepoError;
use crate::nested::{ColumnKind, column_kind, unnest_expr};
use crate::profile::WireMode;
use crate::table::Table;
use qsorm_connect::ident::quote_ident;

use crate::core::Core;
use crate::row_stream::{Source, source_of};
use crate::rows::take_rows;

/// The sqlx pool behind `db`, when `db` is a PostgreSQL pool rather than a transaction (the
/// pools [`source_of`] recognises).
pub(crate) fn pool_of<C: Any>(db: &C) -> Option<&PgPool> {
    match source_of(db)? {
        Source::Pool(conn) => Some(conn.get_postgres_connection_pool()),
        Source::Transaction(_) => None,
    }
}

/// `"a", "b"`: the columns, quoted.
fn column_list<C: IdenStatic>(cols: &[C]) -> String {
    let names: Vec<String> = cols.iter().map(|c| quote_ident(c.as_str())).collect();
    names.join(", ")
}

/// The composite type names among `kinds`.
fn composite_names(kinds: &[ColumnKind]) -> Vec<String> {
    kinds
        .iter()
        .filter_map(|k| match k {
            ColumnKind::Plain => None,
            ColumnKind::Composite(ty) | ColumnKind::CompositeArray(ty) => Some(ty.clone()),
        })
        .collect()
}

fn db_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

/// Whether COPY writes the column as the `UNNEST` path does: a composite (rendered by
/// [`Composites`]), or a plain column whose value reaches it through the column type's input
/// function (no conversion besides a cast to the column's type).
fn copyable<E: Table>(column: &E::Column) -> bool {
    const ELEMENT: &str = "u.c1";
    if column_kind::<E>(column) != ColumnKind::Plain {
        return true;
    }
    let expr = unnest_expr::<E>(column, ELEMENT);
    expr == ELEMENT
        || expr.starts_with(&format!("{ELEMENT}::"))
        || (expr.starts_with(&format!("CAST({ELEMENT} AS ")) && expr.ends_with(')'))
}

impl<E: Table> Core<E> {
    /// Whether the entity's batches can take the COPY path: bound parameters (not the
    /// inlined-literal wire mode) and every column writable by COPY.
    pub(crate) fn copy_applies(&self) -> bool {
        self.profile.wire == WireMode::Bind && E::Column::iter().all(|c| copyable::<E>(&c))
    }

    /// Runs one statement on the COPY path's connection, recorded and bounded; returns the
    /// rows it affected.
    async fn run_on(&self, conn: &mut sqlx::PgConnection, sql: &str) -> Result<u64, RepoError> {
        use sqlx::Executor;
        if let Some(r) = &self.profile.recorder {
            r.push(sql);
        }
        let query = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()));
        self.profile
            .bounded(async {
                conn.execute(query)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db_err)
            })
            .await
    }

    /// Writes the batch with `COPY` (one per run of rows setting the same columns), in one
    /// transaction on a connection of `pool`; returns how many rows were written. Values are
    /// moved out of the models a piece at a time (never cloned) and encoded on another thread
    /// while the connection sends the previous piece. Any error leaves nothing written and
    /// hands back every row, for the `UNNEST` path to run again.
    ///
    /// With a `conflict` target (`upsert_many`), each set of columns is copied into a
    /// temporary staging table (`CREATE TEMP TABLE ... ON COMMIT DROP AS SELECT cols FROM t
    /// WITH NO DATA`), then written with one `INSERT INTO t (cols) SELECT cols FROM stage ON
    /// CONFLICT ...` per set, in the order the sets first appear, as the `UNNEST` path does.
    pub(crate) async fn copy_batch<A>(
        &self,
        pool: &PgPool,
        models: &mut [A],
        conflict: Option<&ConflictTarget<E::Column>>,
    ) -> Result<u64, CopyFailed<E::Column>>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        let mut kept = Vec::new();
        let mut taken = 0;
        match self
            .copy_pieces(pool, models, conflict, &mut kept, &mut taken)
            .await
        {
            Ok(n) => {
                // The values are no longer needed: freeing them is the encoder thread's kind of
                // work, not the caller's.
                tokio::task::spawn_blocking(move || drop(kept));
                Ok(n)
            }
            Err(err) => Err(CopyFailed { err, kept, taken }),
        }
    }

    /// [`Self::copy_batch`]'s work: the pieces sent so far are pushed to `kept`, and `taken`
    /// counts the models whose values were moved into them.
    async fn copy_pieces<A>(
        &self,
        pool: &PgPool,
        models: &mut [A],
        conflict: Option<&ConflictTarget<E::Column>>,
        kept: &mut Vec<Arc<Piece<E::Column>>>,
        taken: &mut usize,
    ) -> Result<u64, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        let p = &self.profile;
        let mut conn = p
            .bounded(async { pool.acquire().await.map_err(db_err) })
            .await?;
        let mut tx = p
            .bounded(async { conn.begin().await.map_err(db_err) })
            .await?;
        let kinds: Vec<ColumnKind> = E::Column::iter().map(|c| column_kind::<E>(&c)).collect();
        let names = composite_names(&kinds);
        let composites = if names.is_empty() {
            Composites::default()
        } else {
            p.bounded(async { Composites::load(&mut tx, &names).await.map_err(db_err) })
                .await?
        };
        let (pieces, mut encoded) = spawn_encoder::<E>(composites);
        let produce = async move {
            for chunk in models.chunks_mut(PIECE_ROWS) {
                let groups = take_rows(chunk, *taken)?;
                // Every row moved out of the models is in `kept` before the next await: when
                // the COPY fails and this future is dropped, the fallback finds them all.
                *taken += chunk.len();
                let first = kept.len();
                kept.extend(
                    groups
                        .groups
                        .into_iter()
                        .map(|(cols, rows)| Arc::new(Piece { cols, rows })),
                );
                for piece in &kept[first..] {
                    if pieces.send(Arc::clone(piece)).await.is_err() {
                        // The encoder stopped: the consumer reports why.
                        return Ok(());
                    }
                }
            }
            Ok::<(), RepoError>(())
        };
        let consume = async {
            let same = |a: &[E::Column], b: &[E::Column]| {
                a.iter()
                    .map(|c| c.as_str())
                    .eq(b.iter().map(|c| c.as_str()))
            };
            let mut written = 0u64;
            let mut stages: Vec<(Vec<E::Column>, String)> = Vec::new();
            let mut next = encoded.recv().await;
            // One COPY per run of pieces setting the same columns.
            while let Some(piece) = next.take() {
                let Encoded { cols, text } = piece.map_err(|NotRendered| {
                    RepoError::InvalidInput("a composite value COPY does not render".into())
                })?;
                let into = match conflict {
                    None => self.table_sql(),
                    Some(_) => match stages.iter().find(|(c, _)| same(c, &cols)) {
                        Some((_, stage)) => stage.clone(),
                        None => {
                            let stage = format!("pg_temp.qsorm_upsert_stage_{}", stages.len());
                            let create = format!(
                                "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
                                stage.trim_start_matches("pg_temp."),
                                column_list(&cols),
                                self.table_sql()
                            );
                            self.run_on(&mut tx, &create).await?;
                            stages.push((cols.clone(), stage.clone()));
                            stage
                        }
                    },
                };
                let sql = format!("COPY {into} ({}) FROM STDIN", column_list(&cols));
                if let Some(r) = &p.recorder {
                    r.push(&sql);
                }
                let mut copy = p
                    .bounded(async { tx.copy_in_raw(&sql).await.map_err(db_err) })
                    .await?;
                let mut text = Some(text);
                while let Some(t) = text.take() {
                    p.bounded(async { copy.send(t).await.map(|_| ()).map_err(db_err) })
                        .await?;
                    match encoded.recv().await {
                        Some(Ok(e)) if same(&e.cols, &cols) => text = Some(e.text),
                        other => next = other,
                    }
                }
                written += p
                    .bounded(async { copy.finish().await.map_err(db_err) })
                    .await?;
            }
            Ok::<_, RepoError>((written, stages))
        };
        let ((), (mut written, stages)) = futures_util::try_join!(produce, consume)?;
        if let Some(target) = conflict {
            written = 0;
            for (cols, stage) in &stages {
                let list = column_list(cols);
                let sql = format!(
                    "INSERT INTO {} ({list}) SELECT {list} FROM {stage}{}",
                    self.table_sql(),
                    self.conflict_sql(cols, target)
                );
                written += self.run_on(&mut tx, &sql).await?;
            }
        }
        p.bounded(async { tx.commit().await.map_err(db_err) })
            .await?;
        Ok(written)
    }
}
