//! Query Service's own metadata statements: `SHOW TABLES`, `SHOW PRIMARY KEYS`,
//! `SHOW FOREIGN KEYS`.
//!
//! Their rows are first read into plain maps ([`ShowRow`]); parsing and merging are
//! pure functions, tested without a server. The listings name tables without a
//! schema; a name matches a reflected table by `name` or `schema.name` (ASCII case
//! ignored, as the data lake's identifiers are case-insensitive).

use std::collections::BTreeMap;

use sea_orm::QueryResult;

use crate::model::{FkAction, ForeignKey, PrimaryKey, Table};

/// One row of a `SHOW` result: lower-cased column name → value as text.
pub(crate) type ShowRow = BTreeMap<String, Option<String>>;

/// Reads any row into a [`ShowRow`], whatever the column types.
pub(crate) fn show_row(row: &QueryResult) -> ShowRow {
    row.column_names()
        .into_iter()
        .map(|col| {
            let value = row
                .try_get::<Option<String>>("", &col)
                .or_else(|_| {
                    row.try_get::<Option<bool>>("", &col)
                        .map(|v| v.map(|b| b.to_string()))
                })
                .or_else(|_| {
                    row.try_get::<Option<i64>>("", &col)
                        .map(|v| v.map(|n| n.to_string()))
                })
                .or_else(|_| {
                    row.try_get::<Option<i32>>("", &col)
                        .map(|v| v.map(|n| n.to_string()))
                })
                .unwrap_or(None);
            (col.to_ascii_lowercase(), value)
        })
        .collect()
}

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

/// The `SHOW TABLES` entry for `schema.name`.
pub(crate) fn dataset_for<'a>(
    datasets: &'a [DatasetInfo],
    schema: &str,
    name: &str,
) -> Option<&'a DatasetInfo> {
    datasets
        .iter()
        .find(|d| names_table(&d.table, schema, name))
}

/// Fills dataset ids and descriptions.
pub(crate) fn apply_datasets(tables: &mut [Table], datasets: &[DatasetInfo]) {
    for table in tables {
        if let Some(d) = dataset_for(datasets, &table.schema, &table.name) {
            table.dataset_id.clone_from(&d.dataset_id);
            table.description.clone_from(&d.description);
        }
    }
}

/// Adds the keys Query Service reports to tables the catalog gave none (keys found in
/// `pg_constraint` win).
pub(crate) fn apply_keys(tables: &mut [Table], pks: &[ShownPrimaryKey], fks: &[ShownForeignKey]) {
    let locations: Vec<(String, String)> = tables
        .iter()
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect();
    for table in tables.iter_mut() {
        if table.primary_key.is_none()
            && let Some(pk) = pks
                .iter()
                .find(|k| names_table(&k.table, &table.schema, &table.name))
        {
            table.primary_key = Some(PrimaryKey {
                name: format!("{}_pkey", table.name),
                columns: pk.columns.clone(),
                namespace: pk.namespace.clone(),
            });
        }
        for fk in fks
            .iter()
            .filter(|k| names_table(&k.table, &table.schema, &table.name))
        {
            if table.foreign_keys.iter().any(|k| k.columns == fk.columns) {
                continue;
            }
            let (ref_schema, ref_table) = locations
                .iter()
                .find(|(s, n)| names_table(&fk.ref_table, s, n))
                .cloned()
                .unwrap_or_else(|| (table.schema.clone(), fk.ref_table.clone()));
            table.foreign_keys.push(ForeignKey {
                name: format!("{}_{}_fkey", table.name, fk.columns.join("_")),
                columns: fk.columns.clone(),
                ref_schema,
                ref_table,
                ref_columns: fk.ref_columns.clone(),
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
            });
        }
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
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
        Table {
            schema: schema.into(),
            name: name.into(),
            kind: TableKind::Table,
            comment: None,
            columns: vec![],
            primary_key: None,
            foreign_keys: vec![],
            unique_constraints: vec![],
            indexes: vec![],
            checks: vec![],
            dataset_id: None,
            description: None,
        }
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
        let mut tables = vec![table("public", "Luma_Web_Data"), table("public", "other")];
        apply_datasets(&mut tables, &parsed);
        assert_eq!(
            tables[0].dataset_id.as_deref(),
            Some("5c8c3c555033b814b69f947f")
        );
        assert_eq!(tables[0].description.as_deref(), Some("Web events"));
        assert_eq!(tables[1].dataset_id, None);
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
        apply_keys(&mut tables, &[], &keys);
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
    fn qualified_names_match_their_schema_only() {
        assert!(names_table("lake.orders", "lake", "orders"));
        assert!(names_table("ORDERS", "lake", "orders"));
        assert!(!names_table("crm.orders", "lake", "orders"));
    }
}
