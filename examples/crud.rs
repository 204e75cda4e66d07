//! Typed CRUD on the sample dataset with `qsorm-repository` and the generated entities.
//!
//! ```text
//! cargo run --example crud                # the sandbox, nothing to configure
//! cargo run --example crud -- --url ...   # any PostgreSQL
//! ```

use clap::Parser;
use qsorm::connect::QsConnection;
use qsorm::connect::cli::ConnectArgs;
use qsorm::repository::{ConflictTarget, ConnectionExt, RepoError, transaction};
use qsorm_entity::composites::{ProfilesPerson, ProfilesPersonName};
use qsorm_entity::sea_orm_active_enums::ProfilesLoyaltyTier;
use qsorm_entity::{order_lines, orders, profiles, web_events};
use qsorm_migrate::{Op, Runner};
use qsorm_migrations::Migrator;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, FromQueryResult, QueryOrder, QuerySelect};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
}

fn new_profile(id: &str) -> profiles::ActiveModel {
    profiles::ActiveModel {
        id: Set(id.to_owned()),
        person: Set(Some(ProfilesPerson {
            name: Some(ProfilesPersonName {
                first_name: Some("Ada".into()),
                last_name: Some("Lovelace".into()),
            }),
            birth_year: Some(1815),
        })),
        personal_email: Set(Some("ada@example.com".into())),
        loyalty_tier: Set(ProfilesLoyaltyTier::Silver),
        tags: Set(vec!["example".into(), "crud".into()]),
        created_at: Set(chrono::Utc::now().fixed_offset()),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Errors are printed with their message (Display), not Rust's `Error: {:?}`.
    qsorm::connect::cli::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let opened = args.connect.open().await?;
    // The first round trip: a wrong setting fails here in seconds with a typed error.
    opened.check().await?;
    let conn = &opened.conn;
    let applied = Runner::of::<Migrator>(conn).run(Op::Up(None)).await?;
    if !applied.applied.is_empty() {
        println!("applied {} sample migrations", applied.applied.len());
    }
    let profiles = conn.repo::<profiles::Entity>();
    let events = conn.repo::<web_events::Entity>();

    let gold = Condition::all().add(profiles::Column::LoyaltyTier.eq(ProfilesLoyaltyTier::Gold));
    println!("gold profiles: {}", profiles.count(gold.clone()).await?);
    let page = profiles.page(gold, 0, 3).await?;
    for p in &page.items {
        let name = p.person.as_ref().and_then(|x| x.name.as_ref());
        println!(
            "  {} {} ({} tags) — page 1 of {}",
            p.id,
            name.and_then(|n| n.last_name.as_deref()).unwrap_or("?"),
            p.tags.len(),
            page.pages()
        );
    }

    let id = "example-crud-profile";
    profiles.delete(id.to_owned()).await?; // leave no trace of an earlier run
    let stored = profiles.insert(new_profile(id)).await?;
    println!("inserted {} created at {}", stored.id, stored.created_at);

    let mut change = profiles::ActiveModel {
        id: Set(id.to_owned()),
        ..Default::default()
    };
    change.loyalty_tier = Set(ProfilesLoyaltyTier::Platinum);
    let updated = profiles.update(change).await?;
    println!("updated tier: {:?}", updated.loyalty_tier);

    match profiles.insert(new_profile(id)).await {
        Err(RepoError::UniqueViolation { constraint, .. }) => {
            println!("a second insert is refused by `{constraint}`")
        }
        other => println!("unexpected: {other:?}"),
    }
    let mut renamed = new_profile(id);
    renamed.personal_email = Set(Some("countess@example.com".into()));
    let upserted = profiles.upsert(renamed, ConflictTarget::PrimaryKey).await?;
    println!("upserted e-mail: {:?}", upserted.personal_email);

    // Nested XDM structs come back typed.
    let views =
        Condition::all().add(web_events::Column::EventType.eq("web.webpagedetails.pageViews"));
    let first = events.keyset(views, None, 3).await?;
    for e in &first.items {
        let page = e.web.as_ref().and_then(|w| w.page_details.as_ref());
        println!(
            "  event {} at {}: page {:?}",
            e.id,
            e.timestamp,
            page.and_then(|p| p.name.as_deref())
        );
    }

    println!("deleted: {}", profiles.delete(id.to_owned()).await?);
    let missing = profiles.get_required(id.to_owned()).await;
    println!(
        "after delete: {}",
        missing.err().map(|e| e.to_string()).unwrap_or_default()
    );

    queries(conn).await?;
    conn.close().await;
    Ok(())
}

/// A row of "events per day and type".
#[derive(Debug, FromQueryResult)]
struct Daily {
    day: chrono::NaiveDate,
    event_type: String,
    n: i64,
}

/// Queries beyond filters, a related load and a transaction.
async fn queries(conn: &QsConnection) -> Result<(), RepoError> {
    let events = conn.repo::<web_events::Entity>();
    let day = || Expr::col(web_events::Column::Timestamp).cast_as(Alias::new("date"));
    let busiest: Vec<Daily> = events
        .query()
        .select_only()
        .column_as(day(), "day")
        .column(web_events::Column::EventType)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(day())
        .group_by(web_events::Column::EventType)
        .order_by_desc(Expr::cust("COUNT(*)"))
        .limit(3)
        .into_model::<Daily>()
        .all()
        .await?;
    for d in &busiest {
        println!("{} {}: {} events", d.day, d.event_type, d.n);
    }

    let latest = conn
        .repo::<orders::Entity>()
        .query()
        .order_by_desc(orders::Column::OrderedAt)
        .limit(2)
        .find_with_related(order_lines::Entity)
        .all()
        .await?;
    for (order, lines) in &latest {
        println!(
            "order {} ({}): {} lines",
            order.order_id,
            order.status,
            lines.len()
        );
    }

    // A transaction is an async closure; `repo.on(tx)` is the repository inside it.
    let orders = conn.repo::<orders::Entity>();
    let cancelled = transaction(conn, async |tx| {
        let Some((order, _)) = latest.first() else {
            return Ok(0);
        };
        let set = orders::ActiveModel {
            status: Set("cancelled".into()),
            ..Default::default()
        };
        let n = orders
            .on(tx)
            .update_many(
                Condition::all().add(orders::Column::OrderId.eq(order.order_id)),
                set,
            )
            .await?;
        // Keep the sample as it was: undo by failing the transaction on purpose.
        Err::<u64, _>(RepoError::InvalidInput(format!(
            "rolled back after cancelling {n}"
        )))
    })
    .await;
    println!(
        "transaction: {}",
        cancelled.err().map(|e| e.to_string()).unwrap_or_default()
    );
    Ok(())
}
