//! Tokens the local Query Service issues: the password of a cleartext login, valid for a
//! while (24 hours by default, as Adobe's expiring credentials).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{QsError, sqlstate};

/// Length of an issued token.
const TOKEN_LEN: usize = 48;

#[derive(Debug, Clone)]
struct Issued {
    user: String,
    expires: Instant,
}

/// The tokens issued so far.
#[derive(Default)]
pub struct Tokens {
    issued: Mutex<HashMap<String, Issued>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl Tokens {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        self.issued.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues a new random token for `user`, valid for `ttl`.
    pub fn issue(&self, user: &str, ttl: Duration) -> Result<String, QsError> {
        let token = qsorm_sandbox::password::generate(TOKEN_LEN)
            .map_err(|e| QsError::new(sqlstate::INTERNAL_ERROR, e.to_string()))?;
        let expires = Instant::now() + ttl;
        self.lock().insert(
            token.clone(),
            Issued {
                user: user.to_owned(),
                expires,
            },
        );
        Ok(token)
    }

    /// Makes a token expire now (what 24 hours do to a real one).
    pub fn expire(&self, token: &str) {
        if let Some(t) = self.lock().get_mut(token) {
            t.expires = Instant::now();
        }
    }

    /// Checks a login: 28P01 for an unknown, expired or other user's token. The message
    /// never repeats the token.
    pub fn verify(&self, user: &str, token: &[u8]) -> Result<(), QsError> {
        let token = String::from_utf8_lossy(token);
        let issued = self.lock().get(token.as_ref()).cloned();
        match issued {
            Some(t) if t.user == user && Instant::now() < t.expires => Ok(()),
            Some(t) if t.user == user => Err(QsError::new(
                sqlstate::INVALID_PASSWORD,
                "Invalid authentication token: the token has expired; generate new credentials",
            )
            .fatal()),
            _ => Err(
                QsError::new(sqlstate::INVALID_PASSWORD, "Invalid authentication token").fatal(),
            ),
        }
    }
}
