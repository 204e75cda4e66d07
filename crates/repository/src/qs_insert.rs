//! Query Service writes: literal rows as `INSERT INTO t SELECT ... UNION ALL SELECT ...`
//! (it has no `VALUES`), every value rendered by [`crate::qs_literal`] (typed for Spark's
//! store assignment, strings read alike by Spark and PostgreSQL, nested fields as
//! `struct(expr AS field, ...)`, arrays as `array(...)`).

use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable,
    Statement,
};

use crate::error::RepoError;
use crate::qs_literal::{QsType, qs_ident, value_literal};
use crate::repo::Repo;

/// Rows per `INSERT INTO ... SELECT` statement on Query Service.
const ROWS_PER_STATEMENT: usize = 500;

impl<E: EntityTrait> Repo<E> {
    /// The Query Service `INSERT INTO t SELECT ...` statements for a batch (500 rows each).
    /// [`RepoError::InvalidInput`] names the column of a value no literal can carry (a NUL
    /// character, a year outside 1..=9999).
    pub fn query_service_insert_sql<A>(&self, models: &[A]) -> Result<Vec<String>, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        let table = {
            let e = E::default();
            match e.schema_name() {
                Some(s) => format!("{}.{}", qs_ident(s), qs_ident(e.table_name())),
                None => qs_ident(e.table_name()),
            }
        };
        let types = &self.profile.composites;
        let columns: Vec<(E::Column, QsType, String)> = E::Column::iter()
            .map(|c| (c, QsType::of_column(&c, types), qs_ident(c.as_str())))
            .collect();
        models
            .chunks(ROWS_PER_STATEMENT)
            .map(|chunk| {
                let selects = chunk
                    .iter()
                    .map(|m| {
                        let fields = columns
                            .iter()
                            .map(|(c, ty, alias)| {
                                let lit = match m.get(*c) {
                                    ActiveValue::Set(v) | ActiveValue::Unchanged(v) => {
                                        value_literal(&v, ty, types, c.as_str())?
                                    }
                                    ActiveValue::NotSet => "NULL".to_owned(),
                                };
                                Ok(format!("{lit} AS {alias}"))
                            })
                            .collect::<Result<Vec<_>, RepoError>>()?;
                        Ok(format!("SELECT {}", fields.join(", ")))
                    })
                    .collect::<Result<Vec<_>, RepoError>>()?;
                Ok(format!(
                    "INSERT INTO {table} {}",
                    selects.join(" UNION ALL ")
                ))
            })
            .collect()
    }

    pub(crate) async fn insert_many_query_service<C, A>(
        &self,
        db: &C,
        models: &[A],
    ) -> Result<u64, RepoError>
    where
        C: ConnectionTrait,
        A: ActiveModelTrait<Entity = E>,
    {
        let statements = self.query_service_insert_sql(models)?;
        let mut written = 0u64;
        for (sql, chunk) in statements
            .into_iter()
            .zip(models.chunks(ROWS_PER_STATEMENT))
        {
            self.profile
                .exec(db, Statement::from_string(DbBackend::Postgres, sql))
                .await?;
            written += u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        }
        Ok(written)
    }
}
