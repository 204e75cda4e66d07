//! The sample as sea-query statements: one `INSERT` per batch of rows (values bound as
//! parameters; composite values as `CAST(ROW(...) AS <type>)`), and the `DELETE`s that
//! remove exactly those rows again.

use sea_orm_migration::prelude::*;
use serde_json::json;

use super::rows::{LineAdjustment, Order, OrderLine, Profile, WebEvent};
use crate::m20250101_000001_web_events::WebEvents;
use crate::m20250101_000002_profiles::{Profiles, TIER_TYPE};
use crate::m20250101_000003_orders::{LineAdjustments, OrderLines, Orders};

/// `CAST(ROW(f1, f2, ...) AS type_name)`: a composite value from its fields.
pub fn composite(type_name: &str, fields: Vec<Expr>) -> Expr {
    let placeholders: Vec<String> = (1..=fields.len()).map(|i| format!("${i}")).collect();
    Expr::cust_with_exprs(
        format!("CAST(ROW({}) AS {type_name})", placeholders.join(", ")),
        fields,
    )
}

/// `ARRAY[e1, e2, ...]::type_name[]` with the elements inlined as literals, or NULL when
/// there are none. (Inlined because sea-query's custom-expression tokenizer reads `[...]` as
/// a quoted identifier, so `$n` placeholders inside brackets would not be substituted.)
pub fn array_or_null(type_name: &str, elems: Vec<Expr>) -> Expr {
    if elems.is_empty() {
        return Expr::cust("NULL");
    }
    let inlined: Vec<String> = elems
        .iter()
        .map(|e| {
            let mut sql = String::new();
            PostgresQueryBuilder.prepare_expr(e, &mut sql);
            sql
        })
        .collect();
    Expr::cust(format!("ARRAY[{}]::{type_name}[]", inlined.join(", ")))
}

fn web(e: &WebEvent) -> Expr {
    let page = composite(
        "web_events_web_page_details",
        vec![
            Expr::val(e.page.name),
            Expr::val(e.page.url.as_str()),
            Expr::val(e.page.is_home_page),
        ],
    );
    let referrer = match &e.referrer {
        Some(r) => composite(
            "web_events_web_referrer",
            vec![Expr::val(r.url.as_str()), Expr::val(r.kind)],
        ),
        None => Expr::cust("NULL"),
    };
    composite("web_events_web", vec![page, referrer])
}

fn commerce(e: &WebEvent) -> Expr {
    let order = match &e.order {
        Some(o) => composite(
            "web_events_commerce_order",
            vec![Expr::val(o.currency_code), Expr::val(o.price_total)],
        ),
        None => Expr::cust("NULL"),
    };
    composite(
        "web_events_commerce",
        vec![order, Expr::val(e.purchases), Expr::val(e.product_views)],
    )
}

fn identity_map(e: &WebEvent) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    map.insert(
        "ECID".to_owned(),
        json!([{ "id": e.ecid, "primary": true, "authenticatedState": "ambiguous" }]),
    );
    if let Some(email) = &e.email {
        map.insert(
            "Email".to_owned(),
            json!([{ "id": email, "primary": false, "authenticatedState": "authenticated" }]),
        );
    }
    serde_json::Value::Object(map)
}

/// `INSERT INTO web_events ...` for these rows.
pub fn insert_events(rows: &[WebEvent]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(WebEvents::Table).columns([
        WebEvents::Id,
        WebEvents::Timestamp,
        WebEvents::EventType,
        WebEvents::Web,
        WebEvents::Commerce,
        WebEvents::ProductListItems,
        WebEvents::IdentityMap,
        WebEvents::Acme,
    ]);
    for e in rows {
        let items = e
            .items
            .iter()
            .map(|i| {
                composite(
                    "web_events_product_list_items",
                    vec![
                        Expr::val(i.sku),
                        Expr::val(i.quantity),
                        Expr::val(i.price_total),
                    ],
                )
            })
            .collect();
        insert.values_panic([
            Expr::val(e.id.as_str()),
            Expr::val(e.timestamp),
            Expr::val(e.event_type),
            web(e),
            commerce(e),
            array_or_null("web_events_product_list_items", items),
            Expr::val(identity_map(e)),
            composite(
                "web_events__acme",
                vec![
                    Expr::val(e.loyalty_id.clone()),
                    Expr::val(e.campaign.map(str::to_owned)),
                ],
            ),
        ]);
    }
    insert
}

/// `INSERT INTO profiles ...` for these rows.
pub fn insert_profiles(rows: &[Profile]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(Profiles::Table).columns([
        Profiles::Id,
        Profiles::Person,
        Profiles::PersonalEmail,
        Profiles::LoyaltyTier,
        Profiles::Tags,
        Profiles::CreatedAt,
    ]);
    for p in rows {
        let name = composite(
            "profiles_person_name",
            vec![Expr::val(p.first_name), Expr::val(p.last_name)],
        );
        let tags: Vec<String> = p.tags.iter().map(|t| (*t).to_owned()).collect();
        insert.values_panic([
            Expr::val(p.id.as_str()),
            composite("profiles_person", vec![name, Expr::val(p.birth_year)]),
            Expr::val(p.email.clone()),
            Expr::val(p.tier).cast_as(TIER_TYPE),
            Expr::val(tags),
            Expr::val(p.created_at),
        ]);
    }
    insert
}

