//! `find_also_related` and `find_with_related`, with nested columns, limits and offsets.

use std::collections::BTreeMap;

use qsorm::connect::QsConnection;
use qsorm::entity::{order_lines, orders, profiles};
use qsorm::repository::{ConnectionExt, RepoError};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder};

use super::fixtures::{accounts, visits};

pub(crate) async fn related(conn: &QsConnection) {
    let all_orders = conn
        .repo::<orders::Entity>()
        .find(Condition::all())
        .await
        .expect("orders");
    let all_lines = conn
        .repo::<order_lines::Entity>()
        .find(Condition::all())
        .await
        .expect("lines");
    let order_of: BTreeMap<i64, &orders::Model> =
        all_orders.iter().map(|o| (o.order_id, o)).collect();

    // Each line with its order (many to one).
    let lines = conn
        .repo::<order_lines::Entity>()
        .query()
        .order_by_asc(order_lines::Column::OrderId)
        .order_by_asc(order_lines::Column::LineNo)
        .find_also_related(orders::Entity)
        .all()
        .await
        .expect("lines with their order");
    assert_eq!(lines.len(), all_lines.len(), "{}", conn.flavor());
    for (line, order) in &lines {
        assert_eq!(order.as_ref(), order_of.get(&line.order_id).copied());
    }

    // The sample's profiles hold a nested `person` and a `text[]` of tags. Under Query
    // Service's `auto_to_json` (which nested columns need) every complex field comes back as
    // JSON, arrays of scalars included, and an array field cannot be decoded from JSON: the
    // read fails with a typed decode error naming `tags`. So the profile loads run on
    // PostgreSQL only; `related_with_nested` covers nested columns on both flavors.
    if conn.flavor().is_query_service() {
        let err = conn
            .repo::<profiles::Entity>()
            .find(Condition::all())
            .await
            .expect_err("arrays of scalars under auto_to_json");
        assert!(
            matches!(&err, RepoError::Decode { .. }) && err.to_string().contains("tags"),
            "{err}"
        );
        return;
    }
    let all_profiles = conn
        .repo::<profiles::Entity>()
        .find(Condition::all())
        .await
        .expect("profiles");
    // Each order with its profile: the profile's nested `person` composite comes back whole.
    let with_profile = conn
        .repo::<orders::Entity>()
        .query()
        .filter(orders::Column::Status.ne("no such status"))
        .order_by_asc(orders::Column::OrderId)
        .limit(300)
        .find_also_related(profiles::Entity)
        .all()
        .await
        .expect("orders with their profile");
    let profile_of: BTreeMap<&str, &profiles::Model> =
        all_profiles.iter().map(|p| (p.id.as_str(), p)).collect();
    assert_eq!(
        with_profile.len(),
        Ord::min(300, all_orders.len()),
        "{}",
        conn.flavor()
    );
    assert!(
        with_profile
            .iter()
            .any(|(_, p)| p.as_ref().is_some_and(|p| p.person.is_some()))
    );
    for (order, profile) in &with_profile {
        assert_eq!(
            profile.as_ref(),
            profile_of.get(order.profile_id.as_str()).copied()
        );
    }

    // Each profile with all of its orders (one to many), profiles without orders included.
    let mut want: BTreeMap<String, Vec<orders::Model>> = all_profiles
        .iter()
        .map(|p| (p.id.clone(), Vec::new()))
        .collect();
    for o in &all_orders {
        want.entry(o.profile_id.clone())
            .or_default()
            .push(o.clone());
    }
    let grouped = conn
        .repo::<profiles::Entity>()
        .query()
        .find_with_related(orders::Entity)
        .all()
        .await
        .expect("profiles with their orders");
    assert_eq!(grouped.len(), all_profiles.len(), "{}", conn.flavor());
    assert!(grouped.iter().any(|(_, os)| os.is_empty()) || want.values().all(|v| !v.is_empty()));
    for (profile, mut orders) in grouped {
        assert_eq!(Some(&profile), profile_of.get(profile.id.as_str()).copied());
        orders.sort_by_key(|o| o.order_id);
        let expected = want.get(&profile.id).expect("known profile");
        let mut expected = expected.clone();
        expected.sort_by_key(|o| o.order_id);
        assert_eq!(orders, expected, "{}", conn.flavor());
    }
}

