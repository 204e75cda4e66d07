//! qsorm-repository against a real sandbox PostgreSQL.

mod literals;
mod qs_values;
mod support;

use futures_util::TryStreamExt;
use qsorm_repository::{ConflictTarget, ConnectionExt, Recorder, Repo, RepoError, transaction};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection};
use support::entities::customers::{self, LineItem, LineItems, PageDetails, Tier, WebDetails};
use support::entities::{events, purchases};
use support::fixture_db;

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn customer(id: i64) -> customers::ActiveModel {
    customers::ActiveModel {
        id: Set(id),
        email: Set(format!("c{id}@example.com")),
        name: Set(format!("Customer {id}")),
        tier: Set(Some(Tier::Silver)),
        tags: Set(Some(vec!["a".into(), "b,c".into(), "quote\"d".into()])),
        web: Set(Some(WebDetails {
            page: Some(PageDetails {
                name: Some("home".into()),
                url: Some(format!("https://example.com/{id}")),
                is_home_page: Some(true),
            }),
            referrer_url: None,
        })),
        items: Set(Some(LineItems(vec![
            LineItem {
                sku: Some("sku-1".into()),
                quantity: Some(2),
                price_total: Some(dec("19.90")),
            },
            LineItem {
                sku: Some("sku-'2".into()),
                quantity: None,
                price_total: Some(dec("0.10")),
            },
        ]))),
        score: Set(Some(dec("12.50"))),
        created_at: NotSet,
    }
}

/// The customers repository on the sea-orm pool: PostgreSQL, bind parameters.
fn pg(db: &DatabaseConnection) -> Repo<'_, customers::Entity, DatabaseConnection> {
    Repo::new(db)
}

#[tokio::test]
async fn crud_round_trips_nested_enum_array_columns() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = pg(db);
    let stored = repo.insert(customer(1)).await.expect("insert");
    assert_eq!(stored.id, 1);
    assert_eq!(stored.tier, Some(Tier::Silver));
    assert_eq!(stored.tags.as_deref().map(<[String]>::len), Some(3));
    assert_eq!(
        stored
            .web
            .as_ref()
            .and_then(|w| w.page.as_ref())
            .and_then(|p| p.url.clone()),
        Some("https://example.com/1".into())
    );
    assert_eq!(
        stored.items.as_ref().map(|i| i.0[1].sku.clone()),
        Some(Some("sku-'2".into()))
    );
    let again = repo.get_required(1).await.expect("get");
    assert_eq!(again, stored);
    assert!(repo.get(99).await.expect("get").is_none());

    let err = repo.get_required(99).await.expect_err("missing");
    assert!(
        matches!(err, RepoError::NotFound { ref entity, ref key } if entity == "customers" && key == "99"),
        "{err:?}"
    );

    let mut change: customers::ActiveModel = customers::ActiveModel {
        id: Set(1),
        ..Default::default()
    };
    change.tier = Set(Some(Tier::Gold));
    change.web = Set(None);
    let updated = repo.update(change).await.expect("update");
    assert_eq!((updated.tier, updated.web), (Some(Tier::Gold), None));
    assert_eq!(updated.email, stored.email);

    let err = repo
        .update(customers::ActiveModel {
            id: Set(42),
            name: Set("x".into()),
            ..Default::default()
        })
        .await
        .expect_err("no such row");
    assert!(matches!(err, RepoError::NotFound { .. }), "{err:?}");

    for id in 2..=5 {
        repo.insert(customer(id)).await.expect("insert");
    }
    let gold = Condition::all().add(customers::Column::Tier.eq(Tier::Gold));
    assert_eq!(repo.count(gold.clone()).await.expect("count"), 1);
    assert!(repo.exists(gold.clone()).await.expect("exists"));
    let silver = Condition::all().add(customers::Column::Tier.eq(Tier::Silver));
    let found = repo.find(silver.clone()).await.expect("find");
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![2, 3, 4, 5]
    );
    assert_eq!(
        repo.first(silver.clone())
            .await
            .expect("first")
            .map(|c| c.id),
        Some(2)
    );

    let bump = customers::ActiveModel {
        score: Set(Some(dec("99.00"))),
        ..Default::default()
    };
    assert_eq!(
        repo.update_many(silver.clone(), bump)
            .await
            .expect("update_many"),
        4
    );
    assert_eq!(
        repo.get_required(3).await.expect("get").score,
        Some(dec("99.00"))
    );

    assert!(repo.delete(5).await.expect("delete"));
    assert!(!repo.delete(5).await.expect("delete again"));
    let n = repo
        .delete_many(Condition::all().add(customers::Column::Id.gte(4)))
        .await
        .expect("delete_many");
    assert_eq!(n, 1);
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 3);
}

