//! The fixture schema, fact by fact.

use qsorm_inspect::{
    Check, ColumnType, FkAction, Identity, IndexColumn, TableKind, UserType, table_names,
};

use crate::{
    array, builtin, column, composite, enumeration, fixture, named, names, pairs, pg, table,
};

#[tokio::test]
async fn fixture_relations_kinds_and_comments() {
    let (conn, schema) = fixture().await;
    assert_eq!(schema.schemas, ["Sales-EU", "public"]);
    // Sorted by (schema, name), byte order; pg_stat_statements' views (an extension's) left out.
    let expected = pairs(&[
        ("Sales-EU", "Product Catalog"),
        ("Sales-EU", "line_counts"),
        ("Sales-EU", "order-lines"),
        ("public", "all_types"),
        ("public", "big_orders"),
        ("public", "customers"),
        ("public", "employees"),
        ("public", "experience_events"),
        ("public", "measurements"),
        ("public", "measurements_2024"),
        ("public", "orders"),
        ("public", "select"),
    ]);
    assert_eq!(names(&schema), expected);
    let kind = |ns, name| table(&schema, ns, name).kind;
    assert_eq!(kind("public", "big_orders"), TableKind::View);
    assert_eq!(kind("Sales-EU", "line_counts"), TableKind::MaterializedView);
    assert_eq!(kind("public", "measurements"), TableKind::Partitioned);
    assert_eq!(kind("public", "measurements_2024"), TableKind::Table);
    assert_eq!(kind("public", "orders"), TableKind::Table);
    let comment = |ns, name| table(&schema, ns, name).comment.as_deref();
    assert_eq!(
        comment("public", "all_types"),
        Some("One column per common type")
    );
    assert_eq!(
        comment("Sales-EU", "Product Catalog"),
        Some("Produkte – Größen & Preise")
    );
    assert_eq!(comment("public", "big_orders"), Some("Orders above 1000"));
    assert_eq!(comment("public", "orders"), None);
    assert!(
        schema
            .tables
            .iter()
            .all(|t| t.dataset_id.is_none() && t.description.is_none())
    );

    let list = table_names(&conn, &pg()).await.expect("table_names");
    let listed: Vec<(String, String)> = list
        .iter()
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect();
    assert_eq!(listed, expected);
    let all_types = list.iter().find(|t| t.name == "all_types").expect("listed");
    assert_eq!(all_types.column_count, 28);
    assert_eq!(all_types.kind, TableKind::Table);
    assert_eq!(
        all_types.comment.as_deref(),
        Some("One column per common type")
    );
    let view = list
        .iter()
        .find(|t| t.name == "line_counts")
        .expect("listed");
    assert_eq!(
        (view.kind, view.column_count),
        (TableKind::MaterializedView, 2)
    );
}

