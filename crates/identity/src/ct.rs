//! Constant-time byte comparison shared by secret and HMAC verification.

/// Compares two byte strings without an early exit on the first difference.
///
/// The lengths are treated as public (signatures and digests have fixed, well-known lengths), so a
/// length mismatch returns `false` straight away.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::ct_eq;

    #[test]
    fn compares_content_and_length() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"", b"a"));
    }
}
