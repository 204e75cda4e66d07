//! Query Service "migrations": typed builders for the statements Query Service accepts for
//! changing datasets — `CREATE TABLE ... AS (SELECT ...)` (CTAS), `INSERT INTO ... SELECT`
//! (ITAS), `CREATE [OR REPLACE] VIEW`, `ALTER TABLE ... ADD CONSTRAINT PRIMARY KEY (...)
//! NAMESPACE '...'`, `DROP TABLE / VIEW IF EXISTS` — each rendered to one SQL string and run
//! with `execute_unprepared` (the simple query protocol). Selects are built by sea-query with
//! placeholders and their values inlined by qsorm's renderer ([`qsorm_connect::literal`]) for
//! the statement's flavor (Query Service documents no bind parameters and refuses `E'...'`);
//! names are double-quoted (Adobe documents double quotes for identifiers). The values of
//! Query-Service-only clauses that take exactly one string literal (`WITH (schema='...')`,
//! `NAMESPACE '...'`) are written as Spark reads them, `\` and `'` escaped with a backslash
//! ([`qsorm_connect::literal::spark_string_literal`]).
//!
//! Query Service has no `UPDATE`, `DELETE` or transactional DDL, so a script cannot be rolled
//! back: its "down" ([`QsScript::down_statements`]) drops what the script created (tables with
//! `DROP TABLE IF EXISTS`, views with `DROP VIEW IF EXISTS`, newest first). Rows appended by
//! `INSERT INTO ... SELECT` into a table the script did not create stay.
//!
//! The same script runs on PostgreSQL (the sandbox): there the Query-Service-only clauses
//! are left out — CTAS `WITH (schema=..., rowvalidation=..., label=...)` options, and the
//! primary key's `NAMESPACE` (rendered as a plain `ADD PRIMARY KEY`).
//!
//! ```
//! use qsorm_connect::Flavor;
//! use qsorm_repository::qs_script::{add_primary_key, create_table_as, QsStatement};
//! use sea_orm::sea_query::{Alias, Expr, Query};
//!
//! let select = Query::select()
//!     .expr_as(Expr::col(Alias::new("_id")), "_id")
//!     .from(Alias::new("web_events"))
//!     .to_owned();
//! let ctas = create_table_as("events_copy", select).schema("Events copy").flavor(Flavor::QueryService);
//! assert_eq!(
//!     ctas.to_sql().unwrap(),
//!     r#"CREATE TABLE "events_copy" WITH (schema='Events copy') AS (SELECT "_id" AS "_id" FROM "web_events")"#
//! );
//! let pk = add_primary_key("events_copy", ["_id"], "ECID", Flavor::Postgres);
//! assert_eq!(pk.to_sql().unwrap(), r#"ALTER TABLE "events_copy" ADD PRIMARY KEY ("_id")"#);
//! ```

use std::future::Future;

use qsorm_connect::Flavor;
use qsorm_connect::literal::{
    InlineError, LiteralError, Location, NulCharacter, Renderer, spark_string_literal,
};
use sea_orm::{ConnectionTrait, DbErr};
use sea_query::{
    DatabaseName, DynIden, IndexBuilder, IntoIden, IntoTableRef, PostgresQueryBuilder,
    QueryBuilder, SchemaName, SelectStatement, Table, TableName, TableRef,
};

