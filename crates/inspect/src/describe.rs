//! Plain-text views of reflected tables, in the manner of psql's `\d` and `\dt`.

use std::fmt::Write as _;

use crate::model::{Column, Identity, Index, Schema, Table, TableSummary};
use crate::text::{idents, qualified, write_grid};
use crate::types::UserType;

/// How deep nested composite types are unfolded.
const MAX_TREE_DEPTH: usize = 16;

/// A psql `\d`-like description of `table`: columns (type, nullability, default),
/// indexes and keys, check constraints, foreign keys, tables referencing it,
/// comments, and the composite types of its columns unfolded as an indented tree.
/// `schema` supplies the composite types and the referencing tables.
pub fn describe_text(table: &Table, schema: &Schema) -> String {
    let mut out = String::new();
    let title = format!(
        "{} \"{}.{}\"",
        capitalize(table.kind.label()),
        table.schema,
        table.name
    );
    let _ = writeln!(out, "{title}");
    let rows: Vec<[String; 4]> = table
        .columns
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.sql_type.clone(),
                if c.nullable {
                    String::new()
                } else {
                    "not null".into()
                },
                default_text(c),
            ]
        })
        .collect();
    write_grid(&mut out, ["Column", "Type", "Nullable", "Default"], &rows);

    if let Some(comment) = &table.comment {
        let _ = writeln!(out, "Comment: {comment}");
    }
    if let Some(id) = &table.dataset_id {
        let _ = writeln!(out, "Dataset: {id}");
    }
    if let Some(description) = &table.description {
        let _ = writeln!(out, "Description: {description}");
    }
    // Keys known only from Query Service's SHOW PRIMARY KEYS have no index to show them.
    if let Some(pk) = &table.primary_key
        && !table.indexes.iter().any(|i| i.primary)
    {
        section(&mut out, "Primary key:");
        let _ = writeln!(out, "    \"{}\" ({})", pk.name, idents(&pk.columns));
    }
    if !table.indexes.is_empty() {
        section(&mut out, "Indexes:");
        for index in &table.indexes {
            let _ = writeln!(out, "    \"{}\" {}", index.name, index_text(table, index));
        }
    }
    if !table.checks.is_empty() {
        section(&mut out, "Check constraints:");
        for check in &table.checks {
            let _ = writeln!(out, "    \"{}\" CHECK {}", check.name, check.expression);
        }
    }
    if !table.foreign_keys.is_empty() {
        section(&mut out, "Foreign-key constraints:");
        for fk in &table.foreign_keys {
            let _ = writeln!(
                out,
                "    \"{}\" FOREIGN KEY ({}) REFERENCES {}({}){}",
                fk.name,
                idents(&fk.columns),
                qualified(&fk.ref_schema, &fk.ref_table),
                idents(&fk.ref_columns),
                actions(fk.on_update.sql(), fk.on_delete.sql()),
            );
        }
    }
    let referencing: Vec<String> = schema
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .filter(|(_, fk)| fk.ref_schema == table.schema && fk.ref_table == table.name)
        .map(|(t, fk)| {
            format!(
                "    TABLE {} CONSTRAINT \"{}\" FOREIGN KEY ({}) REFERENCES {}({})",
                qualified(&t.schema, &t.name),
                fk.name,
                idents(&fk.columns),
                qualified(&table.schema, &table.name),
                idents(&fk.ref_columns),
            )
        })
        .collect();
    if !referencing.is_empty() {
        section(&mut out, "Referenced by:");
        for line in referencing {
            let _ = writeln!(out, "{line}");
        }
    }
    let commented: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| c.comment.is_some())
        .collect();
    if !commented.is_empty() {
        section(&mut out, "Column comments:");
        for c in commented {
            let _ = writeln!(
                out,
                "    {}: {}",
                c.name,
                c.comment.as_deref().unwrap_or("")
            );
        }
    }
    let nested: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| c.ty.composite().is_some())
        .collect();
    if !nested.is_empty() {
        section(&mut out, "Nested types:");
        for c in nested {
            let _ = writeln!(out, "    {}: {}", c.name, c.sql_type);
            tree(&mut out, schema, c.ty.composite(), 2);
        }
    }
    out
}

