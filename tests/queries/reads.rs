//! Ordering, limits, `one()`, some columns into a struct, `GROUP BY` / `HAVING`, and reads
//! past one Query Service page.

use std::collections::BTreeMap;

use futures_util::{Stream, TryStreamExt};
use qsorm::connect::QsConnection;
use qsorm::entity::web_events;
use qsorm::repository::{ConnectionExt, Recorder, RepoError};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use super::fixtures::{accounts, big_numbers};

/// Some columns of `web_events`, each field read from the column of its name (`_id` is the
/// column behind the entity's `id`).
#[derive(Debug, PartialEq, FromQueryResult)]
struct IdAndType {
    #[sea_orm(from_alias = "_id")]
    id: String,
    event_type: String,
}

#[derive(Debug, PartialEq, FromQueryResult)]
struct Daily {
    day: chrono::NaiveDate,
    event_type: String,
    n: i64,
}

pub(crate) async fn order_limit_offset(conn: &QsConnection, all: &[web_events::Model]) {
    let repo = conn.repo::<web_events::Entity>();
    let got = repo
        .query()
        .order_by_desc(web_events::Column::Timestamp)
        .order_by_asc(web_events::Column::Id)
        .offset(7)
        .limit(25)
        .all()
        .await
        .expect("ordered page");
    let mut want = all.to_vec();
    want.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(a.id.cmp(&b.id)));
    assert_eq!(got, want[7..32], "{}", conn.flavor());

    let first = repo
        .query()
        .filter(web_events::Column::EventType.eq(want[0].event_type.clone()))
        .order_by_desc(web_events::Column::Timestamp)
        .order_by_asc(web_events::Column::Id)
        .one()
        .await
        .expect("one");
    let want_first = want.iter().find(|m| m.event_type == want[0].event_type);
    assert_eq!(first.as_ref(), want_first, "{}", conn.flavor());
}

pub(crate) async fn into_model_and_group_by(conn: &QsConnection, all: &[web_events::Model]) {
    let repo = conn.repo::<web_events::Entity>();
    let some = repo
        .query()
        .columns([web_events::Column::Id, web_events::Column::EventType])
        .order_by_asc(web_events::Column::Id)
        .into_model::<IdAndType>()
        .all()
        .await
        .expect("some columns");
    let mut want: Vec<IdAndType> = all
        .iter()
        .map(|m| IdAndType {
            id: m.id.clone(),
            event_type: m.event_type.clone(),
        })
        .collect();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(some.len(), all.len(), "{}", conn.flavor());
    assert_eq!(some, want, "{}", conn.flavor());

    // Events per UTC day and type, the everyday Query Service read.
    let day = || Expr::col(web_events::Column::Timestamp).cast_as(Alias::new("date"));
    let daily = repo
        .query()
        .select_only()
        .column_as(day(), "day")
        .column(web_events::Column::EventType)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(day())
        .group_by(web_events::Column::EventType)
        .order_by_asc(Expr::cust("1"))
        .order_by_asc(Expr::cust("2"))
        .into_model::<Daily>()
        .all()
        .await
        .expect("events per day and type");
    let mut counted: BTreeMap<(chrono::NaiveDate, String), i64> = BTreeMap::new();
    for m in all {
        let d = m.timestamp.with_timezone(&chrono::Utc).date_naive();
        *counted.entry((d, m.event_type.clone())).or_default() += 1;
    }
    let want: Vec<Daily> = counted
        .into_iter()
        .map(|((day, event_type), n)| Daily { day, event_type, n })
        .collect();
    assert!(want.len() > 1);
    assert_eq!(daily, want, "{}", conn.flavor());
}

/// Rows of `big_numbers` against ids `1..=n` and their labels, naming the first mismatch
/// (cheaper to build and to print than a 120,000-row `assert_eq!`).
pub(crate) fn assert_big_numbers(
    got: &[big_numbers::Model],
    n: i64,
    what: &str,
    conn: &QsConnection,
) {
    assert_eq!(got.len() as i64, n, "{what} on {}", conn.flavor());
    for (want_id, m) in (1..=n).zip(got) {
        assert!(
            m.id == want_id && m.label == big_numbers::label(want_id),
            "{what} on {}: row {want_id} is {m:?}",
            conn.flavor()
        );
    }
}

/// Reads past one Query Service page: no limit (every row through the cursor), and a limit
/// above the 50,000-row cap (two `FETCH`es, the second one short).
pub(crate) async fn past_one_page(conn: &QsConnection) {
    let fetches = |recorder: &Recorder| {
        recorder
            .statements()
            .iter()
            .filter(|s| s.trim_start().to_uppercase().starts_with("FETCH"))
            .count()
    };
    let recorder = Recorder::new();
    let repo = conn
        .repo::<big_numbers::Entity>()
        .with_recorder(recorder.clone());
    let mut every = repo.query().all().await.expect("every big number");
    every.sort_by_key(|m| m.id);
    assert_big_numbers(&every, big_numbers::ROWS, "query().all()", conn);
    drop(every);
    if conn.flavor().is_query_service() {
        // 50,000 + 50,000 + 20,000 rows.
        assert_eq!(fetches(&recorder), 3, "{:?}", recorder.statements());
    }

    let recorder = Recorder::new();
    let repo = conn
        .repo::<big_numbers::Entity>()
        .with_recorder(recorder.clone());
    let first = repo
        .query()
        .order_by_asc(big_numbers::Column::Id)
        .limit(60_000)
        .all()
        .await
        .expect("60,000 big numbers");
    assert_big_numbers(&first, 60_000, "limit(60_000)", conn);
    if conn.flavor().is_query_service() {
        // 50,000 + 10,000 rows.
        assert_eq!(fetches(&recorder), 2, "{:?}", recorder.statements());
    }
}

