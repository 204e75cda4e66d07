//! A Query Service "migration" script, run on the sandbox (or any configured server):
//! CTAS a `daily_revenue` table from `web_events`, append more rows with
//! `INSERT INTO ... SELECT`, create a view over it, and declare its primary key — then print
//! what it did, read back through the repository's typed query builder. Each run first runs
//! the script's "down" (drop what it creates), so it can be repeated.
//!
//! ```text
//! cargo run --example qs_script                  # sandbox: applies the sample migrations if missing
//! cargo run --example qs_script -- --down        # only drop what the script creates
//! cargo run --example qs_script -- --print --flavor query-service   # show the SQL, connect to nothing
//! ```

use std::time::Instant;

use clap::Parser;
use qsorm_connect::Flavor;
use qsorm_connect::cli::ConnectArgs;
use qsorm_connect::ident::quote_ident;
use qsorm_repository::ConnectionExt;
use qsorm_repository::qs_script::{
    QsScript, add_primary_key, create_table_as, create_view, insert_into_select, run,
};
use sea_orm::{FromQueryResult, QueryOrder, QuerySelect};
use sea_query::{Asterisk, Expr, ExprTrait, Func, Query, SelectStatement};

#[derive(Parser)]
struct Args {
    /// Only run the script's down (drop the view and the table it creates).
    #[arg(long)]
    down: bool,
    /// Print the up and down SQL for --flavor (default query-service) and connect to nothing.
    #[arg(long)]
    print: bool,
    #[command(flatten)]
    connect: ConnectArgs,
}

/// The table the script creates: revenue per UTC day and currency.
mod daily_revenue {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "daily_revenue")]
    pub struct Model {
        /// `day/currency`, the key the script declares.
        #[sea_orm(primary_key, auto_increment = false, column_name = "_id")]
        pub id: String,
        pub day: Date,
        pub currency_code: Option<String>,
        pub purchases: i64,
        pub revenue: Option<Decimal>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// The view the script creates over it: the USD rows.
mod daily_revenue_usd {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "daily_revenue_usd")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub purchases: i64,
        pub revenue: Option<Decimal>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// A view: the repository refuses writes before any round trip.
    impl qsorm_repository::Table for Entity {
        const READ_ONLY: bool = true;
    }
}

/// The totals over `daily_revenue`.
#[derive(Debug, FromQueryResult)]
struct Totals {
    n: i64,
    days: i64,
    purchases: i64,
}

/// A row of `daily_revenue_usd`, its values as text.
#[derive(Debug, FromQueryResult)]
struct UsdDay {
    day: String,
    purchases: i64,
    revenue: String,
}

/// Purchases split at this instant: the CTAS takes the events before, the INSERT the rest.
const SPLIT: &str = "2025-03-16T00:00:00Z";

/// A nested field: `("col")."a"."b"` on PostgreSQL, `col.a.b` on Query Service.
fn nested(flavor: Flavor, column: &str, path: &[&str]) -> Expr {
    match flavor {
        Flavor::Postgres => {
            let path: Vec<String> = path.iter().map(|p| quote_ident(p)).collect();
            Expr::cust(format!("({}).{}", quote_ident(column), path.join(".")))
        }
        Flavor::QueryService => Expr::cust(format!("{column}.{}", path.join("."))),
    }
}

