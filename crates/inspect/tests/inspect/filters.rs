//! Filters, the Query Service flavor on plain PostgreSQL, and catalog queries the server rejects.

use qsorm_connect::Flavor;
use qsorm_inspect::{InspectError, InspectOptions, UserType, inspect, table_names};
use sea_orm::Database;

use crate::{FIXTURE, database_with, names, pairs, pg, sandbox, table};

#[tokio::test]
async fn filters_select_schemas_and_exact_table_names() {
    let extra = "CREATE TABLE public.\"it's \\ odd\" (x int PRIMARY KEY);";
    let (_db, conn) = database_with(&format!("{FIXTURE}\n{extra}")).await;

    let eu = inspect(&conn, &pg().with_schemas(["Sales-EU"]))
        .await
        .expect("Sales-EU");
    assert_eq!(eu.schemas, ["Sales-EU"]);
    assert_eq!(
        names(&eu),
        pairs(&[
            ("Sales-EU", "Product Catalog"),
            ("Sales-EU", "line_counts"),
            ("Sales-EU", "order-lines")
        ])
    );
    let types: Vec<&str> = eu.types.iter().map(UserType::name).collect();
    assert_eq!(
        types,
        ["Größe", "money_amount"],
        "only the types these tables use"
    );

    let two = inspect(&conn, &pg().with_tables(["orders", "order-lines"]))
        .await
        .expect("two tables");
    assert_eq!(
        names(&two),
        pairs(&[("Sales-EU", "order-lines"), ("public", "orders")])
    );
    let fk = table(&two, "public", "orders")
        .foreign_key("orders_customer_fkey")
        .expect("fk");
    assert_eq!(
        fk.ref_columns,
        ["region", "customer_no"],
        "referenced table outside the selection"
    );

    let odd = inspect(&conn, &pg().with_tables(["it's \\ odd"]))
        .await
        .expect("quote and backslash");
    assert_eq!(names(&odd), pairs(&[("public", "it's \\ odd")]));
    assert_eq!(odd.warnings, Vec::<String>::new());

    let injection = pg().with_schemas(["public') OR ('1' = '1"]);
    let none = inspect(&conn, &injection).await.expect("no match");
    assert!(none.tables.is_empty() && none.schemas.is_empty() && none.warnings.is_empty());

    let nul = inspect(&conn, &pg().with_tables(["a\0b"])).await;
    assert!(matches!(nul, Err(InspectError::InvalidName { .. })));
}

/// The Query Service flavor reads through documented access only, in a session of its own:
/// on plain PostgreSQL it needs the connection settings, and then fails at its first step
/// (`SHOW TABLES`), even when a partial reflection is allowed (there is nothing to reflect).
#[tokio::test]
async fn query_service_flavor_on_postgres_fails_at_show_tables() {
    let (db, conn) = database_with(FIXTURE).await;
    let err = inspect(&conn, &InspectOptions::all(Flavor::QueryService))
        .await
        .expect_err("no settings");
    assert!(matches!(err, InspectError::NeedsConnection), "{err:?}");
    let settings =
        qsorm_connect::cli::sandbox_connection(sandbox(), &db, Some(Flavor::QueryService))
            .expect("settings");
    let opts = InspectOptions::for_connection(&settings).allow_partial(true);
    let err = inspect(&conn, &opts).await.expect_err("SHOW TABLES fails");
    assert!(
        err.to_string()
            .starts_with("Query Service reflection failed at step `show tables`:"),
        "{err}"
    );
    let err = table_names(&conn, &opts).await.expect_err("listing too");
    assert!(
        matches!(&err, InspectError::Step { step, .. } if step == "show tables"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rejected_catalog_query_degrades_to_a_warning() {
    let sandbox = sandbox();
    let (db, _superuser) = database_with(FIXTURE).await;
    sandbox
        .admin_execute(&db, "REVOKE SELECT ON pg_catalog.pg_index FROM PUBLIC")
        .await
        .expect("revoke");
    let app = Database::connect(sandbox.app_url(&db))
        .await
        .expect("app connection");
    let schema = inspect(&app, &pg())
        .await
        .expect("inspect without pg_index");
    assert_eq!(schema.warnings.len(), 1, "{:#?}", schema.warnings);
    assert!(
        schema.warnings[0].contains("`indexes`")
            && schema.warnings[0].contains("permission denied")
    );
    let orders = table(&schema, "public", "orders");
    assert!(orders.indexes.is_empty());
    assert_eq!(orders.columns.len(), 8);
    assert_eq!(orders.foreign_keys.len(), 4);
    assert_eq!(schema.types.len(), 9);

    sandbox
        .admin_execute(&db, "REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC")
        .await
        .expect("revoke");
    let app = Database::connect(sandbox.app_url(&db))
        .await
        .expect("app connection");
    let fatal = inspect(&app, &pg()).await;
    assert!(
        matches!(
            fatal,
            Err(InspectError::Catalog {
                query: "relations",
                ..
            })
        ),
        "{fatal:?}"
    );
}

#[tokio::test]
async fn simple_query_protocol_gives_the_same_schema() {
    let (db, conn) = database_with(FIXTURE).await;
    let extended = inspect(&conn, &pg()).await.expect("extended protocol");
    let pool = sqlx::PgPool::connect(&sandbox().superuser_url(&db))
        .await
        .expect("pool");
    let simple_conn = qsorm_connect::SimpleConnection::new(pool);
    let simple = inspect(&simple_conn, &pg()).await.expect("simple protocol");
    assert_eq!(simple.warnings, Vec::<String>::new());
    assert_eq!(
        simple, extended,
        "text-format rows decode to the same model"
    );
    let listed = table_names(&simple_conn, &pg()).await.expect("listing");
    assert_eq!(listed.len(), extended.tables.len());

    // The Query Service flavor keeps to documented access, in its own session: against
    // plain PostgreSQL its first step, SHOW TABLES, fails, and that is an error naming it.
    let qs_settings =
        qsorm_connect::cli::sandbox_connection(sandbox(), &db, Some(Flavor::QueryService))
            .expect("settings");
    let err = inspect(&simple_conn, &InspectOptions::for_connection(&qs_settings))
        .await
        .expect_err("SHOW TABLES is no PostgreSQL statement");
    assert!(
        matches!(&err, InspectError::Step { step, .. } if step == "show tables"),
        "{err:?}"
    );
}
