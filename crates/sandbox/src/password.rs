//! Random passwords from the kernel's CSPRNG.

use std::io::Read;

use crate::SandboxError;

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` random ASCII letters and digits, uniformly drawn (rejection sampling over
/// `/dev/urandom` bytes).
pub fn generate(len: usize) -> Result<String, SandboxError> {
    let mut urandom = std::fs::File::open("/dev/urandom")
        .map_err(|e| SandboxError::io("opening /dev/urandom", e))?;
    let mut out = String::with_capacity(len);
    let mut buf = [0_u8; 64];
    while out.len() < len {
        urandom
            .read_exact(&mut buf)
            .map_err(|e| SandboxError::io("reading /dev/urandom", e))?;
        // 248 = 4 * 62: bytes at or above it would bias the draw.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == len {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
        }
    }
    Ok(out)
}