/// A failed or refused script statement.
#[derive(Debug, thiserror::Error)]
pub enum QsScriptError {
    /// The server rejected the statement.
    #[error("`{sql}` failed: {source}")]
    Statement {
        /// The statement as sent.
        sql: String,
        /// The database error.
        #[source]
        source: DbErr,
    },
    /// The server refused for lack of privilege (SQLSTATE 42501).
    #[error(
        "`{sql}` was refused for lack of privilege (SQLSTATE 42501): {message}. On Query Service, \
CREATE TABLE ... AS and INSERT INTO ... SELECT need the Manage Datasets and Manage Schemas \
permissions (non-expiring credentials are SELECT-only by default), and DROP TABLE works only \
for datasets created through Query Service"
    )]
    PermissionDenied {
        /// The statement as sent.
        sql: String,
        /// The server's message.
        message: String,
    },
    /// The statement is incomplete (checked before any round trip).
    #[error("invalid statement: {0}")]
    Invalid(String),
    /// A value has no literal (a NUL character; on Query Service a year outside 1..=9999),
    /// found before any round trip.
    #[error(transparent)]
    Value(#[from] InlineError),
}

/// A statement of a Query Service script.
pub trait QsStatement: std::fmt::Debug + Send + Sync {
    /// The SQL, one statement, literals inlined ([`QsScriptError::Value`] when a value has
    /// no literal).
    fn to_sql(&self) -> Result<String, QsScriptError>;

    /// What undoes it on Query Service (no data rollback there): a `DROP ... IF EXISTS` for
    /// what it created, `None` for statements that create nothing (`INSERT INTO ... SELECT`,
    /// key metadata, drops).
    fn undo(&self) -> Option<Box<dyn QsStatement>> {
        None
    }

    /// Refuses an incomplete statement before it is sent.
    fn validate(&self) -> Result<(), QsScriptError> {
        Ok(())
    }

    /// Runs it with `execute_unprepared` (simple query protocol).
    fn execute<'a, C: ConnectionTrait>(
        &'a self,
        db: &'a C,
    ) -> impl Future<Output = Result<(), QsScriptError>> + Send + 'a
    where
        Self: Sized,
    {
        run(self, db)
    }
}

/// Runs one statement (any [`QsStatement`], boxed ones included) with `execute_unprepared`.
pub async fn run<C: ConnectionTrait, S: QsStatement + ?Sized>(
    stmt: &S,
    db: &C,
) -> Result<(), QsScriptError> {
    stmt.validate()?;
    let sql = stmt.to_sql()?;
    match db.execute_unprepared(&sql).await {
        Ok(_) => Ok(()),
        Err(source) => match qsorm_connect::error::sqlx_error(&source) {
            Some(e @ sqlx::Error::Database(db))
                if qsorm_connect::SqlState::from_sqlx(e)
                    == Some(qsorm_connect::SqlState::INSUFFICIENT_PRIVILEGE) =>
            {
                Err(QsScriptError::PermissionDenied {
                    message: db.message().to_owned(),
                    sql,
                })
            }
            _ => Err(QsScriptError::Statement { sql, source }),
        },
    }
}

/// `"name"` with `"` doubled (sea-query's `prepare_iden` leaves quotes in `&'static str`
/// names undoubled, so names are quoted here, the same way).
fn quote(iden: &DynIden) -> String {
    qsorm_connect::ident::quote_ident(&iden.to_string())
}

/// A table name, schema-qualified when given so.
fn table_sql(table: &TableRef) -> String {
    match table {
        TableRef::Table(TableName(schema, name), _) => {
            let mut parts = Vec::with_capacity(3);
            if let Some(SchemaName(database, schema)) = schema {
                if let Some(DatabaseName(database)) = database {
                    parts.push(quote(database));
                }
                parts.push(quote(schema));
            }
            parts.push(quote(name));
            parts.join(".")
        }
        // Not a table name (a subquery...): rendered as sea-query would, for the server to refuse.
        other => {
            let mut sql = String::new();
            PostgresQueryBuilder.prepare_table_ref(other, &mut sql);
            sql
        }
    }
}

/// The value of a Query-Service-only clause (`schema`, `namespace`, ...): one Spark string
/// literal.
fn clause_literal(clause: &str, text: &str) -> Result<String, QsScriptError> {
    spark_string_literal(text).map_err(|NulCharacter| {
        InlineError::Literal(LiteralError::Nul {
            at: Location::clause(clause),
        })
        .into()
    })
}