#[tokio::test]
async fn fixture_columns_types_and_defaults() {
    let (_conn, schema) = fixture().await;
    let all = table(&schema, "public", "all_types");
    let ordinals: Vec<i32> = all.columns.iter().map(|c| c.ordinal).collect();
    assert_eq!(ordinals, (1..=28).collect::<Vec<_>>());

    let id = column(all, "id");
    assert_eq!(
        (id.identity, id.nullable, id.is_serial),
        (Some(Identity::Always), false, false)
    );
    assert_eq!(id.default, None);
    let c_int4 = column(all, "c_int4");
    assert_eq!(
        (c_int4.default.as_deref(), c_int4.nullable),
        (Some("42"), false)
    );
    let numeric = column(all, "c_numeric");
    assert_eq!(numeric.sql_type, "numeric(12,2)");
    assert_eq!(
        numeric.ty,
        ColumnType::Builtin {
            name: "numeric".into(),
            schema: None,
            precision: Some(12),
            scale: Some(2),
            length: None
        }
    );
    assert_eq!(numeric.comment.as_deref(), Some("Money, two decimals"));
    let ty = |name| column(all, name).ty.clone();
    for (name, builtin_name) in [
        ("c_int2", "int2"),
        ("c_int8", "int8"),
        ("c_float4", "float4"),
        ("c_float8", "float8"),
        ("c_bool", "bool"),
        ("c_text", "text"),
        ("c_bytea", "bytea"),
        ("c_uuid", "uuid"),
        ("c_json", "json"),
        ("c_jsonb", "jsonb"),
        ("c_date", "date"),
        ("c_time", "time"),
        ("c_timestamptz", "timestamptz"),
        ("c_interval", "interval"),
    ] {
        assert_eq!(ty(name), builtin(builtin_name), "{name}");
    }
    assert!(
        matches!(ty("c_varchar"), ColumnType::Builtin { length: Some(40), ref name, .. } if name == "varchar")
    );
    assert!(
        matches!(ty("c_char"), ColumnType::Builtin { length: Some(3), ref name, .. } if name == "bpchar")
    );
    assert!(matches!(
        ty("c_timestamp"),
        ColumnType::Builtin {
            precision: Some(3),
            ..
        }
    ));
    assert_eq!(
        column(all, "c_timestamptz").default.as_deref(),
        Some("now()")
    );
    assert_eq!(ty("c_int_array"), array(builtin("int4"), 1));
    assert_eq!(ty("c_text_array"), array(builtin("text"), 1));
    assert_eq!(ty("c_matrix"), array(builtin("int4"), 2));
    assert_eq!(ty("c_mood"), named(enumeration, "public", "mood"));
    assert_eq!(ty("c_money"), named(composite, "public", "money_amount"));
    assert_eq!(
        ty("c_positive"),
        ColumnType::Domain {
            schema: "public".into(),
            name: "positive_int".into(),
            base: Box::new(builtin("int4")),
        }
    );
    assert_eq!(
        ty("c_int_list"),
        ColumnType::Domain {
            schema: "public".into(),
            name: "int_list".into(),
            base: Box::new(array(builtin("int4"), 1)),
        }
    );

    let orders = table(&schema, "public", "orders");
    let order_id = column(orders, "order_id");
    assert!(order_id.is_serial);
    assert_eq!(
        order_id.default.as_deref(),
        Some("nextval('orders_order_id_seq'::regclass)")
    );
    assert!(column(table(&schema, "public", "select"), "type").is_serial);
    let employee_id = column(table(&schema, "public", "employees"), "employee_id");
    assert_eq!(
        (employee_id.identity, employee_id.is_serial),
        (Some(Identity::ByDefault), false)
    );
    assert!(!column(orders, "placed_at").is_serial, "now() is no serial");

    let customers = table(&schema, "public", "customers");
    let full_name = column(customers, "full_name");
    assert_eq!(full_name.default, None);
    assert!(
        full_name
            .generated
            .as_deref()
            .is_some_and(|g| g.contains("COALESCE(first_name"))
    );

    let keywords = table(&schema, "public", "select");
    let cols: Vec<&str> = keywords.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(cols, ["type", "fn", "order", "self", "Self"]);

    let catalog = table(&schema, "Sales-EU", "Product Catalog");
    let naive = column(catalog, "naïve café");
    assert_eq!(naive.comment.as_deref(), Some("non-ASCII column"));
    let size = column(catalog, "Größe");
    assert_eq!(size.sql_type, "\"Sales-EU\".\"Größe\"");
    assert_eq!(size.ty, named(enumeration, "Sales-EU", "Größe"));
    assert!(!size.nullable);

    let events = table(&schema, "public", "experience_events");
    assert_eq!(events.primary_key, None);
    assert_eq!(column(events, "_id").ty, builtin("text"));
    assert_eq!(
        column(events, "web").ty,
        named(composite, "public", "web_info")
    );
    let items = column(events, "product_list_items");
    assert_eq!(
        items.ty,
        array(named(composite, "public", "product_item"), 1)
    );
    assert_eq!(items.ty.composite(), Some(("public", "product_item")));
    assert_eq!(column(events, "identity_map").ty, builtin("jsonb"));
}

