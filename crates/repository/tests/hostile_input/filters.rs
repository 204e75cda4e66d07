//! Injection strings as filter values: exactly the matching rows, nothing else runs.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use qsorm_repository::RepoError;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, Condition, IntoActiveModel, Value};
use serde_json::json;

use crate::hostile::{Column, Model, labelled};
use crate::{Path, SCHEMA, Wire};

/// Strings that break naive quoting, escaping, placeholder substitution or display.
pub const HOSTILE: &[&str] = &[
    "it's",
    "''",
    "'",
    "a''b",
    "'; DROP TABLE canary; --",
    "'); DROP TABLE hostile_rows; --",
    "x' OR '1'='1",
    "x\" OR \"1\"=\"1",
    "\\",
    "back\\slash",
    "\\'",
    "'\\",
    "\\\\'; DROP TABLE canary; --",
    "$1",
    "$1 $2 $10",
    "$$",
    "$$; DROP TABLE canary; $$",
    "$q$",
    "$q$'); DROP TABLE canary; --$q$",
    "$q1$ $q$ $",
    "E'",
    "E'\\x41'",
    "e'\\'; DROP TABLE canary; --",
    "U&'\\0041'",
    "new\nline",
    "\r\n\t\u{b}\u{c}",
    "-- comment",
    "/* comment */ 1",
    "/*",
    "\u{202e}evil\u{202c}txt.exe",
    "zero\u{200b}width\u{200d}\u{feff}joiners",
    "\u{2028}\u{2029}\u{85}",
    "ünïcødé ✓ 😀 ß € 漢字 עברית العربية",
    "\u{7f}\u{1}\u{1b}[31m",
    "NULL",
    "null",
    "",
    " ",
    "`tick` ${x} ? :name @p",
    "{a,\"b\"}",
    "(1,\"2\")",
    "\\x00ff",
    "%",
    "_",
    "100%",
    "100_",
    "100x",
    "1000",
    "a%b",
    "a_b",
    "axb",
    "chr(39)",
    "' || chr(39) || '",
    "struct(1 AS a)",
];

/// Characters the long strings and the property test draw from.
const SPECIALS: &[char] = &[
    '\'', '\\', '"', '$', '%', '_', '`', ';', '-', '/', '*', '\n', '\r', '\t', '\u{1}', '\u{1b}',
    '\u{7f}', '\u{85}', '\u{200b}', '\u{202e}', '\u{2028}', '\u{feff}', 'é', '😀', 'E', 'q', '1',
    ' ', '{', '}', '(', ')', ',',
];

/// The hostile strings, then very long ones: 40,000 special characters (about 400 kB of
/// `chr()` concatenation on Query Service), and 512 KiB of plain text (one literal of that
/// size on every path). Each row holds its label three times (label, note, JSON document),
/// under Query Service's statement cap.
pub fn hostile_labels() -> Vec<String> {
    let mut labels: Vec<String> = HOSTILE.iter().map(|s| (*s).to_owned()).collect();
    labels.push(SPECIALS.iter().cycle().take(40_000).collect());
    labels.push(format!("L{}", "abcdefgh".repeat(1 << 16)));
    labels
}

fn rows(labels: &[String], with_json: bool) -> Vec<Model> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let id = i64::try_from(i).expect("id");
            Model {
                note: Some(format!("note {label}")),
                n: Some(id),
                doc: with_json.then(|| json!({"k": label, "list": [label, id]})),
                ..labelled(id, label)
            }
        })
        .collect()
}

