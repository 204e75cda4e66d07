//! A password that never prints.

use secrecy::{ExposeSecret, SecretString};

/// A database password or Query Service token.
///
/// `Debug` and `Display` print `***`; the only way to read it is [`Password::expose`], which
/// qsorm calls in exactly two places: handing it to the driver and building a URL on request.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Takes a password exactly as given (used for percent-decoded URL passwords).
    pub fn exact(value: impl Into<String>) -> Password {
        Password(SecretString::from(value.into()))
    }

    /// Takes a pasted password: surrounding whitespace and newlines are trimmed (Adobe's guide
    /// pastes tokens into a triple-quoted string), inner characters are kept.
    pub fn pasted(value: &str) -> Password {
        Password::exact(value.trim())
    }

    /// The secret itself. Never log or format the result.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl std::fmt::Display for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_trims_only_the_outside() {
        let p = Password::pasted("\n   a b\tc \n\n");
        assert_eq!(p.expose(), "a b\tc");
        assert_eq!(format!("{p} {p:?}"), "*** Password(***)");
    }
}
