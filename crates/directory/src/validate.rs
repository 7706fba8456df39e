//! Value rules shared by the planner: display names, UPNs, domains, URLs, DNS labels and keys.

use crate::error::{invalid, DirectoryError};

/// Longest display name accepted, in characters.
pub const MAX_DISPLAY_NAME: usize = 256;
/// Longest redirect URI or webhook URL accepted, in bytes (Entra's limit for reply URLs).
pub const MAX_URL: usize = 256;
/// Most redirect URIs one app may register.
pub const MAX_REDIRECT_URIS: usize = 256;

/// 1..=256 characters, not only whitespace, no control characters.
pub fn display_name(what: &str, value: &str) -> Result<(), DirectoryError> {
    let count = value.chars().count();
    if count == 0 || value.trim().is_empty() {
        return Err(invalid(format!("{what} must not be empty")));
    }
    if count > MAX_DISPLAY_NAME {
        return Err(invalid(format!(
            "{what} is {count} characters long; at most {MAX_DISPLAY_NAME} are allowed"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(())
}

/// A DNS domain: at least two labels of letters, digits and inner hyphens, 253 bytes at most.
pub fn domain(value: &str) -> Result<(), DirectoryError> {
    let bad = |why: &str| invalid(format!("'{}' is not a valid domain: {why}", clip(value)));
    if value.is_empty() || value.len() > 253 {
        return Err(bad("expected 1 to 253 characters"));
    }
    let labels: Vec<&str> = value.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("expected at least two labels, e.g. contoso.com"));
    }
    for label in labels {
        if !is_dns_label(label) {
            return Err(bad("labels are 1 to 63 letters, digits or inner hyphens"));
        }
    }
    Ok(())
}

/// `local@domain` with a conventional local part (letters, digits, `.`, `-`, `_`, `'`, `+`; no leading,
/// trailing or doubled dot; at most 64 characters) and a valid domain.
pub fn upn(value: &str) -> Result<(), DirectoryError> {
    let bad = |why: &str| {
        invalid(format!(
            "'{}' is not a valid user principal name: {why}",
            clip(value)
        ))
    };
    let Some((local, domain_part)) = value.split_once('@') else {
        return Err(bad("expected local@domain"));
    };
    if domain_part.contains('@') {
        return Err(bad("expected exactly one '@'"));
    }
    if local.is_empty() || local.len() > 64 {
        return Err(bad("the part before '@' must have 1 to 64 characters"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '\'' | '+');
    if !local.chars().all(allowed) {
        return Err(bad(
            "the part before '@' may hold letters, digits and . - _ ' +",
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad(
            "the part before '@' must not start or end with '.' or hold '..'",
        ));
    }
    domain(domain_part).map_err(|_| bad("the part after '@' must be a domain such as contoso.com"))
}

/// A DNS label: 1..=63 ASCII letters, digits and hyphens, not starting or ending with a hyphen.
pub fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// An ACS resource name: a DNS label (it names the endpoint host in Azure).
pub fn acs_name(value: &str) -> Result<(), DirectoryError> {
    if is_dns_label(value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "'{}' is not a valid ACS resource name: use 1 to 63 letters, digits or inner hyphens",
            clip(value)
        )))
    }
}

/// An event subscription name: 3 to 64 letters, digits or hyphens (Event Grid's rule).
pub fn event_subscription_name(value: &str) -> Result<(), DirectoryError> {
    let ok = (3..=64).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "'{}' is not a valid event subscription name: use 3 to 64 letters, digits or hyphens",
            clip(value)
        )))
    }
}

/// Base64 (standard alphabet, padded) of exactly 32 bytes: 44 characters ending in one `=`.
pub fn access_key(what: &str, value: &str) -> Result<(), DirectoryError> {
    let bytes = value.as_bytes();
    let body_ok = bytes.len() == 44
        && bytes[43] == b'='
        && bytes[..43]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/');
    if body_ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be the base64 encoding of 32 bytes (44 characters)"
        )))
    }
}

/// Is this host a loopback name or address (`localhost`, `127.x.y.z`, `[::1]`)?
fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

/// An absolute `https://host[:port][/path][?query]` URL without fragment, or `http://` for a loopback
/// host only. `what` names the field in the message.
pub fn https_url(what: &str, value: &str) -> Result<(), DirectoryError> {
    let bad = |why: &str| invalid(format!("{what} '{}' is not allowed: {why}", clip(value)));
    if value.len() > MAX_URL {
        return Err(bad("at most 256 characters"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("whitespace is not allowed"));
    }
    if value.contains('#') {
        return Err(bad("fragments ('#') are not allowed"));
    }
    let lower = value.to_ascii_lowercase();
    let (secure, rest) = if lower.starts_with("https://") {
        (true, &value["https://".len()..])
    } else if lower.starts_with("http://") {
        (false, &value["http://".len()..])
    } else {
        return Err(bad("expected an absolute https:// URL"));
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("user information in the URL is not allowed"));
    }
    let host = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let after = &authority[end + 1..];
                if !after.is_empty() && !valid_port_suffix(after) {
                    return Err(bad("malformed port"));
                }
                &authority[..=end]
            }
            None => return Err(bad("unterminated IPv6 address")),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => {
                if !valid_port_suffix(&format!(":{port}")) {
                    return Err(bad("malformed port"));
                }
                host
            }
            None => authority,
        }
    };
    if host.is_empty() {
        return Err(bad("the URL has no host"));
    }
    if !host.starts_with('[')
        && !host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
    {
        return Err(bad("malformed host"));
    }
    if !secure && !is_loopback_host(host) {
        return Err(bad(
            "http:// is allowed only for localhost, 127.0.0.1 and [::1]; use https://",
        ));
    }
    Ok(())
}

fn valid_port_suffix(suffix: &str) -> bool {
    match suffix.strip_prefix(':') {
        Some(port) => {
            !port.is_empty() && port.len() <= 5 && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
        None => false,
    }
}

/// The first 80 characters of a value, for messages.
pub fn clip(value: &str) -> String {
    let mut clipped: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        clipped.push('…');
    }
    clipped
}
