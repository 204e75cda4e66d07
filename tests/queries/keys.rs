//! Keyset pages typed by the key: a `String` key and a `(i64, i32)` key.

use qsorm::connect::QsConnection;
use qsorm::entity::{order_lines, web_events};
use qsorm::repository::ConnectionExt;
use sea_orm::Condition;

pub(crate) async fn keyset_by_key(conn: &QsConnection, all: &[web_events::Model]) {
    let repo = conn.repo::<web_events::Entity>();
    let mut after: Option<String> = None;
    let mut read = Vec::new();
    loop {
        let page = repo
            .keyset(Condition::all(), after.clone(), 3_000)
            .await
            .expect("keyset page");
        if let (Some(last), Some(next)) = (page.items.last(), page.next.as_ref()) {
            assert_eq!(&last.id, next);
        }
        read.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut want = all.to_vec();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(read, want, "{}", conn.flavor());
}

/// Keyset pages over a composite key, the cursor a `(i64, i32)` tuple.
pub(crate) async fn keyset_by_composite_key(conn: &QsConnection) {
    let all_lines = conn
        .repo::<order_lines::Entity>()
        .find(Condition::all())
        .await
        .expect("lines");
    assert!(all_lines.len() > 2 * 700, "{}", all_lines.len());
    let repo = conn.repo::<order_lines::Entity>();
    let mut after: Option<(i64, i32)> = None;
    let mut read = Vec::new();
    let mut pages = 0;
    loop {
        let page = repo
            .keyset(Condition::all(), after, 700)
            .await
            .expect("keyset page");
        pages += 1;
        assert!(page.items.len() <= 700);
        if let Some(next) = page.next {
            let last = page.items.last().expect("a full page");
            assert_eq!((last.order_id, last.line_no), next);
            assert_eq!(page.items.len(), 700);
        }
        read.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, all_lines.len().div_ceil(700), "{}", conn.flavor());
    let mut want = all_lines;
    want.sort_by_key(|l| (l.order_id, l.line_no));
    assert_eq!(read, want, "{}", conn.flavor());
}
