//! Rust identifiers for SQL names, and SQL spellings of type names.
//!
//! Every SQL name (tables, columns, types, enum labels, composite fields) becomes a plain
//! ASCII Rust identifier: Latin letters with accents are transliterated (`Größe` →
//! `grosse`), anything else that is not a letter or digit separates words, a leading
//! digit gets a prefix (`n_` for snake case, `N` for camel case), Rust keywords get a
//! trailing `_` (`type_`, `self_`), and names that would collide after case conversion
//! get a numeric suffix (`_2`, `_3`, ... in the order the names come in). Raw identifiers
//! (`r#type`) are never used: sea-orm's macros derive column and relation names from the
//! field name and do not round-trip them.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use qsorm_connect::ident::quote_qualified_if_needed;

/// Rust keywords (strict, reserved and the 2018+ ones), which cannot be plain identifiers.
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield", "Self",
];

/// Whether `s` is a Rust keyword.
pub fn is_rust_keyword(s: &str) -> bool {
    RUST_KEYWORDS.contains(&s)
}

/// Latin letters with diacritics and ligatures, as ASCII.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "Ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'Ç' | 'Ć' | 'Č' | 'Ĉ' | 'Ċ' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => "g",
        'Ğ' | 'Ĝ' | 'Ġ' | 'Ģ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'Ł' | 'Ľ' | 'Ĺ' | 'Ļ' => "L",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'Ñ' | 'Ń' | 'Ň' | 'Ņ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "Oe",
        'ŕ' | 'ř' | 'ŗ' => "r",
        'Ŕ' | 'Ř' | 'Ŗ' => "R",
        'ś' | 'š' | 'ş' | 'ŝ' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ŝ' | 'Ș' => "S",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'þ' => "th",
        'Þ' => "Th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// `name` with transliterated letters and every other non-alphanumeric character as `_`.
fn ascii_words(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if let Some(t) = transliterate(c) {
            out.push_str(t);
        } else {
            out.push('_');
        }
    }
    out
}

/// The snake-case identifier for a SQL name (not yet checked for collisions).
///
/// `fallback` is used when nothing alphanumeric is left (a name made of symbols).
pub fn snake_ident(name: &str, fallback: &str) -> String {
    let mut s = ascii_words(name).to_snake_case();
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("n_{s}");
    }
    if is_rust_keyword(&s) {
        s.push('_');
    }
    s
}

/// The upper-camel-case identifier for a SQL name (not yet checked for collisions).
pub fn camel_ident(name: &str, fallback: &str) -> String {
    let mut s = ascii_words(name).to_upper_camel_case();
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("N{s}");
    }
    if is_rust_keyword(&s) {
        s.push('_');
    }
    s
}

/// The name sea-orm's macros give the `Column` variant (and the relation enum variant
/// inferred) for a field: its upper camel case, `Self` escaped.
pub fn macro_variant(field: &str) -> String {
    let camel = field.to_upper_camel_case();
    if is_rust_keyword(&camel) {
        format!("{camel}_")
    } else {
        camel
    }
}

/// Hands out snake-case identifiers that are distinct both as written and as their
/// upper camel case (the `Column` enum variant sea-orm derives from each field).
#[derive(Debug, Default, Clone)]
pub struct FieldNamer {
    taken: BTreeSet<String>,
    taken_variants: BTreeSet<String>,
}

impl FieldNamer {
    /// A namer where `reserved` identifiers are already taken.
    pub fn with_reserved(reserved: &[&str]) -> FieldNamer {
        let mut namer = FieldNamer::default();
        for r in reserved {
            namer.taken.insert((*r).to_owned());
            namer.taken_variants.insert(macro_variant(r));
        }
        namer
    }

    /// A fresh identifier for `name`.
    pub fn name(&mut self, name: &str, fallback: &str) -> String {
        self.claim(snake_ident(name, fallback))
    }

