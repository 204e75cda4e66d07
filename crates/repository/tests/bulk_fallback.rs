//! `insert_many`'s COPY path moves values out of the caller's models instead of cloning them;
//! when the COPY fails on a batch of many pieces, the `UNNEST` path it falls back to still
//! gets every row, exact and with its batch index: it names the bad row (a row it lost or
//! emptied would fail earlier, on `NOT NULL` or as a row setting no column).

mod support;

use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_repository::{ConflictTarget, Recorder, Repo, RepoError};
use sea_orm::{ActiveValue, ConnectionTrait, EntityTrait, IntoActiveModel};

mod rows {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fallback_rows")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub label: String,
        pub note: Option<String>,
        pub ts: DateTimeWithTimeZone,
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

const SCHEMA: &str = "CREATE TABLE fallback_rows (id bigint PRIMARY KEY, \
    label text NOT NULL CONSTRAINT fallback_rows_label_check CHECK (label <> 'bad'), \
    note text NOT NULL DEFAULT 'default', ts timestamptz NOT NULL, doc jsonb NOT NULL)";

/// 20,000 rows (five pieces of the COPY path); rows 5,000..5,010 leave `note` unset, so the
/// batch has two sets of columns.
fn batch() -> Vec<rows::ActiveModel> {
    (0..20_000i64)
        .map(|id| {
            let mut m = rows::Model {
                id,
                label: format!("row\t{id}\\\n"),
                note: Some(format!("note {id}")),
                ts: chrono::DateTime::parse_from_rfc3339("2026-02-03T04:05:06.5-03:30")
                    .expect("ts"),
                doc: serde_json::json!({ "id": id, "s": "a\\b\tc" }),
            }
            .into_active_model();
            if (5_000..5_010).contains(&id) {
                m.note = ActiveValue::NotSet;
            }
            m
        })
        .collect()
}

async fn open() -> (QsConnection, Recorder) {
    let sb = support::sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &db, None).expect("connection");
    conn.db().execute_unprepared(SCHEMA).await.expect("schema");
    (conn, Recorder::new())
}

async fn count(conn: &QsConnection) -> u64 {
    use sea_orm::PaginatorTrait;
    rows::Entity::find().count(conn.db()).await.expect("count")
}

#[tokio::test]
async fn a_late_bad_row_in_a_batch_of_many_pieces_is_named_after_the_copy_fails() {
    let (conn, recorder) = open().await;
    let repo = Repo::<rows::Entity, _>::new(conn.db()).with_recorder(recorder.clone());
    let mut models = batch();
    models[19_990].label = ActiveValue::Set("bad".to_owned());
    let err = repo.insert_many(models).await.expect_err("bad row");
    assert!(
        matches!(
            err,
            RepoError::CheckViolation {
                row: Some(19_990),
                ..
            }
        ),
        "{err:?}"
    );
    let sent = recorder.statements();
    assert!(
        sent.first().is_some_and(|s| s.starts_with("COPY ")),
        "{sent:#?}"
    );
    assert!(sent.iter().any(|s| s.contains("UNNEST(")), "{sent:#?}");
    assert_eq!(count(&conn).await, 0, "nothing of the batch stays");

    // A duplicate of an early key as the last row: named, through upsert_many's staging too
    // (there the conflict is resolved: every row is written, the duplicate updates row 3).
    let mut models = batch();
    let mut dup = models[3].clone();
    dup.label = ActiveValue::Set("again".to_owned());
    models.push(dup);
    let err = repo
        .insert_many(models.clone())
        .await
        .expect_err("duplicate");
    assert!(
        matches!(
            err,
            RepoError::UniqueViolation {
                row: Some(20_000),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(count(&conn).await, 0);
    assert_eq!(
        repo.insert_many(batch()).await.expect("clean batch"),
        20_000
    );
    let written = repo.upsert_many(models, ConflictTarget::PrimaryKey).await;
    // ON CONFLICT cannot touch the same row twice in one statement: refused, row named.
    assert!(written.is_err(), "{written:?}");
    assert_eq!(
        count(&conn).await,
        20_000,
        "the table as the clean batch left it"
    );
    let got = rows::Entity::find_by_id(5_004i64)
        .one(conn.db())
        .await
        .expect("read")
        .expect("row 5004");
    assert_eq!(got.note.as_deref(), Some("default"));
    assert_eq!(got.label, "row\t5004\\\n");
    assert_eq!(got.doc, serde_json::json!({ "id": 5_004, "s": "a\\b\tc" }));
}
