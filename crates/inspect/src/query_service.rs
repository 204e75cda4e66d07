//! Query Service's own metadata statements: `SHOW TABLES`, `SHOW PRIMARY KEYS`,
//! `SHOW FOREIGN KEYS`.
//!
//! Their rows are read into plain maps ([`ShowRow`]); parsing and merging are pure
//! functions, tested without a server. The listings name tables without a schema; a
//! name matches a reflected table by `name` or `schema.name` (ASCII case ignored, as the
//! data lake's identifiers are case-insensitive).

use std::collections::BTreeMap;

use crate::model::{FkAction, ForeignKey, PrimaryKey, Table};

/// One row of a `SHOW` result: lower-cased column name → value as text.
pub(crate) type ShowRow = BTreeMap<String, Option<String>>;

/// A non-empty value of `col` (lower-case name), trimmed.
fn field(row: &ShowRow, col: &str) -> Option<String> {
    row.get(col)
        .cloned()
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A namespace as `SHOW ... KEYS` prints it (`"ECID"`), without the quotes.
fn namespace(row: &ShowRow) -> Option<String> {
    field(row, "namespace").map(|s| s.trim_matches('"').to_owned())
}

/// A dataset from `SHOW TABLES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DatasetInfo {
    pub table: String,
    pub dataset_id: Option<String>,
    pub description: Option<String>,
}

/// `SHOW TABLES` rows (`name`, `datasetId`, `dataset`, `description`, `resolved`).
pub(crate) fn parse_show_tables(rows: &[ShowRow]) -> Vec<DatasetInfo> {
    rows.iter()
        .filter_map(|row| {
            Some(DatasetInfo {
                table: field(row, "name")?,
                dataset_id: field(row, "datasetid"),
                description: field(row, "description"),
            })
        })
        .collect()
}

/// A key from `SHOW PRIMARY KEYS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShownPrimaryKey {
    pub table: String,
    pub columns: Vec<String>,
    pub namespace: Option<String>,
}

/// `SHOW PRIMARY KEYS` rows (`tableName`, `columnName`, `datatype`, `namespace`): one
/// row per key column; the rows of one table form its (composite) key, in row order.
pub(crate) fn parse_show_primary_keys(rows: &[ShowRow]) -> Vec<ShownPrimaryKey> {
    let mut keys: Vec<ShownPrimaryKey> = Vec::new();
    for row in rows {
        let (Some(table), Some(column)) = (field(row, "tablename"), field(row, "columnname"))
        else {
            continue;
        };
        match keys.iter_mut().find(|k| k.table == table) {
            Some(key) => key.columns.push(column),
            None => keys.push(ShownPrimaryKey {
                table,
                columns: vec![column],
                namespace: namespace(row),
            }),
        }
    }
    keys
}

/// A key from `SHOW FOREIGN KEYS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShownForeignKey {
    pub table: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
}

/// `SHOW FOREIGN KEYS` rows (`tableName`, `columnName`, `datatype`,
/// `referencedTableName`, `referencedColumnName`, `namespace`). The listing has no
/// constraint names: the rows with the same (table, referenced table) form one key,
/// in row order.
pub(crate) fn parse_show_foreign_keys(rows: &[ShowRow]) -> Vec<ShownForeignKey> {
    let mut keys: Vec<ShownForeignKey> = Vec::new();
    for row in rows {
        let (Some(table), Some(column), Some(ref_table), Some(ref_column)) = (
            field(row, "tablename"),
            field(row, "columnname"),
            field(row, "referencedtablename"),
            field(row, "referencedcolumnname"),
        ) else {
            continue;
        };
        match keys
            .iter_mut()
            .find(|k| k.table == table && k.ref_table == ref_table)
        {
            Some(key) => {
                key.columns.push(column);
                key.ref_columns.push(ref_column);
            }
            None => keys.push(ShownForeignKey {
                table,
                columns: vec![column],
                ref_table,
                ref_columns: vec![ref_column],
            }),
        }
    }
    keys
}

