//! GUID-shaped identifiers (`8-4-4-4-12` lowercase hex) and the typed newtypes built on them.

use std::fmt;
use std::str::FromStr;

/// A 128-bit identifier rendered as a lowercase, hyphenated GUID.
///
/// Cores never make one from randomness: ids are generated at the edge and passed in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(u128);

/// Error from [`Guid::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidParseError {
    input: String,
}

impl fmt::Display for GuidParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
            self.input
        )
    }
}

impl std::error::Error for GuidParseError {}

impl Guid {
    /// Wraps raw bits.
    pub const fn from_u128(bits: u128) -> Guid {
        Guid(bits)
    }

    /// The raw bits.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// Builds a version-4 style GUID from 16 random bytes supplied by the caller.
    pub fn from_random_bytes(bytes: [u8; 16]) -> Guid {
        let mut bits = u128::from_be_bytes(bytes);
        // Version nibble 4, variant bits 10xx, as RFC 4122 random UUIDs have.
        bits &= !(0xF << 76);
        bits |= 0x4 << 76;
        bits &= !(0x3 << 62);
        bits |= 0x2 << 62;
        Guid(bits)
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any hex case) or the same 32 digits without hyphens.
    pub fn parse(input: &str) -> Result<Guid, GuidParseError> {
        let error = || GuidParseError {
            input: input.chars().take(64).collect(),
        };
        let bytes = input.as_bytes();
        let hex: Vec<u8> = match bytes.len() {
            36 => {
                for &position in &[8, 13, 18, 23] {
                    if bytes[position] != b'-' {
                        return Err(error());
                    }
                }
                bytes.iter().copied().filter(|&b| b != b'-').collect()
            }
            32 => bytes.to_vec(),
            _ => return Err(error()),
        };
        if hex.len() != 32 {
            return Err(error());
        }
        let mut bits: u128 = 0;
        for byte in hex {
            let digit = (byte as char).to_digit(16).ok_or_else(error)?;
            bits = (bits << 4) | u128::from(digit);
        }
        Ok(Guid(bits))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Guid {
    type Err = GuidParseError;
    fn from_str(s: &str) -> Result<Guid, GuidParseError> {
        Guid::parse(s)
    }
}

macro_rules! guid_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Guid);

        impl $name {
            /// Parses the GUID text form.
            pub fn parse(input: &str) -> Result<$name, GuidParseError> {
                Guid::parse(input).map($name)
            }

            /// The underlying GUID.
            pub fn guid(self) -> Guid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = GuidParseError;
            fn from_str(s: &str) -> Result<$name, GuidParseError> {
                $name::parse(s)
            }
        }
    };
}

guid_newtype!(
    /// A directory tenant (Entra `tid`).
    TenantId
);
guid_newtype!(
    /// An app registration's client id (Entra `appid`/`azp`), also the bot id.
    AppId
);
guid_newtype!(
    /// A directory user's object id.
    UserId
);
guid_newtype!(
    /// An application instance (resource account) object id.
    InstanceId
);
guid_newtype!(
    /// An Azure Communication Services resource's immutable resource id.
    AcsResourceId
);
guid_newtype!(
    /// A client secret's key id.
    SecretId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_form() {
        let text = "aaaaaaaa-0000-4000-8000-00000000beef";
        let guid = Guid::parse(text).unwrap();
        assert_eq!(guid.to_string(), text);
        assert_eq!(
            Guid::parse("AAAAAAAA-0000-4000-8000-00000000BEEF").unwrap(),
            guid
        );
        assert_eq!(Guid::parse("aaaaaaaa000040008000").ok(), None);
        assert_eq!(
            Guid::parse("aaaaaaaa00004000800000000000beef").unwrap(),
            guid
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "x",
            "aaaaaaaa-0000-4000-8000-00000000beeg",
            "aaaaaaaa00000-4000-8000-00000000beef",
            "é",
        ] {
            assert!(Guid::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn random_bytes_make_version_4() {
        let guid = Guid::from_random_bytes([0xFF; 16]);
        let text = guid.to_string();
        assert_eq!(&text[14..15], "4");
        assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"));
    }
}
