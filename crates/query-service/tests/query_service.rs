//! Integration tests of the local Query Service: one test per documented rule, each against a
//! fresh sandbox database with its own server, through a real client (sqlx over TLS, simple
//! query protocol), a raw wire client where sqlx hides the protocol, and psql.

// A failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use qsorm_query_service::QueryServiceOptions;
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{Connection, Row};

use support::{
    Answer, Env, Raw, bounded, column, column_oids, columns, exec, options, owned, psql, refused,
    rows, sqlstate, strings, try_rows,
};

/// Type OIDs as PostgreSQL numbers them.
mod oid {
    pub const INT4: u32 = 23;
    pub const INT8: u32 = 20;
    pub const TEXT: u32 = 25;
    pub const JSON: u32 = 114;
    pub const FLOAT8: u32 = 701;
    pub const NUMERIC: u32 = 1700;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const TEXT_ARRAY: u32 = 1009;
}

async fn connect_err(opts: &PgConnectOptions) -> sqlx::Error {
    match PgConnection::connect_with(opts).await {
        Ok(_) => panic!("the connection was accepted"),
        Err(e) => e,
    }
}

fn message_of(e: &sqlx::Error) -> String {
    let db = e
        .as_database_error()
        .map(|d| format!("{} {:?}", d.message(), d))
        .unwrap_or_default();
    format!("{e} {db}")
}

// ---------------------------------------------------------------------------------------------
// 1. Startup

