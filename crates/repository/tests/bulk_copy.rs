//! `insert_many`'s COPY path on PostgreSQL: taken on a pool, never inside a caller's
//! transaction; values arrive exactly as the `UNNEST` path writes them; a bad row rolls the
//! whole batch back and is named, with its constraint, by the `UNNEST` path it falls back to.

mod support;

use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_repository::{Recorder, Repo, RepoError};
use sea_orm::{ConnectionTrait, IntoActiveModel, QueryOrder, TransactionSession, TransactionTrait};

mod rows {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "copy_rows")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub label: String,
        pub note: Option<String>,
        pub x: Option<f64>,
        pub ts: Option<DateTimeWithTimeZone>,
        pub day: Option<Date>,
        pub bytes: Option<Vec<u8>>,
        pub tags: Option<Vec<String>>,
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Option<Json>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

const SCHEMA: &str = "
CREATE TABLE copy_rows (
    id bigint PRIMARY KEY,
    label text NOT NULL CONSTRAINT copy_rows_label_check CHECK (label <> 'bad'),
    note varchar(40),
    x double precision,
    ts timestamptz,
    day date,
    bytes bytea,
    tags text[],
    doc jsonb
);";

/// Strings COPY's text format gives meaning to, and others that must pass untouched.
const HOSTILE: &[&str] = &[
    "\\N",
    "\\.",
    "a\tb\nc\rd",
    "back\\slash\\\\",
    "\"quoted\", {braces}, NULL",
    "",
    "é ✓ \u{202e}rtl \u{200b}",
    "'; DROP TABLE copy_rows; --",
];

fn row(id: i64) -> rows::Model {
    let text = HOSTILE[usize::try_from(id).expect("small") % HOSTILE.len()];
    rows::Model {
        id,
        label: text.to_owned(),
        note: (id % 3 != 0).then(|| text.chars().take(40).collect()),
        x: [
            Some(f64::NAN),
            Some(-0.0),
            Some(f64::INFINITY),
            Some(1e-310),
            None,
        ]
        .get(usize::try_from(id).expect("small") % 5)
        .copied()
        .flatten(),
        ts: chrono::DateTime::parse_from_rfc3339("2026-02-03T04:05:06.123456+05:30").ok(),
        day: chrono::NaiveDate::from_ymd_opt(-43, 3, 15),
        bytes: Some(vec![0, b'\\', b'\t', b'\n', 255]),
        tags: Some(vec![text.to_owned(), "NULL".to_owned()]),
        doc: Some(serde_json::json!({ "s": text, "n": [1.5, null] })),
    }
}

fn batch(ids: std::ops::Range<i64>) -> Vec<rows::ActiveModel> {
    ids.map(|i| row(i).into_active_model()).collect()
}

async fn open() -> (QsConnection, Recorder) {
    let sb = support::sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &db, None).expect("connection");
    conn.db().execute_unprepared(SCHEMA).await.expect("schema");
    (conn, Recorder::new())
}

/// The repository on `db` (the sea-orm pool, the connection, a transaction), recording.
fn repo<'c, C: qsorm_repository::RepoConnection>(
    db: &'c C,
    recorder: &Recorder,
) -> Repo<'c, rows::Entity, C> {
    Repo::new(db).with_recorder(recorder.clone())
}

async fn stored(conn: &QsConnection) -> Vec<rows::Model> {
    use sea_orm::EntityTrait;
    rows::Entity::find()
        .order_by_asc(rows::Column::Id)
        .all(conn.db())
        .await
        .expect("read back")
}

fn same(a: &rows::Model, b: &rows::Model) -> bool {
    let bits = |x: Option<f64>| x.map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() });
    a.id == b.id
        && a.label == b.label
        && a.note == b.note
        && bits(a.x) == bits(b.x)
        && a.ts == b.ts
        && a.day == b.day
        && a.bytes == b.bytes
        && a.tags == b.tags
        && a.doc == b.doc
}

#[tokio::test]
async fn on_a_pool_the_batch_travels_as_copy_and_every_value_arrives_exact() {
    let (conn, recorder) = open().await;
    assert_eq!(
        repo(conn.db(), &recorder)
            .insert_many(batch(0..400))
            .await
            .expect("insert_many"),
        400
    );
    assert_eq!(
        repo(&conn, &recorder)
            .insert_many(batch(400..500))
            .await
            .expect("insert_many"),
        100
    );
    let sent = recorder.statements();
    assert!(sent.iter().all(|s| s.starts_with("COPY ")), "{sent:#?}");
    let got = stored(&conn).await;
    assert_eq!(got.len(), 500);
    for (i, g) in (0..).zip(&got) {
        assert!(same(g, &row(i)), "row {i}: {g:?} != {:?}", row(i));
    }
}