/// `INSERT INTO orders ...` for these rows.
pub fn insert_orders(rows: &[Order]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(Orders::Table).columns([
        Orders::OrderId,
        Orders::ProfileId,
        Orders::OrderedAt,
        Orders::CurrencyCode,
        Orders::Status,
    ]);
    for o in rows {
        insert.values_panic([
            Expr::val(o.id),
            Expr::val(o.profile_id.as_str()),
            Expr::val(o.ordered_at),
            Expr::val(o.currency_code),
            Expr::val(o.status),
        ]);
    }
    insert
}

/// `INSERT INTO order_lines ...` for these rows.
pub fn insert_lines(rows: &[OrderLine]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(OrderLines::Table).columns([
        OrderLines::OrderId,
        OrderLines::LineNo,
        OrderLines::Sku,
        OrderLines::Quantity,
        OrderLines::UnitPrice,
    ]);
    for l in rows {
        insert.values_panic([
            Expr::val(l.order_id),
            Expr::val(l.line_no),
            Expr::val(l.sku),
            Expr::val(l.quantity),
            Expr::val(l.unit_price),
        ]);
    }
    insert
}

/// `INSERT INTO line_adjustments ...` for these rows.
pub fn insert_adjustments(rows: &[LineAdjustment]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(LineAdjustments::Table).columns([
        LineAdjustments::AdjustmentId,
        LineAdjustments::OrderId,
        LineAdjustments::LineNo,
        LineAdjustments::Reason,
        LineAdjustments::Amount,
    ]);
    for a in rows {
        insert.values_panic([
            Expr::val(a.id),
            Expr::val(a.order_id),
            Expr::val(a.line_no),
            Expr::val(a.reason),
            Expr::val(a.amount),
        ]);
    }
    insert
}

/// `DELETE FROM web_events WHERE _id IN (...)` for these rows.
pub fn delete_events(rows: &[WebEvent]) -> DeleteStatement {
    Query::delete()
        .from_table(WebEvents::Table)
        .and_where(Expr::col(WebEvents::Id).is_in(rows.iter().map(|e| e.id.as_str())))
        .to_owned()
}

/// `DELETE FROM profiles WHERE _id IN (...)` for these rows.
pub fn delete_profiles(rows: &[Profile]) -> DeleteStatement {
    Query::delete()
        .from_table(Profiles::Table)
        .and_where(Expr::col(Profiles::Id).is_in(rows.iter().map(|p| p.id.as_str())))
        .to_owned()
}

/// `DELETE FROM orders WHERE order_id IN (...)` for these rows.
pub fn delete_orders(rows: &[Order]) -> DeleteStatement {
    Query::delete()
        .from_table(Orders::Table)
        .and_where(Expr::col(Orders::OrderId).is_in(rows.iter().map(|o| o.id)))
        .to_owned()
}

/// `DELETE FROM order_lines WHERE order_id IN (...)` for the lines of these orders.
pub fn delete_lines(orders: &[Order]) -> DeleteStatement {
    Query::delete()
        .from_table(OrderLines::Table)
        .and_where(Expr::col(OrderLines::OrderId).is_in(orders.iter().map(|o| o.id)))
        .to_owned()
}

/// `DELETE FROM line_adjustments WHERE adjustment_id IN (...)` for these rows.
pub fn delete_adjustments(rows: &[LineAdjustment]) -> DeleteStatement {
    Query::delete()
        .from_table(LineAdjustments::Table)
        .and_where(Expr::col(LineAdjustments::AdjustmentId).is_in(rows.iter().map(|a| a.id)))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::Sample;

    #[test]
    fn composite_and_array_render() {
        let e = composite(
            "t_c",
            vec![
                Expr::val("a"),
                composite("t_c_d", vec![Expr::val(1), Expr::val(true)]),
            ],
        );
        let sql = Query::select().expr(e).to_string(PostgresQueryBuilder);
        assert_eq!(
            sql,
            "SELECT CAST(ROW('a', CAST(ROW(1, TRUE) AS t_c_d)) AS t_c)"
        );
        let a = array_or_null(
            "t",
            vec![composite("t", vec![Expr::val("it's"), Expr::val(2)])],
        );
        let (sql, values) = Query::select().expr(a).build(PostgresQueryBuilder);
        assert_eq!(sql, r"SELECT ARRAY[CAST(ROW(E'it\'s', 2) AS t)]::t[]");
        assert!(values.0.is_empty());
    }

    #[test]
    fn batches_stay_under_the_bind_limit() {
        let s = Sample::generate();
        let (_, values) =
            insert_events(&s.events[..crate::sample::BATCH]).build(PostgresQueryBuilder);
        assert!(values.0.len() < 65_535, "{} parameters", values.0.len());
    }
}