    /// `base`, or `base_2`, `base_3`, ... (`type_2` for `type_`) whichever is free
    /// first; marks it taken.
    pub fn claim(&mut self, base: String) -> String {
        let mut candidate = base.clone();
        let mut n = 2;
        let sep = if base.ends_with('_') { "" } else { "_" };
        while self.taken.contains(&candidate)
            || self.taken_variants.contains(&macro_variant(&candidate))
        {
            candidate = format!("{base}{sep}{n}");
            n += 1;
        }
        self.taken_variants.insert(macro_variant(&candidate));
        self.taken.insert(candidate.clone());
        candidate
    }
}

/// Hands out distinct upper-camel-case identifiers (types, enum variants).
#[derive(Debug, Default, Clone)]
pub struct TypeNamer {
    taken: BTreeSet<String>,
}

impl TypeNamer {
    /// A namer where `reserved` identifiers are already taken.
    pub fn with_reserved(reserved: &[&str]) -> TypeNamer {
        TypeNamer {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A fresh identifier for `name`.
    pub fn name(&mut self, name: &str, fallback: &str) -> String {
        self.claim(camel_ident(name, fallback))
    }

    /// `base`, or `base2`, `base3`, ... whichever is free first; marks it taken.
    pub fn claim(&mut self, base: String) -> String {
        let mut candidate = base.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// How a user type is written in SQL: bare in `public` (or `pg_catalog`), else
/// schema-qualified; each part quoted when needed (`"Sales-EU"."Addr"`,
/// [`quote_qualified_if_needed`]).
pub fn sql_type_name(schema: &str, name: &str) -> String {
    let schema = (schema != "public" && schema != "pg_catalog").then_some(schema);
    quote_qualified_if_needed(schema, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_plain_identifiers() {
        assert_eq!(snake_ident("_id", "c"), "id");
        assert_eq!(snake_ident("type", "c"), "type_");
        assert_eq!(snake_ident("self", "c"), "self_");
        assert_eq!(snake_ident("Self", "c"), "self_");
        assert_eq!(snake_ident("Product ID", "c"), "product_id");
        assert_eq!(snake_ident("naïve café", "c"), "naive_cafe");
        assert_eq!(snake_ident("Größe", "c"), "grosse");
        assert_eq!(snake_ident("2fa", "c"), "n_2fa");
        assert_eq!(snake_ident("€", "c"), "c");
        assert_eq!(snake_ident("order-lines", "c"), "order_lines");
        assert_eq!(camel_ident("very happy", "V"), "VeryHappy");
        assert_eq!(camel_ident("1st", "V"), "N1st");
        assert_eq!(camel_ident("self", "V"), "Self_");
    }

    #[test]
    fn collisions_get_suffixes_also_across_case() {
        let mut n = FieldNamer::default();
        assert_eq!(n.name("mixedCase", "c"), "mixed_case");
        assert_eq!(n.name("mixed_case", "c"), "mixed_case_2");
        assert_eq!(n.name("MIXED CASE", "c"), "mixed_case_3");
        // `a_b_1` and `a_b1` have the same upper camel case, `AB1`.
        assert_eq!(n.name("a_b1", "c"), "a_b1");
        assert_eq!(n.name("a_b_1", "c"), "a_b_1_2");
        assert_eq!(n.name("self", "c"), "self_");
        assert_eq!(n.name("Self", "c"), "self_2");
    }

    #[test]
    fn sql_names_are_quoted_when_needed() {
        assert_eq!(sql_type_name("public", "web_events_web"), "web_events_web");
        assert_eq!(sql_type_name("public", "Addr"), "\"Addr\"");
        assert_eq!(sql_type_name("public", "order"), "\"order\"");
        assert_eq!(sql_type_name("Sales-EU", "Addr"), "\"Sales-EU\".\"Addr\"");
        assert_eq!(sql_type_name("sales", "addr"), "sales.addr");
        assert_eq!(sql_type_name("public", "a\"b"), "\"a\"\"b\"");
    }
}
