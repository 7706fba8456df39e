//! Bounded echo of client-supplied text in error messages and logs.

/// At most `max` characters of `text`, with `…` appended when something was cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let mut clipped: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        clipped.push('…');
    }
    clipped
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn cuts_on_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
        assert_eq!(clip("ééééé", 2), "éé…");
        assert_eq!(clip("", 0), "");
    }
}
