//! The compile-check crate of the entity-gen tests: the generated modules of every case
//! (`entity_gen_compile_check::cases::<case>`) compile together, and rows of every mapped type, nested composites
//! included, round-trip through the generated entities with qsorm-repository.
//!
//! Run as `entity-gen-compile-check TYPES_URL COMPOSITES_URL` (databases holding the
//! `types` and `composites` case schemas).

use std::str::FromStr;

use entity_gen_compile_check::cases;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone};
use qsorm_repository::{NestedColumn, Repo, Table};
use rust_decimal::Decimal;
use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Database, DatabaseConnection, EntityTrait,
    IdenStatic, IntoActiveModel, Iterable,
};
use serde_json::json;
use uuid::Uuid;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn tstz(h: u32) -> chrono::DateTime<FixedOffset> {
    FixedOffset::east_opt(2 * 3600)
        .expect("offset")
        .with_ymd_and_hms(2024, 5, 17, h, 30, 15)
        .single()
        .expect("time")
}

async fn round_trip_types(db: &DatabaseConnection) {
    use cases::types::all_types;
    use cases::types::sea_orm_active_enums::Mood;

    let expected = all_types::Model {
        id: 0,
        c_int2: Some(-2),
        c_int4: 7,
        c_int8: Some(1 << 40),
        c_numeric: Some(dec("1234.50")),
        c_numeric_any: Some(dec("3.14159265358979")),
        c_float4: Some(1.5),
        c_float8: Some(-2.25),
        c_bool: Some(false),
        c_text: Some("héllo 'quoted' $1".to_owned()),
        c_varchar: Some("varchar".to_owned()),
        c_char: Some("abc".to_owned()),
        c_bytea: Some(vec![0, 1, 254, 255]),
        c_uuid: Some(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)),
        c_json: Some(json!({"a": [1, 2, {"b": null}]})),
        c_jsonb: Some(json!({"nested": {"ok": true}})),
        c_date: NaiveDate::from_ymd_opt(2024, 2, 29),
        c_time: NaiveTime::from_hms_opt(23, 59, 58),
        c_timestamp: NaiveDate::from_ymd_opt(2024, 5, 17)
            .and_then(|d| d.and_hms_milli_opt(10, 11, 12, 345)),
        c_timestamptz: Some(tstz(9)),
        c_interval: Some("1 day 02:00:00".to_owned()),
        c_money: Some(dec("12.34")),
        c_inet: Some("192.168.0.0/24".to_owned()),
        c_tsvector: Some("'a' 'b'".to_owned()),
        c_int_array: Some(vec![1, 2, 3]),
        c_text_array: Some(vec!["x".to_owned(), "y, z".to_owned()]),
        c_uuid_array: Some(vec![Uuid::nil(), Uuid::from_u128(42)]),
        c_num_array: Some(vec![dec("1.5"), dec("-0.25")]),
        c_ts_array: Some(vec![tstz(1), tstz(2)]),
        c_matrix: Some("{{1,2},{3,4}}".to_owned()),
        c_mood: Some(Mood::VeryHappy),
        c_mood_array: Some(vec![Mood::Meh, Mood::NotOk]),
        c_positive: Some(5),
        c_country: Some("DE".to_owned()),
        c_int_list: Some(vec![4, 5]),
    };
    let repo = Repo::<all_types::Entity, _>::new(db);
    // qsorm-repository's insert (UNNEST of text arrays) casts plain columns by their
    // column type and ignores `save_as`, so a text-cast column (even NULL) fails there
    // ("column c_interval is of type interval but expression is of type text"): those
    // are left out of its insert and written by sea-orm's own update, which applies
    // `save_as`.
    let mut am = expected.clone().into_active_model();
    am.id = ActiveValue::NotSet; // GENERATED ALWAYS AS IDENTITY
    am.c_interval = ActiveValue::NotSet;
    am.c_money = ActiveValue::NotSet;
    am.c_inet = ActiveValue::NotSet;
    am.c_tsvector = ActiveValue::NotSet;
    am.c_matrix = ActiveValue::NotSet;
    let inserted = repo.insert(am).await.expect("insert all_types");
    let expected = all_types::Model {
        id: inserted.id,
        ..expected
    };
    assert_eq!(
        inserted,
        all_types::Model {
            c_interval: None,
            c_money: None,
            c_inet: None,
            c_tsvector: None,
            c_matrix: None,
            ..expected.clone()
        },
        "all_types: RETURNING row"
    );
    let am = expected.clone().into_active_model().reset_all();
    all_types::Entity::update(am)
        .exec(db)
        .await
        .expect("sea-orm update with save_as casts");
    let read = repo
        .get(inserted.id)
        .await
        .expect("get all_types")
        .expect("row exists");
    assert_eq!(read, expected, "all_types: row read back");
    // sea-orm's own select works too (the text casts come from `select_as`).
    let plain = all_types::Entity::find_by_id(inserted.id)
        .one(db)
        .await
        .expect("sea-orm find")
        .expect("row exists");
    assert_eq!(plain, expected, "all_types: sea-orm find");
    // `--with-serde both` and `--extra-attr serde(rename_all = "camelCase")`.
    let value = serde_json::to_value(&read).expect("serialize");
    assert_eq!(value["cMood"], json!("very happy"));

    use cases::types::odd_types;
    let odd = odd_types::Model {
        id: 1,
        c_pair: Some("[1.5,2.5)".to_owned()),
        c_bits: Some("1010".to_owned()),
    };
    odd_types::Entity::insert(odd.clone().into_active_model())
        .exec(db)
        .await
        .expect("insert odd_types");
    let repo = Repo::<odd_types::Entity, _>::new(db);
    let read = repo.get(1).await.expect("get odd_types");
    assert_eq!(read, Some(odd), "odd_types: unknown types through ::text");
}

