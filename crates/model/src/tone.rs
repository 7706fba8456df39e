//! DTMF tones (the 16 keys of RFC 4733 plus flash).

use std::fmt;

/// A DTMF key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tone {
    /// Digit 0 ..= 9.
    Digit(u8),
    /// `*`
    Star,
    /// `#`
    Pound,
    /// `A`
    A,
    /// `B`
    B,
    /// `C`
    C,
    /// `D`
    D,
    /// Hook flash (RFC 4733 event 16).
    Flash,
}

/// Error from [`Tone::from_char`] and [`Tone::parse_sequence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToneParseError {
    input: String,
}

impl fmt::Display for ToneParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a DTMF key (expected 0-9, *, #, A-D)",
            self.input
        )
    }
}

impl std::error::Error for ToneParseError {}

impl Tone {
    /// The 16 keys in RFC 4733 event order (0-9, *, #, A-D).
    pub const KEYS: [Tone; 16] = [
        Tone::Digit(0),
        Tone::Digit(1),
        Tone::Digit(2),
        Tone::Digit(3),
        Tone::Digit(4),
        Tone::Digit(5),
        Tone::Digit(6),
        Tone::Digit(7),
        Tone::Digit(8),
        Tone::Digit(9),
        Tone::Star,
        Tone::Pound,
        Tone::A,
        Tone::B,
        Tone::C,
        Tone::D,
    ];

    /// The key's character.
    pub fn as_char(self) -> char {
        match self {
            Tone::Digit(d) => char::from(b'0' + d.min(9)),
            Tone::Star => '*',
            Tone::Pound => '#',
            Tone::A => 'A',
            Tone::B => 'B',
            Tone::C => 'C',
            Tone::D => 'D',
            Tone::Flash => '!',
        }
    }

    /// Parses one key character (`a`-`d` accepted in either case).
    pub fn from_char(c: char) -> Result<Tone, ToneParseError> {
        Ok(match c {
            '0'..='9' => Tone::Digit(c as u8 - b'0'),
            '*' => Tone::Star,
            '#' => Tone::Pound,
            'A' | 'a' => Tone::A,
            'B' | 'b' => Tone::B,
            'C' | 'c' => Tone::C,
            'D' | 'd' => Tone::D,
            '!' => Tone::Flash,
            _ => {
                return Err(ToneParseError {
                    input: c.to_string(),
                })
            }
        })
    }

    /// Parses a string of keys such as `"123#"`.
    pub fn parse_sequence(input: &str) -> Result<Vec<Tone>, ToneParseError> {
        input.chars().map(Tone::from_char).collect()
    }

    /// RFC 4733 event code.
    pub fn event_code(self) -> u8 {
        match self {
            Tone::Digit(d) => d.min(9),
            Tone::Star => 10,
            Tone::Pound => 11,
            Tone::A => 12,
            Tone::B => 13,
            Tone::C => 14,
            Tone::D => 15,
            Tone::Flash => 16,
        }
    }

    /// The (low, high) DTMF frequencies in Hz; `None` for flash, which has no tone.
    pub fn frequencies(self) -> Option<(f32, f32)> {
        const LOW: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
        const HIGH: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
        let (row, column) = match self {
            Tone::Digit(1) => (0, 0),
            Tone::Digit(2) => (0, 1),
            Tone::Digit(3) => (0, 2),
            Tone::A => (0, 3),
            Tone::Digit(4) => (1, 0),
            Tone::Digit(5) => (1, 1),
            Tone::Digit(6) => (1, 2),
            Tone::B => (1, 3),
            Tone::Digit(7) => (2, 0),
            Tone::Digit(8) => (2, 1),
            Tone::Digit(9) => (2, 2),
            Tone::C => (2, 3),
            Tone::Star => (3, 0),
            Tone::Digit(0) => (3, 1),
            Tone::Pound => (3, 2),
            Tone::D => (3, 3),
            Tone::Digit(_) | Tone::Flash => return None,
        };
        Some((LOW[row], HIGH[column]))
    }
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_chars_and_have_frequencies() {
        for key in Tone::KEYS {
            assert_eq!(Tone::from_char(key.as_char()).unwrap(), key);
            assert!(key.frequencies().is_some());
        }
        assert_eq!(Tone::parse_sequence("12#*").unwrap().len(), 4);
        assert!(Tone::parse_sequence("12x").is_err());
    }
}
