//! The reflected schema: tables, columns, keys, indexes and checks.
//!
//! Every list is sorted so that serializing a [`Schema`] gives the same JSON for the
//! same database: tables by (schema, name), columns by ordinal, constraints and
//! indexes by name, user types by (schema, name).

use serde::{Deserialize, Serialize};

use crate::relation::{Partition, PartitionOf, Trigger};
use crate::types::{ColumnType, UserType};

/// Everything [`inspect`](crate::inspect) found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The non-system schemas that matched the schema filter (sorted), with or without tables.
    pub schemas: Vec<String>,
    /// The selected relations, sorted by (schema, name).
    pub tables: Vec<Table>,
    /// The enums, composites and domains the selected columns use, directly or nested,
    /// sorted by (schema, name).
    pub types: Vec<UserType>,
    /// Parts of the catalog that could not be read (a rejected query, an unexpected row),
    /// in the order they happened. Empty when the reflection is complete.
    pub warnings: Vec<String>,
}

impl Schema {
    /// The table `schema.name`, if it was reflected.
    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.schema == schema && t.name == name)
    }

    /// The user type `schema.name`, if a selected column uses it.
    pub fn user_type(&self, schema: &str, name: &str) -> Option<&UserType> {
        self.types
            .iter()
            .find(|t| t.schema() == schema && t.name() == name)
    }
}

/// What kind of relation a [`Table`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// An ordinary table (`relkind = 'r'`), partitions included.
    Table,
    /// A view (`v`).
    View,
    /// A materialized view (`m`).
    MaterializedView,
    /// A foreign table (`f`).
    Foreign,
    /// A partitioned table, the parent of partitions (`p`).
    Partitioned,
}

impl TableKind {
    /// The kind for a `pg_class.relkind` letter, `None` for relations that are not tables.
    pub fn from_relkind(relkind: &str) -> Option<TableKind> {
        Some(match relkind {
            "r" => TableKind::Table,
            "v" => TableKind::View,
            "m" => TableKind::MaterializedView,
            "f" => TableKind::Foreign,
            "p" => TableKind::Partitioned,
            _ => return None,
        })
    }

    /// The words psql uses for this kind (`table`, `view`, `materialized view`, ...).
    pub fn label(self) -> &'static str {
        match self {
            TableKind::Table => "table",
            TableKind::View => "view",
            TableKind::MaterializedView => "materialized view",
            TableKind::Foreign => "foreign table",
            TableKind::Partitioned => "partitioned table",
        }
    }
}

/// A table, view, materialized view, foreign or partitioned table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The schema (namespace) name, unquoted.
    pub schema: String,
    /// The relation name, unquoted.
    pub name: String,
    /// The relation kind.
    pub kind: TableKind,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// The columns, by ordinal.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    pub primary_key: Option<PrimaryKey>,
    /// Foreign keys declared on this relation, by name (a partition's copies of its
    /// parent's foreign keys are the parent's: see `partition_of`).
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints (not unique indexes), by name.
    pub unique_constraints: Vec<UniqueConstraint>,
    /// Indexes, including those behind the primary key and unique constraints, by name.
    pub indexes: Vec<Index>,
    /// Check constraints, by name.
    pub checks: Vec<Check>,
    /// Query Service: the dataset id from `SHOW TABLES`.
    pub dataset_id: Option<String>,
    /// Query Service: the dataset description from `SHOW TABLES`.
    pub description: Option<String>,
    /// The reflecting session's `search_path` finds the relation by its bare name
    /// (`pg_table_is_visible`): psql then names it unqualified, and so does
    /// [`describe_text`](crate::describe_text). `false` on Query Service.
    #[serde(default)]
    pub on_search_path: bool,
    /// A partitioned table's key as PostgreSQL prints it (`pg_get_partkeydef`), e.g.
    /// `RANGE (logdate)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    /// For a partition: its parent and bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// A partitioned table's partitions (wherever they are, reflected or not): the
    /// `DEFAULT` partition last, the others by (schema, name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<Partition>,
    /// Triggers, by name (see [`Trigger`] for which ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
}