#[tokio::test]
async fn a_bad_row_rolls_back_the_batch_and_is_named_with_its_constraint() {
    let (conn, recorder) = open().await;
    let repo = repo(conn.db(), &recorder);
    let mut rows = batch(0..3_000);
    let mut bad = row(2_345);
    bad.label = "bad".to_owned();
    rows[2_345] = bad.into_active_model();
    let err = repo.insert_many(rows).await.expect_err("bad row");
    match err {
        RepoError::CheckViolation {
            constraint, row, ..
        } => {
            assert_eq!(constraint, "copy_rows_label_check");
            assert_eq!(row, Some(2_345));
        }
        other => panic!("{other:?}"),
    }
    assert!(stored(&conn).await.is_empty(), "nothing of the batch stays");
    // The fallback ran on the UNNEST path after the COPY.
    let sent = recorder.statements();
    assert!(sent.first().is_some_and(|s| s.starts_with("COPY ")));
    assert!(sent.iter().any(|s| s.contains("UNNEST(")), "{sent:#?}");

    // A duplicate key, within the batch: unique violation on the key, row named.
    let mut rows = batch(0..50);
    rows.push(row(7).into_active_model());
    let err = repo.insert_many(rows).await.expect_err("dup");
    assert!(
        matches!(err, RepoError::UniqueViolation { row: Some(50), .. }),
        "{err:?}"
    );
    // Too long for varchar(40): refused, never truncated.
    let mut long = row(1);
    long.note = Some("x".repeat(41));
    let err = repo
        .insert_many(vec![long.into_active_model()])
        .await
        .expect_err("too long");
    assert_eq!(
        err.sqlstate(),
        Some(qsorm_repository::SqlState::STRING_DATA_RIGHT_TRUNCATION),
        "{err:?}"
    );
    assert!(stored(&conn).await.is_empty());
}

#[tokio::test]
async fn inside_a_callers_transaction_the_batch_is_part_of_it() {
    let (conn, recorder) = open().await;
    let tx = conn.db().begin().await.expect("begin");
    assert_eq!(
        repo(conn.db(), &recorder)
            .on(&tx)
            .insert_many(batch(0..100))
            .await
            .expect("insert_many"),
        100
    );
    let sent = recorder.statements();
    assert!(sent.iter().all(|s| !s.starts_with("COPY ")), "{sent:#?}");
    tx.rollback().await.expect("rollback");
    assert!(
        stored(&conn).await.is_empty(),
        "rolled back with the caller"
    );

    let tx = conn.executor().begin().await.expect("begin");
    repo(&conn, &recorder)
        .on(&tx)
        .insert_many(batch(0..100))
        .await
        .expect("insert_many");
    tx.commit().await.expect("commit");
    let got = stored(&conn).await;
    assert_eq!(got.len(), 100);
    for (i, g) in (0..).zip(&got) {
        assert!(same(g, &row(i)), "row {i}: {g:?}");
    }
}

/// A `web_events` row (composites, an array of composites, jsonb) full of hostile text.
fn web_row(id: &str, i: usize) -> qsorm_entity::web_events::Model {
    use qsorm_entity::composites::*;
    let text = |k: usize| Some(HOSTILE[(i + k) % HOSTILE.len()].to_owned());
    qsorm_entity::web_events::Model {
        id: id.to_owned(),
        timestamp: chrono::DateTime::parse_from_rfc3339("2026-02-03T04:05:06.5-08:00").expect("ts"),
        event_type: HOSTILE[i % HOSTILE.len()].to_owned(),
        web: Some(WebEventsWeb {
            page_details: Some(WebEventsWebPageDetails {
                name: text(1),
                url: (i.is_multiple_of(2)).then(String::new),
                is_home_page: Some(i.is_multiple_of(3)),
            }),
            referrer: (!i.is_multiple_of(4)).then(|| WebEventsWebReferrer {
                url: text(2),
                type_: None,
            }),
        }),
        commerce: (!i.is_multiple_of(5)).then(|| WebEventsCommerce {
            order: Some(WebEventsCommerceOrder {
                currency_code: text(3),
                price_total: Some(rust_decimal::Decimal::new(-1_234_567, 2)),
            }),
            purchases: Some(i32::MIN),
            product_views: None,
        }),
        product_list_items: Some(WebEventsProductListItemsList(
            (0..i % 3)
                .map(|k| WebEventsProductListItems {
                    sku: text(k),
                    quantity: Some(i32::MAX),
                    price_total: None,
                })
                .collect(),
        )),
        identity_map: Some(serde_json::json!({ "ECID": [{ "id": text(4), "primary": true }] })),
        acme: Some(WebEventsAcme {
            loyalty_id: text(5),
            campaign: Some(String::new()),
        }),
    }
}

