//! E.164 phone numbers and the telephony number types of a tenant's inventory.

use std::fmt;
use std::str::FromStr;

/// A phone number in E.164 form: `+`, a non-zero country digit, at most 15 digits in all.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

/// Error from [`E164::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E164ParseError {
    input: String,
}

impl fmt::Display for E164ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not an E.164 number (expected '+' and 8 to 15 digits, e.g. +14255550100)",
            self.input
        )
    }
}

impl std::error::Error for E164ParseError {}

impl E164 {
    /// Parses `+` followed by 8 to 15 digits, the first non-zero. A leading `tel:` is accepted
    /// (Graph renders resource account numbers as `tel:+1…`); nothing else is normalised.
    pub fn parse(input: &str) -> Result<E164, E164ParseError> {
        let error = || E164ParseError {
            input: input.chars().take(40).collect(),
        };
        let body = input.strip_prefix("tel:").unwrap_or(input);
        let digits = body.strip_prefix('+').ok_or_else(error)?;
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(E164(format!("+{digits}")))
        } else {
            Err(error())
        }
    }

    /// The number with its leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `tel:` URI form used by Graph's resourceAccounts.
    pub fn tel_uri(&self) -> String {
        format!("tel:{}", self.0)
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

impl FromStr for E164 {
    type Err = E164ParseError;
    fn from_str(s: &str) -> Result<E164, E164ParseError> {
        E164::parse(s)
    }
}

/// How a tenant acquired a number (`Set-CsPhoneNumberAssignment -PhoneNumberType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberType {
    /// Microsoft Calling Plan number.
    CallingPlan,
    /// Direct Routing number (the tenant's own SBC).
    DirectRouting,
    /// Operator Connect number.
    OperatorConnect,
}

/// Error from [`NumberType::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberTypeParseError {
    input: String,
}

impl fmt::Display for NumberTypeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown phone number type '{}' (expected CallingPlan, DirectRouting or OperatorConnect)",
            self.input
        )
    }
}

impl std::error::Error for NumberTypeParseError {}

impl NumberType {
    /// All types, in display order.
    pub const ALL: [NumberType; 3] = [
        NumberType::CallingPlan,
        NumberType::DirectRouting,
        NumberType::OperatorConnect,
    ];

    /// The cmdlet spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NumberType::CallingPlan => "CallingPlan",
            NumberType::DirectRouting => "DirectRouting",
            NumberType::OperatorConnect => "OperatorConnect",
        }
    }

    /// Parses the cmdlet spelling, case-insensitively.
    pub fn parse(input: &str) -> Result<NumberType, NumberTypeParseError> {
        NumberType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(input))
            .ok_or_else(|| NumberTypeParseError {
                input: input.chars().take(40).collect(),
            })
    }
}

impl fmt::Display for NumberType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_e164() {
        assert_eq!(
            E164::parse("+14255550100").unwrap().as_str(),
            "+14255550100"
        );
        assert_eq!(
            E164::parse("tel:+14255550100").unwrap().tel_uri(),
            "tel:+14255550100"
        );
        for bad in [
            "14255550100",
            "+0425555010",
            "+1425",
            "+1425555010012345",
            "+1 425 555 0100",
            "",
            "+",
            "tel:",
        ] {
            assert!(E164::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_number_type() {
        assert_eq!(
            NumberType::parse("callingplan").unwrap(),
            NumberType::CallingPlan
        );
        assert!(NumberType::parse("Mobile").is_err());
    }
}
