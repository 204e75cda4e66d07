//! Single-row and filtered writes: insert, update, update_many, delete, delete_many.

use sea_orm::sea_query::{Condition, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, IdenStatic, PrimaryKeyTrait, TransactionTrait, TryIntoModel,
};

use crate::core::{Core, col};
use crate::error::RepoError;
use crate::nested::write_expr;
use crate::read::key_condition;
use crate::rows::set_values;
use crate::table::Table;

impl<E: Table> Core<E> {
    pub(crate) fn refuse_on_query_service(&self, operation: &'static str) -> Result<(), RepoError> {
        if self.profile.flavor.is_query_service() {
            return Err(RepoError::Unsupported {
                operation,
                flavor: self.profile.flavor,
            });
        }
        Ok(())
    }

    /// Inserts one row and returns it as stored (defaults and identities filled in).
    ///
    /// On PostgreSQL one statement, `INSERT ... RETURNING <every column>`, with no
    /// transaction or savepoint around it (it is atomic by itself). Inside a transaction a
    /// failed insert aborts that transaction, as any failed statement does; wrap it in a
    /// nested [`crate::transaction`] (a savepoint) to go on after an expected failure.
    /// A constraint error names row 0.
    ///
    /// On Query Service: `INSERT INTO t SELECT ...` (it has no `VALUES` and no `RETURNING`),
    /// returning the model built from the given values.
    pub(crate) async fn insert<C, A>(&self, db: &C, model: A) -> Result<E::Model, RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
        A: ActiveModelTrait<Entity = E> + TryIntoModel<E::Model> + Send,
    {
        if self.profile.flavor.is_query_service() {
            self.insert_many_query_service(db, std::slice::from_ref(&model))
                .await?;
            return model.try_into_model().map_err(|e| {
                RepoError::InvalidInput(format!(
                    "on Query Service insert needs every column set to return the model: {e}"
                ))
            });
        }
        let values = set_values(&model);
        if values.is_empty() {
            return Err(RepoError::InvalidInput("insert sets no column".into()));
        }
        let mut q = Query::insert();
        q.into_table(E::default())
            .columns(values.iter().map(|(c, _)| *c));
        let exprs = values.into_iter().map(|(c, v)| write_expr::<E>(&c, v));
        q.values(exprs)
            .map_err(|e| RepoError::InvalidInput(format!("insert: {e}")))?;
        let mut stmt = self.profile.statement(&q)?;
        stmt.sql.push_str(&self.returning_sql());
        // One statement, atomic by itself: no transaction or savepoint around it. A
        // constraint error names row 0, as for a one-row `insert_many`.
        let rows = self.profile.rows(db, stmt).await.map_err(|e| {
            if e.is_constraint_violation() {
                e.with_row(0)
            } else {
                e
            }
        })?;
        match rows.first() {
            Some(row) => self.decode(row),
            None => Err(RepoError::NoRowReturned {
                entity: self.table_name(),
                statement: "INSERT ... RETURNING",
            }),
        }
    }

    /// Updates the row identified by the model's primary key with the fields it sets, and
    /// returns the row as stored (one statement, `UPDATE ... RETURNING`).
    /// [`RepoError::NotFound`] when no row has that key.
    pub(crate) async fn update<C, A>(&self, db: &C, model: A) -> Result<E::Model, RepoError>
    where
        C: ConnectionTrait,
        A: ActiveModelTrait<Entity = E> + Send,
    {
        self.refuse_on_query_service("update")?;
        let keys = Self::key_columns();
        let all = set_values(&model);
        let mut cond = Condition::all();
        let mut shown = Vec::new();
        for k in &keys {
            let v = all
                .iter()
                .find(|(c, _)| c.as_str() == k.as_str())
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    RepoError::InvalidInput(format!(
                        "update needs the primary key column `{}` set",
                        k.as_str()
                    ))
                })?;
            shown.push(format!("{v:?}"));
            cond = cond.add(col::<E>(*k).eq(v));
        }
        let changes: Vec<_> = all
            .into_iter()
            .filter(|(c, _)| !keys.iter().any(|k| k.as_str() == c.as_str()))
            .collect();
        if changes.is_empty() {
            return Err(RepoError::InvalidInput(
                "update sets no column besides the key".into(),
            ));
        }
        let mut q = Query::update();
        q.table(E::default()).cond_where(cond);
        for (c, v) in changes {
            q.value(c, write_expr::<E>(&c, v));
        }
        let mut stmt = self.profile.statement(&q)?;
        stmt.sql.push_str(&self.returning_sql());
        let rows = self.profile.rows(db, stmt).await?;
        match rows.first() {
            Some(row) => self.decode(row),
            None => Err(RepoError::NotFound {
                entity: self.table_name(),
                key: shown.join(", "),
            }),
        }
    }

    /// Sets the fields `set` sets on every row matching `filter`; returns the number of rows.
    pub(crate) async fn update_many<C, A>(
        &self,
        db: &C,
        filter: Condition,
        set: A,
    ) -> Result<u64, RepoError>
    where
        C: ConnectionTrait,
        A: ActiveModelTrait<Entity = E> + Send,
    {
        self.refuse_on_query_service("update_many")?;
        let changes = set_values(&set);
        if changes.is_empty() {
            return Err(RepoError::InvalidInput("update_many sets no column".into()));
        }
        let mut q = Query::update();
        q.table(E::default()).cond_where(filter);
        for (c, v) in changes {
            q.value(c, write_expr::<E>(&c, v));
        }
        let stmt = self.profile.statement(&q)?;
        self.profile.exec(db, stmt).await
    }

    /// Deletes the row with this key; returns whether a row was deleted.
    pub(crate) async fn delete<C: ConnectionTrait>(
        &self,
        db: &C,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<bool, RepoError> {
        self.refuse_on_query_service("delete")?;
        Ok(self.delete_where(db, key_condition::<E>(key)).await? > 0)
    }

    /// Deletes every row matching `filter`; returns the number of rows.
    pub(crate) async fn delete_many<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<u64, RepoError> {
        self.refuse_on_query_service("delete_many")?;
        self.delete_where(db, filter).await
    }

    async fn delete_where<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<u64, RepoError> {
        let mut q = Query::delete();
        q.from_table(E::default()).cond_where(filter);
        let stmt = self.profile.statement(&q)?;
        self.profile.exec(db, stmt).await
    }
}