/// TLS is required (28000), a wrong, expired or other user's token is 28P01, `server_version`
/// is 0.1.0, `prod:all` is the database (others 3D000, `?FLATTEN` 0A000), and no token ever
/// appears in an error message.
#[tokio::test]
async fn startup_rules() {
    bounded(async {
        let env = Env::start("").await;
        let qs = &env.qs;
        let mut messages = Vec::new();

        // Accepted: TLS verify-full, the token, prod:all; server_version 0.1.0.
        let mut conn = env.connect().await;
        assert_eq!(conn.server_version_num(), Some(100), "0.1.0 as a number");
        assert_eq!(column(&mut conn, "SELECT 1 AS one").await, vec!["1"]);
        conn.close().await.unwrap();
        let raw = Raw::connect(qs).await.expect("raw login");
        assert_eq!(
            raw.parameters.get("server_version").map(String::as_str),
            Some("0.1.0")
        );

        // No TLS: 28000, whatever the password.
        let e = connect_err(&options(qs).ssl_mode(PgSslMode::Disable)).await;
        assert_eq!(sqlstate(&e).as_deref(), Some("28000"), "{e}");
        messages.push(message_of(&e));

        // A wrong token: 28P01.
        let wrong = format!("{}x", qs.token());
        let e = connect_err(&options(qs).password(&wrong)).await;
        assert_eq!(sqlstate(&e).as_deref(), Some("28P01"), "{e}");
        messages.push(message_of(&e));

        // An expired token: accepted before, 28P01 after.
        let second = qs
            .issue_token(qs.user(), Duration::from_secs(3600))
            .unwrap();
        let conn = PgConnection::connect_with(&options(qs).password(&second))
            .await
            .expect("a second token works");
        conn.close().await.unwrap();
        qs.expire_token(&second);
        let e = connect_err(&options(qs).password(&second)).await;
        assert_eq!(sqlstate(&e).as_deref(), Some("28P01"), "{e}");
        messages.push(message_of(&e));

        // A token issued for another user: 28P01.
        let others = qs
            .issue_token("OTHERORG@AdobeOrg", Duration::from_secs(3600))
            .unwrap();
        let e = connect_err(&options(qs).password(&others)).await;
        assert_eq!(sqlstate(&e).as_deref(), Some("28P01"), "{e}");
        messages.push(message_of(&e));

        // Databases: <sandbox>:all only.
        for (database, code) in [
            ("other:all", "3D000"),
            ("prod", "3D000"),
            ("prod:cja", "3D000"),
            ("prod:all?FLATTEN", "0A000"),
        ] {
            let e = connect_err(&options(qs).database(database)).await;
            assert_eq!(sqlstate(&e).as_deref(), Some(code), "{database}: {e}");
            messages.push(message_of(&e));
        }

        // The first token still works (the others did not disturb it).
        let mut conn = env.connect().await;
        assert_eq!(column(&mut conn, "SELECT 2 AS two").await, vec!["2"]);
        conn.close().await.unwrap();

        // No token in any message, nor in Debug; the PSQL command carries none either.
        for m in &messages {
            for token in [qs.token(), wrong.as_str(), second.as_str(), others.as_str()] {
                assert!(!m.contains(token), "a token leaked into: {m}");
            }
        }
        assert!(!format!("{qs:?}").contains(qs.token()));
        assert_eq!(
            qs.psql_command(),
            format!(
                "psql \"sslmode=require host=127.0.0.1 port={} dbname=prod:all user=LOCALORG@AdobeOrg\"",
                qs.port()
            )
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 2. Protocol

/// Extended-protocol messages get 08P01 (sqlx's `query`, a lone Sync as sqlx's ping sends);
/// the connection keeps serving simple queries.
#[tokio::test]
async fn extended_protocol_is_refused() {
    bounded(async {
        let env = Env::start("").await;
        let mut conn = env.connect().await;

        let e = sqlx::query("SELECT 1").fetch_one(&mut conn).await.unwrap_err();
        assert_eq!(sqlstate(&e).as_deref(), Some("08P01"), "{e}");
        assert_eq!(column(&mut conn, "SELECT 1 AS one").await, vec!["1"]);

        let e = sqlx::query("SELECT $1::int4")
            .bind(5)
            .fetch_one(&mut conn)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(&e).as_deref(), Some("08P01"), "{e}");

        let e = conn.ping().await.unwrap_err();
        assert_eq!(sqlstate(&e).as_deref(), Some("08P01"), "{e}");
        assert_eq!(column(&mut conn, "SELECT 'still here' AS s").await, vec!["still here"]);
        conn.close().await.unwrap();

        // On the wire: the lone Sync gets an error, then ReadyForQuery at once.
        let mut raw = Raw::connect(&env.qs).await.unwrap();
        let answers = raw.sync().await;
        assert!(
            matches!(answers.as_slice(), [Answer::Error(code, _), Answer::Ready(b'I')] if code == "08P01"),
            "{answers:?}"
        );
        let answers = raw.query("SELECT 3 AS three").await;
        assert_eq!(
            answers,
            vec![
                Answer::Columns(vec![("three".into(), oid::INT4)]),
                Answer::Row(vec![Some("3".into())]),
                Answer::Complete("SELECT 1".into()),
                Answer::Ready(b'I'),
            ]
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 3. Statements

const PEOPLE: &str = "CREATE TABLE people (id text, n integer);
INSERT INTO people VALUES ('a', 1), ('b', 2)";

/// UPDATE, DELETE, MERGE, TRUNCATE, INSERT ... VALUES / ON CONFLICT / RETURNING are 0A000;
/// `E'...'` and doubled quotes 42601; nothing changes.
#[tokio::test]
async fn unsupported_statements_are_refused() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        for (sql, code) in [
            ("UPDATE people SET n = 5", "0A000"),
            ("DELETE FROM people WHERE id = 'a'", "0A000"),
            (
                "MERGE INTO people p USING people q ON p.id = q.id WHEN MATCHED THEN DELETE",
                "0A000",
            ),
            ("TRUNCATE people", "0A000"),
            ("TRUNCATE TABLE people", "0A000"),
            ("INSERT INTO people VALUES ('c', 3)", "0A000"),
            ("INSERT INTO people (id, n) SELECT 'c', 3", "0A000"),
            (
                "INSERT INTO people SELECT 'c' AS id, 3 AS n ON CONFLICT (id) DO NOTHING",
                "0A000",
            ),
            (
                "INSERT INTO people SELECT 'c' AS id, 3 AS n RETURNING id",
                "0A000",
            ),
            ("SELECT E'x' AS s", "42601"),
            ("INSERT INTO people SELECT E'c' AS id, 3 AS n", "42601"),
            ("SELECT 'it''s' AS s", "42601"),
            ("INSERT INTO people SELECT 'it''s' AS id, 3 AS n", "42601"),
        ] {
            let message = refused(&mut conn, sql, code).await;
            assert!(!message.is_empty(), "{sql}: no message");
        }
        assert_eq!(
            strings(&mut conn, "SELECT id, n FROM people ORDER BY id").await,
            owned(&[&["a", "1"], &["b", "2"]])
        );
    })
    .await;
}

/// SELECT and WITH queries run and return exact values.
#[tokio::test]
async fn select_and_with_are_accepted() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        let got = try_rows(&mut conn, "SELECT id, n FROM people ORDER BY n DESC")
            .await
            .unwrap();
        assert_eq!(
            columns(&got[0]),
            vec![("id".into(), "TEXT".into()), ("n".into(), "INT4".into())]
        );
        assert_eq!(
            got.iter()
                .map(|r| (r.get::<String, _>(0), r.get::<i32, _>(1)))
                .collect::<Vec<_>>(),
            vec![("b".to_owned(), 2), ("a".to_owned(), 1)]
        );
        assert_eq!(
            strings(
                &mut conn,
                "WITH doubled AS (SELECT id, n * 2 AS d FROM people) \
                 SELECT id, d, sum(d) OVER () AS total FROM doubled ORDER BY id"
            )
            .await,
            owned(&[&["a", "2", "6"], &["b", "4", "6"]])
        );
        // Several statements in one message: every result comes back.
        assert_eq!(
            column(&mut conn, "SELECT 'x' AS v; SELECT 'y' AS v").await,
            vec!["x", "y"]
        );
    })
    .await;
}

/// `INSERT INTO t SELECT ...` (ITAS) and CTAS with the documented WITH options.
#[tokio::test]
async fn itas_and_ctas_are_accepted() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        assert_eq!(
            exec(&mut conn, "INSERT INTO people SELECT 'c' AS id, 3 AS n").await,
            1
        );
        assert_eq!(
            exec(
                &mut conn,
                "INSERT INTO people SELECT id || id AS id, n + 10 AS n FROM people WHERE n < 3"
            )
            .await,
            2
        );
        assert_eq!(
            strings(&mut conn, "SELECT id, n FROM people ORDER BY n").await,
            owned(&[
                &["a", "1"],
                &["b", "2"],
                &["c", "3"],
                &["aa", "11"],
                &["bb", "12"]
            ])
        );
        exec(
            &mut conn,
            "CREATE TABLE people_big WITH (schema='People', rowvalidation='false', label='PROFILE') \
             AS (SELECT id, n * 100 AS score FROM people WHERE n > 2)",
        )
        .await;
        assert_eq!(
            strings(&mut conn, "SELECT id, score FROM people_big ORDER BY score").await,
            owned(&[&["c", "300"], &["aa", "1100"], &["bb", "1200"]])
        );
        exec(&mut conn, "CREATE TABLE plain_copy AS SELECT id FROM people WHERE n = 1").await;
        assert_eq!(column(&mut conn, "SELECT id FROM plain_copy").await, vec!["a"]);
    })
    .await;
}

