//! DTMF carried in SIP INFO bodies (the fallback when a peer does not send RFC 4733 events):
//! `application/dtmf-relay` (`Signal=5\r\nDuration=160`, Cisco's format, durations in ms) and
//! `application/dtmf` (the key alone). Pure functions; the SIP crate hands over the body.

use crate::dtmf::tone_of;
use ringside_model::Tone;

/// A key from an INFO body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoKey {
    /// The key.
    pub tone: Tone,
    /// Duration in ms, when the body gives one.
    pub duration_ms: Option<u32>,
}

/// Reads a key from an INFO body of `content_type` (parameters and case ignored); `None` for
/// other content types and bodies without a valid key.
pub fn parse_info_dtmf(content_type: &str, body: &str) -> Option<InfoKey> {
    let media_type = content_type.split(';').next()?.trim();
    if media_type.eq_ignore_ascii_case("application/dtmf-relay") {
        parse_relay(body)
    } else if media_type.eq_ignore_ascii_case("application/dtmf") {
        Some(InfoKey {
            tone: parse_signal(body.trim())?,
            duration_ms: None,
        })
    } else {
        None
    }
}

fn parse_relay(body: &str) -> Option<InfoKey> {
    let mut tone = None;
    let mut duration_ms = None;
    for line in body.lines() {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("signal") {
            tone = parse_signal(value);
        } else if name.eq_ignore_ascii_case("duration") {
            duration_ms = value.parse::<u32>().ok();
        }
    }
    Some(InfoKey {
        tone: tone?,
        duration_ms,
    })
}

/// One key: a character (`0-9 * # A-D`, case-insensitive), or an event code 10-16.
fn parse_signal(value: &str) -> Option<Tone> {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c != '!' => Tone::from_char(c).ok(),
        _ => value.parse::<u8>().ok().and_then(tone_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_relay_bodies_give_key_and_duration() {
        let key = parse_info_dtmf("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
        assert_eq!(
            key,
            Some(InfoKey {
                tone: Tone::Digit(5),
                duration_ms: Some(160)
            })
        );
        let key = parse_info_dtmf(
            "Application/DTMF-Relay; charset=x",
            "signal = #\nduration=250",
        );
        assert_eq!(
            key.map(|k| (k.tone, k.duration_ms)),
            Some((Tone::Pound, Some(250)))
        );
        let key = parse_info_dtmf("application/dtmf-relay", "Signal=11\r\n");
        assert_eq!(
            key.map(|k| (k.tone, k.duration_ms)),
            Some((Tone::Pound, None))
        );
        let key = parse_info_dtmf("application/dtmf-relay", "Signal=16");
        assert_eq!(key.map(|k| k.tone), Some(Tone::Flash));
        let key = parse_info_dtmf("application/dtmf-relay", "Signal=a\r\nDuration=x");
        assert_eq!(key.map(|k| (k.tone, k.duration_ms)), Some((Tone::A, None)));
    }

    #[test]
    fn application_dtmf_is_the_key_alone() {
        let key = parse_info_dtmf("application/dtmf", " *\r\n");
        assert_eq!(key.map(|k| k.tone), Some(Tone::Star));
        let key = parse_info_dtmf("application/dtmf", "10");
        assert_eq!(key.map(|k| k.tone), Some(Tone::Star));
    }

    #[test]
    fn anything_else_is_none() {
        assert_eq!(parse_info_dtmf("application/sdp", "Signal=5"), None);
        assert_eq!(
            parse_info_dtmf("application/dtmf-relay", "Duration=160"),
            None
        );
        assert_eq!(parse_info_dtmf("application/dtmf-relay", "Signal=X"), None);
        assert_eq!(parse_info_dtmf("application/dtmf-relay", "Signal=99"), None);
        assert_eq!(parse_info_dtmf("application/dtmf", "!"), None);
        assert_eq!(parse_info_dtmf("application/dtmf", ""), None);
        assert_eq!(parse_info_dtmf("", ""), None);
    }
}
