//! Constant-time byte comparison (the `subtle` crate's `ConstantTimeEq`) for secret and HMAC
//! verification here and for the server's bearer-token checks.

use subtle::ConstantTimeEq as _;

/// Whether `a` and `b` are equal, compared without an early exit on the first differing byte.
///
/// The lengths are treated as public (secrets, signatures and digests have fixed, well-known
/// lengths), so a length mismatch returns `false` straight away.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq as ct_eq;

    #[test]
    fn compares_content_and_length() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"", b"a"));
    }
}