/// The select, built with placeholders and its values inlined as `flavor`'s literals.
fn select_sql(select: &SelectStatement, flavor: Flavor) -> Result<String, QsScriptError> {
    let (sql, values) = select.build(PostgresQueryBuilder);
    Ok(Renderer::new(flavor).inline(&sql, &values.0)?)
}

/// `CREATE TABLE name [WITH (...)] AS (select)`.
#[derive(Debug, Clone)]
pub struct CreateTableAs {
    table: TableRef,
    select: SelectStatement,
    schema: Option<String>,
    row_validation: Option<bool>,
    label: Option<String>,
    flavor: Flavor,
}

/// A CTAS of `select` into a new table `name` (rendered for Query Service unless
/// [`CreateTableAs::flavor`] says otherwise).
pub fn create_table_as(name: impl IntoTableRef, select: SelectStatement) -> CreateTableAs {
    CreateTableAs {
        table: name.into_table_ref(),
        select,
        schema: None,
        row_validation: None,
        label: None,
        flavor: Flavor::QueryService,
    }
}

impl CreateTableAs {
    /// `schema='...'`: the XDM schema title the dataset follows (Query Service only).
    pub fn schema(mut self, title: impl Into<String>) -> Self {
        self.schema = Some(title.into());
        self
    }

    /// `rowvalidation='true|false'` (Query Service only).
    pub fn row_validation(mut self, on: bool) -> Self {
        self.row_validation = Some(on);
        self
    }

    /// `label='...'`, e.g. `PROFILE` (Query Service only).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The server it is rendered for: the `WITH (...)` options exist on Query Service only.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }

    fn options(&self) -> Result<Vec<String>, QsScriptError> {
        if !self.flavor.is_query_service() {
            return Ok(Vec::new());
        }
        let mut options = Vec::new();
        if let Some(schema) = &self.schema {
            options.push(format!("schema={}", clause_literal("schema", schema)?));
        }
        if let Some(on) = self.row_validation {
            options.push(format!(
                "rowvalidation={}",
                clause_literal("rowvalidation", &on.to_string())?
            ));
        }
        if let Some(label) = &self.label {
            options.push(format!("label={}", clause_literal("label", label)?));
        }
        Ok(options)
    }
}

impl QsStatement for CreateTableAs {
    fn to_sql(&self) -> Result<String, QsScriptError> {
        let options = self.options()?;
        let with = if options.is_empty() {
            String::new()
        } else {
            format!(" WITH ({})", options.join(", "))
        };
        Ok(format!(
            "CREATE TABLE {}{with} AS ({})",
            table_sql(&self.table),
            select_sql(&self.select, self.flavor)?
        ))
    }

    fn undo(&self) -> Option<Box<dyn QsStatement>> {
        Some(Box::new(drop_table_if_exists(self.table.clone())))
    }
}

/// `INSERT INTO table select` (ITAS): appends the rows of `select`, column by position.
#[derive(Debug, Clone)]
pub struct InsertIntoSelect {
    table: TableRef,
    select: SelectStatement,
    flavor: Flavor,
}

/// Appends the rows of `select` to `table` (Query Service has no `INSERT ... VALUES`);
/// rendered for Query Service unless [`InsertIntoSelect::flavor`] says otherwise.
pub fn insert_into_select(table: impl IntoTableRef, select: SelectStatement) -> InsertIntoSelect {
    InsertIntoSelect {
        table: table.into_table_ref(),
        select,
        flavor: Flavor::QueryService,
    }
}

impl InsertIntoSelect {
    /// The server it is rendered for (the select's values are that flavor's literals).
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }
}

impl QsStatement for InsertIntoSelect {
    fn to_sql(&self) -> Result<String, QsScriptError> {
        Ok(format!(
            "INSERT INTO {} {}",
            table_sql(&self.table),
            select_sql(&self.select, self.flavor)?
        ))
    }
}

