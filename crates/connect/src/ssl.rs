//! The six libpq `sslmode` values.

use serde::{Deserialize, Serialize};

/// How TLS is negotiated, with libpq's six modes and meanings.
///
/// | mode | encrypted | server certificate checked | host name checked |
/// |---|---|---|---|
/// | `disable` | never | – | – |
/// | `allow` | only if the server insists (qsorm: never) | no | no |
/// | `prefer` | if the server offers it | no | no |
/// | `require` | always | no | no |
/// | `verify-ca` | always | yes | no |
/// | `verify-full` | always | yes | yes |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// Plain TCP first (qsorm, like sqlx, never upgrades).
    Allow,
    /// TLS when the server offers it, else plain TCP.
    Prefer,
    /// TLS always, certificate not checked.
    Require,
    /// TLS always, certificate chain checked against the root certificates.
    VerifyCa,
    /// TLS always, certificate chain and host name checked.
    VerifyFull,
}

impl SslMode {
    /// The libpq spelling (`verify-full`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Whether the connection is guaranteed to be encrypted.
    pub fn always_encrypted(self) -> bool {
        matches!(
            self,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
        )
    }

    /// Whether the server certificate is checked against root certificates.
    pub fn verifies_certificate(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }

    pub(crate) fn to_sqlx(self) -> sqlx::postgres::PgSslMode {
        use sqlx::postgres::PgSslMode as M;
        match self {
            SslMode::Disable => M::Disable,
            SslMode::Allow => M::Allow,
            SslMode::Prefer => M::Prefer,
            SslMode::Require => M::Require,
            SslMode::VerifyCa => M::VerifyCa,
            SslMode::VerifyFull => M::VerifyFull,
        }
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SslMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "disable" => SslMode::Disable,
                "allow" => SslMode::Allow,
                "prefer" => SslMode::Prefer,
                "require" => SslMode::Require,
                "verify-ca" => SslMode::VerifyCa,
                "verify-full" => SslMode::VerifyFull,
                // The value is not quoted back: it may be a misplaced password.
                _ => {
                    return Err(
                        "unknown sslmode (expected disable, allow, prefer, require, verify-ca or verify-full)"
                            .to_owned(),
                    );
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_six_case_insensitively() {
        for mode in [
            SslMode::Disable,
            SslMode::Allow,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            assert_eq!(mode.as_str().parse::<SslMode>(), Ok(mode));
            assert_eq!(mode.as_str().to_uppercase().parse::<SslMode>(), Ok(mode));
        }
        assert_eq!("VERIFY_FULL".parse::<SslMode>(), Ok(SslMode::VerifyFull));
        assert!("strict".parse::<SslMode>().is_err());
    }
}