pub(crate) async fn related_with_nested(conn: &QsConnection) {
    let all_accounts = conn
        .repo::<accounts::Entity>()
        .find(Condition::all())
        .await
        .expect("accounts");
    let all_visits = conn
        .repo::<visits::Entity>()
        .find(Condition::all())
        .await
        .expect("visits");
    let account_of: BTreeMap<&str, &accounts::Model> =
        all_accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    assert!(
        all_accounts
            .iter()
            .any(|a| a.owner.as_ref().is_some_and(|o| o.city.is_none()))
    );

    // Many to one: each visit with its account, nested columns whole.
    let pairs = conn
        .repo::<visits::Entity>()
        .query()
        .find_also_related(accounts::Entity)
        .all()
        .await
        .expect("visits with their account");
    assert_eq!(pairs.len(), all_visits.len(), "{}", conn.flavor());
    for (visit, account) in &pairs {
        assert_eq!(
            account.as_ref(),
            account_of.get(visit.account_id.as_str()).copied()
        );
    }

    // One to many: each account with its visits; accounts 31..=40 have none.
    let grouped = conn
        .repo::<accounts::Entity>()
        .query()
        .filter(accounts::Column::Opened.gt(chrono::NaiveDate::from_ymd_opt(2026, 1, 5)))
        .find_with_related(visits::Entity)
        .all()
        .await
        .expect("accounts with their visits");
    let mut want: BTreeMap<String, Vec<visits::Model>> = all_accounts
        .iter()
        .filter(|a| a.opened > chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("day"))
        .map(|a| (a.id.clone(), Vec::new()))
        .collect();
    for v in &all_visits {
        if let Some(list) = want.get_mut(&v.account_id) {
            list.push(v.clone());
        }
    }
    assert_eq!(grouped.len(), want.len(), "{}", conn.flavor());
    assert!(grouped.iter().any(|(_, vs)| vs.is_empty()));
    for (account, mut visits) in grouped {
        assert_eq!(Some(&account), account_of.get(account.id.as_str()).copied());
        visits.sort_by_key(|v| v.visit_id);
        let mut expected = want.get(&account.id).expect("known account").clone();
        expected.sort_by_key(|v| v.visit_id);
        assert_eq!(visits, expected, "{}", conn.flavor());
    }
}

