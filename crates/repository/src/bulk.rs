//! Bulk writes: `insert_many` and `upsert_many` through `UNNEST` of one text-array literal per
//! column (a chunk of any size takes as many parameters as the table has columns, never near
//! PostgreSQL's 65,535), all-or-nothing, with the offending row located when a constraint
//! fails. On a pool, `insert_many` first tries `COPY` ([`crate::copy`]) and comes here only
//! when that fails.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, IdenStatic, QueryResult, Statement,
    TransactionSession, TransactionTrait,
};

use crate::copy::pool_of;
use crate::error::RepoError;
use crate::nested::unnest_expr;
use crate::pg_text::{pg_text, push_array};
use crate::table::Table;
use qsorm_connect::ident::quote_ident;

use crate::core::Core;
use crate::rows::{Groups, IndexedRow as Row, group_rows};

/// Which uniqueness an upsert resolves conflicts on.
#[derive(Debug, Clone)]
pub enum ConflictTarget<C> {
    /// The primary key.
    PrimaryKey,
    /// A named unique constraint.
    Constraint(String),
    /// A set of columns carrying a unique index.
    Columns(Vec<C>),
}

impl<E: Table> Core<E> {
    /// `INSERT INTO t (cols) SELECT <casts> FROM UNNEST($1::text[], ...) AS u(...)`: one
    /// text-array literal per column, cast by the server to the column's type (composites
    /// through `json_populate_record`).
    fn insert_sql(
        &self,
        cols: &[E::Column],
        conflict: Option<&ConflictTarget<E::Column>>,
    ) -> String {
        let names: Vec<String> = cols.iter().map(|c| quote_ident(c.as_str())).collect();
        let params: Vec<String> = (1..=cols.len()).map(|k| format!("${k}::text[]")).collect();
        let aliases: Vec<String> = (1..=cols.len()).map(|k| format!("c{k}")).collect();
        let exprs: Vec<String> = cols
            .iter()
            .zip(&aliases)
            .map(|(c, a)| unnest_expr::<E>(c, &format!("u.{a}")))
            .collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) SELECT {} FROM UNNEST({}) AS u({})",
            self.table_sql(),
            names.join(", "),
            exprs.join(", "),
            params.join(", "),
            aliases.join(", ")
        );
        if let Some(target) = conflict {
            sql.push_str(&self.conflict_sql(cols, target));
        }
        sql
    }

    /// ` ON CONFLICT ... DO UPDATE SET ...` for `target`, updating every column but the keys.
    pub(crate) fn conflict_sql(
        &self,
        cols: &[E::Column],
        target: &ConflictTarget<E::Column>,
    ) -> String {
        let keys: Vec<String> = match target {
            ConflictTarget::Columns(cs) => cs.iter().map(|c| c.as_str().to_owned()).collect(),
            ConflictTarget::PrimaryKey | ConflictTarget::Constraint(_) => Self::key_columns()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        };
        let mut sql = match target {
            ConflictTarget::Constraint(name) => {
                format!(" ON CONFLICT ON CONSTRAINT {}", quote_ident(name))
            }
            _ => format!(
                " ON CONFLICT ({})",
                keys.iter()
                    .map(|k| quote_ident(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut updates: Vec<String> = cols
            .iter()
            .filter(|c| !keys.iter().any(|k| k == c.as_str()))
            .map(|c| format!("{0} = EXCLUDED.{0}", quote_ident(c.as_str())))
            .collect();
        if updates.is_empty() {
            // Nothing besides the key: a no-op update keeps RETURNING rows.
            let first = quote_ident(cols.first().map(|c| c.as_str()).unwrap_or_default());
            updates.push(format!("{first} = EXCLUDED.{first}"));
        }
        sql.push_str(&format!(" DO UPDATE SET {}", updates.join(", ")));
        sql
    }

    /// One text-array literal per column.
    fn column_literals(cols: &[E::Column], rows: &[Row]) -> Vec<sea_orm::Value> {
        (0..cols.len())
            .map(|k| {
                let mut out = String::with_capacity(rows.len() * 16);
                push_array(rows.iter().map(|(_, values)| pg_text(&values[k])), &mut out);
                sea_orm::Value::String(Some(out))
            })
            .collect()
    }

    async fn run_chunk<C: ConnectionTrait>(
        &self,
        db: &C,
        sql: &str,
        cols: &[E::Column],
        rows: &[Row],
        returning: bool,
    ) -> Result<Vec<QueryResult>, RepoError> {
        let mut stmt = self.profile.inline(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            Self::column_literals(cols, rows),
        ))?;
        if returning {
            stmt.sql.push_str(&self.returning_sql());
            self.profile.rows(db, stmt).await
        } else {
            self.profile.exec(db, stmt).await.map(|_| Vec::new())
        }
    }

    /// Finds the first row of a failing chunk that violates a constraint (given the rows
    /// before it), by halving inside savepoints. Everything is rolled back by the caller.
    async fn locate_bad_row<T: ConnectionTrait + TransactionTrait>(
        &self,
        tx: &T,
        sql: &str,
        cols: &[E::Column],
        mut rows: &[Row],
    ) -> Option<usize> {
        while rows.len() > 1 {
            let (left, right) = rows.split_at(rows.len() / 2);
            let sp = self.profile.bounded(tx.begin()).await.ok()?;
            match self.run_chunk(&sp, sql, cols, left, false).await {
                Ok(_) => {
                    self.profile.bounded(sp.commit()).await.ok()?;
                    rows = right;
                }
                Err(_) => {
                    self.profile.bounded(sp.rollback()).await.ok()?;
                    rows = left;
                }
            }
        }
        rows.first().map(|(i, _)| *i)
    }

    /// Runs the models' rows in grouped chunks in one transaction; all or nothing.
    async fn write_batch<C, A>(
        &self,
        db: &C,
        models: &[A],
        conflict: Option<&ConflictTarget<E::Column>>,
        returning: bool,
    ) -> Result<(u64, Vec<QueryResult>), RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
        A: ActiveModelTrait<Entity = E>,
    {
        self.write_groups(db, group_rows(models)?, conflict, returning)
            .await
    }

    /// Runs grouped chunks in one transaction; all or nothing.
    pub(crate) async fn write_groups<C>(
        &self,
        db: &C,
        groups: Groups<E::Column>,
        conflict: Option<&ConflictTarget<E::Column>>,
        returning: bool,
    ) -> Result<(u64, Vec<QueryResult>), RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        let tx = self.profile.bounded(db.begin()).await?;
        let mut returned = Vec::new();
        let mut written = 0u64;
        for (cols, rows) in &groups.groups {
            let sql = self.insert_sql(cols, conflict);
            for chunk in rows.chunks(self.profile.bulk_chunk) {
                // An error leaves through `?` or `return` and drops `tx`: sea-orm then rolls
                // it back on the connection's next use (or the server does, when the link
                // is gone).
                let sp = self.profile.bounded(tx.begin()).await?;
                match self.run_chunk(&sp, &sql, cols, chunk, returning).await {
                    Ok(rows) => {
                        self.profile.bounded(sp.commit()).await?;
                        written += u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                        returned.extend(rows);
                    }
                    Err(err) if matches!(err, RepoError::Connection(_)) => {
                        // The link is dead or stalled: a ROLLBACK sent now would wait on
                        // it too.
                        return Err(err);
                    }
                    Err(err) => {
                        let _ = self.profile.bounded(sp.rollback()).await;
                        let err = if err.is_constraint_violation() {
                            match self.locate_bad_row(&tx, &sql, cols, chunk).await {
                                Some(i) => err.with_row(i),
                                None => err,
                            }
                        } else {
                            err
                        };
                        let _ = self.profile.bounded(tx.rollback()).await;
                        return Err(err);
                    }
                }
            }
        }
        self.profile.bounded(tx.commit()).await?;
        Ok((written, returned))
    }

    /// Inserts any number of rows in one transaction (all or nothing) and returns how many.
    /// A constraint error names the constraint and the row's index in the batch.
    ///
    /// On PostgreSQL, when `db` is a pool (`QsConnection::db()`, or `executor()`), the rows
    /// travel as `COPY t (cols) FROM STDIN` in one transaction on a pooled connection; when
    /// that fails, or inside a transaction, or for composite columns: `UNNEST` chunks
    /// (see the crate's README, "Bulk writes"). `C: 'static` lets the repository recognise a
    /// pool (every sea-orm and qsorm connection and transaction type is `'static`).
    /// On Query Service: `INSERT INTO t SELECT inline(array(struct(...), ...))` statements.
    pub(crate) async fn insert_many<C, A>(
        &self,
        db: &C,
        mut models: Vec<A>,
    ) -> Result<u64, RepoError>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
        A: ActiveModelTrait<Entity = E>,
    {
        if models.is_empty() {
            return Ok(0);
        }
        if self.profile.flavor.is_query_service() {
            return self.insert_many_query_service(db, &models).await;
        }
        if let Some(pool) = pool_of(db)
            && self.copy_applies()
        {
            return match self.copy_batch(pool, &mut models, None).await {
                Ok(n) => Ok(n),
                // Nothing was written: the UNNEST path runs the batch again and names the
                // offending row.
                Err(failed) => self.after_copy(db, &mut models, failed, None).await,
            };
        }
        Ok(self.write_batch(db, &models, None, false).await?.0)
    }

    /// Inserts a row, or updates it when it conflicts on `target`; returns the stored row.
    pub(crate) async fn upsert<C, A>(
        &self,
        db: &C,
        model: A,
        target: ConflictTarget<E::Column>,
    ) -> Result<E::Model, RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
        A: ActiveModelTrait<Entity = E>,
    {
        self.refuse_on_query_service("upsert")?;
        let (_, rows) = self.write_batch(db, &[model], Some(&target), true).await?;
        let row = rows.first().ok_or_else(|| RepoError::NoRowReturned {
            entity: self.table_name(),
            statement: "upsert",
        })?;
        self.decode(row)
    }

    /// Upserts any number of rows in one transaction; returns how many were written. On a
    /// pool: COPY into a temporary staging table, then `INSERT ... SELECT ... ON CONFLICT`;
    /// on failure, inside a transaction, or with `save_as` conversions: `UNNEST` chunks.
    pub(crate) async fn upsert_many<C, A>(
        &self,
        db: &C,
        mut models: Vec<A>,
        target: ConflictTarget<E::Column>,
    ) -> Result<u64, RepoError>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
        A: ActiveModelTrait<Entity = E>,
    {
        self.refuse_on_query_service("upsert_many")?;
        if models.is_empty() {
            return Ok(0);
        }
        if let Some(pool) = pool_of(db)
            && self.copy_applies()
        {
            return match self.copy_batch(pool, &mut models, Some(&target)).await {
                Ok(n) => Ok(n),
                Err(failed) => {
                    self.after_copy(db, &mut models, failed, Some(&target))
                        .await
                }
            };
        }
        Ok(self.write_batch(db, &models, Some(&target), false).await?.0)
    }
}
