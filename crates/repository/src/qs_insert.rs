//! Query Service writes: literal rows as `INSERT INTO t SELECT ... UNION ALL SELECT ...`
//! (it has no `VALUES`), nested fields as `struct(expr AS field, ...)`.

use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable,
    Statement, Value,
};

use crate::error::RepoError;
use crate::nested::{ColumnKind, column_kind};
use crate::repo::{Repo, quote_ident};

/// Rows per `INSERT INTO ... SELECT` statement on Query Service.
const ROWS_PER_STATEMENT: usize = 500;

/// An identifier as Query Service accepts it: bare when simple, else double-quoted.
pub(crate) fn qs_ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if simple {
        name.to_owned()
    } else {
        quote_ident(name)
    }
}

/// A JSON value (a nested field) as a Query Service expression.
pub(crate) fn json_literal(value: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match value {
        J::Null => "NULL".to_owned(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => format!("'{}'", s.replace('\'', "''")),
        J::Array(items) => format!(
            "array({})",
            items
                .iter()
                .map(json_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        J::Object(fields) => format!(
            "struct({})",
            fields
                .iter()
                .map(|(k, v)| format!("{} AS {}", json_literal(v), qs_ident(k)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn value_literal(kind: &ColumnKind, value: &Value) -> String {
    match (kind, value) {
        // Query Service builds arrays with the array(...) function.
        (ColumnKind::Plain, Value::Array(_, Some(items))) => format!(
            "array({})",
            items
                .iter()
                .map(|v| value_literal(&ColumnKind::Plain, v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (ColumnKind::Plain, v) => PostgresQueryBuilder.value_to_string(v),
        (_, Value::Json(Some(json))) => json_literal(json),
        (_, _) => "NULL".to_owned(),
    }
}

impl<E: EntityTrait> Repo<E> {
    /// The Query Service `INSERT INTO t SELECT ...` statements for a batch.
    pub fn query_service_insert_sql<A>(&self, models: &[A]) -> Vec<String>
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
        let columns: Vec<E::Column> = E::Column::iter().collect();
        models
            .chunks(ROWS_PER_STATEMENT)
            .map(|chunk| {
                let selects: Vec<String> = chunk
                    .iter()
                    .map(|m| {
                        let fields: Vec<String> = columns
                            .iter()
                            .map(|c| {
                                let lit = match m.get(*c) {
                                    ActiveValue::Set(v) | ActiveValue::Unchanged(v) => {
                                        value_literal(&column_kind(c), &v)
                                    }
                                    ActiveValue::NotSet => "NULL".to_owned(),
                                };
                                format!("{lit} AS {}", qs_ident(c.as_str()))
                            })
                            .collect();
                        format!("SELECT {}", fields.join(", "))
                    })
                    .collect();
                format!("INSERT INTO {table} {}", selects.join(" UNION ALL "))
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
        let mut written = 0u64;
        for (sql, chunk) in self
            .query_service_insert_sql(models)
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