/// `CREATE [OR REPLACE] VIEW name AS select`.
#[derive(Debug, Clone)]
pub struct CreateView {
    view: TableRef,
    select: SelectStatement,
    or_replace: bool,
    flavor: Flavor,
}

/// A view `name` over `select`; rendered for Query Service unless [`CreateView::flavor`]
/// says otherwise.
pub fn create_view(
    name: impl IntoTableRef,
    select: SelectStatement,
    or_replace: bool,
) -> CreateView {
    CreateView {
        view: name.into_table_ref(),
        select,
        or_replace,
        flavor: Flavor::QueryService,
    }
}

impl CreateView {
    /// The server it is rendered for (the select's values are that flavor's literals).
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }
}

impl QsStatement for CreateView {
    fn to_sql(&self) -> Result<String, QsScriptError> {
        Ok(format!(
            "CREATE {}VIEW {} AS {}",
            if self.or_replace { "OR REPLACE " } else { "" },
            table_sql(&self.view),
            select_sql(&self.select, self.flavor)?
        ))
    }

    fn undo(&self) -> Option<Box<dyn QsStatement>> {
        Some(Box::new(drop_view_if_exists(self.view.clone())))
    }
}

/// Primary-key metadata: `ALTER TABLE t ADD CONSTRAINT PRIMARY KEY (c) NAMESPACE 'ns'` on
/// Query Service (not enforced there), `ALTER TABLE t ADD PRIMARY KEY (c)` on PostgreSQL.
#[derive(Debug, Clone)]
pub struct AddPrimaryKey {
    table: TableRef,
    columns: Vec<DynIden>,
    namespace: String,
    flavor: Flavor,
}

/// The primary key of `table`, with its identity `namespace` (Query Service), for `flavor`.
pub fn add_primary_key<I, C>(
    table: impl IntoTableRef,
    columns: I,
    namespace: impl Into<String>,
    flavor: Flavor,
) -> AddPrimaryKey
where
    I: IntoIterator<Item = C>,
    C: IntoIden,
{
    AddPrimaryKey {
        table: table.into_table_ref(),
        columns: columns.into_iter().map(IntoIden::into_iden).collect(),
        namespace: namespace.into(),
        flavor,
    }
}

impl QsStatement for AddPrimaryKey {
    fn to_sql(&self) -> Result<String, QsScriptError> {
        let mut index = sea_query::Index::create();
        index.primary();
        for column in &self.columns {
            index.col(DynIden::from(column.to_string()));
        }
        let mut key = String::new();
        PostgresQueryBuilder.prepare_table_index_expression(&index, &mut key);
        let table = table_sql(&self.table);
        Ok(match self.flavor {
            Flavor::Postgres => format!("ALTER TABLE {table} ADD {key}"),
            Flavor::QueryService => format!(
                "ALTER TABLE {table} ADD CONSTRAINT {key} NAMESPACE {}",
                clause_literal("namespace", &self.namespace)?
            ),
        })
    }

    fn validate(&self) -> Result<(), QsScriptError> {
        if self.columns.is_empty() {
            return Err(QsScriptError::Invalid(format!(
                "primary key of {} names no column",
                table_sql(&self.table)
            )));
        }
        if self.flavor.is_query_service() && self.namespace.trim().is_empty() {
            return Err(QsScriptError::Invalid(
                "a Query Service primary key needs an identity namespace".to_owned(),
            ));
        }
        Ok(())
    }
}

/// `DROP TABLE IF EXISTS name` (sea-query's own builder).
#[derive(Debug, Clone)]
pub struct DropTableIfExists {
    table: TableRef,
}

/// Drops `name` if it exists (Query Service: only tables this user created there).
pub fn drop_table_if_exists(name: impl IntoTableRef) -> DropTableIfExists {
    DropTableIfExists {
        table: name.into_table_ref(),
    }
}