/// Revenue per UTC day and currency of the purchases before (`before = true`) or from SPLIT.
fn revenue(flavor: Flavor, before: bool) -> SelectStatement {
    let day = Expr::cust(r#"CAST("timestamp" AS date)"#);
    let currency = nested(flavor, "commerce", &["order", "currency_code"]);
    let id = Expr::cust_with_exprs(
        "CAST($1 AS varchar) || '/' || $2",
        [day.clone(), currency.clone()],
    );
    let ts = Expr::col("timestamp");
    Query::select()
        .expr_as(id, "_id")
        .expr_as(day, "day")
        .expr_as(currency, "currency_code")
        .expr_as(Func::count(Expr::col(Asterisk)), "purchases")
        .expr_as(
            Func::sum(nested(flavor, "commerce", &["order", "price_total"])),
            "revenue",
        )
        .from("web_events")
        .and_where(Expr::col("event_type").eq("commerce.purchases"))
        .and_where(if before { ts.lt(SPLIT) } else { ts.gte(SPLIT) })
        .add_group_by([Expr::cust("1"), Expr::cust("2"), Expr::cust("3")])
        .to_owned()
}

fn script(flavor: Flavor) -> QsScript {
    let usd = Query::select()
        .columns(["day", "purchases", "revenue"])
        .from("daily_revenue")
        .and_where(Expr::col("currency_code").eq("USD"))
        .to_owned();
    QsScript::new()
        .then(
            create_table_as("daily_revenue", revenue(flavor, true))
                .schema("Daily revenue")
                .row_validation(false)
                .flavor(flavor),
        )
        .then(insert_into_select("daily_revenue", revenue(flavor, false)).flavor(flavor))
        .then(create_view("daily_revenue_usd", usd, true).flavor(flavor))
        .then(add_primary_key(
            "daily_revenue",
            ["_id"],
            "daily_revenue",
            flavor,
        ))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Errors are printed with their message (Display), not Rust's `Error: {:?}`.
    qsorm::connect::cli::report(run_example().await)
}

async fn run_example() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.print {
        let flavor = args.connect.flavor.unwrap_or(Flavor::QueryService);
        let s = script(flavor);
        println!("-- up ({flavor})");
        for stmt in s.statements() {
            println!("{};", stmt.to_sql()?);
        }
        println!("-- down: drop what up created (no data rollback on Query Service)");
        for stmt in s.down_statements() {
            println!("{};", stmt.to_sql()?);
        }
        return Ok(());
    }

    let opened = args.connect.open().await?;
    // The first round trip: a wrong setting fails here in seconds with a typed error.
    opened.check().await?;
    let conn = &opened.conn;
    let flavor = conn.flavor();
    println!("connected to {} ({flavor})", conn.config().redacted_url());
    if flavor == Flavor::Postgres {
        let present = conn
            .simple_query("SELECT to_regclass('web_events') IS NOT NULL AS present")
            .await?;
        let present: bool = match present.first() {
            Some(row) => row.try_get("", "present")?,
            None => false,
        };
        if !present {
            println!("web_events is missing: applying the sample migrations first");
            let outcome = qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(conn)
                .run(qsorm_migrate::Op::Up(None))
                .await?;
            println!("applied {} migrations", outcome.applied.len());
        }
    }

    // The connection sends each statement the way its flavor needs: the simple query
    // protocol on Query Service.
    let s = script(flavor);
    println!("-- down (start clean)");
    for stmt in s.down_statements() {
        run(stmt.as_ref(), conn).await?;
        println!("ok: {}", stmt.to_sql()?);
    }
    if args.down {
        conn.close().await;
        return Ok(());
    }
    println!("-- up");
    for stmt in s.statements() {
        let started = Instant::now();
        run(stmt.as_ref(), conn).await?;
        println!(
            "ok ({} ms): {}",
            started.elapsed().as_millis(),
            stmt.to_sql()?
        );
    }

    use daily_revenue::Column as Revenue;
    let totals = conn
        .repo::<daily_revenue::Entity>()
        .query()
        .select_only()
        .column_as(Func::count(Expr::col(Asterisk)).cast_as("bigint"), "n")
        .column_as(
            Func::count_distinct(Expr::col(Revenue::Day)).cast_as("bigint"),
            "days",
        )
        .column_as(
            Func::sum(Expr::col(Revenue::Purchases)).cast_as("bigint"),
            "purchases",
        )
        .into_model::<Totals>()
        .one()
        .await?;
    if let Some(Totals { n, days, purchases }) = totals {
        println!("daily_revenue: {n} rows over {days} days, {purchases} purchases");
    }
    // Spark has no `text` type: Query Service casts to `string`.
    let text = match flavor {
        Flavor::QueryService => "string",
        Flavor::Postgres => "text",
    };
    use daily_revenue_usd::Column as Usd;
    let first_days = conn
        .repo::<daily_revenue_usd::Entity>()
        .query()
        .select_only()
        .column_as(Expr::col(Usd::Day).cast_as(text), "day")
        .column_as(Expr::col(Usd::Purchases).cast_as("bigint"), "purchases")
        .column_as(Expr::col(Usd::Revenue).cast_as(text), "revenue")
        .order_by_asc(Usd::Day)
        .limit(3)
        .into_model::<UsdDay>()
        .all()
        .await?;
    for UsdDay {
        day,
        purchases,
        revenue,
    } in first_days
    {
        println!("daily_revenue_usd: {day}  {purchases:>3} purchases  {revenue:>10} USD");
    }
    conn.close().await;
    Ok(())
}
