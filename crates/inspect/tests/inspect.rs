//! qsorm-inspect against a real PostgreSQL (the qsorm-sandbox cluster), one test binary:
//!
//! - `fixture`: `tests/fixtures/schema.sql` reflected and checked fact by fact;
//! - `views`: the stable JSON snapshot and the psql-like text views;
//! - `filters`: schema/table filters, degraded parts;
//! - `psql_compare`: `describe_text` footers against psql 15's `\d`, line for line
//!   (partitions, foreign-key actions, triggers);
//! - `query_service`: the Query Service flavor against the local Query Service (documented
//!   access only), compared with the PostgreSQL flavor on the migrated sample dataset;
//! - `round_trips`: the number of statements the server receives (10 vs 300 tables),
//!   and an ignored benchmark against sea-schema.

#[path = "inspect/filters.rs"]
mod filters;
#[path = "inspect/fixture.rs"]
mod fixture;
#[path = "inspect/psql_compare.rs"]
mod psql_compare;
#[path = "inspect/query_service.rs"]
mod query_service;
#[path = "inspect/round_trips.rs"]
mod round_trips;
#[path = "inspect/views.rs"]
mod views;

use qsorm_connect::Flavor;
use qsorm_inspect::{Column, ColumnType, InspectOptions, Schema, Table, inspect};
use qsorm_sandbox::Sandbox;
use sea_orm::{Database, DatabaseConnection};

const FIXTURE: &str = include_str!("fixtures/schema.sql");

fn sandbox() -> &'static Sandbox {
    Sandbox::shared().expect("sandbox cluster")
}

fn pg() -> InspectOptions {
    InspectOptions::all(Flavor::Postgres)
}

/// A fresh database with `sql` loaded, and a superuser connection to it.
async fn database_with(sql: &str) -> (String, DatabaseConnection) {
    let sandbox = sandbox();
    let db = sandbox.fresh_database().await.expect("fresh database");
    sandbox.admin_execute(&db, sql).await.expect("load schema");
    let conn = Database::connect(sandbox.superuser_url(&db))
        .await
        .expect("connect");
    (db, conn)
}

/// The fixture database, reflected whole.
async fn fixture() -> (DatabaseConnection, Schema) {
    let (_db, conn) = database_with(FIXTURE).await;
    let schema = inspect(&conn, &pg()).await.expect("inspect");
    assert_eq!(schema.warnings, Vec::<String>::new());
    (conn, schema)
}

fn table<'a>(schema: &'a Schema, ns: &str, name: &str) -> &'a Table {
    schema
        .table(ns, name)
        .unwrap_or_else(|| panic!("table {ns}.{name} not reflected"))
}

fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
    table
        .column(name)
        .unwrap_or_else(|| panic!("column {name} not in {}", table.name))
}

fn builtin(name: &str) -> ColumnType {
    ColumnType::Builtin {
        name: name.into(),
        schema: None,
        precision: None,
        scale: None,
        length: None,
    }
}

fn named(kind: fn(String, String) -> ColumnType, schema: &str, name: &str) -> ColumnType {
    kind(schema.into(), name.into())
}

fn composite(schema: String, name: String) -> ColumnType {
    ColumnType::Composite { schema, name }
}

fn enumeration(schema: String, name: String) -> ColumnType {
    ColumnType::Enum { schema, name }
}

fn array(element: ColumnType, dims: u32) -> ColumnType {
    ColumnType::Array {
        element: Box::new(element),
        dims,
    }
}

fn names(schema: &Schema) -> Vec<(String, String)> {
    schema
        .tables
        .iter()
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(s, n)| ((*s).to_owned(), (*n).to_owned()))
        .collect()
}