/// `find_with_related` with an order and a limit (and an offset): the parents the same query
/// without the relation returns, in its order, each with all of its related rows; and
/// `find_also_related` with a limit.
pub(crate) async fn related_limited(conn: &QsConnection) {
    let all_lines = conn
        .repo::<order_lines::Entity>()
        .find(Condition::all())
        .await
        .expect("lines");
    let all_orders = conn
        .repo::<orders::Entity>()
        .find(Condition::all())
        .await
        .expect("orders");
    let mut lines_of: BTreeMap<i64, Vec<order_lines::Model>> = BTreeMap::new();
    for l in &all_lines {
        lines_of.entry(l.order_id).or_default().push(l.clone());
    }
    assert!(
        lines_of.values().any(|ls| ls.len() > 1),
        "some order has several lines"
    );
    let newest = || {
        conn.repo::<orders::Entity>()
            .query()
            .order_by_desc(orders::Column::OrderedAt)
            .order_by_asc(orders::Column::OrderId)
    };
    for (offset, limit) in [(None, 5), (Some(3), 4)] {
        let what = format!("offset {offset:?}, limit {limit}");
        let parents = match offset {
            Some(n) => newest().offset(n),
            None => newest(),
        }
        .limit(limit)
        .all()
        .await
        .expect("the parents alone");
        assert_eq!(parents.len() as u64, limit, "{what}");
        let grouped = match offset {
            Some(n) => newest().offset(n),
            None => newest(),
        }
        .limit(limit)
        .find_with_related(order_lines::Entity)
        .all()
        .await
        .expect("orders with their lines, limited");
        // More lines than parents: a limit counting joined rows would cut lists short.
        let lines_of_parents: usize = parents
            .iter()
            .map(|o| lines_of.get(&o.order_id).map_or(0, Vec::len))
            .sum();
        assert!(
            lines_of_parents as u64 > limit,
            "{what}: {lines_of_parents} lines"
        );
        let got_parents: Vec<&orders::Model> = grouped.iter().map(|(o, _)| o).collect();
        let want_parents: Vec<&orders::Model> = parents.iter().collect();
        assert_eq!(got_parents, want_parents, "{what} on {}", conn.flavor());
        for (order, mut lines) in grouped {
            lines.sort_by_key(|l| l.line_no);
            let want = lines_of.get(&order.order_id).cloned().unwrap_or_default();
            assert_eq!(
                lines,
                want,
                "{what} on {}: lines of order {}",
                conn.flavor(),
                order.order_id
            );
        }
    }

    // The same with nested columns on the parent side: the five latest-opened accounts that
    // have visits (accounts 1..=30), each with all of its visits.
    let all_visits = conn
        .repo::<visits::Entity>()
        .find(Condition::all())
        .await
        .expect("visits");
    let with_visits = || {
        conn.repo::<accounts::Entity>()
            .query()
            .filter(accounts::Column::Opened.lte(chrono::NaiveDate::from_ymd_opt(2026, 1, 31)))
            .order_by_desc(accounts::Column::Opened)
    };
    let parents = with_visits().limit(5).all().await.expect("accounts");
    let grouped = with_visits()
        .limit(5)
        .find_with_related(visits::Entity)
        .all()
        .await
        .expect("accounts with their visits, limited");
    let got_parents: Vec<&accounts::Model> = grouped.iter().map(|(a, _)| a).collect();
    assert_eq!(
        got_parents,
        parents.iter().collect::<Vec<_>>(),
        "{}",
        conn.flavor()
    );
    assert_eq!(
        parents.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["acct-30", "acct-29", "acct-28", "acct-27", "acct-26"]
    );
    for (account, mut visits) in grouped {
        visits.sort_by_key(|v| v.visit_id);
        let want: Vec<visits::Model> = all_visits
            .iter()
            .filter(|v| v.account_id == account.id)
            .cloned()
            .collect();
        assert!(!want.is_empty());
        assert_eq!(visits, want, "{}: visits of {}", conn.flavor(), account.id);
    }

    // Rows of one parent far apart (ordered by the related side's key: visit v is of account v % 30 + 1):
    // still one entry per account, each with all of its visits.
    let scattered = conn
        .repo::<accounts::Entity>()
        .query()
        .order_by_asc(Expr::col((visits::Entity, visits::Column::VisitId)))
        .find_with_related(visits::Entity)
        .all()
        .await
        .expect("accounts with their visits, rows not consecutive");
    let all_accounts = conn
        .repo::<accounts::Entity>()
        .find(Condition::all())
        .await
        .expect("accounts");
    assert_eq!(scattered.len(), all_accounts.len(), "{}", conn.flavor());
    let mut seen: BTreeMap<&str, &accounts::Model> = BTreeMap::new();
    for (account, visits) in &scattered {
        assert!(
            seen.insert(account.id.as_str(), account).is_none(),
            "{} twice",
            account.id
        );
        let mut visits = visits.clone();
        visits.sort_by_key(|v| v.visit_id);
        let want: Vec<visits::Model> = all_visits
            .iter()
            .filter(|v| v.account_id == account.id)
            .cloned()
            .collect();
        assert_eq!(visits, want, "{}: visits of {}", conn.flavor(), account.id);
    }
    assert_eq!(
        seen.into_values().cloned().collect::<Vec<_>>(),
        {
            let mut a = all_accounts.clone();
            a.sort_by(|x, y| x.id.cmp(&y.id));
            a
        },
        "{}",
        conn.flavor()
    );
    // The account of the first visit comes first (accounts without visits, NULL there, last).
    let first_visit = all_visits
        .iter()
        .min_by_key(|v| v.visit_id)
        .expect("a visit");
    assert_eq!(
        scattered[0].0.id,
        first_visit.account_id,
        "{}",
        conn.flavor()
    );

    // find_also_related with a limit: the first 17 lines in key order, each with its order.
    let order_of: BTreeMap<i64, &orders::Model> =
        all_orders.iter().map(|o| (o.order_id, o)).collect();
    let pairs = conn
        .repo::<order_lines::Entity>()
        .query()
        .order_by_asc(order_lines::Column::OrderId)
        .order_by_asc(order_lines::Column::LineNo)
        .limit(17)
        .find_also_related(orders::Entity)
        .all()
        .await
        .expect("17 lines with their order");
    let got: Vec<(&order_lines::Model, Option<&orders::Model>)> =
        pairs.iter().map(|(l, o)| (l, o.as_ref())).collect();
    let want: Vec<(&order_lines::Model, Option<&orders::Model>)> = all_lines
        .iter()
        .take(17)
        .map(|l| (l, order_of.get(&l.order_id).copied()))
        .collect();
    assert_eq!(got.len(), 17, "{}", conn.flavor());
    assert_eq!(got, want, "{}", conn.flavor());
}