/// `CREATE OR REPLACE VIEW` and `DROP VIEW [IF EXISTS]`.
#[tokio::test]
async fn views_are_accepted() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        exec(
            &mut conn,
            "CREATE OR REPLACE VIEW big_people AS SELECT id, n FROM people WHERE n > 1",
        )
        .await;
        assert_eq!(
            strings(&mut conn, "SELECT id, n FROM big_people").await,
            owned(&[&["b", "2"]])
        );
        exec(
            &mut conn,
            "CREATE OR REPLACE VIEW big_people AS SELECT id, n FROM people WHERE n >= 1",
        )
        .await;
        assert_eq!(
            strings(&mut conn, "SELECT id, n FROM big_people ORDER BY id").await,
            owned(&[&["a", "1"], &["b", "2"]])
        );
        exec(&mut conn, "DROP VIEW IF EXISTS big_people").await;
        refused(&mut conn, "SELECT * FROM big_people", "42P01").await;
        exec(&mut conn, "DROP VIEW IF EXISTS big_people").await;
        refused(
            &mut conn,
            "CREATE MATERIALIZED VIEW m AS SELECT 1 AS a",
            "0A000",
        )
        .await;
    })
    .await;
}

/// Keys are metadata: `ADD CONSTRAINT PRIMARY KEY (c) NAMESPACE 'ns'` shows in `SHOW PRIMARY
/// KEYS`, `FOREIGN KEY` in `SHOW FOREIGN KEYS`; nothing is enforced; unknown columns 42703.
#[tokio::test]
async fn keys_are_metadata() {
    bounded(async {
        let env = Env::start(
            "CREATE TABLE people (id text, n integer);
             CREATE TABLE visits (visit_id bigint, person_id text)",
        )
        .await;
        let mut conn = env.connect().await;
        exec(
            &mut conn,
            "ALTER TABLE people ADD CONSTRAINT PRIMARY KEY (id) NAMESPACE 'email'",
        )
        .await;
        exec(
            &mut conn,
            "ALTER TABLE visits ADD CONSTRAINT FOREIGN KEY (person_id) REFERENCES people(id)",
        )
        .await;
        let got = try_rows(&mut conn, "SHOW PRIMARY KEYS").await.unwrap();
        assert_eq!(
            columns(&got[0])
                .into_iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            vec!["tableName", "columnName", "datatype", "namespace"]
        );
        assert_eq!(
            got.iter().map(support::texts).collect::<Vec<_>>(),
            vec![vec![
                Some("people".into()),
                Some("id".into()),
                Some("text".into()),
                Some("email".into())
            ]]
        );
        let got = try_rows(&mut conn, "SHOW FOREIGN KEYS").await.unwrap();
        assert_eq!(
            columns(&got[0])
                .into_iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            vec![
                "tableName",
                "columnName",
                "datatype",
                "referencedTableName",
                "referencedColumnName"
            ]
        );
        assert_eq!(
            got.iter().map(support::texts).collect::<Vec<_>>(),
            vec![vec![
                Some("visits".into()),
                Some("person_id".into()),
                Some("text".into()),
                Some("people".into()),
                Some("id".into())
            ]]
        );
        // Not enforced: duplicates go in.
        exec(
            &mut conn,
            "INSERT INTO people SELECT 'a' AS id, 1 AS n UNION ALL SELECT 'a' AS id, 2 AS n",
        )
        .await;
        assert_eq!(
            column(&mut conn, "SELECT count(*) FROM people").await,
            vec!["2"]
        );
        refused(
            &mut conn,
            "ALTER TABLE people ADD CONSTRAINT PRIMARY KEY (nope) NAMESPACE 'email'",
            "42703",
        )
        .await;
    })
    .await;
}

/// `ALTER TABLE t ADD COLUMN c bigint` adds the column; other ALTER forms are 0A000.
#[tokio::test]
async fn add_column_is_accepted() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        exec(&mut conn, "ALTER TABLE people ADD COLUMN c bigint").await;
        exec(
            &mut conn,
            "INSERT INTO people SELECT 'c' AS id, 3 AS n, 30000000000 AS c",
        )
        .await;
        let got = try_rows(&mut conn, "SELECT id, n, c FROM people ORDER BY id")
            .await
            .unwrap();
        assert_eq!(
            column_oids(&got[0]),
            vec![
                ("id".into(), oid::TEXT),
                ("n".into(), oid::INT4),
                ("c".into(), oid::INT8)
            ]
        );
        assert_eq!(
            got.iter().map(support::texts).collect::<Vec<_>>(),
            vec![
                vec![Some("a".into()), Some("1".into()), None],
                vec![Some("b".into()), Some("2".into()), None],
                vec![
                    Some("c".into()),
                    Some("3".into()),
                    Some("30000000000".into())
                ],
            ]
        );
        refused(&mut conn, "ALTER TABLE people DROP COLUMN c", "0A000").await;
        refused(&mut conn, "ALTER TABLE people ADD COLUMN d jsonb", "0A000").await;
    })
    .await;
}

/// `SHOW TABLES`: name, datasetId, dataset, description, resolved, one row per table or view.
#[tokio::test]
async fn show_tables_lists_datasets() {
    bounded(async {
        let env = Env::start(
            "CREATE TABLE web_events (id text);
             CREATE TABLE people (id text);
             COMMENT ON TABLE people IS 'People dataset'",
        )
        .await;
        let mut conn = env.connect().await;
        exec(
            &mut conn,
            "CREATE VIEW people_view AS SELECT id FROM people",
        )
        .await;
        let got = try_rows(&mut conn, "SHOW TABLES").await.unwrap();
        assert_eq!(
            columns(&got[0])
                .into_iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            vec!["name", "datasetId", "dataset", "description", "resolved"]
        );
        let got: Vec<Vec<String>> = got
            .iter()
            .map(|r| support::texts(r).into_iter().map(Option::unwrap).collect())
            .collect();
        let names: Vec<&str> = got.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, vec!["people", "people_view", "web_events"]);
        for r in &got {
            assert_eq!(r[1].len(), 24, "datasetId {:?}", r[1]);
            assert!(r[1].chars().all(|c| c.is_ascii_hexdigit()));
            assert_eq!(r[2], r[0]);
            assert_eq!(r[4], "true");
        }
        assert_eq!(got[0][3], "People dataset");
        assert_eq!(got[2][3], "");
        let ids: std::collections::HashSet<&str> = got.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(ids.len(), 3, "distinct dataset ids");
    })
    .await;
}

