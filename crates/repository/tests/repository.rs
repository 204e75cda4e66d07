//! qsorm-repository against a real sandbox PostgreSQL.

mod support;

use futures_util::TryStreamExt;
use qsorm_repository::{ConflictTarget, Profile, Recorder, Repo, RepoError, transaction};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};
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

fn pg() -> Repo<customers::Entity> {
    Repo::new(Profile::postgres())
}

#[tokio::test]
async fn crud_round_trips_nested_enum_array_columns() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = pg();
    let stored = repo.insert(db, customer(1)).await.expect("insert");
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
    let again = repo.get_required(db, 1).await.expect("get");
    assert_eq!(again, stored);
    assert!(repo.get(db, 99).await.expect("get").is_none());

    let err = repo.get_required(db, 99).await.expect_err("missing");
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
    let updated = repo.update(db, change).await.expect("update");
    assert_eq!((updated.tier, updated.web), (Some(Tier::Gold), None));
    assert_eq!(updated.email, stored.email);

    let err = repo
        .update(
            db,
            customers::ActiveModel {
                id: Set(42),
                name: Set("x".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("no such row");
    assert!(matches!(err, RepoError::NotFound { .. }), "{err:?}");

    for id in 2..=5 {
        repo.insert(db, customer(id)).await.expect("insert");
    }
    let gold = Condition::all().add(customers::Column::Tier.eq(Tier::Gold));
    assert_eq!(repo.count(db, gold.clone()).await.expect("count"), 1);
    assert!(repo.exists(db, gold.clone()).await.expect("exists"));
    let silver = Condition::all().add(customers::Column::Tier.eq(Tier::Silver));
    let found = repo.find(db, silver.clone()).await.expect("find");
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![2, 3, 4, 5]
    );
    assert_eq!(
        repo.first(db, silver.clone())
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
        repo.update_many(db, silver.clone(), bump)
            .await
            .expect("update_many"),
        4
    );
    assert_eq!(
        repo.get_required(db, 3).await.expect("get").score,
        Some(dec("99.00"))
    );

    assert!(repo.delete(db, 5).await.expect("delete"));
    assert!(!repo.delete(db, 5).await.expect("delete again"));
    let n = repo
        .delete_many(db, Condition::all().add(customers::Column::Id.gte(4)))
        .await
        .expect("delete_many");
    assert_eq!(n, 1);
    assert_eq!(repo.count(db, Condition::all()).await.expect("count"), 3);
}

#[tokio::test]
async fn upserts_on_primary_key_and_named_constraint() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = pg();
    repo.insert(db, customer(1)).await.expect("insert");
    let mut c = customer(1);
    c.name = Set("Renamed".into());
    let row = repo
        .upsert(db, c, ConflictTarget::PrimaryKey)
        .await
        .expect("upsert");
    assert_eq!(row.name, "Renamed");
    let mut by_email = customer(1);
    by_email.name = Set("By email".into());
    let row = repo
        .upsert(
            db,
            by_email,
            ConflictTarget::Constraint("customers_email_key".into()),
        )
        .await
        .expect("upsert on constraint");
    assert_eq!(row.name, "By email");
    let batch: Vec<_> = (1..=3).map(customer).collect();
    assert_eq!(
        repo.upsert_many(db, batch, ConflictTarget::PrimaryKey)
            .await
            .expect("upsert_many"),
        3
    );
    assert_eq!(repo.count(db, Condition::all()).await.expect("count"), 3);
    assert_eq!(
        repo.get_required(db, 1).await.expect("get").name,
        "Customer 1"
    );
}