#[tokio::test]
async fn fixture_user_types_resolve_recursively() {
    let (_conn, schema) = fixture().await;
    let listed: Vec<(&str, &str)> = schema
        .types
        .iter()
        .map(|t| (t.schema(), t.name()))
        .collect();
    // web_page is used by no column: only through web_info's field, two levels down.
    assert_eq!(
        listed,
        [
            ("Sales-EU", "Größe"),
            ("public", "country_code"),
            ("public", "int_list"),
            ("public", "money_amount"),
            ("public", "mood"),
            ("public", "positive_int"),
            ("public", "product_item"),
            ("public", "web_info"),
            ("public", "web_page"),
        ]
    );
    let Some(UserType::Enum { labels, .. }) = schema.user_type("public", "mood") else {
        panic!("mood")
    };
    assert_eq!(
        labels,
        &["very happy", "meh", "ok", "not ok"],
        "enumsortorder, not creation order"
    );
    let Some(UserType::Enum { labels, .. }) = schema.user_type("Sales-EU", "Größe") else {
        panic!("Größe")
    };
    assert_eq!(labels, &["S", "M", "L", "XL"]);

    let Some(UserType::Domain {
        base,
        not_null,
        default,
        checks,
        sql_type,
        ..
    }) = schema.user_type("public", "positive_int")
    else {
        panic!("positive_int")
    };
    assert_eq!((base, sql_type.as_str()), (&builtin("int4"), "integer"));
    assert!(*not_null);
    assert_eq!(default.as_deref(), Some("1"));
    assert_eq!(
        checks,
        &[Check {
            name: "positive_int_check".into(),
            expression: "(VALUE > 0)".into()
        }]
    );
    let Some(UserType::Domain {
        checks, not_null, ..
    }) = schema.user_type("public", "country_code")
    else {
        panic!("country_code")
    };
    assert!(!*not_null);
    assert!(checks[0].expression.contains("VALUE ~ '^[A-Z]{2}$'"));

    let fields = |name| {
        schema
            .user_type("public", name)
            .and_then(UserType::fields)
            .unwrap_or_else(|| panic!("composite {name}"))
    };
    let web_info = fields("web_info");
    assert_eq!(web_info[0].name, "webPageDetails");
    assert_eq!(web_info[0].ty, named(composite, "public", "web_page"));
    let web_page = fields("web_page");
    let summary: Vec<(&str, &str)> = web_page
        .iter()
        .map(|f| (f.name.as_str(), f.sql_type.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("name", "text"),
            ("url", "character varying(200)"),
            ("views", "bigint")
        ]
    );
    let item = fields("product_item");
    assert_eq!(item[0].name, "SKU");
    assert!(matches!(&item[1].ty, ColumnType::Domain { name, .. } if name == "positive_int"));
    assert_eq!(item[2].ty, named(composite, "public", "money_amount"));
    assert_eq!(item[3].ty, array(builtin("text"), 1));
    let ordinals: Vec<i32> = item.iter().map(|f| f.ordinal).collect();
    assert_eq!(ordinals, [1, 2, 3, 4]);
    let money = fields("money_amount");
    assert!(matches!(
        money[0].ty,
        ColumnType::Builtin {
            length: Some(3),
            ..
        }
    ));
    assert!(matches!(
        money[1].ty,
        ColumnType::Builtin {
            precision: Some(12),
            scale: Some(2),
            ..
        }
    ));
}