impl QsStatement for DropTableIfExists {
    fn to_sql(&self) -> Result<String, QsScriptError> {
        // Names only, no values.
        Ok(Table::drop()
            .table(self.table.clone())
            .if_exists()
            .to_string(PostgresQueryBuilder))
    }
}

/// `DROP VIEW IF EXISTS name` (sea-query has no view builder).
#[derive(Debug, Clone)]
pub struct DropViewIfExists {
    view: TableRef,
}

/// Drops the view `name` if it exists.
pub fn drop_view_if_exists(name: impl IntoTableRef) -> DropViewIfExists {
    DropViewIfExists {
        view: name.into_table_ref(),
    }
}

impl QsStatement for DropViewIfExists {
    fn to_sql(&self) -> Result<String, QsScriptError> {
        Ok(format!("DROP VIEW IF EXISTS {}", table_sql(&self.view)))
    }
}

/// An ordered list of statements with its "down": the undo of each, newest first.
#[derive(Debug, Default)]
pub struct QsScript {
    steps: Vec<Box<dyn QsStatement>>,
}

impl QsScript {
    /// An empty script.
    pub fn new() -> QsScript {
        QsScript::default()
    }

    /// Appends a statement.
    pub fn then(mut self, stmt: impl QsStatement + 'static) -> QsScript {
        self.steps.push(Box::new(stmt));
        self
    }

    /// The statements, in order.
    pub fn statements(&self) -> &[Box<dyn QsStatement>] {
        &self.steps
    }

    /// The down script: `DROP ... IF EXISTS` for what the statements created, newest first.
    pub fn down_statements(&self) -> Vec<Box<dyn QsStatement>> {
        self.steps.iter().rev().filter_map(|s| s.undo()).collect()
    }

    /// Runs the statements in order, stopping at the first failure; returns the SQL run.
    pub async fn up<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<String>, QsScriptError> {
        run_all(&self.steps, db).await
    }

    /// Runs [`QsScript::down_statements`].
    pub async fn down<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<String>, QsScriptError> {
        run_all(&self.down_statements(), db).await
    }
}

