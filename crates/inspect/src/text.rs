//! Text helpers for the psql-like views: identifier quoting and aligned grids.

use std::fmt::Write as _;

/// `name` as a PostgreSQL identifier, quoted only when needed
/// ([`qsorm_ident::quote_ident_if_needed`]).
pub use qsorm_ident::quote_ident_if_needed as quote_ident;

pub(crate) fn ident(name: &str) -> String {
    quote_ident(name)
}

pub(crate) fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn qualified(schema: &str, name: &str) -> String {
    qsorm_ident::quote_qualified_if_needed(Some(schema), name)
}

/// Writes an aligned psql-style grid.
pub(crate) fn write_grid<H: AsRef<str>, R: AsRef<[String]>>(
    out: &mut String,
    header: impl IntoIterator<Item = H>,
    rows: &[R],
) {
    let header: Vec<String> = header.into_iter().map(|h| h.as_ref().to_owned()).collect();
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {c}{} ", " ".repeat(w - width(c))))
            .collect();
        parts.join("|").trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&header));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    let _ = writeln!(out, "{}", rule.join("+"));
    for row in rows {
        let _ = writeln!(out, "{}", line(row.as_ref()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers_only_when_needed() {
        assert_eq!(ident("orders"), "orders");
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("Größe"), "\"Größe\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn grids_align_non_ascii_cells() {
        let mut out = String::new();
        write_grid(
            &mut out,
            ["A", "B"],
            &[vec!["Größe".to_owned(), "x".to_owned()]],
        );
        assert_eq!(out, " A     | B\n-------+---\n Größe | x\n");
    }
}
