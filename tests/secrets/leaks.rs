//! The known secrets of this test, every printable form of them, and the scan.

/// The password of the role the commands log in as: URL delimiters, quotes, a backslash,
/// a percent sign and non-ASCII, around two long alphanumeric runs that no encoding changes.
pub const PASSWORD: &str = "Secr3tQx7Zeta:p@ss/wörd?&=+#'\"\\;%41$Kappa42Omega";

/// The wrong password of the failure runs: configured too, so it must not show either.
pub const WRONG_PASSWORD: &str = "Wr0ngPhiPsiRho:x@y/z?%41&Kappa99Sigma";

/// RFC 3986 unreserved characters stay as they are (what `qsorm_connect` writes); with
/// `all = true` only ASCII letters and digits stay (what a stricter encoder writes).
fn percent_encode(secret: &str, all: bool, lower: bool) -> String {
    let mut out = String::new();
    for byte in secret.bytes() {
        let keep =
            byte.is_ascii_alphanumeric() || (!all && matches!(byte, b'-' | b'.' | b'_' | b'~'));
        if keep {
            out.push(char::from(byte));
        } else if lower {
            out.push_str(&format!("%{byte:02x}"));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Every form of `secret` that must never show: itself, its percent-encodings, and each of
/// its alphanumeric runs of 8 characters or more (which survive any quoting or escaping:
/// JSON, Debug, shell).
pub fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    for all in [false, true] {
        for lower in [false, true] {
            let encoded = percent_encode(secret, all, lower);
            if !forms.contains(&encoded) {
                forms.push(encoded);
            }
        }
    }
    forms.extend(
        secret
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|run| run.len() >= 8)
            .map(str::to_owned),
    );
    forms
}

/// Panics, naming the form and showing the context, if any form of `secrets` is in `text`.
pub fn assert_clean(label: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        for form in forms(secret) {
            if let Some(at) = text.find(&form) {
                let start = text.floor_char_boundary(at.saturating_sub(200));
                let end = text.ceil_char_boundary((at + form.len() + 200).min(text.len()));
                panic!(
                    "{label}: the secret shows (as `{form}`) in:\n...{}...",
                    &text[start..end]
                );
            }
        }
    }
}

#[test]
fn the_forms_cover_encodings_and_long_runs() {
    let forms = forms(PASSWORD);
    assert!(forms.contains(&PASSWORD.to_owned()));
    assert!(
        forms
            .iter()
            .any(|f| f.starts_with("Secr3tQx7Zeta%3Ap%40ss%2Fw%C3%B6rd"))
    );
    assert!(
        forms
            .iter()
            .any(|f| f.starts_with("Secr3tQx7Zeta%3ap%40ss%2fw%c3%b6rd"))
    );
    assert!(forms.contains(&"Secr3tQx7Zeta".to_owned()));
    assert!(forms.contains(&"Kappa42Omega".to_owned()));
}
