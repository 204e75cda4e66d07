//! The benchmark harness in its tiny mode (a debug build, a fresh sandbox): every workload
//! runs, and every contender produces a figure, or says why it could not run (a contender
//! that is missing on this machine, like `sea-orm-cli`, or one that fails). No timing is
//! asserted.

#[path = "../benches/harness/mod.rs"]
mod harness;

#[tokio::test(flavor = "multi_thread")]
async fn tiny_mode_measures_every_contender() {
    let cfg = harness::config::Config::tiny();
    let report = harness::run(&cfg).await.expect("harness run");
    println!("{}", report.markdown());
    let json = report.to_json();
    assert_eq!(
        json["items"].as_array().map(Vec::len),
        Some(report.items.len())
    );
    let workloads = [
        "event",
        "web_events",
        "reflection",
        "codegen",
        "query_service",
    ];
    for w in workloads {
        assert!(report.items.iter().any(|m| m.workload == w), "{w} missing");
    }
    for m in &report.items {
        let figure = m.samples.len() == cfg.reps;
        let explained = m.samples.is_empty() && m.note.is_some();
        assert!(
            figure || explained,
            "{} / {} / {}: {} samples, note {:?}",
            m.workload,
            m.task,
            m.contender,
            m.samples.len(),
            m.note
        );
    }
    // The library paths that must work here: a failure of one of them is a failure.
    for m in report
        .items
        .iter()
        .filter(|m| m.contender.starts_with("qsorm"))
    {
        assert_eq!(
            m.samples.len(),
            cfg.reps,
            "{} / {}: {:?}",
            m.workload,
            m.task,
            m.note
        );
    }
}

#[test]
fn arguments_select_the_mode() {
    let args = |a: &[&str]| harness::config::parse_args(a.iter().map(|s| (*s).to_owned()));
    let tiny = args(&["--tiny", "--json", "out.json", "--bench"]).expect("tiny");
    assert_eq!((tiny.config.mode, tiny.config.reps), ("tiny", 2));
    assert!(tiny.json.is_some());
    let full = args(&["--reps", "7"]).expect("full");
    assert_eq!(
        (full.config.mode, full.config.reps, full.config.rows),
        ("full", 7, 100_000)
    );
    let reduced = args(&["--rows", "10000"]).expect("reduced");
    assert_eq!(reduced.config.mode, "reduced");
    assert_eq!(
        (reduced.config.rows, reduced.config.stream_rows),
        (10_000, 100_000)
    );
    assert!(args(&["--nope"]).is_err());
    assert_eq!(full.config.only, harness::config::TASKS.to_vec());
    let only = args(&["--only", "read, stream,read"]).expect("only");
    assert_eq!(only.config.only, vec!["read", "stream"]);
    assert!(only.config.runs("stream") && !only.config.runs("insert"));
    let unknown = args(&["--only", "read,nope"]).expect_err("unknown task");
    assert!(unknown.contains("\"nope\""), "{unknown}");
    assert!(args(&["--only", ","]).is_err());
    assert!(args(&["--only"]).is_err());
}
