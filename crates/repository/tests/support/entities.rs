//! Hand-written entities for the fixture (the generated ones live in crates/entity).

pub mod customers {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "tier")]
    pub enum Tier {
        #[sea_orm(string_value = "bronze")]
        Bronze,
        #[sea_orm(string_value = "silver")]
        Silver,
        #[sea_orm(string_value = "gold")]
        Gold,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    pub struct PageDetails {
        pub name: Option<String>,
        pub url: Option<String>,
        pub is_home_page: Option<bool>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    pub struct WebDetails {
        pub page: Option<PageDetails>,
        pub referrer_url: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct LineItem {
        pub sku: Option<String>,
        pub quantity: Option<i32>,
        pub price_total: Option<Decimal>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    #[serde(transparent)]
    pub struct LineItems(pub Vec<LineItem>);

    /// The fixture's composite types, as `entity-gen` would generate them.
    pub const COMPOSITE_TYPES: &[(&str, &[(&str, &str)])] = &[
        (
            "line_item",
            &[
                ("sku", "text"),
                ("quantity", "integer"),
                ("price_total", "numeric(12,2)"),
            ],
        ),
        (
            "page_details",
            &[
                ("name", "text"),
                ("url", "text"),
                ("is_home_page", "boolean"),
            ],
        ),
        (
            "web_details",
            &[("page", "page_details"), ("referrer_url", "text")],
        ),
    ];

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub email: String,
        pub name: String,
        pub tier: Option<Tier>,
        pub tags: Option<Vec<String>>,
        #[sea_orm(column_type = "Custom(\"web_details\".into())")]
        pub web: Option<WebDetails>,
        #[sea_orm(column_type = "Custom(\"line_item[]\".into())")]
        pub items: Option<LineItems>,
        pub score: Option<Decimal>,
        pub created_at: DateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {
        const NESTED: &'static [qsorm_repository::NestedColumn] = &[
            qsorm_repository::NestedColumn {
                column: "web",
                sql_type: "web_details",
                array: false,
            },
            qsorm_repository::NestedColumn {
                column: "items",
                sql_type: "line_item",
                array: true,
            },
        ];
        const COMPOSITE_TYPES: &'static qsorm_repository::CompositeTable = COMPOSITE_TYPES;
    }
}

pub mod purchases {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub customer_id: i64,
        pub total: Decimal,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// A data-lake-like table: no primary key in the database, `_id` used as the entity key.
pub mod events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_name = "_id")]
        pub id: String,
        pub event_type: String,
        pub n: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// A type without a natural Rust mapping, read and written through text casts.
pub mod durations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "durations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        #[sea_orm(column_type = "Text", select_as = "text", save_as = "interval")]
        pub span: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// One column of every type the Query Service renderer writes (`qs_values.sql`), composites
/// nested and in arrays, hostile enum labels and field names.
pub mod qs_values {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "qs_mood")]
    pub enum Mood {
        #[sea_orm(string_value = "happy")]
        #[serde(rename = "happy")]
        Happy,
        #[sea_orm(string_value = "not ok")]
        #[serde(rename = "not ok")]
        NotOk,
        #[sea_orm(string_value = "it's")]
        #[serde(rename = "it's")]
        Quote,
        #[sea_orm(string_value = "back\\slash")]
        #[serde(rename = "back\\slash")]
        Backslash,
    }

    /// `qs_inner`: a field of every scalar type.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    pub struct Inner {
        pub t: Option<String>,
        pub n: Option<Decimal>,
        pub f: Option<f64>,
        pub r: Option<f32>,
        pub ts: Option<DateTimeWithTimeZone>,
        pub naive: Option<DateTime>,
        pub d: Option<Date>,
        pub tm: Option<Time>,
        pub u: Option<Uuid>,
        pub j: Option<Json>,
        /// `bytea`, in its text form (`\x...`) as `to_json` gives it.
        pub b: Option<String>,
        pub mood: Option<Mood>,
        pub tags: Option<Vec<Option<String>>>,
        pub flag: Option<bool>,
        pub big: Option<i64>,
        pub small: Option<i16>,
        pub order: Option<String>,
        #[serde(rename = "Weird Name")]
        pub weird_name: Option<String>,
    }

    /// `qs_outer`: a composite inside, an array of composites (with NULL elements).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    pub struct Outer {
        pub inner: Option<Inner>,
        pub inners: Option<Vec<Option<Inner>>>,
        pub label: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    #[serde(transparent)]
    pub struct Outers(pub Vec<Outer>);

    /// What `entity-gen` would generate for these composites.
    pub const COMPOSITE_TYPES: &[(&str, &[(&str, &str)])] = &[
        (
            "qs_inner",
            &[
                ("t", "text"),
                ("n", "numeric(12,2)"),
                ("f", "double precision"),
                ("r", "real"),
                ("ts", "timestamp with time zone"),
                ("naive", "timestamp without time zone"),
                ("d", "date"),
                ("tm", "time without time zone"),
                ("u", "uuid"),
                ("j", "jsonb"),
                ("b", "bytea"),
                ("mood", "qs_mood"),
                ("tags", "text[]"),
                ("flag", "boolean"),
                ("big", "bigint"),
                ("small", "smallint"),
                ("order", "text"),
                ("Weird Name", "text"),
            ],
        ),
        (
            "qs_outer",
            &[
                ("inner", "qs_inner"),
                ("inners", "qs_inner[]"),
                ("label", "text"),
            ],
        ),
    ];

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "qs_values")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub c_text: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(40))")]
        pub c_varchar: Option<String>,
        #[sea_orm(column_type = "Char(Some(3))")]
        pub c_char: Option<String>,
        pub c_i16: Option<i16>,
        pub c_i32: Option<i32>,
        pub c_i64: Option<i64>,
        pub c_f32: Option<f32>,
        pub c_f64: Option<f64>,
        #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
        pub c_dec: Option<Decimal>,
        pub c_dec_any: Option<Decimal>,
        pub c_bool: Option<bool>,
        pub c_bytea: Option<Vec<u8>>,
        pub c_uuid: Option<Uuid>,
        #[sea_orm(column_type = "Json")]
        pub c_json: Option<Json>,
        #[sea_orm(column_type = "JsonBinary")]
        pub c_jsonb: Option<Json>,
        pub c_date: Option<Date>,
        pub c_time: Option<Time>,
        pub c_ts: Option<DateTime>,
        pub c_tstz: Option<DateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", select_as = "text", save_as = "interval")]
        pub c_interval: Option<String>,
        pub c_mood: Option<Mood>,
        pub c_texts: Option<Vec<String>>,
        pub c_ints: Option<Vec<i32>>,
        pub c_decs: Option<Vec<Decimal>>,
        pub c_tstzs: Option<Vec<DateTimeWithTimeZone>>,
        pub c_moods: Option<Vec<Mood>>,
        pub c_f64s: Option<Vec<f64>>,
        #[sea_orm(column_type = "custom(\"qs_inner\")")]
        pub c_inner: Option<Inner>,
        #[sea_orm(column_type = "custom(\"qs_outer\")")]
        pub c_outer: Option<Outer>,
        #[sea_orm(column_type = "custom(\"qs_outer[]\")")]
        pub c_outers: Option<Outers>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {
        const NESTED: &'static [qsorm_repository::NestedColumn] = &[
            qsorm_repository::NestedColumn {
                column: "c_inner",
                sql_type: "qs_inner",
                array: false,
            },
            qsorm_repository::NestedColumn {
                column: "c_outer",
                sql_type: "qs_outer",
                array: false,
            },
            qsorm_repository::NestedColumn {
                column: "c_outers",
                sql_type: "qs_outer",
                array: true,
            },
        ];
        const COMPOSITE_TYPES: &'static qsorm_repository::CompositeTable = COMPOSITE_TYPES;
    }
}