#[tokio::test]
async fn upserts_on_primary_key_and_named_constraint() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = pg(db);
    repo.insert(customer(1)).await.expect("insert");
    let mut c = customer(1);
    c.name = Set("Renamed".into());
    let row = repo
        .upsert(c, ConflictTarget::PrimaryKey)
        .await
        .expect("upsert");
    assert_eq!(row.name, "Renamed");
    let mut by_email = customer(1);
    by_email.name = Set("By email".into());
    let row = repo
        .upsert(
            by_email,
            ConflictTarget::Constraint("customers_email_key".into()),
        )
        .await
        .expect("upsert on constraint");
    assert_eq!(row.name, "By email");
    let batch: Vec<_> = (1..=3).map(customer).collect();
    assert_eq!(
        repo.upsert_many(batch, ConflictTarget::PrimaryKey)
            .await
            .expect("upsert_many"),
        3
    );
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 3);
    assert_eq!(repo.get_required(1).await.expect("get").name, "Customer 1");
}

#[tokio::test]
async fn pagination_keyset_and_stream() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = Repo::<events::Entity, _>::new(db);
    let rows: Vec<_> = (0..2_500)
        .map(|i| events::ActiveModel {
            id: Set(format!("e{i:05}")),
            event_type: Set(if i % 2 == 0 {
                "view".into()
            } else {
                "click".into()
            }),
            n: Set(i),
        })
        .collect();
    assert_eq!(repo.insert_many(rows).await.expect("insert_many"), 2_500);
    let views = Condition::all().add(events::Column::EventType.eq("view"));
    let page = repo.page(views.clone(), 2, 100).await.expect("page");
    assert_eq!(
        (page.total, page.pages(), page.items.len()),
        (1_250, 13, 100)
    );
    assert_eq!(page.items[0].id, "e00400");

    let mut after = None;
    let mut seen = 0;
    loop {
        let p = repo
            .keyset(views.clone(), after, 400)
            .await
            .expect("keyset");
        seen += p.items.len();
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, 1_250);

    let streamed: Vec<events::Model> = repo
        .stream(Condition::all(), 300)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), 2_500);
    assert!(streamed.windows(2).all(|w| w[0].id < w[1].id));
}

#[tokio::test]
async fn insert_many_beyond_the_bind_limit_is_all_or_nothing_and_names_the_row() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = Repo::<purchases::Entity, _>::new(db);
    pg(db).insert(customer(1)).await.expect("customer");
    let good = |i: usize| purchases::ActiveModel {
        id: NotSet,
        customer_id: Set(1),
        total: Set(Decimal::from(i)),
    };
    // 100,000 rows x 2 columns: far past 65,535 bind parameters with plain VALUES.
    let mut rows: Vec<_> = (0..100_000).map(good).collect();
    rows[73_456].customer_id = Set(777); // no such customer
    let err = repo.insert_many(rows).await.expect_err("bad row");
    match &err {
        RepoError::ForeignKeyViolation {
            constraint,
            table,
            row,
            ..
        } => {
            assert_eq!(
                (constraint.as_str(), table.as_str(), *row),
                ("purchases_customer_fk", "purchases", Some(73_456))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("row 73456"), "{err}");
    assert_eq!(
        repo.count(Condition::all()).await.expect("count"),
        0,
        "half a batch was written"
    );

    let rows: Vec<_> = (0..100_000).map(good).collect();
    assert_eq!(repo.insert_many(rows).await.expect("insert_many"), 100_000);
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 100_000);
}

