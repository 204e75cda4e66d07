//! `describe` on partitioned tables, partitions, triggers and foreign-key actions, compared
//! with psql's `\d` line for line; `generate` gives the partitioned table an entity and
//! its partitions none.

use std::process::Command;

use crate::support::{self, entity_gen, sandbox};

const SCHEMA: &str = "
    CREATE TABLE sensors (id integer PRIMARY KEY);
    CREATE TABLE measurements (
        id integer NOT NULL,
        logdate date NOT NULL,
        sensor integer REFERENCES sensors (id) ON UPDATE CASCADE ON DELETE SET NULL,
        PRIMARY KEY (id, logdate)
    ) PARTITION BY RANGE (logdate);
    CREATE TABLE measurements_2024 PARTITION OF measurements
        FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE measurements_2025 PARTITION OF measurements
        FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
    CREATE TRIGGER measurements_stamp BEFORE INSERT ON measurements
        FOR EACH ROW EXECUTE FUNCTION stamp();
    CREATE TRIGGER sensors_audit AFTER DELETE ON sensors FOR EACH ROW EXECUTE FUNCTION stamp();
    ALTER TABLE sensors DISABLE TRIGGER sensors_audit;
";

/// The lines after the column grid (title, header, rule, one row per column).
fn footers(text: &str, columns: usize) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().skip(3 + columns).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn psql(url: &str, table: &str) -> String {
    let out = Command::new(sandbox().bin_dir().join("psql"))
        .args(["-X", "-d", url, "-c", &format!("\\d {table}")])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[tokio::test]
async fn describe_matches_psql_for_partitions_triggers_and_key_actions() {
    let (_db, url) = support::database_with(SCHEMA).await;
    for (table, columns) in [
        ("measurements", 3),
        ("measurements_2024", 3),
        ("sensors", 1),
    ] {
        let ours = support::success(&entity_gen(&["--url", &url, "describe", table]));
        let theirs = psql(&url, table);
        assert_eq!(
            footers(&ours, columns),
            footers(&theirs, columns),
            "ours:\n{ours}\npsql:\n{theirs}"
        );
    }
    let parent = support::success(&entity_gen(&["--url", &url, "describe", "measurements"]));
    for line in [
        "Partitioned table \"public.measurements\"",
        "Partition key: RANGE (logdate)",
        "    measurements_stamp BEFORE INSERT ON measurements FOR EACH ROW EXECUTE FUNCTION stamp()",
        "Number of partitions: 2 (Use \\d+ to list them.)",
    ] {
        assert!(parent.lines().any(|l| l == line), "{line:?} in\n{parent}");
    }
    let sensors = support::success(&entity_gen(&["--url", &url, "describe", "sensors"]));
    assert!(sensors.contains(
        "    TABLE \"measurements\" CONSTRAINT \"measurements_sensor_fkey\" FOREIGN KEY (sensor) \
         REFERENCES sensors(id) ON UPDATE CASCADE ON DELETE SET NULL"
    ));
    assert!(sensors.contains("Disabled user triggers:\n    sensors_audit AFTER DELETE"));

    let json = support::success(&entity_gen(&[
        "--url",
        &url,
        "describe",
        "measurements_2024",
        "--json",
    ]));
    let table: qsorm_inspect::Table = serde_json::from_str(&json).expect("the Table model");
    let of = table.partition_of.expect("partition_of");
    assert_eq!(of.parent.name, "measurements");
    assert_eq!(of.bound, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    assert_eq!(
        table.triggers[0]
            .inherited_from
            .as_ref()
            .map(|r| r.name.as_str()),
        Some("measurements")
    );

    // Entities: the partitioned table, not its partitions.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().expect("utf-8");
    support::success(&entity_gen(&["--url", &url, "generate", "--out", out]));
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.contains(&"measurements.rs".to_owned()), "{files:?}");
    assert!(
        files.iter().all(|f| !f.starts_with("measurements_20")),
        "{files:?}"
    );
}