#[tokio::test]
async fn pagination_keyset_and_stream() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo: Repo<events::Entity> = Repo::new(Profile::postgres());
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
    assert_eq!(
        repo.insert_many(db, rows).await.expect("insert_many"),
        2_500
    );
    let views = Condition::all().add(events::Column::EventType.eq("view"));
    let page = repo.page(db, views.clone(), 2, 100).await.expect("page");
    assert_eq!(
        (page.total, page.pages(), page.items.len()),
        (1_250, 13, 100)
    );
    assert_eq!(page.items[0].id, "e00400");

    let mut after = None;
    let mut seen = 0;
    loop {
        let p = repo
            .keyset(db, views.clone(), after, 400)
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
        .stream(db, Condition::all(), 300)
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
    let repo: Repo<purchases::Entity> = Repo::new(Profile::postgres());
    pg().insert(db, customer(1)).await.expect("customer");
    let good = |i: usize| purchases::ActiveModel {
        id: NotSet,
        customer_id: Set(1),
        total: Set(Decimal::from(i)),
    };
    // 100,000 rows x 2 columns: far past 65,535 bind parameters with plain VALUES.
    let mut rows: Vec<_> = (0..100_000).map(good).collect();
    rows[73_456].customer_id = Set(777); // no such customer
    let err = repo.insert_many(db, rows).await.expect_err("bad row");
    match &err {
        RepoError::ForeignKeyViolation {
            constraint,
            table,
            row,
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
        repo.count(db, Condition::all()).await.expect("count"),
        0,
        "half a batch was written"
    );

    let rows: Vec<_> = (0..100_000).map(good).collect();
    assert_eq!(
        repo.insert_many(db, rows).await.expect("insert_many"),
        100_000
    );
    assert_eq!(
        repo.count(db, Condition::all()).await.expect("count"),
        100_000
    );
}

#[tokio::test]
async fn constraint_errors_are_typed() {
    let conn = fixture_db().await;
    let db = conn.db();
    let repo = pg();
    repo.insert(db, customer(1)).await.expect("insert");

    let err = repo.insert(db, customer(1)).await.expect_err("duplicate");
    assert!(
        matches!(err, RepoError::UniqueViolation { ref constraint, ref table, row: Some(0) } if constraint == "customers_pkey" && table == "customers"),
        "{err:?}"
    );

    let mut dup_email = customer(2);
    dup_email.email = Set("c1@example.com".into());
    let err = repo
        .insert_many(db, vec![customer(3), dup_email])
        .await
        .expect_err("dup email");
    assert!(
        matches!(err, RepoError::UniqueViolation { ref constraint, row: Some(1), .. } if constraint == "customers_email_key"),
        "{err:?}"
    );

    let mut negative = customer(4);
    negative.score = Set(Some(dec("-1")));
    let err = repo.insert(db, negative).await.expect_err("check");
    assert!(
        matches!(err, RepoError::CheckViolation { ref constraint, .. } if constraint == "customers_score_check"),
        "{err:?}"
    );

    let err = repo
        .update(
            db,
            customers::ActiveModel {
                id: Set(1),
                name: Set(String::new()),
                email: Set(String::new()),
                ..Default::default()
            },
        )
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

    let purchases: Repo<purchases::Entity> = Repo::new(Profile::postgres());
    let err = purchases
        .insert(
            db,
            purchases::ActiveModel {
                id: NotSet,
                customer_id: Set(5),
                total: Set(dec("1")),
            },
        )
        .await
        .expect_err("fk");
    assert!(
        matches!(err, RepoError::ForeignKeyViolation { ref constraint, .. } if constraint == "purchases_customer_fk"),
        "{err:?}"
    );
    assert_eq!(repo.count(db, Condition::all()).await.expect("count"), 1);
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
    let repo: Repo<events::Entity> = Repo::new(Profile::for_connection(&conn));
    let err = repo
        .count(conn.db(), Condition::all())
        .await
        .expect_err("expired");
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
    let repo = pg();
    transaction(&db, |tx| {
        let repo = repo.clone();
        Box::pin(async move {
            repo.insert(tx, customer(1)).await?;
            Ok(())
        })
    })
    .await
    .expect("commits");
    let err = transaction(&db, |tx| {
        let repo = repo.clone();
        Box::pin(async move {
            repo.insert(tx, customer(2)).await?;
            repo.insert(tx, customer(1)).await?; // duplicate: Err
            Ok(())
        })
    })
    .await
    .expect_err("rolls back");
    assert!(matches!(err, RepoError::UniqueViolation { .. }));
    let db2 = db.clone();
    let panicked = tokio::spawn(async move {
        let repo = pg();
        let _: Result<(), RepoError> = transaction(&db2, |tx| {
            Box::pin(async move {
                repo.insert(tx, customer(3)).await?;
                panic!("boom");
            })
        })
        .await;
    })
    .await;
    assert!(panicked.expect_err("panicked").is_panic());
    let ids: Vec<i64> = repo
        .find(&db, Condition::all())
        .await
        .expect("find")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![1]);
}

#[tokio::test]
async fn query_service_profile_refuses_before_any_round_trip() {
    let conn = fixture_db().await;
    let recorder = Recorder::new();
    let repo: Repo<customers::Entity> =
        Repo::new(Profile::query_service().with_recorder(recorder.clone()));
    let db = conn.db();
    let change = customers::ActiveModel {
        id: Set(1),
        name: Set("x".into()),
        ..Default::default()
    };
    for err in [
        repo.update(db, change.clone()).await.expect_err("update"),
        repo.update_many(db, Condition::all(), change.clone())
            .await
            .expect_err("update_many"),
        repo.delete(db, 1).await.expect_err("delete"),
        repo.delete_many(db, Condition::all())
            .await
            .expect_err("delete_many"),
        repo.upsert(db, customer(1), ConflictTarget::PrimaryKey)
            .await
            .expect_err("upsert"),
        repo.upsert_many(db, vec![customer(1)], ConflictTarget::PrimaryKey)
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
