//! The test tables beyond the sample dataset: a related pair with nested columns, and a
//! table larger than two Query Service pages.

/// A pair of related tables whose one side has a nested column (a composite and an array of
/// composites), for the related loads on both flavors.
pub mod accounts {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    pub const SQL: &str = "
        CREATE TYPE account_owner AS (name text, city text);
        CREATE TYPE account_badge AS (label text, level integer);
        CREATE TABLE accounts (
            _id text PRIMARY KEY,
            owner account_owner,
            badges account_badge[],
            opened date NOT NULL
        );
        CREATE TABLE visits (
            visit_id bigint PRIMARY KEY,
            account_id text NOT NULL REFERENCES accounts(_id),
            page text NOT NULL
        );
        INSERT INTO accounts
        SELECT 'acct-' || i,
               ROW('owner ' || i || ' it''s', CASE WHEN i % 3 = 0 THEN NULL ELSE 'Basel' END)::account_owner,
               ARRAY[ROW('gold', i)::account_badge, ROW(NULL, NULL)::account_badge],
               DATE '2026-01-01' + i
        FROM generate_series(1, 40) AS i;
        INSERT INTO visits
        SELECT v, 'acct-' || (v % 30 + 1), '/page/' || v FROM generate_series(1, 200) AS v;
    ";

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    pub struct Owner {
        pub name: Option<String>,
        pub city: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Badge {
        pub label: Option<String>,
        pub level: Option<i32>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
    #[serde(transparent)]
    pub struct Badges(pub Vec<Badge>);

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_name = "_id")]
        pub id: String,
        #[sea_orm(column_type = "Custom(\"account_owner\".into())")]
        pub owner: Option<Owner>,
        #[sea_orm(column_type = "Custom(\"account_badge[]\".into())")]
        pub badges: Option<Badges>,
        pub opened: Date,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::visits::Entity")]
        Visits,
    }

    impl Related<super::visits::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Visits.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {
        const NESTED: &'static [qsorm_repository::NestedColumn] = &[
            qsorm_repository::NestedColumn {
                column: "owner",
                sql_type: "account_owner",
                array: false,
            },
            qsorm_repository::NestedColumn {
                column: "badges",
                sql_type: "account_badge",
                array: true,
            },
        ];
    }
}

pub mod visits {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: i64,
        pub account_id: String,
        pub page: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::accounts::Entity",
            from = "Column::AccountId",
            to = "super::accounts::Column::Id"
        )]
        Account,
    }

    impl Related<super::accounts::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Account.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// A table larger than two Query Service pages (50,000 rows each), its labels holding a
/// quote and a backslash, for reads through the cursor past one page.
pub mod big_numbers {
    use sea_orm::entity::prelude::*;

    /// Rows in the table: ids `1..=ROWS`.
    pub const ROWS: i64 = 120_000;

    pub const SQL: &str = r"
        CREATE TABLE big_numbers (id bigint PRIMARY KEY, label text NOT NULL);
        INSERT INTO big_numbers
        SELECT i, 'n''' || i || '\x' FROM generate_series(1, 120000) AS i;
    ";

    /// The label of row `id`, as `SQL` writes it: `n'<id>\x`.
    pub fn label(id: i64) -> String {
        format!("n'{id}\\x")
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "big_numbers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}
