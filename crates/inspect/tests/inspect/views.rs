//! The JSON snapshot of the fixture and its psql-like text views.

use qsorm_inspect::{Schema, describe_text, table_names, tables_text};

use crate::{fixture, pg, table};

#[tokio::test]
async fn json_snapshot_is_stable() {
    let (_conn, schema) = fixture().await;
    let json = serde_json::to_string_pretty(&schema).expect("json");
    let back: Schema = serde_json::from_str(&json).expect("parse back");
    assert_eq!(back, schema);
    insta::assert_snapshot!("fixture_schema_json", json);
}

#[tokio::test]
async fn text_views_of_the_fixture() {
    let (conn, schema) = fixture().await;
    let orders = describe_text(table(&schema, "public", "orders"), &schema);
    for line in [
        "Table \"public.orders\"",
        " order_id     | bigint                   | not null | nextval('orders_order_id_seq'::regclass)",
        "    \"orders_pkey\" PRIMARY KEY, btree (order_id)",
        "    \"orders_placed_idx\" btree (placed_at DESC) INCLUDE (total)",
        "    \"orders_total_check\" CHECK (total >= 0::numeric)",
        "    \"orders_customer_fkey\" FOREIGN KEY (region, customer_no) REFERENCES customers(region, customer_no) ON UPDATE SET NULL ON DELETE CASCADE",
        // psql quotes the referencing table's regclass text as a whole, quotes included.
        "    TABLE \"\"Sales-EU\".\"order-lines\"\" CONSTRAINT \"order-lines_order_id_fkey\" FOREIGN KEY (order_id) REFERENCES orders(order_id) ON DELETE CASCADE",
    ] {
        assert!(
            orders.lines().any(|l| l == line),
            "missing {line:?} in\n{orders}"
        );
    }
    insta::assert_snapshot!("describe_orders", orders);

    let events = describe_text(table(&schema, "public", "experience_events"), &schema);
    let tree: Vec<&str> = events
        .lines()
        .skip_while(|l| *l != "Nested types:")
        .collect();
    assert_eq!(
        tree,
        [
            "Nested types:",
            "    web: web_info",
            "      webPageDetails: web_page",
            "        name: text",
            "        url: character varying(200)",
            "        views: bigint",
            "      referrer: text",
            "    product_list_items: product_item[]",
            "      SKU: text",
            "      quantity: positive_int",
            "      priceTotal: money_amount",
            "        currency: character(3)",
            "        amount: numeric(12,2)",
            "      tags: text[]",
        ]
    );
    insta::assert_snapshot!("describe_experience_events", events);
    insta::assert_snapshot!(
        "describe_product_catalog",
        describe_text(table(&schema, "Sales-EU", "Product Catalog"), &schema)
    );

    let list = tables_text(&table_names(&conn, &pg()).await.expect("table_names"));
    assert!(
        list.lines()
            .any(|l| l.starts_with(" public   | all_types ") && l.contains("| 28 "))
    );
    assert!(list.ends_with("(12 rows)\n"));
    insta::assert_snapshot!("tables_text", list);
}
