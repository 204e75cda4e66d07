//! Record literals from JSON values, as `json_populate_record` reads them.

use super::*;

#[test]
fn records_follow_json_populate_record() {
    let mut c = Composites::default();
    c.oids.insert("outer".into(), 1);
    c.fields.insert(
        1,
        vec![
            ("inner".into(), Field::Composite(2)),
            ("n".into(), Field::Scalar { json: false }),
            ("doc".into(), Field::Scalar { json: true }),
            (
                "tags".into(),
                Field::Array(Box::new(Field::Scalar { json: false })),
            ),
        ],
    );
    c.fields
        .insert(2, vec![("s".into(), Field::Scalar { json: false })]);
    let v = serde_json::json!({"inner": {"s": "a\"b\\c,()"}, "n": 1.5, "doc": "x",
        "tags": ["p", null, ""]});
    let text = c
        .column_text(
            &ColumnKind::Composite("outer".into()),
            &Value::Json(Some(Box::new(v))),
        )
        .expect("renders");
    assert_eq!(
        text.as_deref(),
        Some(r#"("(\"a\\\"b\\\\c,()\")","1.5","\"x\"","{\"p\",NULL,\"\"}")"#)
    );
    // The same fields in another order: found by name.
    let shuffled = serde_json::json!({"tags": ["p", null, ""], "doc": "x", "n": 1.5,
        "extra": 1, "inner": {"s": "a\"b\\c,()"}});
    let again = c
        .column_text(
            &ColumnKind::Composite("outer".into()),
            &Value::Json(Some(Box::new(shuffled))),
        )
        .expect("renders");
    assert_eq!(again, text);
    let missing = serde_json::json!({"n": null});
    let text = c
        .column_text(
            &ColumnKind::CompositeArray("outer".into()),
            &Value::Json(Some(Box::new(serde_json::json!([missing])))),
        )
        .expect("renders");
    assert_eq!(text.as_deref(), Some(r#"{"(,,,)"}"#));
    assert!(
        c.column_text(
            &ColumnKind::Composite("outer".into()),
            &Value::Json(Some(Box::new(serde_json::json!({"inner": "(x)"}))))
        )
        .is_err()
    );
}
