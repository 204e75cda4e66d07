//! `describe_text` against psql 15's own `\d` for the same tables: every footer line
//! (partition of / partition key, indexes, checks, foreign keys with their actions,
//! referenced by, triggers, number of partitions) must be psql's, line for line.

use std::process::Command;

use qsorm_ident::quote_qualified;
use qsorm_inspect::{Schema, Table, TableKind, TriggerFiring, describe_text, inspect};

use crate::{database_with, pg, sandbox, table};

const SCHEMA: &str = r#"
CREATE SCHEMA "Sales-EU";
CREATE TABLE customers (id int PRIMARY KEY, region text, UNIQUE (id, region));
CREATE TABLE measurements (
    id int NOT NULL, logdate date NOT NULL,
    cust int REFERENCES customers (id) ON DELETE CASCADE,
    reading numeric CHECK (reading >= 0),
    PRIMARY KEY (id, logdate)
) PARTITION BY RANGE (logdate);
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE "Sales-EU".m2025 PARTITION OF measurements
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE orders (
    id int PRIMARY KEY,
    cust int REFERENCES customers (id) ON UPDATE CASCADE ON DELETE SET NULL,
    m_id int, m_date date,
    FOREIGN KEY (m_id, m_date) REFERENCES measurements MATCH FULL
        ON DELETE SET NULL (m_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE "Sales-EU"."order-lines" (o int REFERENCES orders (id) ON DELETE RESTRICT);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_bi BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER t_au AFTER UPDATE OF cust ON orders FOR EACH ROW
    WHEN (OLD.cust IS DISTINCT FROM NEW.cust) EXECUTE FUNCTION touch();
CREATE TRIGGER t_off AFTER DELETE ON orders FOR EACH STATEMENT EXECUTE FUNCTION touch();
ALTER TABLE orders DISABLE TRIGGER t_off;
CREATE CONSTRAINT TRIGGER t_con AFTER INSERT ON orders DEFERRABLE
    FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER t_part BEFORE INSERT ON measurements FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER t_always BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE customers ENABLE ALWAYS TRIGGER t_always;
CREATE TRIGGER t_replica BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE customers ENABLE REPLICA TRIGGER t_replica;
ALTER TABLE "Sales-EU"."order-lines" DISABLE TRIGGER ALL;
CREATE TABLE empty_p (a int) PARTITION BY LIST (a);
CREATE TABLE hp (a int, b text) PARTITION BY HASH (a, lower(b));
CREATE TABLE hp0 PARTITION OF hp FOR VALUES WITH (MODULUS 2, REMAINDER 0) PARTITION BY LIST (b);
CREATE TABLE hp0d PARTITION OF hp0 DEFAULT;
"#;

/// psql's `\d` of `table` (no psqlrc, aligned output).
fn psql_describe(url: &str, table: &Table) -> String {
    let psql = sandbox().bin_dir().join("psql");
    let pattern = format!("\\d {}", quote_qualified(Some(&table.schema), &table.name));
    let out = Command::new(&psql)
        .args(["-X", "-d", url, "-c", &pattern])
        .env("PAGER", "")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", psql.display()));
    assert!(
        out.status.success(),
        "psql {pattern}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The lines after the title, the column grid's header, rule and one row per column.
fn footers(text: &str, columns: usize) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().skip(3 + columns).map(str::to_owned).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

#[tokio::test]
async fn describe_footers_are_psqls_line_for_line() {
    let (db, conn) = database_with(SCHEMA).await;
    let schema = inspect(&conn, &pg()).await.expect("inspect");
    assert_eq!(schema.warnings, Vec::<String>::new());
    let url = sandbox().superuser_url(&db);
    assert_eq!(schema.tables.len(), 10);
    for t in &schema.tables {
        let ours = describe_text(t, &schema);
        let theirs = psql_describe(&url, t);
        assert_eq!(
            footers(&ours, t.columns.len()),
            footers(&theirs, t.columns.len()),
            "{}.{}: ours\n{ours}\npsql\n{theirs}",
            t.schema,
            t.name
        );
        // The grid's title line is psql's too, centred there.
        let title = ours.lines().next().unwrap_or_default();
        assert_eq!(theirs.lines().next().map(str::trim), Some(title));
    }
    facts_in_the_model(&schema);
}

/// The same facts in the model (what `--json` prints).
fn facts_in_the_model(schema: &Schema) {
    let m = table(schema, "public", "measurements");
    assert_eq!(m.kind, TableKind::Partitioned);
    assert_eq!(m.partition_key.as_deref(), Some("RANGE (logdate)"));
    let parts: Vec<(&str, &str)> = m
        .partitions
        .iter()
        .map(|p| (p.table.schema.as_str(), p.table.name.as_str()))
        .collect();
    assert_eq!(
        parts,
        [("Sales-EU", "m2025"), ("public", "measurements_2024")]
    );
    let p2024 = table(schema, "public", "measurements_2024");
    let of = p2024.partition_of.as_ref().expect("partition of");
    assert_eq!(
        (of.parent.schema.as_str(), of.parent.name.as_str()),
        ("public", "measurements")
    );
    assert_eq!(of.bound, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    // The copy of the parent's foreign key is the parent's, not the partition's.
    assert!(p2024.foreign_keys.is_empty());
    let inherited = &p2024.triggers[0];
    assert_eq!(
        inherited.inherited_from.as_ref().map(|r| r.name.as_str()),
        Some("measurements")
    );
    let hp0d = table(schema, "public", "hp0d");
    assert_eq!(
        hp0d.partition_of.as_ref().map(|o| o.bound.as_str()),
        Some("DEFAULT")
    );

    let orders = table(schema, "public", "orders");
    let firing: Vec<(&str, TriggerFiring)> = orders
        .triggers
        .iter()
        .map(|t| (t.name.as_str(), t.firing))
        .collect();
    assert_eq!(
        firing,
        [
            ("t_au", TriggerFiring::Origin),
            ("t_bi", TriggerFiring::Origin),
            ("t_con", TriggerFiring::Origin),
            ("t_off", TriggerFiring::Disabled),
        ]
    );
    let fk = orders.foreign_key("orders_m_id_m_date_fkey").expect("fk");
    assert_eq!(
        fk.columns,
        ["m_id", "m_date"],
        "one key, not one per partition"
    );
    assert_eq!(
        fk.definition.as_deref(),
        Some(
            "FOREIGN KEY (m_id, m_date) REFERENCES measurements(id, logdate) MATCH FULL ON DELETE SET NULL (m_id) DEFERRABLE INITIALLY DEFERRED"
        )
    );
    // Disabled internal triggers (the foreign key's, after DISABLE TRIGGER ALL) are listed.
    let lines = table(schema, "Sales-EU", "order-lines");
    assert!(
        lines
            .triggers
            .iter()
            .all(|t| t.internal && t.firing == TriggerFiring::Disabled)
    );
    assert!(!lines.triggers.is_empty());

    let json = serde_json::to_string(schema).expect("json");
    let back: Schema = serde_json::from_str(&json).expect("parse back");
    assert_eq!(&back, schema);
}