#[tokio::test]
async fn composite_columns_travel_as_record_literals_and_read_back_as_the_unnest_path_writes_them()
{
    use qsorm_entity::web_events;
    let (conn, recorder) = open().await;
    qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(&conn)
        .run(qsorm_migrate::Op::Up(Some(4)))
        .await
        .expect("migrations");
    let repo = Repo::<web_events::Entity, _>::new(conn.db()).with_recorder(recorder.clone());
    let n = 3 * HOSTILE.len();
    let copied: Vec<_> = (0..n).map(|i| web_row(&format!("c{i}"), i)).collect();
    let unnested: Vec<_> = (0..n).map(|i| web_row(&format!("u{i}"), i)).collect();
    let models = |rows: &[web_events::Model]| {
        rows.iter()
            .cloned()
            .map(IntoActiveModel::into_active_model)
            .collect::<Vec<_>>()
    };
    repo.insert_many(models(&copied)).await.expect("COPY");
    assert!(recorder.statements().iter().all(|s| s.starts_with("COPY ")));
    let tx = conn.db().begin().await.expect("begin");
    repo.on(&tx)
        .insert_many(models(&unnested))
        .await
        .expect("UNNEST");
    tx.commit().await.expect("commit");
    for (i, want) in copied.iter().enumerate() {
        let c = repo.get(format!("c{i}")).await.expect("get").expect("row");
        let u = repo.get(format!("u{i}")).await.expect("get").expect("row");
        assert_eq!(
            c,
            web_events::Model {
                id: c.id.clone(),
                ..u.clone()
            },
            "row {i}"
        );
        assert_eq!(
            c,
            web_events::Model {
                id: c.id.clone(),
                ..want.clone()
            },
            "row {i}"
        );
    }
}

#[tokio::test]
async fn rows_setting_different_columns_each_get_their_copy_and_their_defaults() {
    let (conn, recorder) = open().await;
    let repo = repo(conn.db(), &recorder);
    let mut models = batch(0..10_000);
    for m in models.iter_mut().skip(5_000).take(10) {
        m.note = sea_orm::ActiveValue::NotSet;
    }
    assert_eq!(repo.insert_many(models).await.expect("insert_many"), 10_000);
    let copies = recorder.statements();
    assert_eq!(copies.len(), 3, "{copies:#?}");
    let got = stored(&conn).await;
    assert_eq!(got.len(), 10_000);
    for (i, g) in (0..).zip(&got) {
        let mut want = row(i);
        if (5_000..5_010).contains(&i) {
            want.note = None;
        }
        assert!(same(g, &want), "row {i}: {g:?}");
    }
}

#[tokio::test]
async fn upsert_many_on_a_pool_stages_with_copy_and_updates_in_place() {
    use qsorm_repository::ConflictTarget;
    let (conn, recorder) = open().await;
    let repo = repo(conn.db(), &recorder);
    repo.insert_many(batch(0..100)).await.expect("insert");
    let changed: Vec<rows::ActiveModel> = (50..150)
        .map(|i| {
            let mut r = row(i);
            r.label = format!("v2 {}", r.label);
            r.into_active_model()
        })
        .collect();
    assert_eq!(
        repo.upsert_many(changed, ConflictTarget::PrimaryKey)
            .await
            .expect("upsert_many"),
        100
    );
    let sent = recorder.statements();
    assert!(
        sent.iter().any(|s| s.starts_with("COPY pg_temp.")),
        "{sent:#?}"
    );
    assert!(sent.iter().all(|s| !s.contains("UNNEST(")), "{sent:#?}");
    let got = stored(&conn).await;
    assert_eq!(got.len(), 150);
    for (i, g) in (0..).zip(&got) {
        let mut want = row(i);
        if i >= 50 {
            want.label = format!("v2 {}", want.label);
        }
        assert!(same(g, &want), "row {i}: {g:?}");
    }
    // A bad row: nothing of the batch, the row named by the UNNEST path.
    let mut bad = row(3);
    bad.label = "bad".to_owned();
    let err = repo
        .upsert_many(
            vec![row(1).into_active_model(), bad.into_active_model()],
            ConflictTarget::PrimaryKey,
        )
        .await
        .expect_err("bad row");
    assert!(
        matches!(err, RepoError::CheckViolation { row: Some(1), .. }),
        "{err:?}"
    );
    let after = stored(&conn).await;
    assert!(after.len() == got.len() && after.iter().zip(&got).all(|(a, b)| same(a, b)));
}