/// A psql `\dt`-like listing: schema, name, kind, column count and comment, plus
/// the dataset id and description when any summary has them (Query Service).
pub fn tables_text(list: &[TableSummary]) -> String {
    let with_datasets = list
        .iter()
        .any(|t| t.dataset_id.is_some() || t.description.is_some());
    let mut header = vec!["Schema", "Name", "Type", "Columns", "Comment"];
    if with_datasets {
        header.extend(["Dataset", "Description"]);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|t| {
            let mut row = vec![
                t.schema.clone(),
                t.name.clone(),
                t.kind.label().to_owned(),
                t.column_count.to_string(),
                t.comment.clone().unwrap_or_default(),
            ];
            if with_datasets {
                row.push(t.dataset_id.clone().unwrap_or_default());
                row.push(t.description.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    let mut out = String::from("List of relations\n");
    write_grid(&mut out, header, &rows);
    let _ = writeln!(
        out,
        "({} {})",
        list.len(),
        if list.len() == 1 { "row" } else { "rows" }
    );
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "{title}");
}

/// psql's Default column: the default, or how an identity / generated column fills.
fn default_text(c: &Column) -> String {
    match (&c.identity, &c.generated, &c.default) {
        (Some(Identity::Always), _, _) => "generated always as identity".into(),
        (Some(Identity::ByDefault), _, _) => "generated by default as identity".into(),
        (_, Some(expr), _) => format!("generated always as ({expr}) stored"),
        (_, _, Some(default)) => default.clone(),
        _ => String::new(),
    }
}

/// `PRIMARY KEY, btree (a, b)` / `UNIQUE CONSTRAINT, btree (email)` / `hash (x)`.
fn index_text(table: &Table, index: &Index) -> String {
    let kind = if index.primary {
        "PRIMARY KEY, "
    } else if table
        .unique_constraints
        .iter()
        .any(|u| u.name == index.name)
    {
        "UNIQUE CONSTRAINT, "
    } else if index.unique {
        "UNIQUE, "
    } else {
        ""
    };
    let body = index
        .definition
        .split_once(" USING ")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| {
            let cols: Vec<&str> = index.columns.iter().map(|c| c.text()).collect();
            format!("{} ({})", index.method, cols.join(", "))
        });
    format!("{kind}{body}")
}

fn actions(on_update: &str, on_delete: &str) -> String {
    let mut s = String::new();
    if on_update != "NO ACTION" {
        s.push_str(&format!(" ON UPDATE {on_update}"));
    }
    if on_delete != "NO ACTION" {
        s.push_str(&format!(" ON DELETE {on_delete}"));
    }
    s
}

/// The composite's fields, one per line, nested composites indented below their field.
fn tree(out: &mut String, schema: &Schema, composite: Option<(&str, &str)>, depth: usize) {
    let Some((type_schema, type_name)) = composite else {
        return;
    };
    let indent = "  ".repeat(depth + 1);
    let Some(UserType::Composite { fields, .. }) = schema.user_type(type_schema, type_name) else {
        let _ = writeln!(out, "{indent}(fields of {type_schema}.{type_name} unknown)");
        return;
    };
    if depth > MAX_TREE_DEPTH {
        let _ = writeln!(out, "{indent}...");
        return;
    }
    for field in fields {
        let _ = writeln!(out, "{indent}{}: {}", field.name, field.sql_type);
        tree(out, schema, field.ty.composite(), depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FkAction, ForeignKey, IndexColumn, PrimaryKey, TableKind};
    use crate::types::{ColumnType, Field};

    fn int4() -> ColumnType {
        ColumnType::Builtin {
            name: "int4".into(),
            schema: None,
            precision: None,
            scale: None,
            length: None,
        }
    }

    fn column(name: &str, ordinal: i32, sql_type: &str, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ordinal,
            sql_type: sql_type.into(),
            ty,
            nullable: true,
            default: None,
            identity: None,
            is_serial: false,
            generated: None,
            comment: None,
        }
    }

    fn sample() -> Schema {
        let point = ColumnType::Composite {
            schema: "public".into(),
            name: "point2".into(),
        };
        let mut id = column("id", 1, "integer", int4());
        id.nullable = false;
        id.identity = Some(Identity::Always);
        let mut pos = column(
            "pos",
            2,
            "point2[]",
            ColumnType::Array {
                element: Box::new(point.clone()),
                dims: 1,
            },
        );
        pos.comment = Some("positions".into());
        let shapes = Table {
            schema: "public".into(),
            name: "shapes".into(),
            kind: TableKind::Table,
            comment: Some("Shapes".into()),
            columns: vec![id, pos, column("Parent", 3, "integer", int4())],
            primary_key: Some(PrimaryKey {
                name: "shapes_pkey".into(),
                columns: vec!["id".into()],
                namespace: None,
            }),
            foreign_keys: vec![ForeignKey {
                name: "shapes_parent_fkey".into(),
                columns: vec!["Parent".into()],
                ref_schema: "public".into(),
                ref_table: "shapes".into(),
                ref_columns: vec!["id".into()],
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
            }],
            unique_constraints: vec![],
            indexes: vec![Index {
                name: "shapes_pkey".into(),
                columns: vec![IndexColumn::Column("id".into())],
                include: vec![],
                unique: true,
                primary: true,
                method: "btree".into(),
                predicate: None,
                definition: "CREATE UNIQUE INDEX shapes_pkey ON public.shapes USING btree (id)"
                    .into(),
            }],
            checks: vec![],
            dataset_id: None,
            description: None,
        };
        Schema {
            schemas: vec!["public".into()],
            tables: vec![shapes],
            types: vec![UserType::Composite {
                schema: "public".into(),
                name: "point2".into(),
                fields: vec![
                    Field {
                        name: "x".into(),
                        ordinal: 1,
                        sql_type: "integer".into(),
                        ty: int4(),
                    },
                    Field {
                        name: "y".into(),
                        ordinal: 2,
                        sql_type: "integer".into(),
                        ty: int4(),
                    },
                ],
            }],
            warnings: vec![],
        }
    }

    #[test]
    fn describes_a_table_like_psql() {
        let schema = sample();
        let text = describe_text(&schema.tables[0], &schema);
        let expected = "\
Table \"public.shapes\"
 Column | Type     | Nullable | Default
--------+----------+----------+------------------------------
 id     | integer  | not null | generated always as identity
 pos    | point2[] |          |
 Parent | integer  |          |
Comment: Shapes
Indexes:
    \"shapes_pkey\" PRIMARY KEY, btree (id)
Foreign-key constraints:
    \"shapes_parent_fkey\" FOREIGN KEY (\"Parent\") REFERENCES public.shapes(id) ON DELETE CASCADE
Referenced by:
    TABLE public.shapes CONSTRAINT \"shapes_parent_fkey\" FOREIGN KEY (\"Parent\") REFERENCES public.shapes(id)
Column comments:
    pos: positions
Nested types:
    pos: point2[]
      x: integer
      y: integer
";
        assert_eq!(text, expected);
    }

    #[test]
    fn shows_query_service_keys_and_dataset() {
        let mut schema = sample();
        let table = &mut schema.tables[0];
        table.indexes.clear();
        table.dataset_id = Some("5c8c3c555033b814b69f947f".into());
        table.description = Some("Web events".into());
        let text = describe_text(&schema.tables[0], &schema);
        for line in [
            "Dataset: 5c8c3c555033b814b69f947f",
            "Description: Web events",
            "Primary key:",
            "    \"shapes_pkey\" (id)",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
        assert!(!text.contains("Indexes:"));
    }

    #[test]
    fn lists_tables() {
        let list = [TableSummary {
            schema: "public".into(),
            name: "events".into(),
            kind: TableKind::Table,
            column_count: 12,
            comment: None,
            dataset_id: Some("5c8c".into()),
            description: Some("Web".into()),
        }];
        let text = tables_text(&list);
        assert_eq!(
            text,
            "List of relations\n \
Schema | Name   | Type  | Columns | Comment | Dataset | Description\n\
--------+--------+-------+---------+---------+---------+-------------\n \
public | events | table | 12      |         | 5c8c    | Web\n(1 row)\n"
        );
    }
}
