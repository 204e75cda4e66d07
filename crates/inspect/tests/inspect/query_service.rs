//! The Query Service flavor against the local Query Service (`qsorm-query-service`) in
//! front of a sandbox database: only documented access (`SHOW ...`, `SELECT * FROM t
//! WHERE 1=0`, psql's `\d` queries), compared with the PostgreSQL reflection of the same
//! database.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use qsorm_connect::{Flavor, QsConnection};
use qsorm_inspect::{
    ColumnType, InspectError, InspectOptions, Schema, Table, TableKind, UserType, inspect,
    table_names,
};
use qsorm_migrate::{Op, Runner};
use qsorm_migrations::Migrator;
use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::{pg, sandbox};

/// A fresh database with the sample dataset migrated into it, its PostgreSQL connection
/// (the app role), and a local Query Service in front of it.
async fn sample_behind_query_service() -> (QsConnection, QueryService) {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = qsorm_connect::cli::sandbox_connection(sb, &db, None).expect("connection");
    Runner::of::<Migrator>(&conn)
        .run(Op::Up(None))
        .await
        .expect("migrations apply");
    let qs = sb
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    (conn, qs)
}

/// A database with `sql` loaded and a local Query Service in front of it.
async fn schema_behind_query_service(sql: &str) -> QueryService {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    sb.admin_execute(&db, sql).await.expect("load schema");
    sb.query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service")
}

/// A client of the local Query Service, as a user would configure it.
fn client(qs: &QueryService) -> QsConnection {
    let params = qs.connect_params();
    QsConnection::new(params.build().expect("settings"))
}

/// Counts the statements the reflection session sends (its `statement` debug events).
#[derive(Clone, Default)]
struct StatementCounter(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() == "qsorm_inspect::session" && meta.fields().field("sql").is_some() {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// What the two flavors must agree on, for one table. Left out because documented access
/// cannot see them: indexes, unique and check constraints, foreign key names (`SHOW
/// FOREIGN KEYS` has none: `<table>_<columns>_fkey`) and referential actions, identity and
/// generated columns, table comments (Query Service has the dataset description instead,
/// compared with the comment), and enums and domains (unknown on Query Service).
fn comparable(table: &Table, query_service: bool) -> serde_json::Value {
    let columns: Vec<serde_json::Value> = table
        .columns
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "ordinal": c.ordinal,
                "sql_type": c.sql_type,
                "ty": comparable_type(&c.ty, &c.sql_type),
                "nullable": c.nullable,
                "default": c.default,
                "is_serial": c.is_serial,
                "comment": c.comment,
            })
        })
        .collect();
    let mut fks: Vec<String> = table
        .foreign_keys
        .iter()
        .map(|k| {
            serde_json::json!([k.columns, k.ref_schema, k.ref_table, k.ref_columns]).to_string()
        })
        .collect();
    fks.sort();
    serde_json::json!({
        "schema": table.schema,
        "name": table.name,
        "kind": table.kind,
        "comment": if query_service { &table.description } else { &table.comment },
        "columns": columns,
        "primary_key": table.primary_key,
        "foreign_keys": fks,
    })
}

/// An enum or a domain reads as unknown through documented access.
fn comparable_type(ty: &ColumnType, sql_type: &str) -> ColumnType {
    match ty {
        ColumnType::Enum { .. } | ColumnType::Domain { .. } => ColumnType::Unknown {
            name: sql_type.to_owned(),
        },
        ColumnType::Array { element, dims } => ColumnType::Array {
            element: Box::new(comparable_type(element, sql_type.trim_end_matches("[]"))),
            dims: *dims,
        },
        other => other.clone(),
    }
}

fn composites(schema: &Schema) -> Vec<&UserType> {
    schema
        .types
        .iter()
        .filter(|t| matches!(t, UserType::Composite { .. }))
        .collect()
}

/// How deep composites nest under `ty` (0: no composite).
fn nesting(schema: &Schema, ty: &ColumnType) -> usize {
    match ty.composite() {
        None => 0,
        Some((s, n)) => {
            1 + schema
                .user_type(s, n)
                .and_then(UserType::fields)
                .unwrap_or_default()
                .iter()
                .map(|f| nesting(schema, &f.ty))
                .max()
                .unwrap_or(0)
        }
    }
}