async fn insert(path: &Path, rows: &[Model]) {
    let written = path
        .repo()
        .insert_many(
            rows.iter()
                .cloned()
                .map(IntoActiveModel::into_active_model)
                .collect(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: insert_many: {e}", path.name));
    assert_eq!(written, u64::try_from(rows.len()).expect("len"));
}

fn short(s: &str) -> String {
    let mut shown: String = s.chars().take(40).collect();
    if shown.len() < s.len() {
        shown.push_str(&format!("… ({} bytes)", s.len()));
    }
    format!("{shown:?}")
}

/// Each read sends exactly one statement, and on the PostgreSQL inline path that
/// statement is one statement to PostgreSQL's parser (nothing after a `;`).
fn one_statement(path: &Path, before: usize, what: &str) {
    let sent = path.recorder.statements();
    assert!(
        sent.len() > before,
        "{}: {what}: no statement recorded",
        path.name
    );
    if path.wire == Wire::Inline {
        use sqlparser::dialect::PostgreSqlDialect;
        use sqlparser::parser::Parser;
        for sql in &sent[before..] {
            let parsed = Parser::parse_sql(&PostgreSqlDialect {}, sql)
                .unwrap_or_else(|e| panic!("{}: {what}: does not parse: {e}", path.name));
            assert_eq!(
                parsed.len(),
                1,
                "{}: {what}: {} statements",
                path.name,
                parsed.len()
            );
        }
    }
}

/// Every read form, filtered on a hostile value, returns exactly the matching row. Labels
/// are checked three at a time (each Query Service call opens a session of its own: this
/// keeps the path's wall time down, and concurrent calls are part of the contract).
async fn reads_by_label(path: &Path, all: &[Model]) {
    use futures_util::StreamExt;
    futures_util::stream::iter(all)
        .for_each_concurrent(3, |row| reads_of_one_label(path, all.len(), row))
        .await;
    in_lists(path, all).await;
}

async fn reads_of_one_label(path: &Path, rows: usize, row: &Model) {
    let n = u64::try_from(rows).expect("len");
    let what = format!("label {}", short(&row.label));
    let by_label = Condition::all().add(Column::Label.eq(row.label.clone()));
    let before = path.sent();
    let found = path
        .repo()
        .find(by_label.clone())
        .await
        .unwrap_or_else(|e| panic!("{}: find {what}: {e}", path.name));
    assert!(found == vec![row.clone()], "{}: find {what}", path.name);
    one_statement(path, before, &what);
    let count = path.repo().count(by_label.clone()).await;
    assert_eq!(count.expect("count"), 1, "{}: count {what}", path.name);
    let exists = path.repo().exists(by_label.clone()).await;
    assert!(exists.expect("exists"), "{}: exists {what}", path.name);
    let first = path.repo().first(by_label.clone()).await;
    assert!(
        first.expect("first") == Some(row.clone()),
        "{}: first {what}",
        path.name
    );
    let page = path.repo().page(by_label, 0, 10).await;
    let page = page.expect("page");
    assert!(
        page.items == vec![row.clone()] && page.total == 1,
        "{}: page {what}",
        path.name
    );
    let others = Condition::all().add(Column::Label.ne(row.label.clone()));
    let count = path.repo().count(others).await;
    assert_eq!(count.expect("count <>"), n - 1, "{}: <> {what}", path.name);
    // The same value in another column's filter, after a prefix.
    let by_note = Condition::all().add(Column::Note.eq(format!("note {}", row.label)));
    let count = path.repo().count(by_note).await;
    assert_eq!(count.expect("count note"), 1, "{}: note {what}", path.name);
}

/// IN lists of hostile values: every other label (and a value no row has) finds exactly
/// those rows, and `NOT IN` the rest.
async fn in_lists(path: &Path, all: &[Model]) {
    for parity in [0, 1] {
        let mut list: Vec<String> = all
            .iter()
            .filter(|m| m.id % 2 == parity)
            .map(|m| m.label.clone())
            .collect();
        list.push("absent'); DROP TABLE canary; --".to_owned());
        let expected: Vec<i64> = all
            .iter()
            .filter(|m| m.id % 2 == parity)
            .map(|m| m.id)
            .collect();
        let found = path
            .repo()
            .find(Condition::all().add(Column::Label.is_in(list.clone())))
            .await
            .unwrap_or_else(|e| panic!("{}: IN: {e}", path.name));
        let ids: Vec<i64> = found.iter().map(|m| m.id).collect();
        assert_eq!(ids, expected, "{}: IN (parity {parity})", path.name);
        let n = path
            .repo()
            .count(Condition::all().add(Column::Label.is_not_in(list)))
            .await
            .expect("NOT IN");
        assert_eq!(
            n,
            u64::try_from(all.len() - expected.len()).expect("len"),
            "{}: NOT IN (parity {parity})",
            path.name
        );
    }
}

fn ids_of(all: &[Model], pred: impl Fn(&str) -> bool) -> Vec<i64> {
    all.iter()
        .filter(|m| pred(&m.label))
        .map(|m| m.id)
        .collect()
}

/// LIKE patterns are transmitted exactly: wildcards keep their meaning, escaped wildcards
/// match themselves, and the default escape character (backslash) behaves as on the bind
/// path.
async fn like_patterns(path: &Path, all: &[Model]) {
    let short_labels = |pred: &dyn Fn(&str) -> bool| ids_of(all, |l| l.len() < 100 && pred(l));
    let cases: Vec<(LikeExpr, Vec<i64>)> = vec![
        (
            LikeExpr::new("100!%").escape('!'),
            short_labels(&|l| l == "100%"),
        ),
        (
            LikeExpr::new("100!_").escape('!'),
            short_labels(&|l| l == "100_"),
        ),
        (
            LikeExpr::new("100_"),
            short_labels(&|l| l.len() == 4 && l.starts_with("100")),
        ),
        (
            LikeExpr::new("100%"),
            short_labels(&|l| l.starts_with("100")),
        ),
        (
            LikeExpr::new("a!%b").escape('!'),
            short_labels(&|l| l == "a%b"),
        ),
        (
            LikeExpr::new("a_b"),
            short_labels(&|l| l.chars().count() == 3 && l.starts_with('a') && l.ends_with('b')),
        ),
        // Backslash is LIKE's default escape: `back\slash` as a pattern matches `backslash`,
        // which no row holds; `back\\slash` matches the row with one backslash.
        (LikeExpr::new("back\\slash"), vec![]),
        (
            LikeExpr::new("back\\\\slash"),
            short_labels(&|l| l == "back\\slash"),
        ),
        (
            LikeExpr::new("%'; DROP TABLE canary; --%"),
            short_labels(&|l| l.contains("'; DROP TABLE canary; --")),
        ),
        (LikeExpr::new("%$q$%"), short_labels(&|l| l.contains("$q$"))),
        (
            LikeExpr::new("%\u{202e}%"),
            short_labels(&|l| l.contains('\u{202e}')),
        ),
    ];
    for (pattern, expected) in cases {
        let shown = format!("{pattern:?}");
        let mut ids: Vec<i64> = path
            .repo()
            .find(Condition::all().add(Column::Label.like(pattern)))
            .await
            .unwrap_or_else(|e| panic!("{}: LIKE {shown}: {e}", path.name))
            .into_iter()
            .filter(|m| m.label.len() < 100)
            .map(|m| m.id)
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, expected, "{}: LIKE {shown}", path.name);
    }
}

/// JSON filters (PostgreSQL only: Query Service has no JSON type): the document itself, a
/// field extracted with `->>`, and containment with `@>`.
async fn json_filters(path: &Path, all: &[Model]) {
    for row in all {
        let what = format!("json {}", short(&row.label));
        let doc = row.doc.clone().expect("doc");
        let whole = Condition::all().add(Column::Doc.eq(doc));
        let field = Condition::all().add(Expr::cust_with_values(
            "\"doc\" ->> 'k' = $1",
            [Value::from(row.label.clone())],
        ));
        let contains = Condition::all().add(Expr::cust_with_values(
            "\"doc\" @> $1",
            [Value::Json(Some(Box::new(json!({"list": [row.label]}))))],
        ));
        for (form, cond) in [("=", whole), ("->>", field), ("@>", contains)] {
            let found = path
                .repo()
                .find(cond)
                .await
                .unwrap_or_else(|e| panic!("{}: {what} {form}: {e}", path.name));
            assert!(found == vec![row.clone()], "{}: {what} {form}", path.name);
        }
    }
}

/// The table holds exactly what was written, only the two tables exist, the canary lives.
async fn intact(path: &Path, all: &[Model]) {
    let now = path.repo().find(Condition::all()).await.expect("find all");
    assert!(now == all, "{}: the table changed", path.name);
    assert_eq!(
        path.storage_count("hostile_rows").await,
        i64::try_from(all.len()).expect("len")
    );
    assert_eq!(
        path.storage_count("pg_tables WHERE schemaname = 'public'")
            .await,
        2,
        "{}: a table appeared or disappeared",
        path.name
    );
    path.assert_canary().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_filter_values_read_exactly_the_matching_rows_on_every_path() {
    let labels = hostile_labels();
    for path in Path::all(SCHEMA).await {
        let started = std::time::Instant::now();
        let all = rows(&labels, true);
        insert(&path, &all).await;
        reads_by_label(&path, &all).await;
        like_patterns(&path, &all).await;
        if !path.is_query_service() {
            json_filters(&path, &all).await;
        }
        intact(&path, &all).await;
        path.check_grammar();
        eprintln!("{}: {:?}", path.name, started.elapsed());
        path.close().await;
    }
}

/// A NUL character: a typed error on every path, before anything is sent on the inline
/// ones (the bind path's server refuses it: SQLSTATE 22021), never a truncated value.
#[tokio::test(flavor = "multi_thread")]
async fn a_nul_in_a_filter_or_a_row_is_a_typed_error_on_every_path() {
    for path in Path::all(SCHEMA).await {
        let all = rows(
            &["a".to_owned(), "a\u{1}b".to_owned()],
            !path.is_query_service(),
        );
        insert(&path, &all).await;
        let nul = "a\0b".to_owned();
        let filters = [
            Condition::all().add(Column::Label.eq(nul.clone())),
            Condition::all().add(Column::Label.is_in(["a".to_owned(), nul.clone()])),
            Condition::all().add(Column::Label.like(format!("{nul}%"))),
            Condition::any()
                .add(Column::Label.eq("a"))
                .add(Column::Note.eq(nul.clone())),
        ];
        let check = |err: RepoError, what: &str| match path.wire {
            Wire::Bind => assert!(
                err.sqlstate() == Some(qsorm_repository::SqlState::CHARACTER_NOT_IN_REPERTOIRE),
                "{}: {what}: {err:?}",
                path.name
            ),
            Wire::Inline | Wire::QueryService => assert!(
                matches!(&err, RepoError::InvalidInput(m) if m.contains("NUL")),
                "{}: {what}: {err:?}",
                path.name
            ),
        };
        for (k, filter) in filters.into_iter().enumerate() {
            let before = path.sent();
            let what = format!("filter {k}");
            check(
                path.repo().find(filter.clone()).await.expect_err("NUL"),
                &what,
            );
            check(
                path.repo().count(filter.clone()).await.expect_err("NUL"),
                &what,
            );
            check(
                path.repo().exists(filter.clone()).await.expect_err("NUL"),
                &what,
            );
            check(
                path.repo().first(filter.clone()).await.expect_err("NUL"),
                &what,
            );
            check(
                path.repo().page(filter, 0, 5).await.expect_err("NUL"),
                &what,
            );
            if path.wire != Wire::Bind {
                assert_eq!(
                    path.sent(),
                    before,
                    "{}: {what}: a statement was sent",
                    path.name
                );
            }
        }
        // A row holding a NUL is refused whole, in a batch with good rows.
        let mut bad = labelled(10, "good");
        bad.note = Some("tail\0".into());
        let batch = vec![
            labelled(9, "fine").into_active_model(),
            bad.into_active_model(),
        ];
        let err = path.repo().insert_many(batch).await.expect_err("NUL row");
        check(err, "insert_many");
        intact(&path, &all).await;
        path.close().await;
    }
}

// ---------------------------------------------------------------------------------------
// Property: a value inserted, then found by equality, comes back exactly and only it.

fn cases() -> u32 {
    std::env::var("QSORM_HOSTILE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

fn any_label() -> impl Strategy<Value = String> {
    let hostile_char = prop_oneof![
        3 => proptest::sample::select(SPECIALS),
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0'),
    ];
    prop_oneof![
        2 => any::<String>().prop_map(|s| s.replace('\0', "")),
        3 => proptest::collection::vec(hostile_char, 0..48)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
        1 => proptest::sample::select(HOSTILE).prop_map(str::to_owned),
    ]
}

#[test]
fn any_string_inserted_is_found_by_equality_exactly_and_only_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for wire in [Wire::Bind, Wire::Inline, Wire::QueryService] {
        let path = rt.block_on(Path::open(wire, SCHEMA));
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            max_shrink_iters: 64,
            ..Config::default()
        });
        // label -> ids holding it, across every case of this path.
        let written = std::cell::RefCell::new(BTreeMap::<String, Vec<i64>>::new());
        let next_id = std::cell::Cell::new(0i64);
        let started = std::time::Instant::now();
        let outcome = runner.run(&any_label(), |label| {
            let id = next_id.get();
            next_id.set(id + 1);
            rt.block_on(
                path.repo()
                    .insert_many(vec![labelled(id, &label).into_active_model()]),
            )
            .map_err(|e| TestCaseError::fail(format!("insert {label:?}: {e}")))?;
            let expected = {
                let mut w = written.borrow_mut();
                let ids = w.entry(label.clone()).or_default();
                ids.push(id);
                ids.clone()
            };
            let cond = Condition::all().add(Column::Label.eq(label.clone()));
            let found = rt
                .block_on(path.repo().find(cond.clone()))
                .map_err(|e| TestCaseError::fail(format!("find {label:?}: {e}")))?;
            let n = rt
                .block_on(path.repo().count(cond))
                .map_err(|e| TestCaseError::fail(format!("count {label:?}: {e}")))?;
            let got: Vec<i64> = found.iter().map(|m| m.id).collect();
            prop_assert_eq!(&got, &expected, "label {:?}", label);
            prop_assert_eq!(n, u64::try_from(expected.len()).expect("len"));
            for m in &found {
                prop_assert_eq!(m, &labelled(m.id, &label));
            }
            Ok(())
        });
        if let Err(e) = outcome {
            panic!("{}: {e}", path.name);
        }
        eprintln!(
            "{}: {} cases in {:?}",
            path.name,
            cases(),
            started.elapsed()
        );
        path.check_grammar();
        rt.block_on(path.assert_canary());
        rt.block_on(path.close());
    }
}