async fn run_all<C: ConnectionTrait>(
    steps: &[Box<dyn QsStatement>],
    db: &C,
) -> Result<Vec<String>, QsScriptError> {
    for step in steps {
        step.validate()?;
        step.to_sql()?;
    }
    let mut done = Vec::with_capacity(steps.len());
    for step in steps {
        run(step.as_ref(), db).await?;
        done.push(step.to_sql()?);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{Alias, Expr, ExprTrait, Func, Query};

    fn sql(stmt: &dyn QsStatement) -> String {
        stmt.to_sql().expect("renders")
    }

    fn revenue_select() -> SelectStatement {
        Query::select()
            .expr_as(Expr::cust(r#"CAST("timestamp" AS date)"#), "day")
            .expr_as(Func::count(Expr::col(Alias::new("_id"))), "purchases")
            .from(Alias::new("web_events"))
            .and_where(Expr::col(Alias::new("event_type")).eq("commerce.purchases"))
            .add_group_by([Expr::cust("1")])
            .to_owned()
    }

    const SELECT_SQL: &str = r#"SELECT CAST("timestamp" AS date) AS "day", COUNT("_id") AS "purchases" FROM "web_events" WHERE "event_type" = 'commerce.purchases' GROUP BY 1"#;

    #[test]
    fn ctas_options_on_query_service_only() {
        let ctas = create_table_as("daily_revenue", revenue_select())
            .schema("Daily revenue")
            .row_validation(false)
            .label("PROFILE");
        assert_eq!(
            sql(&ctas.clone()),
            format!(
                "CREATE TABLE \"daily_revenue\" WITH (schema='Daily revenue', rowvalidation='false', label='PROFILE') AS ({SELECT_SQL})"
            )
        );
        assert_eq!(
            sql(&ctas.flavor(Flavor::Postgres)),
            format!("CREATE TABLE \"daily_revenue\" AS ({SELECT_SQL})")
        );
        assert_eq!(
            sql(&create_table_as("t", revenue_select())),
            format!("CREATE TABLE \"t\" AS ({SELECT_SQL})")
        );
    }

    #[test]
    fn literals_and_names_are_escaped() {
        let ctas = create_table_as(("prod", "it\"s"), revenue_select()).schema("O'Brien");
        let rendered = sql(&ctas);
        assert!(
            rendered.starts_with(r#"CREATE TABLE "prod"."it""s" WITH (schema='O\'Brien') AS"#),
            "{rendered}"
        );
        let pk = add_primary_key("t", ["we\"ird"], "x'y\\", Flavor::QueryService);
        assert_eq!(
            sql(&pk),
            r#"ALTER TABLE "t" ADD CONSTRAINT PRIMARY KEY ("we""ird") NAMESPACE 'x\'y\\'"#
        );
        let err = create_table_as("t", revenue_select())
            .label("a\0")
            .to_sql()
            .expect_err("NUL");
        assert!(err.to_string().contains("clause `label`"), "{err}");
    }

    #[test]
    fn insert_and_view() {
        assert_eq!(
            sql(&insert_into_select("daily_revenue", revenue_select())),
            format!("INSERT INTO \"daily_revenue\" {SELECT_SQL}")
        );
        assert_eq!(
            sql(&create_view("v", revenue_select(), true)),
            format!("CREATE OR REPLACE VIEW \"v\" AS {SELECT_SQL}")
        );
        assert_eq!(
            sql(&create_view("v", revenue_select(), false)),
            format!("CREATE VIEW \"v\" AS {SELECT_SQL}")
        );
    }

    #[test]
    fn primary_key_per_flavor() {
        assert_eq!(
            add_primary_key(
                "daily_revenue",
                ["_id"],
                "daily_revenue",
                Flavor::QueryService
            )
            .to_sql()
            .expect("renders"),
            r#"ALTER TABLE "daily_revenue" ADD CONSTRAINT PRIMARY KEY ("_id") NAMESPACE 'daily_revenue'"#
        );
        assert_eq!(
            add_primary_key(
                "order_lines",
                ["order_id", "line_no"],
                "ns",
                Flavor::Postgres
            )
            .to_sql()
            .expect("renders"),
            r#"ALTER TABLE "order_lines" ADD PRIMARY KEY ("order_id", "line_no")"#
        );
        let empty: [&str; 0] = [];
        assert!(
            add_primary_key("t", empty, "ns", Flavor::Postgres)
                .validate()
                .is_err()
        );
        assert!(
            add_primary_key("t", ["c"], " ", Flavor::QueryService)
                .validate()
                .is_err()
        );
        assert!(
            add_primary_key("t", ["c"], "", Flavor::Postgres)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn drops_and_down_script() {
        assert_eq!(
            sql(&drop_table_if_exists("t")),
            r#"DROP TABLE IF EXISTS "t""#
        );
        assert_eq!(sql(&drop_view_if_exists("v")), r#"DROP VIEW IF EXISTS "v""#);
        let script = QsScript::new()
            .then(create_table_as("daily_revenue", revenue_select()))
            .then(insert_into_select("daily_revenue", revenue_select()))
            .then(create_view("daily_revenue_v", revenue_select(), true))
            .then(add_primary_key(
                "daily_revenue",
                ["day"],
                "day",
                Flavor::QueryService,
            ));
        let down: Vec<String> = script
            .down_statements()
            .iter()
            .map(|s| sql(s.as_ref()))
            .collect();
        assert_eq!(
            down,
            [
                r#"DROP VIEW IF EXISTS "daily_revenue_v""#,
                r#"DROP TABLE IF EXISTS "daily_revenue""#
            ]
        );
        assert_eq!(script.statements().len(), 4);
    }
}