/// Whether a name from a `SHOW` listing designates `schema.name`.
pub(crate) fn names_table(shown: &str, schema: &str, name: &str) -> bool {
    shown.eq_ignore_ascii_case(name)
        || shown
            .split_once('.')
            .is_some_and(|(s, n)| s.eq_ignore_ascii_case(schema) && n.eq_ignore_ascii_case(name))
}

/// Adds the keys Query Service reports to the tables (a key a table already has wins).
///
/// The listings give no key position: key columns are put in the table's column order
/// (a foreign key's column pairs move together), which is also PostgreSQL's usual order.
/// `SHOW FOREIGN KEYS` names no constraint either: rows from one table to another form
/// one composite key when their referenced columns are exactly the referenced table's
/// (composite) primary key, else each row is a key of its own (two keys to the same
/// table, such as `billed_by` and `shipped_by`, stay two).
pub(crate) fn apply_keys(tables: &mut [Table], pks: &[ShownPrimaryKey], fks: &[ShownForeignKey]) {
    for table in tables.iter_mut() {
        apply_primary_key(table, pks);
    }
    let targets: Vec<KeyTarget> = tables.iter().map(KeyTarget::of).collect();
    for table in tables.iter_mut() {
        let own: Vec<&ShownForeignKey> = fks
            .iter()
            .filter(|k| names_table(&k.table, &table.schema, &table.name))
            .collect();
        for fk in own {
            apply_foreign_key(table, fk, &targets);
        }
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Where column `name` sits in `table` (after every column when it has no such column).
fn column_position(table: &Table, name: &str) -> usize {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .unwrap_or(usize::MAX)
}

/// The primary key `SHOW PRIMARY KEYS` lists for `table`, unless it has one already.
fn apply_primary_key(table: &mut Table, pks: &[ShownPrimaryKey]) {
    if table.primary_key.is_none()
        && let Some(pk) = pks
            .iter()
            .find(|k| names_table(&k.table, &table.schema, &table.name))
    {
        let mut columns = pk.columns.clone();
        columns.sort_by_key(|c| column_position(table, c));
        table.primary_key = Some(PrimaryKey {
            name: format!("{}_pkey", table.name),
            columns,
            namespace: pk.namespace.clone(),
        });
    }
}

/// A table a foreign key may reference: its schema, name and primary key columns (sorted).
struct KeyTarget {
    schema: String,
    name: String,
    key: Vec<String>,
}

impl KeyTarget {
    fn of(table: &Table) -> KeyTarget {
        let mut key = table
            .primary_key
            .as_ref()
            .map(|k| k.columns.clone())
            .unwrap_or_default();
        key.sort();
        KeyTarget {
            schema: table.schema.clone(),
            name: table.name.clone(),
            key,
        }
    }
}

/// The foreign keys one `SHOW FOREIGN KEYS` row group of `table` stands for (see
/// [`apply_keys`]), except those on columns `table` already has a foreign key on.
fn apply_foreign_key(table: &mut Table, fk: &ShownForeignKey, targets: &[KeyTarget]) {
    let target = targets
        .iter()
        .find(|t| names_table(&fk.ref_table, &t.schema, &t.name));
    let (ref_schema, ref_table) = target
        .map(|t| (t.schema.clone(), t.name.clone()))
        .unwrap_or_else(|| (table.schema.clone(), fk.ref_table.clone()));
    for mut group in fk_column_groups(fk, target) {
        group.sort_by_key(|(c, _)| column_position(table, c));
        let (columns, ref_columns): (Vec<String>, Vec<String>) = group.into_iter().unzip();
        if table.foreign_keys.iter().any(|k| k.columns == columns) {
            continue;
        }
        table.foreign_keys.push(ForeignKey {
            name: format!("{}_{}_fkey", table.name, columns.join("_")),
            columns,
            ref_schema: ref_schema.clone(),
            ref_table: ref_table.clone(),
            ref_columns,
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            definition: None,
        });
    }
}

/// `fk`'s (column, referenced column) pairs as keys: one composite key when the referenced
/// columns are exactly `target`'s (composite) primary key, else one key per pair.
fn fk_column_groups(
    fk: &ShownForeignKey,
    target: Option<&KeyTarget>,
) -> Vec<Vec<(String, String)>> {
    let mut referenced = fk.ref_columns.clone();
    referenced.sort();
    let composite = fk.columns.len() > 1 && target.is_some_and(|t| t.key == referenced);
    let pairs: Vec<(String, String)> = fk
        .columns
        .iter()
        .cloned()
        .zip(fk.ref_columns.iter().cloned())
        .collect();
    if composite {
        vec![pairs]
    } else {
        pairs.into_iter().map(|p| vec![p]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TableKind;

    fn row(pairs: &[(&str, Option<&str>)]) -> ShowRow {
        pairs
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.map(str::to_owned)))
            .collect()
    }

    fn table(schema: &str, name: &str) -> Table {
        Table::new(schema, name, TableKind::Table)
    }

    #[test]
    fn show_tables_gives_dataset_ids_and_descriptions() {
        let rows = [
            row(&[
                ("name", Some("luma_web_data")),
                ("datasetId", Some("5c8c3c555033b814b69f947f")),
                ("dataset", Some("Luma Web Data")),
                ("description", Some("  Web events ")),
                ("resolved", Some("false")),
            ]),
            row(&[
                ("name", Some("adhoc")),
                ("datasetId", Some("")),
                ("description", None),
            ]),
            row(&[("name", None), ("datasetId", Some("orphan"))]),
        ];
        let parsed = parse_show_tables(&rows);
        assert_eq!(
            parsed,
            vec![
                DatasetInfo {
                    table: "luma_web_data".into(),
                    dataset_id: Some("5c8c3c555033b814b69f947f".into()),
                    description: Some("Web events".into()),
                },
                DatasetInfo {
                    table: "adhoc".into(),
                    dataset_id: None,
                    description: None,
                },
            ]
        );
    }

    #[test]
    fn show_primary_keys_groups_composite_keys_in_row_order() {
        let rows = [
            row(&[
                ("tableName", Some("t1")),
                ("columnName", Some("b")),
                ("datatype", Some("text")),
                ("namespace", Some("\"ECID\"")),
            ]),
            row(&[("tableName", Some("t2")), ("columnName", Some("id"))]),
            row(&[("tableName", Some("t1")), ("columnName", Some("a"))]),
        ];
        let keys = parse_show_primary_keys(&rows);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].columns, ["b", "a"]);
        assert_eq!(keys[0].namespace.as_deref(), Some("ECID"));
        assert_eq!(keys[1].namespace, None);

        let mut tables = vec![table("public", "t1"), table("public", "t2")];
        tables[1].primary_key = Some(PrimaryKey {
            name: "t2_real_pkey".into(),
            columns: vec!["x".into()],
            namespace: None,
        });
        apply_keys(&mut tables, &keys, &[]);
        let pk = tables[0].primary_key.as_ref().expect("test value");
        assert_eq!(
            (pk.name.as_str(), pk.columns.as_slice()),
            ("t1_pkey", &["b".to_owned(), "a".to_owned()][..])
        );
        assert_eq!(
            tables[1].primary_key.as_ref().expect("test value").name,
            "t2_real_pkey",
            "catalog key wins"
        );
    }

    #[test]
    fn show_foreign_keys_resolve_the_referenced_schema() {
        let rows = [
            row(&[
                ("tableName", Some("orders")),
                ("columnName", Some("cust_region")),
                ("datatype", Some("text")),
                ("referencedTableName", Some("customers")),
                ("referencedColumnName", Some("region")),
                ("namespace", Some("\"ECID\"")),
            ]),
            row(&[
                ("tableName", Some("orders")),
                ("columnName", Some("cust_no")),
                ("referencedTableName", Some("customers")),
                ("referencedColumnName", Some("no")),
            ]),
            row(&[
                ("tableName", Some("orders")),
                ("columnName", Some("sku")),
                ("referencedTableName", Some("elsewhere")),
                ("referencedColumnName", Some("sku")),
            ]),
        ];
        let keys = parse_show_foreign_keys(&rows);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].columns, ["cust_region", "cust_no"]);
        assert_eq!(keys[0].ref_columns, ["region", "no"]);

        let mut tables = vec![table("lake", "orders"), table("crm", "customers")];
        let customers_key = ShownPrimaryKey {
            table: "customers".into(),
            columns: vec!["no".into(), "region".into()],
            namespace: None,
        };
        apply_keys(&mut tables, &[customers_key], &keys);
        let fks = &tables[0].foreign_keys;
        assert_eq!(fks.len(), 2);
        assert_eq!(fks[0].name, "orders_cust_region_cust_no_fkey");
        assert_eq!(
            (fks[0].ref_schema.as_str(), fks[0].ref_table.as_str()),
            ("crm", "customers")
        );
        assert_eq!(
            (fks[1].ref_schema.as_str(), fks[1].ref_table.as_str()),
            ("lake", "elsewhere")
        );
        assert_eq!(fks[1].on_delete, FkAction::NoAction);
    }

    #[test]
    fn keys_follow_column_order_and_two_keys_to_one_column_stay_two() {
        let rows = [
            row(&[
                ("tableName", Some("orders")),
                ("columnName", Some("shipped_by")),
                ("referencedTableName", Some("employees")),
                ("referencedColumnName", Some("id")),
            ]),
            row(&[
                ("tableName", Some("orders")),
                ("columnName", Some("billed_by")),
                ("referencedTableName", Some("employees")),
                ("referencedColumnName", Some("id")),
            ]),
            row(&[
                ("tableName", Some("lines")),
                ("columnName", Some("line_no")),
                ("referencedTableName", Some("order_lines")),
                ("referencedColumnName", Some("line_no")),
            ]),
            row(&[
                ("tableName", Some("lines")),
                ("columnName", Some("order_id")),
                ("referencedTableName", Some("order_lines")),
                ("referencedColumnName", Some("order_id")),
            ]),
        ];
        let with_columns = |name: &str, columns: &[&str]| {
            let mut t = table("public", name);
            t.columns = columns
                .iter()
                .enumerate()
                .map(|(i, c)| crate::model::Column {
                    name: (*c).into(),
                    ordinal: i32::try_from(i + 1).expect("small"),
                    sql_type: "integer".into(),
                    ty: crate::types::ColumnType::Unknown {
                        name: "integer".into(),
                    },
                    nullable: true,
                    default: None,
                    identity: None,
                    is_serial: false,
                    generated: None,
                    comment: None,
                })
                .collect();
            t
        };
        let mut tables = vec![
            with_columns("orders", &["id", "billed_by", "shipped_by"]),
            with_columns("employees", &["id"]),
            with_columns("lines", &["id", "order_id", "line_no"]),
            with_columns("order_lines", &["order_id", "line_no"]),
        ];
        let pks = parse_show_primary_keys(&[
            row(&[
                ("tableName", Some("order_lines")),
                ("columnName", Some("line_no")),
            ]),
            row(&[
                ("tableName", Some("order_lines")),
                ("columnName", Some("order_id")),
            ]),
        ]);
        apply_keys(&mut tables, &pks, &parse_show_foreign_keys(&rows));
        let keys = |t: &Table| -> Vec<(String, Vec<String>, Vec<String>)> {
            t.foreign_keys
                .iter()
                .map(|k| (k.name.clone(), k.columns.clone(), k.ref_columns.clone()))
                .collect()
        };
        let s = |v: &[&str]| -> Vec<String> { v.iter().map(|x| (*x).to_owned()).collect() };
        assert_eq!(
            keys(&tables[0]),
            vec![
                (
                    "orders_billed_by_fkey".into(),
                    s(&["billed_by"]),
                    s(&["id"])
                ),
                (
                    "orders_shipped_by_fkey".into(),
                    s(&["shipped_by"]),
                    s(&["id"])
                ),
            ]
        );
        assert_eq!(
            tables[3].primary_key.as_ref().map(|k| k.columns.clone()),
            Some(s(&["order_id", "line_no"]))
        );
        assert_eq!(
            keys(&tables[2]),
            vec![(
                "lines_order_id_line_no_fkey".into(),
                s(&["order_id", "line_no"]),
                s(&["order_id", "line_no"])
            )]
        );
    }

    #[test]
    fn qualified_names_match_their_schema_only() {
        assert!(names_table("lake.orders", "lake", "orders"));
        assert!(names_table("ORDERS", "lake", "orders"));
        assert!(!names_table("crm.orders", "lake", "orders"));
    }
}