#[tokio::test]
async fn constraint_errors_are_typed() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = pg(db);
    repo.insert(customer(1)).await.expect("insert");

    let err = repo.insert(customer(1)).await.expect_err("duplicate");
    assert!(
        matches!(err, RepoError::UniqueViolation { ref constraint, ref table, row: Some(0), .. } if constraint == "customers_pkey" && table == "customers"),
        "{err:?}"
    );

    let mut dup_email = customer(2);
    dup_email.email = Set("c1@example.com".into());
    let err = repo
        .insert_many(vec![customer(3), dup_email])
        .await
        .expect_err("dup email");
    assert!(
        matches!(err, RepoError::UniqueViolation { ref constraint, row: Some(1), .. } if constraint == "customers_email_key"),
        "{err:?}"
    );

    let mut negative = customer(4);
    negative.score = Set(Some(dec("-1")));
    let err = repo.insert(negative).await.expect_err("check");
    assert!(
        matches!(err, RepoError::CheckViolation { ref constraint, .. } if constraint == "customers_score_check"),
        "{err:?}"
    );

    let err = repo
        .update(customers::ActiveModel {
            id: Set(1),
            name: Set(String::new()),
            email: Set(String::new()),
            ..Default::default()
        })
        .await;
    assert!(err.is_ok(), "empty strings are not NULL: {err:?}");
    let err = conn
        .db()
        .execute_unprepared("UPDATE customers SET name = NULL WHERE id = 1")
        .await
        .map_err(RepoError::from)
        .expect_err("not null");
    assert!(
        matches!(err, RepoError::NotNullViolation { ref column, ref table, .. } if column == "name" && table == "customers"),
        "{err:?}"
    );

    let purchases = Repo::<purchases::Entity, _>::new(db);
    let err = purchases
        .insert(purchases::ActiveModel {
            id: NotSet,
            customer_id: Set(5),
            total: Set(dec("1")),
        })
        .await
        .expect_err("fk");
    assert!(
        matches!(err, RepoError::ForeignKeyViolation { ref constraint, .. } if constraint == "purchases_customer_fk"),
        "{err:?}"
    );
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 1);
}