async fn round_trip_composites(db: &DatabaseConnection) {
    use cases::composites::composites::{
        Addr, MoneyAmount, MoneyAmountList, WebEventsProductListItems,
        WebEventsProductListItemsList, WebEventsWeb, WebEventsWebPageDetails,
    };
    use cases::composites::sea_orm_active_enums::Channel;
    use cases::composites::web_events;

    let money = |c: &str, a: &str| MoneyAmount {
        currency: Some(c.to_owned()),
        amount: Some(dec(a)),
    };
    let expected = web_events::Model {
        id: "evt-1".to_owned(),
        timestamp: tstz(8),
        web: Some(WebEventsWeb {
            page_details: Some(WebEventsWebPageDetails {
                name: Some("home".to_owned()),
                url: Some("https://example.com/?a=\"b\"".to_owned()),
                is_home_page: Some(true),
            }),
            referrer: None,
        }),
        product_list_items: Some(WebEventsProductListItemsList(vec![
            WebEventsProductListItems {
                sku: Some("SKU-1".to_owned()),
                quantity: Some(2),
                price_total: Some(money("EUR", "19.90")),
                tags: Some(vec!["new".to_owned(), "sale, now".to_owned()]),
                discounts: Some(vec![money("EUR", "1.00"), money("USD", "0.50")]),
                channel: Some(Channel::Mobile),
            },
            WebEventsProductListItems {
                sku: Some("SKU-2".to_owned()),
                quantity: None,
                price_total: None,
                tags: Some(vec![]),
                discounts: None,
                channel: None,
            },
        ])),
        identity_map: Some(json!({"ECID": [{"id": "123", "primary": true}]})),
        ship_to: Some(Addr {
            street: Some("Hauptstraße 1".to_owned()),
            zip_code: Some("10115".to_owned()),
            when: Some(tstz(12)),
        }),
        amounts: MoneyAmountList(vec![money("CHF", "5.05")]),
    };
    let repo = Repo::<web_events::Entity, _>::new(db);
    let inserted = repo
        .insert(expected.clone().into_active_model())
        .await
        .expect("insert web_events");
    assert_eq!(inserted, expected, "web_events: RETURNING row");
    let read = repo
        .get("evt-1".to_owned())
        .await
        .expect("get web_events")
        .expect("row exists");
    assert_eq!(read, expected, "web_events: nested composites read back");

    let empty = web_events::Model {
        id: "evt-2".to_owned(),
        web: None,
        product_list_items: None,
        identity_map: None,
        ship_to: None,
        amounts: MoneyAmountList(vec![]),
        ..expected
    };
    repo.insert(empty.clone().into_active_model())
        .await
        .expect("insert nulls");
    let read = repo.get("evt-2".to_owned()).await.expect("get nulls");
    assert_eq!(read, Some(empty), "web_events: NULL composites");
}

/// `E::NESTED` lists exactly the columns whose `column_type` names a composite
/// (`Custom("t")`, `Custom("t[]")`), with the type as the `column_type` spells it.
fn nested_matches_column_types<E: Table>() {
    let mut from_types = Vec::new();
    for column in E::Column::iter() {
        let (sql_type, array) = match column.def().get_column_type() {
            ColumnType::Custom(name) => {
                let name = name.to_string();
                match name.strip_suffix("[]") {
                    Some(base) => (base.to_owned(), true),
                    None => (name, false),
                }
            }
            _ => continue,
        };
        from_types.push((column.as_str().to_owned(), sql_type, array));
    }
    let listed: Vec<(String, String, bool)> = E::NESTED
        .iter()
        .map(|n: &NestedColumn| (n.column.to_owned(), n.sql_type.to_owned(), n.array))
        .collect();
    assert_eq!(
        listed,
        from_types,
        "{}: Table::NESTED",
        E::default().as_str()
    );
    if !E::NESTED.is_empty() {
        for n in E::NESTED {
            assert!(
                E::COMPOSITE_TYPES.iter().any(|(t, _)| *t == n.sql_type),
                "{}: COMPOSITE_TYPES lacks {}",
                E::default().as_str(),
                n.sql_type
            );
        }
    }
}

/// What the generated `Table` impls state: nested columns, composite types, read-only.
fn table_impls() {
    nested_matches_column_types::<cases::types::all_types::Entity>();
    nested_matches_column_types::<cases::types::odd_types::Entity>();
    nested_matches_column_types::<cases::composites::web_events::Entity>();
    assert_eq!(cases::composites::web_events::Entity::NESTED.len(), 4);
    assert!(!cases::composites::web_events::Entity::READ_ONLY);
    assert!(cases::views::daily_page_views::Entity::READ_ONLY);
    assert!(cases::no_pk::events_loose::Entity::READ_ONLY);
    assert!(!cases::no_pk::events_keyed::Entity::READ_ONLY);
}

#[tokio::main]
async fn main() {
    table_impls();
    let args: Vec<String> = std::env::args().collect();
    let [_, types_url, composites_url] = args.as_slice() else {
        panic!("usage: entity-gen-compile-check TYPES_URL COMPOSITES_URL");
    };
    let types = Database::connect(types_url.as_str())
        .await
        .expect("connect");
    round_trip_types(&types).await;
    let composites = Database::connect(composites_url.as_str())
        .await
        .expect("connect");
    round_trip_composites(&composites).await;
    println!("round trips: ok");
}
