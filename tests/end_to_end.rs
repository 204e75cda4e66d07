//! End to end across the crates, on a sandbox: migrate the sample dataset, reflect it,
//! then work with the generated entities through the repository on both wire paths.

use futures_util::TryStreamExt;
use qsorm::connect::cli::sandbox_connection;
use qsorm::entity::composites::WebEventsWeb;
use qsorm::entity::sea_orm_active_enums::ProfilesLoyaltyTier;
use qsorm::entity::{order_lines, orders, profiles, web_events};
use qsorm::inspect::{ColumnType, InspectOptions, inspect, table_names};
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::repository::{Repo, RepoError};
use qsorm::sandbox::Sandbox;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition};

#[tokio::test]
async fn sample_dataset_from_migration_to_typed_rows() {
    let sandbox = Sandbox::shared().expect("sandbox");
    let db_name = sandbox.fresh_database().await.expect("database");
    let conn = sandbox_connection(sandbox, &db_name, None).expect("connection");
    let outcome = Runner::of::<Migrator>(&conn)
        .run(Op::Up(None))
        .await
        .expect("migrate");
    assert_eq!(outcome.applied.len(), 5);

    // Reflection: the tables the migrations made, web_events without a primary key and its
    // nested struct resolved.
    let simple = conn.simple();
    let names: Vec<String> = table_names(&simple, &InspectOptions::default())
        .await
        .expect("table names")
        .into_iter()
        .map(|t| t.name)
        .collect();
    for expected in [
        "web_events",
        "profiles",
        "orders",
        "order_lines",
        "line_adjustments",
        "daily_page_views",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let schema = inspect(
        conn.db(),
        &InspectOptions::default().with_tables(["web_events"]),
    )
    .await
    .expect("inspect");
    let events = schema.table("public", "web_events").expect("web_events");
    assert!(events.primary_key.is_none());
    let web = events.column("web").expect("web column");
    assert!(
        matches!(web.ty, ColumnType::Composite { ref name, .. } if name == "web_events_web"),
        "{:?}",
        web.ty
    );

    // The generated entities through the repository, bind and simple-protocol paths alike.
    // The simple connection inlines literals (WireMode::Inline) on PostgreSQL.
    let bind = Repo::<web_events::Entity, _>::new(conn.db());
    let inline = Repo::<web_events::Entity, _>::new(&simple);
    assert_eq!(bind.count(Condition::all()).await.expect("count"), 10_000);
    let a: Vec<web_events::Model> = bind
        .stream(Condition::all(), 2_500)
        .try_collect()
        .await
        .expect("stream");
    let b: Vec<web_events::Model> = inline
        .stream(Condition::all(), 2_500)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(a.len(), 10_000);
    assert_eq!(a, b, "binary and text rows decode to the same models");
    let with_page = a
        .iter()
        .filter(|e| {
            matches!(
                &e.web,
                Some(WebEventsWeb {
                    page_details: Some(_),
                    ..
                })
            )
        })
        .count();
    assert!(with_page > 0, "no nested page details decoded");

    let profiles = Repo::<profiles::Entity, _>::new(conn.db());
    let gold = Condition::all().add(profiles::Column::LoyaltyTier.eq(ProfilesLoyaltyTier::Gold));
    let gold_count = profiles.count(gold.clone()).await.expect("count");
    assert!(gold_count > 0 && gold_count < 1_000);
    let first = profiles
        .first(gold)
        .await
        .expect("first")
        .expect("a gold profile");
    assert_eq!(first.loyalty_tier, ProfilesLoyaltyTier::Gold);

    // Real keys: an order line for an order that does not exist is refused by name.
    let lines = Repo::<order_lines::Entity, _>::new(conn.db());
    let some_order = Repo::<orders::Entity, _>::new(conn.db())
        .first(Condition::all())
        .await
        .expect("order")
        .expect("an order");
    let existing = lines
        .first(Condition::all().add(order_lines::Column::OrderId.eq(some_order.order_id)))
        .await
        .expect("line")
        .expect("a line");
    let mut orphan: order_lines::ActiveModel = existing.clone().into();
    orphan.order_id = Set(-1);
    let err = lines.insert(orphan).await.expect_err("orphan line");
    assert!(
        matches!(err, RepoError::ForeignKeyViolation { .. }),
        "{err:?}"
    );
    conn.close().await;
}