#[tokio::test]
async fn the_sample_reflects_the_same_through_documented_access() {
    let (pg_conn, qs) = sample_behind_query_service().await;
    // `public`: the local Query Service keeps its bookkeeping in a schema of its own.
    let expected = inspect(pg_conn.db(), &pg().with_schemas(["public"]))
        .await
        .expect("PostgreSQL flavor");
    assert_eq!(expected.warnings, Vec::<String>::new());

    let client = client(&qs);
    let counter = StatementCounter::default();
    let subscriber = tracing_subscriber::registry().with(counter.clone());
    let guard = tracing::subscriber::set_default(subscriber);
    let opts = InspectOptions::for_connection(&client);
    let got = inspect(&client.simple(), &opts)
        .await
        .expect("Query Service flavor");
    drop(guard);
    assert_eq!(got.warnings, Vec::<String>::new());

    // Same tables, kinds, columns, SQL types, nullability, defaults, column comments,
    // descriptions, primary and foreign keys.
    assert_eq!(got.schemas, expected.schemas);
    let names = |s: &Schema| -> Vec<String> { s.tables.iter().map(|t| t.name.clone()).collect() };
    assert_eq!(names(&got), names(&expected));
    for (g, e) in got.tables.iter().zip(&expected.tables) {
        assert_eq!(comparable(g, true), comparable(e, false), "{}", e.name);
        assert!(
            g.dataset_id.is_some(),
            "{}: SHOW TABLES gives a dataset id",
            g.name
        );
        assert!(
            g.indexes.is_empty() && g.unique_constraints.is_empty() && g.checks.is_empty(),
            "not visible through documented access"
        );
    }
    // The same nested composite types, field by field.
    assert_eq!(composites(&got), composites(&expected));
    assert!(composites(&got).len() >= 9, "{:?}", got.types);

    // What the sample exercises: nested structs, an array of structs, an enum.
    let events = got.table("public", "web_events").expect("web_events");
    let web = events.column("web").expect("web");
    assert_eq!(
        web.ty,
        ColumnType::Composite {
            schema: "public".into(),
            name: "web_events_web".into()
        }
    );
    let items = events.column("product_list_items").expect("items");
    assert_eq!(items.sql_type, "web_events_product_list_items[]");
    assert!(matches!(
        &items.ty,
        ColumnType::Array { element, dims: 1 }
            if matches!(&**element, ColumnType::Composite { name, .. } if name == "web_events_product_list_items")
    ));
    let tier = got
        .table("public", "profiles")
        .and_then(|t| t.column("loyalty_tier"))
        .expect("loyalty_tier");
    assert_eq!(
        tier.ty,
        ColumnType::Unknown {
            name: "profiles_loyalty_tier".into()
        },
        "an enum is not described by documented access"
    );
    let lines = got.table("public", "order_lines").expect("order_lines");
    assert_eq!(
        lines.primary_key.as_ref().map(|k| k.columns.clone()),
        Some(vec!["order_id".to_owned(), "line_no".to_owned()]),
        "key columns in the table's column order"
    );
    assert_eq!(
        got.table("public", "daily_page_views").map(|t| t.kind),
        Some(TableKind::View)
    );

    // Round trips: SHOW TABLES, \d, one table lookup, 2 per table, one lookup per nesting
    // level of composites, 1 per composite type, SHOW PRIMARY KEYS, SHOW FOREIGN KEYS.
    let levels = got
        .tables
        .iter()
        .flat_map(|t| &t.columns)
        .map(|c| nesting(&got, &c.ty))
        .max()
        .unwrap_or(0);
    let composite_count = composites(&got).len();
    // A level's lookup also covers names that are no composite (the enum): one more
    // lookup when such a name is alone on a level deeper than the composites (not here).
    let expected_statements = 2 + 1 + 2 * got.tables.len() + levels + composite_count + 2;
    let sent = counter.0.load(Ordering::SeqCst);
    eprintln!(
        "Query Service reflection: {} tables, {composite_count} composite types, {levels} levels: {sent} statements",
        got.tables.len()
    );
    assert_eq!(sent, expected_statements);

    // table_names: the same relations, kinds and column counts as on PostgreSQL.
    let listed = table_names(&client.simple(), &opts).await.expect("listing");
    let expected_list = table_names(pg_conn.db(), &pg().with_schemas(["public"]))
        .await
        .expect("listing");
    let summary = |l: &[qsorm_inspect::TableSummary],
                   qs: bool|
     -> Vec<(String, TableKind, u32, Option<String>)> {
        l.iter()
            .map(|t| {
                let comment = if qs {
                    t.description.clone()
                } else {
                    t.comment.clone()
                };
                (t.name.clone(), t.kind, t.column_count, comment)
            })
            .collect()
    };
    assert_eq!(summary(&listed, true), summary(&expected_list, false));

    // Filters: exact table names; Query Service tables are in `public`.
    let one = inspect(&client.simple(), &opts.clone().with_tables(["profiles"]))
        .await
        .expect("one table");
    assert_eq!(names(&one), ["profiles"]);
    let other_schema = inspect(&client.simple(), &opts.clone().with_schemas(["crm"]))
        .await
        .expect("no table");
    assert!(other_schema.tables.is_empty() && other_schema.schemas.is_empty());
    client.close().await;
    pg_conn.close().await;
}

