//! Text helpers for the psql-like views: identifier lists and aligned grids.

use std::fmt::Write as _;

use qsorm_ident::quote_ident_if_needed;

/// `names` joined with `, `, each [`quote_ident_if_needed`].
pub(crate) fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident_if_needed(n))
        .collect::<Vec<_>>()
        .join(", ")
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
    fn idents_are_quoted_only_when_needed() {
        let names = ["orders", "order", "Größe", "a\"b"].map(String::from);
        assert_eq!(idents(&names), "orders, \"order\", \"Größe\", \"a\"\"b\"");
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