#[tokio::test]
async fn fixture_keys_indexes_and_checks() {
    let (_conn, schema) = fixture().await;
    let customers = table(&schema, "public", "customers");
    let pk = customers.primary_key.as_ref().expect("customers pk");
    assert_eq!(
        (pk.name.as_str(), pk.columns.as_slice()),
        (
            "customers_pkey",
            &["region".to_owned(), "customer_no".to_owned()][..]
        )
    );
    let uniques: Vec<(&str, Vec<&str>)> = customers
        .unique_constraints
        .iter()
        .map(|u| {
            (
                u.name.as_str(),
                u.columns.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        uniques,
        [
            ("customers_email_key", vec!["email"]),
            ("customers_name_uq", vec!["last_name", "first_name"])
        ]
    );
    assert_eq!(
        customers.checks,
        [Check {
            name: "customers_no_positive".into(),
            expression: "(customer_no > 0)".into()
        }]
    );
    let lower = customers
        .index("customers_lower_email_idx")
        .expect("expression index");
    assert_eq!(
        lower.columns,
        [IndexColumn::Expression("lower(email)".into())]
    );
    assert!(!lower.unique && !lower.primary);
    assert_eq!(
        customers
            .index("customers_last_name_idx")
            .expect("hash")
            .method,
        "hash"
    );
    let pk_index = customers.index("customers_pkey").expect("pk index");
    assert!(pk_index.primary && pk_index.unique);
    assert_eq!(
        pk_index.columns,
        [
            IndexColumn::Column("region".into()),
            IndexColumn::Column("customer_no".into())
        ]
    );

    let orders = table(&schema, "public", "orders");
    let fk_names: Vec<&str> = orders
        .foreign_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(
        fk_names,
        [
            "orders_billed_by_fkey",
            "orders_customer_fkey",
            "orders_parent_order_fkey",
            "orders_shipped_by_fkey"
        ]
    );
    let customer_fk = orders
        .foreign_key("orders_customer_fkey")
        .expect("composite fk");
    assert_eq!(customer_fk.columns, ["region", "customer_no"]);
    assert_eq!(
        (
            customer_fk.ref_schema.as_str(),
            customer_fk.ref_table.as_str()
        ),
        ("public", "customers")
    );
    assert_eq!(customer_fk.ref_columns, ["region", "customer_no"]);
    assert_eq!(
        (customer_fk.on_delete, customer_fk.on_update),
        (FkAction::Cascade, FkAction::SetNull)
    );
    let parent = orders
        .foreign_key("orders_parent_order_fkey")
        .expect("self fk");
    assert_eq!(
        (parent.ref_table.as_str(), parent.on_delete),
        ("orders", FkAction::SetNull)
    );
    let billed = orders.foreign_key("orders_billed_by_fkey").expect("billed");
    let shipped = orders
        .foreign_key("orders_shipped_by_fkey")
        .expect("shipped");
    assert_eq!(
        (billed.ref_table.as_str(), shipped.ref_table.as_str()),
        ("employees", "employees")
    );
    assert_eq!(
        (billed.on_delete, shipped.on_delete),
        (FkAction::NoAction, FkAction::Restrict)
    );
    let placed = orders.index("orders_placed_idx").expect("include index");
    assert_eq!(placed.columns, [IndexColumn::Column("placed_at".into())]);
    assert_eq!(placed.include, ["total"]);
    assert!(
        placed
            .definition
            .contains("(placed_at DESC) INCLUDE (total)")
    );
    let partial = orders
        .index("orders_region_customer_idx")
        .expect("partial index");
    assert!(partial.unique && !partial.primary);
    assert!(
        partial
            .predicate
            .as_deref()
            .is_some_and(|p| p.contains("total > "))
    );
    assert_eq!(orders.checks.len(), 1);
    assert_eq!(orders.checks[0].name, "orders_total_check");

    let lines = table(&schema, "Sales-EU", "order-lines");
    let pk = lines.primary_key.as_ref().expect("lines pk");
    assert_eq!(
        (pk.name.as_str(), pk.columns.as_slice()),
        (
            "order-lines_pkey",
            &["order_id".to_owned(), "line_no".to_owned()][..]
        )
    );
    let to_orders = lines
        .foreign_key("order-lines_order_id_fkey")
        .expect("cross-schema fk");
    assert_eq!(
        (to_orders.ref_schema.as_str(), to_orders.on_delete),
        ("public", FkAction::Cascade)
    );
    let to_catalog = lines
        .foreign_key("order-lines_Product ID_fkey")
        .expect("fk with spaces");
    assert_eq!(
        (
            to_catalog.ref_schema.as_str(),
            to_catalog.ref_table.as_str()
        ),
        ("Sales-EU", "Product Catalog")
    );
    assert_eq!(to_catalog.ref_columns, ["Product ID"]);

    for (ns, view) in [("public", "big_orders"), ("Sales-EU", "line_counts")] {
        let v = table(&schema, ns, view);
        assert!(v.primary_key.is_none() && v.indexes.is_empty() && v.foreign_keys.is_empty());
    }
}