/// The inspect fixture (every common built-in type, keywords as names, nested and arrayed
/// composites holding domains and enums, identity, serial and generated columns, several
/// keys to one table, a view, a partitioned table): its `public` tables (what `SHOW TABLES`
/// lists) read the same through documented access, but for what it cannot see.
#[tokio::test]
async fn the_inspect_fixture_reads_the_same_but_for_what_documented_access_cannot_see() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    sb.admin_execute(&db, crate::FIXTURE)
        .await
        .expect("fixture");
    let pg_conn = sea_orm::Database::connect(sb.superuser_url(&db))
        .await
        .expect("connect");
    let expected = inspect(&pg_conn, &pg().with_schemas(["public"]))
        .await
        .expect("PostgreSQL flavor");
    let qs = sb
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    let client = client(&qs);
    let got = inspect(&client.simple(), &InspectOptions::for_connection(&client))
        .await
        .expect("Query Service flavor");
    assert_eq!(got.warnings, Vec::<String>::new());
    let names = |s: &Schema| -> Vec<String> { s.tables.iter().map(|t| t.name.clone()).collect() };
    assert_eq!(names(&got), names(&expected));
    for (g, e) in got.tables.iter().zip(&expected.tables) {
        assert_eq!(
            comparable(g, true),
            comparable(&as_documented_access_sees_it(e), false),
            "{}",
            e.name
        );
    }
    let seen = |schema: &Schema| -> Vec<UserType> {
        composites(schema)
            .into_iter()
            .map(|t| match t {
                UserType::Composite {
                    schema,
                    name,
                    fields,
                } => UserType::Composite {
                    schema: schema.clone(),
                    name: name.clone(),
                    fields: fields
                        .iter()
                        .map(|f| qsorm_inspect::Field {
                            ty: comparable_type(&f.ty, &f.sql_type),
                            ..f.clone()
                        })
                        .collect(),
                },
                other => other.clone(),
            })
            .collect()
    };
    assert_eq!(seen(&got), seen(&expected));
    client.close().await;
}

/// A PostgreSQL reflection as documented access sees it: no identity (psql asks a 0.1.0
/// server for none), a generated column's expression as its default, one array dimension
/// (`format_type` prints `[]` once).
fn as_documented_access_sees_it(table: &Table) -> Table {
    let mut table = table.clone();
    for c in &mut table.columns {
        c.identity = None;
        if let Some(expr) = c.generated.take() {
            // psql asks for the pretty form (`pg_get_expr(.., true)`): no outer parentheses.
            let pretty = expr
                .strip_prefix('(')
                .and_then(|e| e.strip_suffix(')'))
                .unwrap_or(&expr);
            c.default = Some(pretty.to_owned());
        }
        if let ColumnType::Array { dims, .. } = &mut c.ty {
            *dims = 1;
        }
    }
    table
}

#[tokio::test]
async fn a_failed_step_is_an_error_naming_it_unless_partial_is_allowed() {
    // `pg_orders` is refused by the local Query Service (its name reads as a catalog
    // relation); `nothing` has no column.
    let qs = schema_behind_query_service(
        "CREATE TABLE nothing ();
         CREATE TABLE ok (id int PRIMARY KEY, note text);
         CREATE TABLE pg_orders (id int);",
    )
    .await;
    let client = client(&qs);
    let opts = InspectOptions::for_connection(&client);
    let err = inspect(&client.simple(), &opts)
        .await
        .expect_err("a table without columns");
    match &err {
        InspectError::Step { step, reason } => {
            assert_eq!(
                step,
                "columns of public.nothing (SELECT * FROM nothing WHERE 1=0)"
            );
            assert!(reason.contains("no column"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let err = inspect(&client.simple(), &opts.clone().with_tables(["pg_orders"]))
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("step `columns of public.pg_orders (SELECT * FROM pg_orders WHERE 1=0)`")
            && err.to_string().contains("0A000"),
        "{err}"
    );
    let err = table_names(&client.simple(), &opts)
        .await
        .expect_err("listing too");
    assert!(err.to_string().contains("public.nothing"), "{err}");

    let partial = inspect(&client.simple(), &opts.clone().allow_partial(true))
        .await
        .expect("partial");
    assert_eq!(partial.warnings.len(), 2, "{:?}", partial.warnings);
    assert!(partial.warnings[0].contains("public.nothing"));
    assert!(partial.warnings[1].contains("public.pg_orders"));
    let ok = partial.table("public", "ok").expect("ok");
    assert_eq!(ok.columns.len(), 2);
    assert_eq!(
        ok.primary_key.as_ref().map(|k| k.columns.clone()),
        Some(vec!["id".to_owned()])
    );
    assert!(
        partial
            .table("public", "nothing")
            .expect("listed")
            .columns
            .is_empty()
    );

    // Without connection settings there is no Query Service reflection.
    let err = inspect(&client.simple(), &InspectOptions::all(Flavor::QueryService))
        .await
        .expect_err("no settings");
    assert!(matches!(err, InspectError::NeedsConnection), "{err:?}");
    client.close().await;
}
