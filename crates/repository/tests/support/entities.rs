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
}