/// An exclusion constraint (SQLSTATE 23P01) is typed like the other constraint violations:
/// it names its constraint and table, takes a batch row, and keeps the driver's error as its
/// source. Raw SQL through sea-orm and `classify_db_err`, independent of the `Repo` API.
#[tokio::test]
async fn exclusion_violations_are_typed_and_keep_their_source() {
    use std::error::Error as _;
    let conn = fixture_db().await;
    let db = conn.db();
    // Ranges have a GiST operator class of their own: no btree_gist needed.
    db.execute_unprepared(
        "CREATE TABLE bookings (id int PRIMARY KEY, slot int4range NOT NULL, \
         CONSTRAINT bookings_no_overlap EXCLUDE USING gist (slot WITH &&)); \
         INSERT INTO bookings VALUES (1, '[1,10)')",
    )
    .await
    .expect("a table with an exclusion constraint");
    let raw = db
        .execute_unprepared("INSERT INTO bookings VALUES (2, '[5,15)')")
        .await
        .expect_err("overlapping range");
    let err = qsorm_repository::classify_db_err(raw, Some(&conn.error_context()));
    match &err {
        RepoError::ExclusionViolation {
            constraint,
            table,
            row,
            ..
        } => assert_eq!(
            (constraint.as_str(), table.as_str(), *row),
            ("bookings_no_overlap", "bookings", None)
        ),
        other => panic!("{other:?}"),
    }
    assert!(err.is_constraint_violation(), "{err:?}");
    assert_eq!(
        err.sqlstate(),
        Some(qsorm_repository::SqlState::EXCLUSION_VIOLATION)
    );
    let source = err.source().expect("the driver's error is kept");
    assert!(
        source.to_string().contains("bookings_no_overlap"),
        "{source}"
    );
    let driver = err.driver_error().expect("a sqlx error");
    assert_eq!(
        driver.as_database_error().map(|db| db.kind()),
        Some(sqlx::error::ErrorKind::ExclusionViolation)
    );
    let err = err.with_row(3);
    assert!(
        matches!(err, RepoError::ExclusionViolation { row: Some(3), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("(row 3 of the batch)"), "{err}");
    assert!(err.source().is_some(), "with_row keeps the source");
}

#[tokio::test]
async fn connection_errors_surface_typed() {
    let sb = support::sandbox();
    let dbname = sb.fresh_database().await.expect("db");
    let role = format!("repo_expired_{}", std::process::id());
    sb.create_cleartext_role(&role, "token-1")
        .await
        .expect("role");
    let mut config = qsorm_connect::cli::sandbox_connection(
        sb,
        &dbname,
        Some(qsorm_connect::Flavor::QueryService),
    )
    .expect("conn")
    .config();
    config.user = role;
    config.password = Some(qsorm_connect::Password::exact("expired-token"));
    let conn = qsorm_connect::QsConnection::new(config);
    // On the connection itself: its profile carries the error context (Query Service flavor),
    // which turns an authentication failure into expired credentials.
    let repo = conn.repo::<events::Entity>();
    let err = repo.count(Condition::all()).await.expect_err("expired");
    assert!(
        matches!(
            err,
            RepoError::Connection(qsorm_connect::ConnectError::CredentialsExpired { .. })
        ),
        "{err:?}"
    );

    let conn = fixture_db().await;
    conn.db()
        .execute_unprepared("SET statement_timeout = '50ms'")
        .await
        .expect("set");
    let mut config = conn.config();
    config.statement_timeout = Some(std::time::Duration::from_millis(50));
    let slow = qsorm_connect::QsConnection::new(config);
    let err = slow
        .db()
        .execute_unprepared("SELECT pg_sleep(1)")
        .await
        .map_err(|e| qsorm_repository::classify_db_err(e, Some(&slow.error_context())))
        .expect_err("timeout");
    assert!(
        matches!(
            err,
            RepoError::Connection(qsorm_connect::ConnectError::Timeout { .. })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn transactions_commit_roll_back_on_error_and_on_panic() {
    let conn = fixture_db().await;
    let db = conn.db().clone();
    let repo = pg(&db);
    transaction(&db, async |tx| {
        repo.on(tx).insert(customer(1)).await?;
        Ok(())
    })
    .await
    .expect("commits");
    let err = transaction(&db, async |tx| {
        repo.on(tx).insert(customer(2)).await?;
        repo.on(tx).insert(customer(1)).await?; // duplicate: Err
        Ok(())
    })
    .await
    .expect_err("rolls back");
    assert!(matches!(err, RepoError::UniqueViolation { .. }));
    let db2 = db.clone();
    let panicked = tokio::spawn(async move {
        let repo = pg(&db2);
        let _: Result<(), RepoError> = transaction(&db2, async |tx| {
            repo.on(tx).insert(customer(3)).await?;
            panic!("boom");
        })
        .await;
    })
    .await;
    assert!(panicked.expect_err("panicked").is_panic());
    let ids: Vec<i64> = repo
        .find(Condition::all())
        .await
        .expect("find")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![1]);
}

#[tokio::test]
async fn query_service_profile_refuses_before_any_round_trip() {
    let fixture = fixture_db().await;
    // Query Service literals over the simple protocol, on the fixture's PostgreSQL database:
    // the connection gives the repository the Query Service profile.
    let conn = qsorm_connect::cli::sandbox_connection(
        support::sandbox(),
        &fixture.config().database,
        Some(qsorm_connect::Flavor::QueryService),
    )
    .expect("connection");
    let simple = conn.simple();
    let recorder = Recorder::new();
    let repo = Repo::<customers::Entity, _>::new(&simple).with_recorder(recorder.clone());
    assert_eq!(repo.profile().flavor(), qsorm_connect::Flavor::QueryService);
    let change = customers::ActiveModel {
        id: Set(1),
        name: Set("x".into()),
        ..Default::default()
    };
    for err in [
        repo.update(change.clone()).await.expect_err("update"),
        repo.update_many(Condition::all(), change.clone())
            .await
            .expect_err("update_many"),
        repo.delete(1).await.expect_err("delete"),
        repo.delete_many(Condition::all())
            .await
            .expect_err("delete_many"),
        repo.upsert(customer(1), ConflictTarget::PrimaryKey)
            .await
            .expect_err("upsert"),
        repo.upsert_many(vec![customer(1)], ConflictTarget::PrimaryKey)
            .await
            .expect_err("upsert_many"),
    ] {
        assert!(
            matches!(
                err,
                RepoError::Unsupported {
                    flavor: qsorm_connect::Flavor::QueryService,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    assert!(
        recorder.statements().is_empty(),
        "a refused call reached the server"
    );
}

/// A view over `customers`, read-only (`Table::READ_ONLY`), as entity-gen marks views.
mod customer_names {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "customer_names")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {
        const READ_ONLY: bool = true;
    }
}

/// Writes on a read-only entity are refused with `RepoError::ReadOnly` (naming the entity
/// and the operation) before any statement is sent; reads go through.
#[tokio::test]
async fn a_read_only_entity_refuses_writes_before_any_round_trip() {
    let conn = fixture_db().await;
    let db = conn.db();
    db.execute_unprepared("CREATE VIEW customer_names AS SELECT id, name FROM customers")
        .await
        .expect("view");
    pg(db).insert(customer(1)).await.expect("customer");
    let recorder = Recorder::new();
    let repo = conn
        .repo::<customer_names::Entity>()
        .with_recorder(recorder.clone());
    let row = |id: i64| customer_names::ActiveModel {
        id: Set(id),
        name: Set(format!("Name {id}")),
    };
    let outcomes: Vec<(&str, Result<(), RepoError>)> = vec![
        ("insert", repo.insert(row(2)).await.map(drop)),
        ("update", repo.update(row(1)).await.map(drop)),
        ("delete", repo.delete(1).await.map(drop)),
        (
            "insert_many",
            repo.insert_many(vec![row(3), row(4)]).await.map(drop),
        ),
        (
            "update_many",
            repo.update_many(Condition::all(), row(1)).await.map(drop),
        ),
        (
            "delete_many",
            repo.delete_many(Condition::all()).await.map(drop),
        ),
        (
            "upsert",
            repo.upsert(row(1), ConflictTarget::PrimaryKey)
                .await
                .map(drop),
        ),
        (
            "upsert_many",
            repo.upsert_many(vec![row(1)], ConflictTarget::PrimaryKey)
                .await
                .map(drop),
        ),
    ];
    for (what, outcome) in outcomes {
        match outcome {
            Err(RepoError::ReadOnly { entity, operation }) => {
                assert_eq!((entity.as_str(), operation), ("customer_names", what));
            }
            other => panic!("{what}: expected RepoError::ReadOnly, got {other:?}"),
        }
    }
    assert_eq!(
        recorder.statements(),
        Vec::<String>::new(),
        "a refused write reached the server"
    );
    // Reads go through (and are recorded); nothing was written.
    let rows = repo.find(Condition::all()).await.expect("find");
    assert_eq!(
        rows,
        vec![customer_names::Model {
            id: 1,
            name: "Customer 1".into(),
        }]
    );
    assert_eq!(
        recorder.statements().len(),
        1,
        "{:?}",
        recorder.statements()
    );
}

#[tokio::test]
async fn query_service_profile_emits_only_the_documented_subset() {
    use qsorm_connect::Flavor;
    // The fixture in a fresh database, the flow through the local Query Service in front of
    // it (its rows go in as `inline(array(struct(...)))`, which plain PostgreSQL cannot run).
    let fixture = fixture_db().await;
    let dbname = fixture.config().database;
    let (_qs, conn) = support::query_service::local_query_service(&dbname).await;
    let recorder = Recorder::new();
    let simple = conn.simple();

    // Plain columns: the whole flow runs.
    let events = Repo::<events::Entity, _>::new(&simple).with_recorder(recorder.clone());
    assert_eq!(events.profile().flavor(), Flavor::QueryService);
    let event = |i: i32| events::ActiveModel {
        id: Set(format!("e{i:05}")),
        event_type: Set("view".into()),
        n: Set(i),
    };
    let one = events.insert(event(0)).await.expect("insert");
    assert_eq!(one.n, 0);
    assert_eq!(
        events
            .insert_many((1..1_201).map(event).collect())
            .await
            .expect("insert_many"),
        1_200
    );
    assert_eq!(events.count(Condition::all()).await.expect("count"), 1_201);
    assert!(
        events
            .exists(Condition::all().add(events::Column::N.eq(7)))
            .await
            .expect("exists")
    );
    assert_eq!(
        events
            .get_required("e00007".to_owned())
            .await
            .expect("get")
            .n,
        7
    );
    assert!(events.get("nope".to_owned()).await.expect("get").is_none());
    assert_eq!(
        events
            .first(Condition::all())
            .await
            .expect("first")
            .map(|e| e.n),
        Some(0)
    );
    assert_eq!(
        events
            .find(Condition::all().add(events::Column::N.lt(10)))
            .await
            .expect("find")
            .len(),
        10
    );
    assert_eq!(
        events
            .page(Condition::all(), 1, 500)
            .await
            .expect("page")
            .items
            .len(),
        500
    );
    let streamed: Vec<events::Model> = events
        .stream(Condition::all(), 400)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), 1_201);
    let err = events
        .page(Condition::all(), 0, 60_000)
        .await
        .expect_err("over the cap");
    assert!(matches!(err, RepoError::InvalidInput(_)), "{err:?}");

    // Nested columns: struct(...) literals and auto_to_json, which PostgreSQL rejects: the
    // statements are captured as emitted.
    // The composite types' fields come from the entity (`Table::COMPOSITE_TYPES`).
    let customers = Repo::<customers::Entity, _>::new(&simple).with_recorder(recorder.clone());
    let mut full = customer(1);
    full.created_at =
        Set(chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05+00:00").expect("ts"));
    let _ = customers.insert(full).await;
    let _ = customers.get(1).await;
    let _ = customers.update(customer(1)).await;

    let statements = recorder.statements();
    assert!(statements.len() >= 12, "{statements:#?}");
    // Composite fields typed from the composite's fields: the decimal a serde string, the
    // quote out of the literal.
    assert!(
        statements.iter().any(|s| s.contains(
            "array(struct('sku-1' AS sku,2 AS quantity,19.90 AS price_total),\
             struct(('sku-'||chr(39)||'2') AS sku,NULL AS quantity,0.10 AS price_total))"
        )),
        "{statements:#?}"
    );
    assert!(
        statements
            .iter()
            .any(|s| s.starts_with("SET auto_to_json = true;"))
    );
    if std::env::var_os("QSORM_SHOW_SQL").is_some() {
        eprintln!("{}", statements.join("\n"));
    }
    for sql in &statements {
        support::qs_grammar::check(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
        assert!(
            !sql.contains('$'),
            "a bind parameter in a Query Service statement: {sql}"
        );
    }
}

/// The CRUD flow through pgbouncer in transaction-pooling mode over the simple query protocol
/// (`QsConnection::simple()`, what the Query Service flavor uses): no named prepared
/// statements, no session state between transactions, several client connections sharing two
/// server connections. (sqlx's own path prepares named statements even with the cache off and
/// fails here with 42P05/26000.)
#[tokio::test]
async fn crud_flow_through_pgbouncer_in_transaction_mode() {
    use qsorm_connect::{ConnParams, QsConnection, SslMode};
    use qsorm_repository::WireMode;
    let sb = support::sandbox();
    let fixture = fixture_db().await;
    let dbname = fixture.config().database;
    let bouncer = support::pgbouncer::PgBouncer::start(sb);
    let conn = QsConnection::new(
        ConnParams::default()
            .host("127.0.0.1")
            .port(bouncer.port)
            .database(&dbname)
            .user(sb.superuser())
            .sslmode(SslMode::Disable)
            .statement_cache(0)
            .max_connections(6)
            .build()
            .expect("config"),
    );
    for round in 0..2 {
        let base = i64::from(round) * 1_000;
        let simple = conn.simple();
        let db = &simple;
        // Every value a literal inlined by the repository (the simple-protocol connection's
        // profile), twice over the same two server connections.
        let repo = Repo::<customers::Entity, _>::new(db);
        assert_eq!(repo.profile().wire(), WireMode::Inline);
        // Concurrent inserts and reads: transactions land on whichever server connection is free.
        let mut tasks = Vec::new();
        for i in 1..=12 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let repo = Repo::<customers::Entity, _>::new(&db);
                let stored = repo.insert(customer(base + i)).await?;
                let back = repo.get_required(base + i).await?;
                assert_eq!(back, stored);
                Ok::<_, RepoError>(())
            }));
        }
        for t in tasks {
            t.await
                .expect("task")
                .expect("insert/get through pgbouncer");
        }
        let mut change = customers::ActiveModel {
            id: Set(base + 1),
            ..Default::default()
        };
        change.tier = Set(Some(Tier::Gold));
        assert_eq!(
            repo.update(change).await.expect("update").tier,
            Some(Tier::Gold)
        );
        let mut batch: Vec<_> = (100..600).map(|i| customer(base + i)).collect();
        batch[250].score = Set(Some(dec("-5")));
        let err = repo.insert_many(batch).await.expect_err("bad row");
        assert!(
            matches!(err, RepoError::CheckViolation { row: Some(250), .. }),
            "{err:?}"
        );
        let err = transaction(db, async |tx| {
            repo.on(tx).insert(customer(base + 900)).await?;
            Err::<(), _>(RepoError::InvalidInput("roll back".into()))
        })
        .await
        .expect_err("rolled back");
        assert!(matches!(err, RepoError::InvalidInput(_)));
        let range = Condition::all()
            .add(customers::Column::Id.gt(base))
            .add(customers::Column::Id.lt(base + 1_000));
        assert_eq!(repo.count(range.clone()).await.expect("count"), 12);
        let streamed: Vec<customers::Model> = repo
            .stream(range.clone(), 5)
            .try_collect()
            .await
            .expect("stream");
        assert_eq!(streamed.len(), 12);
        assert_eq!(repo.delete_many(range).await.expect("delete"), 12);
    }
    conn.close().await;
}

#[tokio::test]
async fn save_as_casts_apply_on_the_bulk_path() {
    use support::entities::durations;
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = Repo::<durations::Entity, _>::new(db);
    let row = |id: i32, span: Option<&str>| durations::ActiveModel {
        id: Set(id),
        span: Set(span.map(str::to_owned)),
    };
    let stored = repo
        .insert(row(1, Some("1 day 02:00:00")))
        .await
        .expect("insert");
    assert_eq!(stored.span.as_deref(), Some("1 day 02:00:00"));
    assert_eq!(
        repo.insert_many(vec![row(2, None), row(3, Some("90 minutes"))])
            .await
            .expect("insert_many"),
        2
    );
    assert_eq!(
        repo.get_required(3).await.expect("get").span.as_deref(),
        Some("01:30:00")
    );
    let err = repo
        .insert(row(4, Some("not an interval")))
        .await
        .expect_err("bad input");
    assert!(
        matches!(err, RepoError::Database { sqlstate, .. } if sqlstate == qsorm_repository::SqlState::INVALID_DATETIME_FORMAT),
        "{err:?}"
    );
}
