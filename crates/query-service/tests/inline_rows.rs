//! Literal rows as `INSERT INTO t SELECT inline(array(struct(...), ...))` (Adobe's SQL syntax
//! page, section "Inline"): every element is a row, typed against the target like the columns
//! of a `SELECT` (strict store assignment in every row), refused where Spark refuses it, and
//! run as one statement whose cost grows linearly with the rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Env, bounded, column, exec, refused, rows};

const NESTED: &str = "
CREATE TYPE ev_web_page AS (name text, url text);
CREATE TYPE ev_web AS (page ev_web_page, referrer text);
CREATE TYPE ev_item AS (sku text, qty integer);
CREATE TYPE ev_price AS (label text, amount numeric(12,2));
CREATE TABLE ev (id integer, at timestamptz, web ev_web, tags text[], items ev_item[], price ev_price);";

/// A row of `ev` with id `i` as a struct element.
fn element(i: usize) -> String {
    format!(
        "struct({i}, CAST('2026-11-25 10:00:00+01:00' AS timestamp), \
         struct(struct(('it' || chr(39) || 's #{i}') AS name, 'https://x/' AS url) AS page, NULL AS referrer), \
         array('a', NULL), array(struct('s{i}' AS sku, {i} AS qty)), \
         struct('p' AS label, CAST('{i}.25' AS decimal(12,2)) AS amount))"
    )
}

/// Struct elements become rows: nested structs, arrays of structs, NULLs and typed casts read
/// back exactly; `named_struct` elements too.
#[tokio::test]
async fn struct_elements_become_typed_rows() {
    bounded(async {
        let env = Env::start(NESTED).await;
        let mut conn = env.connect().await;
        let n = exec(
            &mut conn,
            &format!(
                "INSERT INTO ev SELECT inline(array({}, {}, \
                 struct(3, NULL, NULL, array(), NULL, NULL)))",
                element(1),
                element(2)
            ),
        )
        .await;
        assert_eq!(n, 3);
        exec(
            &mut conn,
            "INSERT INTO ev SELECT inline(array(named_struct('id', 4, 'at', NULL, 'web', NULL, \
             'tags', array('b'), 'items', NULL, 'price', NULL)))",
        )
        .await;
        assert_eq!(
            rows(
                &mut conn,
                "SELECT id, at, web, tags, items, price FROM ev ORDER BY id"
            )
            .await,
            vec![
                vec![
                    Some("1".into()),
                    Some("2026-11-25 09:00:00+00".into()),
                    Some("(\"(\"\"it's #1\"\",https://x/)\",)".into()),
                    Some("{a,NULL}".into()),
                    Some("{\"(s1,1)\"}".into()),
                    Some("(p,1.25)".into()),
                ],
                vec![
                    Some("2".into()),
                    Some("2026-11-25 09:00:00+00".into()),
                    Some("(\"(\"\"it's #2\"\",https://x/)\",)".into()),
                    Some("{a,NULL}".into()),
                    Some("{\"(s2,2)\"}".into()),
                    Some("(p,2.25)".into()),
                ],
                vec![Some("3".into()), None, None, Some("{}".into()), None, None],
                vec![Some("4".into()), None, None, Some("{b}".into()), None, None],
            ]
        );
    })
    .await;
}

/// Store assignment holds in every row (a string into a numeric field of the last row is
/// 42804 and nothing is written); elements of different struct types, a wrong column count,
/// elements that are no structs are 42804; `VALUES` stays refused.
#[tokio::test]
async fn every_row_is_strictly_typed() {
    bounded(async {
        let env = Env::start(NESTED).await;
        let mut conn = env.connect().await;
        let bad_price = element(3).replace("CAST('3.25' AS decimal(12,2))", "'3.25'");
        for sql in [
            format!(
                "INSERT INTO ev SELECT inline(array({}, {}, {bad_price}))",
                element(1),
                element(2)
            ),
            format!(
                "INSERT INTO ev SELECT inline(array({}, struct('2', NULL, NULL, NULL, NULL, NULL)))",
                element(1)
            ),
            "INSERT INTO ev SELECT inline(array(struct(1 AS id, NULL AS at, NULL AS web, NULL AS tags, \
             NULL AS items, NULL AS price), struct(2 AS id, NULL AS at, NULL AS web, NULL AS tags, \
             NULL AS items, NULL AS cost)))"
                .to_owned(),
            "INSERT INTO ev SELECT inline(array(struct(1, NULL)))".to_owned(),
            "INSERT INTO ev SELECT inline(array(1, 2))".to_owned(),
        ] {
            refused(&mut conn, &sql, "42804").await;
        }
        for sql in [
            "INSERT INTO ev VALUES (1, NULL, NULL, NULL, NULL, NULL)",
            "INSERT INTO ev SELECT explode(array(1))",
        ] {
            refused(&mut conn, sql, "0A000").await;
        }
        assert_eq!(column(&mut conn, "SELECT count(*) FROM ev").await, vec!["0"]);
    })
    .await;
}

/// 20,000 rows (about 7 MB of SQL) in one statement: the element list is flat, so parsing,
/// typing and the storage's `VALUES` list stay linear (a `UNION ALL` chain of 2,000 rows
/// took the storage about 55 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_rows_in_one_statement() {
    bounded(async {
        let env = Env::start(NESTED).await;
        let mut conn = env.connect().await;
        let n = 20_000;
        let sql = format!(
            "INSERT INTO ev SELECT inline(array({}))",
            (0..n).map(element).collect::<Vec<_>>().join(", ")
        );
        let started = std::time::Instant::now();
        assert_eq!(exec(&mut conn, &sql).await, u64::try_from(n).unwrap());
        eprintln!(
            "{n} rows, {} bytes of SQL: {:?}",
            sql.len(),
            started.elapsed()
        );
        assert_eq!(
            column(&mut conn, "SELECT count(DISTINCT id) FROM ev").await,
            vec![n.to_string()]
        );
    })
    .await;
}