impl Table {
    /// A table of `kind` with no columns, keys or other facts yet.
    pub fn new(schema: impl Into<String>, name: impl Into<String>, kind: TableKind) -> Table {
        Table {
            schema: schema.into(),
            name: name.into(),
            kind,
            comment: None,
            columns: Vec::new(),
            primary_key: None,
            foreign_keys: Vec::new(),
            unique_constraints: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            dataset_id: None,
            description: None,
            on_search_path: false,
            partition_key: None,
            partition_of: None,
            partitions: Vec::new(),
            triggers: Vec::new(),
        }
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The foreign key called `name`.
    pub fn foreign_key(&self, name: &str) -> Option<&ForeignKey> {
        self.foreign_keys.iter().find(|k| k.name == name)
    }

    /// The index called `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// A column of a table or view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column name, unquoted.
    pub name: String,
    /// Its position (`attnum`, from 1; gaps where columns were dropped).
    pub ordinal: i32,
    /// The type as PostgreSQL prints it (`format_type`), e.g. `numeric(12,2)`, `integer[]`.
    pub sql_type: String,
    /// The resolved type tree.
    pub ty: ColumnType,
    /// `false` for `NOT NULL` columns.
    pub nullable: bool,
    /// The default expression (not for generated columns: see `generated`).
    pub default: Option<String>,
    /// `GENERATED ... AS IDENTITY`.
    pub identity: Option<Identity>,
    /// A `serial` / `bigserial` column: a `nextval` default on a sequence the column owns.
    pub is_serial: bool,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
}

/// How an identity column generates values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// The constraint name. Keys reported by Query Service's `SHOW PRIMARY KEYS` have no
    /// name: they get PostgreSQL's default one, `<table>_pkey`.
    pub name: String,
    /// The key columns, in key order.
    pub columns: Vec<String>,
    /// Query Service: the identity namespace of the key (e.g. `ECID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint name (`<table>_<columns>_fkey` for keys from `SHOW FOREIGN KEYS`).
    pub name: String,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The schema of the referenced table.
    pub ref_schema: String,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns, matching `columns` one to one.
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: FkAction,
    /// `ON UPDATE`.
    pub on_update: FkAction,
    /// The constraint as PostgreSQL prints it (`pg_get_constraintdef(oid, true)`, what psql
    /// shows: actions, `MATCH FULL`, `DEFERRABLE`, `NOT VALID` included), e.g.
    /// `FOREIGN KEY (cust) REFERENCES customers(id) ON DELETE CASCADE`. `None` on Query
    /// Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// A referential action (`confdeltype` / `confupdtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// `NO ACTION` (the default).
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl FkAction {
    /// The action for a `pg_constraint.confdeltype` / `confupdtype` letter.
    pub fn from_code(code: &str) -> FkAction {
        match code {
            "r" => FkAction::Restrict,
            "c" => FkAction::Cascade,
            "n" => FkAction::SetNull,
            "d" => FkAction::SetDefault,
            _ => FkAction::NoAction,
        }
    }

    /// The SQL words (`NO ACTION`, `CASCADE`, ...).
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A `UNIQUE` constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    /// The constraint name.
    pub name: String,
    /// The columns, in constraint order.
    pub columns: Vec<String>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index name.
    pub name: String,
    /// The key elements, in order: plain columns or expressions.
    pub columns: Vec<IndexColumn>,
    /// Non-key columns of `INCLUDE (...)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// `UNIQUE`.
    pub unique: bool,
    /// The index behind the primary key.
    pub primary: bool,
    /// The access method (`btree`, `hash`, `gin`, ...).
    pub method: String,
    /// The `WHERE` clause of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// The whole `CREATE INDEX` statement (`pg_get_indexdef`).
    pub definition: String,
}

/// One key element of an [`Index`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexColumn {
    /// A plain column, by name.
    Column(String),
    /// An expression, as PostgreSQL prints it (e.g. `lower(email)`).
    Expression(String),
}

impl IndexColumn {
    /// The column name or the expression text.
    pub fn text(&self) -> &str {
        match self {
            IndexColumn::Column(s) | IndexColumn::Expression(s) => s,
        }
    }
}

/// A `CHECK` constraint (of a table or of a domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The constraint name.
    pub name: String,
    /// The condition, in parentheses, as PostgreSQL prints it, e.g. `(customer_no > 0)`.
    pub expression: String,
}

/// One line of [`table_names`](crate::table_names): a relation without its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSummary {
    /// The schema name.
    pub schema: String,
    /// The relation name.
    pub name: String,
    /// The relation kind.
    pub kind: TableKind,
    /// The number of (non-dropped) columns.
    pub column_count: u32,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// Query Service: the dataset id from `SHOW TABLES`.
    pub dataset_id: Option<String>,
    /// Query Service: the dataset description from `SHOW TABLES`.
    pub description: Option<String>,
}
