//! Quickstart: connect (the configured server, or the embedded sandbox when nothing is
//! configured) and print what the connection is.
//!
//! ```text
//! cargo run --example quickstart
//! QS_HOST=acme.platform-query.adobe.io QS_DATABASE=prod:all QS_USER=... QS_PASSWORD=... cargo run --example quickstart
//! ```

use clap::Parser;
use qsorm::connect::cli::ConnectArgs;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let opened = args.connect.open().await?;
    let conn = &opened.conn;
    println!("connecting to {}", conn.config().redacted_url());
    let rows = conn
        .simple_query("SELECT current_user AS who, current_database() AS db, version() AS version")
        .await?;
    for row in rows {
        let who: String = row.try_get("", "who")?;
        let db: String = row.try_get("", "db")?;
        let version: String = row.try_get("", "version")?;
        println!("connected as {who} to {db}: {version}");
    }
    conn.close().await;
    Ok(())
}
