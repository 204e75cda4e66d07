//! Strict percent-decoding of URL parts.

use percent_encoding::percent_decode_str;

use crate::error::ConnectError;

/// Percent-decodes one URL part. Unlike a lenient decoder, a `%` not followed by two hex digits
/// (`%zz`, a trailing `%4`) is an error naming `key`, not a literal `%`: the part was meant to be
/// encoded, and guessing would hand the server a different password or database.
pub(super) fn decode(part: &str, key: &str) -> Result<String, ConnectError> {
    let bytes = part.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|b| *b == b'%'))
    {
        let at = i + offset;
        let hex = |k: usize| bytes.get(at + k).is_some_and(u8::is_ascii_hexdigit);
        if !(hex(1) && hex(2)) {
            return Err(ConnectError::invalid(
                key,
                "invalid percent escape: `%` must be followed by two hex digits (write a literal `%` as %25)",
            ));
        }
        i = at + 3;
    }
    percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ConnectError::invalid(key, "percent-decodes to invalid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn escapes_must_be_complete() {
        assert_eq!(decode("a%40b%25", "k").ok().as_deref(), Some("a@b%"));
        for bad in ["%zz", "%4", "%", "ab%g0", "%%41"] {
            assert!(decode(bad, "k").is_err(), "{bad}");
        }
        assert!(decode("%ff", "k").is_err(), "invalid UTF-8");
    }
}
