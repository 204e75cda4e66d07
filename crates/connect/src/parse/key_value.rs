//! libpq connection strings: `host=... port=80 dbname='prod:all' user=...`.

use std::iter::Peekable;
use std::str::Chars;

use super::keys::{CONNECTION_STRING, apply_key, is_known, starts_with_setting, unknown_key};
use crate::ConnParams;
use crate::error::ConnectError;

/// What to do when a space split a value.
const QUOTE_HINT: &str =
    "a value that contains spaces must be single-quoted ('...', with \\' and \\\\ inside)";

/// Parses a libpq connection string: `host=... port=80 dbname='prod:all' user=...`.
///
/// Values may be single-quoted with `\'` and `\\` escapes. Refused, by name: unknown keys, a
/// word without `=` (most often the rest of an unquoted value with a space), an empty value
/// (`host= port=5432` is not "host `port=5432`"), and an input with no setting at all.
pub fn parse_key_value(input: &str) -> Result<ConnParams, ConnectError> {
    let mut params = ConnParams::default();
    let mut chars = input.chars().peekable();
    // The previous key, when its value was not quoted: a stray word after it is blamed on it.
    let mut previous: Option<String> = None;
    let mut any = false;
    loop {
        skip_spaces(&mut chars);
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        skip_spaces(&mut chars);
        if chars.next_if_eq(&'=').is_none() {
            return Err(missing_equals(&key, previous.as_deref()));
        }
        if key.is_empty() {
            return Err(ConnectError::invalid(
                CONNECTION_STRING,
                "`=` without a key before it",
            ));
        }
        if !is_known(&key) {
            return Err(unknown_key(&key, previous.as_deref(), QUOTE_HINT));
        }
        let spaced = skip_spaces(&mut chars);
        let (value, quoted) = read_value(&mut chars, &key)?;
        if !quoted && (value.is_empty() || (spaced && starts_with_setting(&value))) {
            return Err(ConnectError::invalid(
                &key,
                "empty value: give a value (quote it if it holds spaces) or leave the setting out",
            ));
        }
        apply_key(&mut params, &key, &value)?;
        previous = (!quoted).then_some(key);
        any = true;
    }
    if !any {
        return Err(ConnectError::invalid(CONNECTION_STRING, "no setting given"));
    }
    Ok(params)
}

/// Skips whitespace; whether there was any.
fn skip_spaces(chars: &mut Peekable<Chars<'_>>) -> bool {
    let mut skipped = false;
    while chars.next_if(|c| c.is_whitespace()).is_some() {
        skipped = true;
    }
    skipped
}

/// A word with no `=` after it.
fn missing_equals(word: &str, previous: Option<&str>) -> ConnectError {
    if is_known(word) {
        ConnectError::invalid(word, "expected key=value")
    } else if let Some(previous) = previous {
        // `password=correct horse`: the word is the rest of the previous value; never show it.
        ConnectError::invalid(previous, QUOTE_HINT)
    } else {
        ConnectError::invalid(CONNECTION_STRING, "expected key=value")
    }
}

/// Reads one value, quoted or not; returns it and whether it was quoted.
fn read_value(chars: &mut Peekable<Chars<'_>>, key: &str) -> Result<(String, bool), ConnectError> {
    let mut value = String::new();
    if chars.next_if_eq(&'\'').is_some() {
        loop {
            match chars.next() {
                Some('\\') => value.extend(chars.next()),
                Some('\'') => return Ok((value, true)),
                Some(c) => value.push(c),
                None => return Err(ConnectError::invalid(key, "unterminated quoted value")),
            }
        }
    }
    while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
        if c == '\\' {
            value.extend(chars.next());
        } else {
            value.push(c);
        }
    }
    Ok((value, false))
}