/// `SET auto_to_json = true` / `SHOW auto_to_json`, and other settings kept per session.
#[tokio::test]
async fn set_and_show_settings() {
    bounded(async {
        let env = Env::start("").await;
        let mut conn = env.connect().await;
        assert_eq!(column(&mut conn, "SHOW auto_to_json").await, vec!["false"]);
        exec(&mut conn, "SET auto_to_json = true").await;
        let got = try_rows(&mut conn, "SHOW auto_to_json").await.unwrap();
        assert_eq!(columns(&got[0])[0].0, "auto_to_json");
        assert_eq!(support::texts(&got[0]), vec![Some("true".into())]);
        exec(&mut conn, "SET auto_to_json TO false").await;
        assert_eq!(column(&mut conn, "SHOW auto_to_json").await, vec!["false"]);
        exec(&mut conn, "SET my.setting = 'hello'").await;
        assert_eq!(column(&mut conn, "SHOW my.setting").await, vec!["hello"]);
        // Another session does not see them.
        let mut other = env.connect().await;
        assert_eq!(column(&mut other, "SHOW auto_to_json").await, vec!["false"]);
    })
    .await;
}

/// BEGIN / COMMIT / ROLLBACK: a rolled back ITAS leaves nothing, a committed one stays; a
/// refused statement aborts the transaction.
#[tokio::test]
async fn transactions() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        exec(&mut conn, "BEGIN").await;
        exec(&mut conn, "INSERT INTO people SELECT 'c' AS id, 3 AS n").await;
        assert_eq!(
            column(&mut conn, "SELECT count(*) FROM people").await,
            vec!["3"]
        );
        exec(&mut conn, "ROLLBACK").await;
        assert_eq!(
            column(&mut conn, "SELECT count(*) FROM people").await,
            vec!["2"]
        );

        exec(
            &mut conn,
            "BEGIN; INSERT INTO people SELECT 'd' AS id, 4 AS n; COMMIT",
        )
        .await;
        assert_eq!(
            column(&mut conn, "SELECT id FROM people ORDER BY id").await,
            vec!["a", "b", "d"]
        );

        exec(&mut conn, "START TRANSACTION").await;
        exec(&mut conn, "INSERT INTO people SELECT 'e' AS id, 5 AS n").await;
        refused(&mut conn, "UPDATE people SET n = 0", "0A000").await;
        refused(&mut conn, "SELECT 1 AS one", "25P02").await;
        exec(&mut conn, "ROLLBACK").await;
        assert_eq!(
            column(&mut conn, "SELECT count(*) FROM people").await,
            vec!["3"]
        );
    })
    .await;
}

/// `DECLARE c CURSOR FOR SELECT ...` / `FETCH n FROM c` / `CLOSE c` inside a transaction.
#[tokio::test]
async fn cursors() {
    bounded(async {
        let env = Env::start(
            "CREATE TABLE numbers AS SELECT g AS id, 'n' || g AS label FROM generate_series(1, 5) g",
        )
        .await;
        let mut conn = env.connect().await;
        exec(&mut conn, "BEGIN").await;
        exec(
            &mut conn,
            "DECLARE c CURSOR FOR SELECT id, label FROM numbers ORDER BY id",
        )
        .await;
        assert_eq!(
            strings(&mut conn, "FETCH 2 FROM c").await,
            owned(&[&["1", "n1"], &["2", "n2"]])
        );
        assert_eq!(
            strings(&mut conn, "FETCH 2 FROM c").await,
            owned(&[&["3", "n3"], &["4", "n4"]])
        );
        assert_eq!(
            strings(&mut conn, "FETCH 2 FROM c").await,
            owned(&[&["5", "n5"]])
        );
        assert!(strings(&mut conn, "FETCH 2 FROM c").await.is_empty());
        exec(&mut conn, "CLOSE c").await;
        refused(&mut conn, "FETCH 1 FROM c", "34000").await;
        exec(&mut conn, "ROLLBACK").await;
        // A cursor over anything but a query is refused.
        exec(&mut conn, "BEGIN").await;
        refused(
            &mut conn,
            "DECLARE d CURSOR FOR UPDATE numbers SET id = 0",
            "0A000",
        )
        .await;
        exec(&mut conn, "ROLLBACK").await;
    })
    .await;
}

/// `PREPARE p AS SELECT ...` / `EXECUTE p` / `DEALLOCATE p` at SQL level.
#[tokio::test]
async fn prepared_statements() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        exec(
            &mut conn,
            "PREPARE p AS SELECT id, n * 10 AS tens FROM people ORDER BY id",
        )
        .await;
        assert_eq!(
            strings(&mut conn, "EXECUTE p").await,
            owned(&[&["a", "10"], &["b", "20"]])
        );
        exec(&mut conn, "INSERT INTO people SELECT 'c' AS id, 3 AS n").await;
        assert_eq!(
            strings(&mut conn, "EXECUTE p").await,
            owned(&[&["a", "10"], &["b", "20"], &["c", "30"]])
        );
        exec(&mut conn, "DEALLOCATE p").await;
        refused(&mut conn, "EXECUTE p", "26000").await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 4. Dialect

