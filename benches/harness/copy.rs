//! Binary `COPY ... FROM STDIN` with tokio-postgres's `BinaryCopyInWriter`: the insert limit,
//! and the loader that fills tables before read tasks (outside any timed region).

use qsorm::entity::web_events;
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::event::{COLUMNS, EventRow};
use super::measure::fail;

/// Writes every row through one `COPY` and returns how many the server took.
async fn copy<'r, I>(pg: &Client, sql: &str, types: &[Type], rows: I) -> Result<u64, String>
where
    I: IntoIterator<Item = Vec<&'r (dyn ToSql + Sync)>>,
{
    let sink = pg.copy_in(sql).await.map_err(fail("COPY"))?;
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, types));
    for row in rows {
        writer
            .as_mut()
            .write(&row)
            .await
            .map_err(fail("COPY row"))?;
    }
    writer.as_mut().finish().await.map_err(fail("COPY end"))
}

/// Every column of `bench_events`.
pub async fn events(pg: &Client, rows: &[EventRow]) -> Result<u64, String> {
    let sql = format!("COPY bench_events ({COLUMNS}) FROM STDIN (FORMAT binary)");
    let types = [
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
        Type::FLOAT8,
        Type::TEXT,
        Type::JSONB,
    ];
    let values = rows.iter().map(|r| -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &r.id,
            &r.ts,
            &r.kind,
            &r.page,
            &r.amount,
            &r.referrer,
            &r.payload,
        ]
    });
    copy(pg, &sql, &types, values).await
}

/// The scalar columns of `web_events` (key, timestamp, event type, the jsonb identity map):
/// the composite columns stay NULL, as a raw binary encoder has no composite codec.
pub async fn web_scalars(pg: &Client, rows: &[web_events::Model]) -> Result<u64, String> {
    let sql =
        "COPY web_events (_id, \"timestamp\", event_type, identity_map) FROM STDIN (FORMAT binary)";
    let types = [Type::TEXT, Type::TIMESTAMPTZ, Type::TEXT, Type::JSONB];
    let values = rows.iter().map(|r| -> Vec<&(dyn ToSql + Sync)> {
        vec![&r.id, &r.timestamp, &r.event_type, &r.identity_map]
    });
    copy(pg, sql, &types, values).await
}
