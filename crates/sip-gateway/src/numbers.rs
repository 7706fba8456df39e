//! Who a SIP URI names: its user part (or a tel URI's number), and a dialled or calling number
//! read as E.164.

use ringside_model::E164;
use ringside_sip::Uri;

/// The user part of a SIP URI, or a tel URI's number.
pub(crate) fn user_of(uri: &Uri) -> Option<String> {
    match uri {
        Uri::Sip(sip) => sip.user_unescaped(),
        Uri::Tel(tel) => Some(tel.number.clone()),
        Uri::Other(_) => None,
    }
}

/// A dialled or calling number as E.164: `+digits`, or digits (a trunk's national format is
/// taken as given with a `+`); visual separators are dropped.
pub(crate) fn e164(user: &str) -> Option<E164> {
    let digits: String = user
        .chars()
        .filter(|c| !matches!(c, '-' | '.' | '(' | ')' | ' '))
        .collect();
    let bare = digits.strip_prefix('+').unwrap_or(&digits);
    if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    E164::parse(&format!("+{bare}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_e164() {
        assert_eq!(
            e164("+14255550100").map(|n| n.as_str().to_string()),
            Some("+14255550100".to_string())
        );
        assert_eq!(
            e164("1-425-555-0100").map(|n| n.as_str().to_string()),
            Some("+14255550100".to_string())
        );
        assert!(e164("adele").is_none());
        assert!(e164("+").is_none());
    }
}