/// Spark-style literals: a backslash escapes (`'a\\b'` is `a\b`, `'it\'s'` is `it's`), a
/// doubled quote is refused (42601).
#[tokio::test]
async fn spark_string_literals() {
    bounded(async {
        let env = Env::start("CREATE TABLE notes (id integer, body text)").await;
        let mut conn = env.connect().await;
        exec(
            &mut conn,
            r"INSERT INTO notes SELECT 1 AS id, 'a\\b' AS body",
        )
        .await;
        exec(
            &mut conn,
            r"INSERT INTO notes SELECT 2 AS id, 'it\'s' AS body",
        )
        .await;
        exec(
            &mut conn,
            r"INSERT INTO notes SELECT 3 AS id, 'semi;colon' || chr(39) || chr(92) AS body",
        )
        .await;
        refused(
            &mut conn,
            "INSERT INTO notes SELECT 4 AS id, 'it''s' AS body",
            "42601",
        )
        .await;
        assert_eq!(
            strings(&mut conn, "SELECT id, body FROM notes ORDER BY id").await,
            owned(&[&["1", r"a\b"], &["2", "it's"], &["3", r"semi;colon'\"]])
        );
        // What the storage holds, seen by the superuser through sqlx's own quoting.
        let mut admin =
            PgConnection::connect_with(&support::sandbox().superuser_connect_options(&env.db))
                .await
                .unwrap();
        let stored: Vec<String> = sqlx::query_scalar("SELECT body FROM notes ORDER BY id")
            .fetch_all(&mut admin)
            .await
            .unwrap();
        assert_eq!(stored, vec![r"a\b", "it's", r"semi;colon'\"]);
        admin.close().await.unwrap();
        assert_eq!(
            column(
                &mut conn,
                r"SELECT 'a\\b' AS s UNION ALL SELECT 'x\ty' AS s"
            )
            .await,
            vec![r"a\b", "x\ty"]
        );
    })
    .await;
}

const NESTED: &str = "
CREATE TYPE ev_web_page AS (name text, url text);
CREATE TYPE ev_web AS (page ev_web_page, referrer text);
CREATE TYPE ev_item AS (sku text, qty integer);
CREATE TABLE ev (id integer, web ev_web, tags text[], items ev_item[]);";

/// `struct(e AS f, ...)` and `named_struct('f', e, ...)` into a composite column, `array(...)`
/// into an array column and an array of composites, typed from the catalog.
#[tokio::test]
async fn structs_and_arrays_are_typed_from_the_catalog() {
    bounded(async {
        let env = Env::start(NESTED).await;
        let mut conn = env.connect().await;
        exec(
            &mut conn,
            "INSERT INTO ev SELECT 1 AS id, \
               struct(struct('home' AS name, 'https://x/' AS url) AS page, 'google' AS referrer) AS web, \
               array('a', 'b') AS tags, \
               array(struct('s1' AS sku, 2 AS qty), named_struct('sku', 's2', 'qty', 3)) AS items",
        )
        .await;
        exec(
            &mut conn,
            "INSERT INTO ev SELECT 2 AS id, \
               named_struct('page', named_struct('name', 'cart', 'url', 'https://y/'), 'referrer', NULL) AS web, \
               array() AS tags, NULL AS items",
        )
        .await;
        assert_eq!(
            rows(&mut conn, "SELECT id, web, tags, items FROM ev ORDER BY id").await,
            vec![
                vec![
                    Some("1".into()),
                    Some("(\"(home,https://x/)\",google)".into()),
                    Some("{a,b}".into()),
                    Some("{\"(s1,2)\",\"(s2,3)\"}".into()),
                ],
                vec![
                    Some("2".into()),
                    Some("(\"(cart,https://y/)\",)".into()),
                    Some("{}".into()),
                    None,
                ],
            ]
        );
        // A struct of the wrong number of fields is refused.
        refused(
            &mut conn,
            "INSERT INTO ev SELECT 3 AS id, struct('x' AS referrer) AS web, NULL AS tags, NULL AS items",
            "42804",
        )
        .await;
    })
    .await;
}

/// Backticks and double quotes delimit identifiers; `a.b.c` reads nested fields, with and
/// without a table qualifier or alias; `a['b']` too.
#[tokio::test]
async fn identifiers_and_nested_fields() {
    bounded(async {
        let env = Env::start(&format!(
            "{NESTED}
             INSERT INTO ev VALUES (1, ROW(ROW('home', 'https://x/'), 'google'), ARRAY['a'], NULL);
             CREATE TYPE orders_commerce AS (\"order\" integer, total numeric(12,2));
             CREATE TABLE orders (id integer, \"order id\" text, commerce orders_commerce);
             INSERT INTO orders VALUES (7, 'o-7', ROW(42, 12.5))"
        ))
        .await;
        let mut conn = env.connect().await;
        for sql in [
            "SELECT web.page.name, web.referrer FROM ev",
            "SELECT e.web.page.name, e.web.referrer FROM ev AS e",
            "SELECT e.web.page.name, e.web.referrer FROM ev e",
            "SELECT ev.web.page.name, ev.web.referrer FROM ev",
            "SELECT `web`.`page`.`name`, `web`.referrer FROM `ev`",
            "SELECT web['page']['name'], web['referrer'] FROM ev",
        ] {
            assert_eq!(
                strings(&mut conn, sql).await,
                owned(&[&["home", "google"]]),
                "{sql}"
            );
        }
        assert_eq!(
            strings(
                &mut conn,
                "SELECT `id`, \"order id\", commerce.`order`, o.commerce.total FROM orders o"
            )
            .await,
            owned(&[&["7", "o-7", "42", "12.50"]])
        );
        assert_eq!(
            strings(
                &mut conn,
                "SELECT x.`order id` FROM orders AS x WHERE x.id = 7"
            )
            .await,
            owned(&[&["o-7"]])
        );
    })
    .await;
}

/// Spark type names in CAST (`string`, `int`, `double`, `decimal(p,s)`, `timestamp`); `text`
/// is 42704.
#[tokio::test]
async fn spark_type_names_in_casts() {
    bounded(async {
        let env = Env::start("").await;
        let mut conn = env.connect().await;
        let got = try_rows(
            &mut conn,
            "SELECT CAST(12 AS string) AS s, CAST('12' AS int) AS i, CAST('1.5' AS double) AS d, \
             CAST('12.345' AS decimal(12,2)) AS m, \
             CAST('2026-11-25 10:00:00+01:00' AS timestamp) AS t, CAST('7' AS bigint) AS b",
        )
        .await
        .unwrap();
        assert_eq!(
            column_oids(&got[0]),
            vec![
                ("s".into(), oid::TEXT),
                ("i".into(), oid::INT4),
                ("d".into(), oid::FLOAT8),
                ("m".into(), oid::NUMERIC),
                ("t".into(), oid::TIMESTAMPTZ),
                ("b".into(), oid::INT8),
            ]
        );
        assert_eq!(
            support::texts(&got[0]),
            ["12", "12", "1.5", "12.35", "2026-11-25 09:00:00+00", "7"]
                .map(|s| Some(s.to_owned()))
                .to_vec()
        );
        assert_eq!(got[0].get::<i32, _>("i"), 12);
        assert_eq!(got[0].get::<f64, _>("d"), 1.5);
        refused(&mut conn, "SELECT CAST(12 AS text) AS s", "42704").await;
        refused(&mut conn, "SELECT CAST('x' AS `text`) AS s", "42704").await;
        refused(&mut conn, "SELECT CAST('x' AS \"text\") AS s", "42704").await;
        refused(&mut conn, "SELECT CAST('x' AS TEXT) AS s", "42704").await;
    })
    .await;
}

const TYPED: &str = "
CREATE TYPE orders_price AS (label text, amount numeric(12,2));
CREATE TABLE orders (id integer, placed timestamptz, total numeric(12,2), qty integer, price orders_price);";

/// Strict typing of inserts: a string literal into a timestamp, numeric or integer column (or
/// struct field) is 42804; the CAST form goes in and reads back exactly.
#[tokio::test]
async fn inserts_are_strictly_typed() {
    bounded(async {
        let env = Env::start(TYPED).await;
        let mut conn = env.connect().await;
        let good_price = "struct('x' AS label, CAST('12.34' AS decimal(12,2)) AS amount)";
        for (what, sql) in [
            (
                "timestamp",
                format!(
                    "INSERT INTO orders SELECT 1 AS id, '2026-11-25 10:00:00+01:00' AS placed, \
                     CAST('12.34' AS decimal(12,2)) AS total, 1 AS qty, {good_price} AS price"
                ),
            ),
            (
                "numeric",
                format!(
                    "INSERT INTO orders SELECT 1 AS id, CAST('2026-11-25 10:00:00+01:00' AS timestamp) AS placed, \
                     '12.34' AS total, 1 AS qty, {good_price} AS price"
                ),
            ),
            (
                "integer",
                format!(
                    "INSERT INTO orders SELECT 1 AS id, CAST('2026-11-25 10:00:00+01:00' AS timestamp) AS placed, \
                     CAST('12.34' AS decimal(12,2)) AS total, '5' AS qty, {good_price} AS price"
                ),
            ),
            (
                "struct field",
                "INSERT INTO orders SELECT 1 AS id, CAST('2026-11-25 10:00:00+01:00' AS timestamp) AS placed, \
                 CAST('12.34' AS decimal(12,2)) AS total, 5 AS qty, \
                 struct('x' AS label, '12.34' AS amount) AS price"
                    .to_owned(),
            ),
            (
                "whole struct",
                "INSERT INTO orders SELECT 1 AS id, CAST('2026-11-25 10:00:00+01:00' AS timestamp) AS placed, \
                 CAST('12.34' AS decimal(12,2)) AS total, 5 AS qty, '(x,12.34)' AS price"
                    .to_owned(),
            ),
        ] {
            let message = refused(&mut conn, &sql, "42804").await;
            assert!(!message.is_empty(), "{what}");
        }
        assert_eq!(column(&mut conn, "SELECT count(*) FROM orders").await, vec!["0"]);
        exec(
            &mut conn,
            &format!(
                "INSERT INTO orders SELECT 1 AS id, CAST('2026-11-25 10:00:00+01:00' AS timestamp) AS placed, \
                 CAST('12.34' AS decimal(12,2)) AS total, CAST('5' AS int) AS qty, {good_price} AS price"
            ),
        )
        .await;
        assert_eq!(
            strings(&mut conn, "SELECT id, placed, total, qty, price FROM orders").await,
            owned(&[&["1", "2026-11-25 09:00:00+00", "12.34", "5", "(x,12.34)"]])
        );
        assert_eq!(
            strings(&mut conn, "SELECT price.label, price.amount FROM orders").await,
            owned(&[&["x", "12.34"]])
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 5. Catalog

/// psql's `\dt`, `\d t`, `\dn`, `\dT`, `\l` work; raw pg_catalog / information_schema queries
/// are 0A000; `SELECT * FROM t WHERE 1=0` describes the columns.
#[tokio::test]
async fn catalog_queries() {
    bounded(async {
        let env = Env::start(&format!(
            "{NESTED}
             CREATE TABLE people (id text, n integer)"
        ))
        .await;
        let qs = &env.qs;

        let run = psql(qs, r"\echo :SERVER_VERSION_NAME").await;
        assert!(run.success, "{run:?}");
        assert_eq!(run.stdout.trim(), "0.1.0");

        let run = psql(qs, r"\dt").await;
        assert!(run.success && !run.stderr.contains("ERROR"), "{run:?}");
        assert!(run.stdout.contains("List of relations"), "{run:?}");
        for table in ["ev", "people"] {
            assert!(
                run.stdout.lines().any(|l| {
                    let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                    cells.len() >= 3 && cells[1] == table && cells[2] == "table"
                }),
                "{table} in\n{}",
                run.stdout
            );
        }
        assert!(
            !run.stdout.contains("qsorm_query_service"),
            "{}",
            run.stdout
        );

        let run = psql(qs, r"\d ev").await;
        assert!(run.success && !run.stderr.contains("ERROR"), "{run:?}");
        let described: Vec<(String, String)> = run
            .stdout
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells.len() >= 2).then(|| (cells[0].to_owned(), cells[1].to_owned()))
            })
            .collect();
        assert_eq!(
            described,
            [
                ("Column", "Type"),
                ("id", "integer"),
                ("web", "ev_web"),
                ("tags", "text[]"),
                ("items", "ev_item[]"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .to_vec(),
            "{}",
            run.stdout
        );

        let run = psql(qs, r"\d ev_web").await;
        assert!(run.success && !run.stderr.contains("ERROR"), "{run:?}");
        assert!(run.stdout.contains("Composite type"), "{}", run.stdout);
        assert!(run.stdout.contains("ev_web_page"), "{}", run.stdout);

        for (command, expect) in [
            (r"\dn", "public"),
            (r"\dT", "ev_web_page"),
            (r"\l", &env.db),
            (r"\dv", ""),
        ] {
            let run = psql(qs, command).await;
            assert!(
                run.success && !run.stderr.contains("ERROR"),
                "{command}: {run:?}"
            );
            assert!(run.stdout.contains(expect), "{command}: {}", run.stdout);
        }

        let mut conn = env.connect().await;
        for sql in [
            "SELECT * FROM pg_catalog.pg_class",
            "SELECT * FROM pg_class",
            "SELECT * FROM information_schema.tables",
            "SELECT * FROM qsorm_query_service.created_tables",
            "SELECT relname FROM pg_catalog.pg_class c WHERE c.relname = 'people'",
        ] {
            refused(&mut conn, sql, "0A000").await;
        }
        conn.close().await.unwrap();

        // Column metadata the documented way: the row description of an empty result.
        let mut raw = Raw::connect(qs).await.unwrap();
        assert_eq!(
            raw.query("SELECT * FROM people WHERE 1=0").await,
            vec![
                Answer::Columns(vec![("id".into(), oid::TEXT), ("n".into(), oid::INT4)]),
                Answer::Complete("SELECT 0".into()),
                Answer::Ready(b'I'),
            ]
        );
        let answers = raw.query("SELECT * FROM ev WHERE 1=0").await;
        let Answer::Columns(cols) = &answers[0] else {
            panic!("{answers:?}")
        };
        assert_eq!(
            cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["id", "web", "tags", "items"]
        );
        assert_eq!(cols[0].1, oid::INT4);
        assert_eq!(cols[2].1, oid::TEXT_ARRAY);
        assert!(cols[1].1 >= 16384 && cols[3].1 >= 16384, "{cols:?}");
        assert_eq!(answers.len(), 3, "no rows: {answers:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 6. Results

/// Complex columns: PostgreSQL record text by default, JSON with `SET auto_to_json = true`.
#[tokio::test]
async fn auto_to_json() {
    bounded(async {
        let env = Env::start(&format!(
            "{NESTED}
             INSERT INTO ev VALUES
               (1, ROW(ROW('home', 'https://x/'), NULL), ARRAY['a', 'b\"c'], ARRAY[ROW('s1', 2)::ev_item]),
               (2, NULL, ARRAY[]::text[], NULL)"
        ))
        .await;
        let mut conn = env.connect().await;
        let query = "SELECT id, web, tags, items FROM ev ORDER BY id";
        assert_eq!(
            rows(&mut conn, query).await,
            vec![
                vec![
                    Some("1".into()),
                    Some("(\"(home,https://x/)\",)".into()),
                    Some("{a,\"b\\\"c\"}".into()),
                    Some("{\"(s1,2)\"}".into()),
                ],
                vec![Some("2".into()), None, Some("{}".into()), None],
            ]
        );

        exec(&mut conn, "SET auto_to_json = true").await;
        let got = try_rows(&mut conn, query).await.unwrap();
        assert_eq!(
            column_oids(&got[0]),
            vec![
                ("id".into(), oid::INT4),
                ("web".into(), oid::JSON),
                ("tags".into(), oid::JSON),
                ("items".into(), oid::JSON),
            ]
        );
        let parse = |v: Option<String>| -> serde_json::Value {
            v.map(|s| serde_json::from_str(&s).expect("JSON text"))
                .unwrap_or(serde_json::Value::Null)
        };
        let decoded: Vec<Vec<serde_json::Value>> = got
            .iter()
            .map(|r| {
                let t = support::texts(r);
                let mut it = t.into_iter();
                let id = json!(it.next().unwrap().unwrap().parse::<i64>().unwrap());
                std::iter::once(id).chain(it.map(parse)).collect()
            })
            .collect();
        assert_eq!(
            decoded,
            vec![
                vec![
                    json!(1),
                    json!({"page": {"name": "home", "url": "https://x/"}, "referrer": null}),
                    json!(["a", "b\"c"]),
                    json!([{"sku": "s1", "qty": 2}]),
                ],
                vec![json!(2), json!(null), json!([]), json!(null)],
            ]
        );
        // A nested field selected on its own is complex too.
        let page = column(&mut conn, "SELECT web.page FROM ev WHERE id = 1").await;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&page[0]).unwrap(),
            json!({"name": "home", "url": "https://x/"})
        );
        // Scalars are untouched.
        assert_eq!(
            strings(&mut conn, "SELECT id, web.page.name FROM ev WHERE id = 1").await,
            owned(&[&["1", "home"]])
        );

        exec(&mut conn, "SET auto_to_json = false").await;
        assert_eq!(
            column(&mut conn, "SELECT web FROM ev WHERE id = 1").await,
            vec!["(\"(home,https://x/)\",)"]
        );
    })
    .await;
}

/// 50,000 rows without LIMIT, all with `LIMIT 0`, n with `LIMIT n`, 53400 above 100,000; a
/// CTAS (batch) is not capped.
#[tokio::test]
async fn row_limits() {
    bounded(async {
        let env =
            Env::start("CREATE TABLE big AS SELECT g AS id FROM generate_series(1, 60001) g").await;
        let mut conn = env.connect().await;
        let count = |rows: Vec<sqlx::postgres::PgRow>| rows.len();
        assert_eq!(
            count(try_rows(&mut conn, "SELECT id FROM big").await.unwrap()),
            50_000
        );
        assert_eq!(
            count(
                try_rows(&mut conn, "WITH b AS (SELECT id FROM big) SELECT id FROM b")
                    .await
                    .unwrap()
            ),
            50_000
        );
        assert_eq!(
            count(
                try_rows(&mut conn, "SELECT id FROM big LIMIT 0")
                    .await
                    .unwrap()
            ),
            60_001
        );
        assert_eq!(
            count(
                try_rows(&mut conn, "SELECT id FROM big ORDER BY id LIMIT 55000")
                    .await
                    .unwrap()
            ),
            55_000
        );
        assert_eq!(
            count(
                try_rows(&mut conn, "SELECT id FROM big LIMIT 100000")
                    .await
                    .unwrap()
            ),
            60_001
        );
        assert_eq!(
            column(&mut conn, "SELECT id FROM big ORDER BY id LIMIT 7").await,
            vec!["1", "2", "3", "4", "5", "6", "7"]
        );
        assert_eq!(
            column(
                &mut conn,
                "SELECT id FROM big ORDER BY id LIMIT 3 OFFSET 59999"
            )
            .await,
            vec!["60000", "60001"]
        );
        refused(&mut conn, "SELECT id FROM big LIMIT 100001", "53400").await;
        exec(&mut conn, "CREATE TABLE big_copy AS (SELECT id FROM big)").await;
        assert_eq!(
            column(&mut conn, "SELECT count(*) FROM big_copy").await,
            vec!["60001"]
        );
        assert_eq!(
            exec(&mut conn, "INSERT INTO big_copy SELECT id FROM big").await,
            60_001
        );
    })
    .await;
}

/// A query running longer than the statement timeout is 53400; the session goes on.
#[tokio::test]
async fn statement_timeout() {
    bounded(async {
        let env = Env::start_with(
            "",
            QueryServiceOptions {
                statement_timeout: Duration::from_millis(200),
                ..QueryServiceOptions::default()
            },
        )
        .await;
        let mut conn = env.connect().await;
        let started = std::time::Instant::now();
        let message = refused(
            &mut conn,
            "SELECT count(*) FROM generate_series(1, 100000) a CROSS JOIN generate_series(1, 100000) b",
            "53400",
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        assert!(!message.is_empty());
        assert_eq!(column(&mut conn, "SELECT 1 AS one").await, vec!["1"]);
    })
    .await;
}

/// At most five queries run at once; the others wait their turn and all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_are_queued() {
    bounded(async {
        // A ~300 ms query that reports when it ran (by the storage server's clock).
        let env = Env::start(
            "CREATE FUNCTION nap(ms integer) RETURNS TABLE (started double precision, ended double precision)
             LANGUAGE plpgsql AS $$
             BEGIN
               started := extract(epoch FROM clock_timestamp());
               PERFORM pg_sleep(ms / 1000.0);
               ended := extract(epoch FROM clock_timestamp());
               RETURN NEXT;
             END $$",
        )
        .await;
        let mut conns = Vec::new();
        for _ in 0..8 {
            conns.push(env.connect().await);
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = conns
            .into_iter()
            .map(|mut conn| {
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    let r = strings(&mut conn, "SELECT started, ended FROM nap(300)").await;
                    let _ = conn.close().await;
                    let parse = |s: &str| s.parse::<f64>().expect("epoch");
                    (parse(&r[0][0]), parse(&r[0][1]))
                })
            })
            .collect();
        let mut spans = Vec::new();
        for t in tasks {
            spans.push(t.await.expect("query task"));
        }
        assert_eq!(spans.len(), 8);
        // Most queries running at one instant: count the spans open at each start.
        let max_overlap = spans
            .iter()
            .map(|(s, _)| {
                spans
                    .iter()
                    .filter(|(s2, e2)| s2 <= s && s < e2)
                    .count()
            })
            .max()
            .unwrap();
        assert!(max_overlap <= 5, "{max_overlap} ran at once: {spans:?}");
        assert!(max_overlap >= 2, "queries did not run concurrently: {spans:?}");
        let first = spans.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
        let last = spans.iter().map(|s| s.1).fold(0.0, f64::max);
        assert!(last - first >= 0.59, "two batches at least: {spans:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 7. DROP TABLE

/// DROP TABLE of a table not created through Query Service is 42501; a CTAS table can be
/// dropped; `IF EXISTS` of a missing table succeeds.
#[tokio::test]
async fn drop_table_rules() {
    bounded(async {
        let env = Env::start(PEOPLE).await;
        let mut conn = env.connect().await;
        refused(&mut conn, "DROP TABLE people", "42501").await;
        refused(&mut conn, "DROP TABLE IF EXISTS people", "42501").await;
        assert_eq!(
            column(&mut conn, "SELECT count(*) FROM people").await,
            vec!["2"]
        );

        exec(&mut conn, "CREATE TABLE mine AS (SELECT id FROM people)").await;
        exec(&mut conn, "DROP TABLE mine").await;
        refused(&mut conn, "SELECT * FROM mine", "42P01").await;
        // Created again, dropped again (the record follows the table).
        exec(&mut conn, "CREATE TABLE mine AS (SELECT 1 AS id)").await;
        exec(&mut conn, "DROP TABLE IF EXISTS mine").await;

        exec(&mut conn, "DROP TABLE IF EXISTS never_was").await;
        refused(&mut conn, "DROP TABLE never_was", "42P01").await;

        // A table the superuser makes later with a dropped table's name is not droppable.
        exec(&mut conn, "CREATE TABLE reused AS (SELECT 1 AS id)").await;
        exec(&mut conn, "DROP TABLE reused").await;
        env.admin("CREATE TABLE reused (id integer)").await;
        refused(&mut conn, "DROP TABLE reused", "42501").await;
    })
    .await;
}
