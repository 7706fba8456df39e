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

// ----- Direct Routing -----

/// Longest description accepted (gateways, routes, policies), in characters.
pub const MAX_DESCRIPTION: usize = 1024;

/// A PSTN gateway's identity: an IP literal (IPv6 with or without brackets) or a domain. Returns
/// the canonical form: the address as std prints it, or the domain lower-cased.
pub fn gateway_fqdn(value: &str) -> Result<String, DirectoryError> {
    if let Some(address) = ip_literal(value) {
        return Ok(address);
    }
    domain(value).map_err(|_| {
        invalid(format!(
            "'{}' is not a valid gateway FQDN: expected a domain such as sbc.contoso.com or an IP address",
            clip(value)
        ))
    })?;
    Ok(value.to_ascii_lowercase())
}

/// The canonical text of an IP literal (`[::1]` and `::1` both give `::1`), if `value` is one.
pub fn ip_literal(value: &str) -> Option<String> {
    let bare = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value);
    bare.parse::<std::net::IpAddr>().ok().map(|a| a.to_string())
}

/// At most [`MAX_DESCRIPTION`] characters, no control characters (may be empty).
pub fn description(what: &str, value: &str) -> Result<(), DirectoryError> {
    let count = value.chars().count();
    if count > MAX_DESCRIPTION {
        return Err(invalid(format!(
            "{what} is {count} characters long; at most {MAX_DESCRIPTION} are allowed"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(())
}

/// A name (PSTN usage, voice route, voice routing policy): 1..=256 characters, no control
/// characters, no leading or trailing whitespace, no comma (Teams lists are comma-separated).
pub fn voice_name(what: &str, value: &str) -> Result<(), DirectoryError> {
    display_name(what, value)?;
    if value.trim() != value {
        return Err(invalid(format!(
            "{what} '{}' must not start or end with whitespace",
            clip(value)
        )));
    }
    if value.contains(',') {
        return Err(invalid(format!(
            "{what} '{}' must not contain ','",
            clip(value)
        )));
    }
    Ok(())
}

/// A SIP username: 1..=64 letters, digits and `. - _ + ' ! ~ * ( )` (characters a SIP URI's user
/// part carries unescaped).
pub fn sip_username(value: &str) -> Result<(), DirectoryError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_+'!~*()".contains(c);
    if (1..=64).contains(&value.len()) && value.chars().all(allowed) {
        Ok(())
    } else {
        Err(invalid(format!(
            "'{}' is not a valid SIP username: use 1 to 64 letters, digits or . - _ + ' ! ~ * ( )",
            clip(value)
        )))
    }
}

/// Shortest SIP password accepted (a registering phone's only protection against toll fraud).
pub const MIN_SIP_PASSWORD: usize = 12;

/// A SIP password: [`MIN_SIP_PASSWORD`]..=128 printable ASCII characters without spaces.
pub fn sip_password(what: &str, value: &str, min: usize) -> Result<(), DirectoryError> {
    let printable = value.bytes().all(|b| b.is_ascii_graphic());
    if (min..=128).contains(&value.len()) && printable {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be {min} to 128 printable ASCII characters without spaces"
        )))
    }
}

/// A gateway's digest username: 1..=256 printable ASCII characters without spaces or quotes.
pub fn digest_username(value: &str) -> Result<(), DirectoryError> {
    let ok = (1..=256).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_graphic() && b != b'"');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "the gateway's digest username must be 1 to 256 printable ASCII characters without spaces or quotes",
        ))
    }
}

/// `FailoverResponseCodes`: comma-separated SIP response codes 400..=699, e.g. `408,503,504`;
/// duplicates dropped, order kept.
pub fn failover_codes(value: &str) -> Result<Vec<u16>, DirectoryError> {
    let bad = || {
        invalid(format!(
            "'{}' is not a valid list of failover response codes: expected SIP codes from 400 to 699 separated by commas, e.g. 408,503,504",
            clip(value)
        ))
    };
    let mut codes = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let code = part.parse::<u16>().map_err(|_| bad())?;
        if !(400..=699).contains(&code) {
            return Err(bad());
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// A gateway's digest password (the carrier's choice): 1..=256 characters, no control characters.
pub fn digest_password(value: &str) -> Result<(), DirectoryError> {
    let count = value.chars().count();
    if (1..=256).contains(&count) && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(invalid(
            "the gateway's digest password must be 1 to 256 characters without control characters",
        ))
    }
}
