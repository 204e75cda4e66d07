//! Unit tests of the psql-like text views.

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
            definition: None,
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
            definition: "CREATE UNIQUE INDEX shapes_pkey ON public.shapes USING btree (id)".into(),
        }],
        ..Table::new("public", "shapes", TableKind::Table)
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
    TABLE \"public.shapes\" CONSTRAINT \"shapes_parent_fkey\" FOREIGN KEY (\"Parent\") REFERENCES public.shapes(id) ON DELETE CASCADE
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

fn named(schema: &str, name: &str) -> crate::relation::RelationName {
    crate::relation::RelationName {
        schema: schema.into(),
        name: name.into(),
    }
}

fn trigger(
    name: &str,
    on: &str,
    firing: crate::relation::TriggerFiring,
) -> crate::relation::Trigger {
    crate::relation::Trigger {
        name: name.into(),
        definition: format!(
            "CREATE TRIGGER {name} BEFORE INSERT ON {on} FOR EACH ROW EXECUTE FUNCTION f()"
        ),
        firing,
        internal: false,
        inherited_from: None,
    }
}

/// A partitioned `m` with a foreign key and a trigger, its partition `m1`, and `o`
/// referencing `m`; every name on the search path.
fn partitioned() -> Schema {
    use crate::relation::{Partition, PartitionOf, TriggerFiring};
    let mut m = Table::new("public", "m", TableKind::Partitioned);
    m.on_search_path = true;
    m.columns = vec![column("id", 1, "integer", int4())];
    m.partition_key = Some("RANGE (id)".into());
    let bound = "FOR VALUES FROM (0) TO (10)";
    m.partitions = vec![Partition {
        table: named("public", "m1"),
        kind: TableKind::Table,
        bound: bound.into(),
        detach_pending: false,
    }];
    m.foreign_keys = vec![ForeignKey {
        name: "m_id_fkey".into(),
        columns: vec!["id".into()],
        ref_schema: "public".into(),
        ref_table: "o".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        definition: Some("FOREIGN KEY (id) REFERENCES o(id) ON DELETE CASCADE".into()),
    }];
    m.triggers = vec![trigger("tr", "m", TriggerFiring::Origin)];
    let mut m1 = Table::new("public", "m1", TableKind::Table);
    m1.on_search_path = true;
    m1.columns = m.columns.clone();
    m1.partition_of = Some(PartitionOf {
        parent: named("public", "m"),
        bound: bound.into(),
        detach_pending: false,
    });
    let mut inherited = trigger("tr", "m1", TriggerFiring::Origin);
    inherited.inherited_from = Some(named("public", "m"));
    m1.triggers = vec![inherited, trigger("off", "m1", TriggerFiring::Disabled)];
    let mut o = Table::new("public", "o", TableKind::Table);
    o.columns = m.columns.clone();
    Schema {
        schemas: vec!["public".into()],
        tables: vec![m, m1, o],
        types: vec![],
        warnings: vec![],
    }
}

#[test]
fn describes_a_partitioned_table_like_psql() {
    let schema = partitioned();
    let footer = |name: &str| -> Vec<String> {
        let table = schema.table("public", name).expect("table");
        let text = describe_text(table, &schema);
        text.lines().skip(4).map(str::to_owned).collect()
    };
    assert_eq!(
        footer("m"),
        [
            "Partition key: RANGE (id)",
            "Foreign-key constraints:",
            "    \"m_id_fkey\" FOREIGN KEY (id) REFERENCES o(id) ON DELETE CASCADE",
            "Triggers:",
            "    tr BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION f()",
            "Number of partitions: 1 (Use \\d+ to list them.)",
        ]
    );
    assert_eq!(
        footer("m1"),
        [
            "Partition of: m FOR VALUES FROM (0) TO (10)",
            "Foreign-key constraints:",
            "    TABLE \"m\" CONSTRAINT \"m_id_fkey\" FOREIGN KEY (id) REFERENCES o(id) ON DELETE CASCADE",
            "Triggers:",
            "    tr BEFORE INSERT ON m1 FOR EACH ROW EXECUTE FUNCTION f(), ON TABLE m",
            "Disabled user triggers:",
            "    off BEFORE INSERT ON m1 FOR EACH ROW EXECUTE FUNCTION f()",
        ]
    );
    // `o` is not on the search path: psql's regclass would qualify it, the referencing
    // table `m` is bare.
    assert_eq!(
        footer("o"),
        [
            "Referenced by:",
            "    TABLE \"m\" CONSTRAINT \"m_id_fkey\" FOREIGN KEY (id) REFERENCES o(id) ON DELETE CASCADE",
        ]
    );
}

#[test]
fn older_json_without_the_new_fields_still_reads() {
    let schema = sample();
    let mut json = serde_json::to_value(&schema.tables[0]).expect("json");
    let object = json.as_object_mut().expect("object");
    object.remove("on_search_path");
    for fk in object["foreign_keys"].as_array_mut().expect("array") {
        fk.as_object_mut().expect("fk").remove("definition");
    }
    let back: Table = serde_json::from_value(json).expect("older JSON");
    assert_eq!(back, schema.tables[0]);
}