/// `Query::one` and `ModelQuery::one`: `None` when nothing matches, the row when one does.
pub(crate) async fn one_or_none(conn: &QsConnection, all: &[web_events::Model]) {
    let repo = conn.repo::<web_events::Entity>();
    let none = repo
        .query()
        .filter(web_events::Column::Id.eq("no such event"))
        .one()
        .await
        .expect("one of nothing");
    assert_eq!(none, None, "{}", conn.flavor());
    let target = &all[all.len() / 2];
    let some = repo
        .query()
        .filter(web_events::Column::Id.eq(target.id.clone()))
        .one()
        .await
        .expect("one");
    assert_eq!(some.as_ref(), Some(target), "{}", conn.flavor());

    let none = repo
        .query()
        .columns([web_events::Column::Id, web_events::Column::EventType])
        .filter(web_events::Column::Id.eq("no such event"))
        .into_model::<IdAndType>()
        .one()
        .await
        .expect("one of nothing, as a struct");
    assert_eq!(none, None, "{}", conn.flavor());
    let some = repo
        .query()
        .columns([web_events::Column::Id, web_events::Column::EventType])
        .filter(web_events::Column::Id.eq(target.id.clone()))
        .into_model::<IdAndType>()
        .one()
        .await
        .expect("one, as a struct");
    let want = IdAndType {
        id: target.id.clone(),
        event_type: target.event_type.clone(),
    };
    assert_eq!(some, Some(want), "{}", conn.flavor());
}

#[derive(Debug, PartialEq, FromQueryResult)]
struct PerType {
    event_type: String,
    n: i64,
}

/// `GROUP BY ... HAVING`, written as SQL text and in sea-query's typed form.
pub(crate) async fn having(conn: &QsConnection, all: &[web_events::Model]) {
    let mut counted: BTreeMap<String, i64> = BTreeMap::new();
    for m in all {
        *counted.entry(m.event_type.clone()).or_default() += 1;
    }
    // The smallest count: at least one type is left out, the others kept.
    let k = counted.values().copied().min().expect("some event types");
    let want: Vec<PerType> = counted
        .iter()
        .filter(|&(_, &n)| n > k)
        .map(|(t, &n)| PerType {
            event_type: t.clone(),
            n,
        })
        .collect();
    assert!(
        !want.is_empty() && want.len() < counted.len(),
        "{counted:?}"
    );

    let per_type = |cond: sea_orm::sea_query::Expr| {
        conn.repo::<web_events::Entity>()
            .query()
            .select_only()
            .column(web_events::Column::EventType)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(web_events::Column::EventType)
            .having(cond)
            .order_by_asc(web_events::Column::EventType)
            .into_model::<PerType>()
            .all()
    };
    let text = per_type(Expr::cust(format!("COUNT(*) > {k}")))
        .await
        .expect("having, as SQL text");
    assert_eq!(text, want, "{}", conn.flavor());
    let typed = per_type(Expr::expr(Func::count(Expr::col(web_events::Column::Id))).gt(k))
        .await
        .expect("having, typed");
    assert_eq!(typed, want, "{}", conn.flavor());
}

/// Some columns of `accounts`, the nested `owner` among them, decoded into the entity's own
/// nested type.
#[derive(Debug, PartialEq, FromQueryResult)]
struct AccountOwner {
    #[sea_orm(from_alias = "_id")]
    id: String,
    owner: Option<accounts::Owner>,
    opened: chrono::NaiveDate,
}

pub(crate) async fn columns_with_nested(conn: &QsConnection) {
    let all_accounts = conn
        .repo::<accounts::Entity>()
        .find(Condition::all())
        .await
        .expect("accounts");
    let got = conn
        .repo::<accounts::Entity>()
        .query()
        .columns([
            accounts::Column::Id,
            accounts::Column::Owner,
            accounts::Column::Opened,
        ])
        .order_by_asc(accounts::Column::Id)
        .into_model::<AccountOwner>()
        .all()
        .await
        .expect("some columns, a nested one among them");
    let mut want: Vec<AccountOwner> = all_accounts
        .into_iter()
        .map(|a| AccountOwner {
            id: a.id,
            owner: a.owner,
            opened: a.opened,
        })
        .collect();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(want.iter().any(|a| a.owner.is_some()));
    assert_eq!(got, want, "{}", conn.flavor());
}

/// Every event, streamed from a repository made as a temporary: the stream borrows the
/// connection only, so it can be returned.
fn every_event(
    conn: &QsConnection,
) -> impl Stream<Item = Result<web_events::Model, RepoError>> + '_ {
    conn.repo::<web_events::Entity>()
        .stream(Condition::all(), 4_000)
}

/// `stream` from a temporary repository reads every row once, in key order.
pub(crate) async fn stream_outlives_the_repository(conn: &QsConnection, all: &[web_events::Model]) {
    let streamed: Vec<web_events::Model> = every_event(conn).try_collect().await.expect("stream");
    let mut want = all.to_vec();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(streamed, want, "{}", conn.flavor());
}
