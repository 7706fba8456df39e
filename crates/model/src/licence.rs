//! Licences that gate telephony features of users and resource accounts.

use std::fmt;

/// A licence assignable to a user or a resource account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Licence {
    /// Microsoft Teams Phone Resource Account (SKU `PHONESYSTEM_VIRTUALUSER`): needed before a resource
    /// account can be given a number.
    TeamsPhoneResourceAccount,
    /// A Calling Plan (SKU `MCOPSTN1`): needed for outbound PSTN calls.
    CallingPlan,
    /// Teams Phone Standard (SKU `MCOEV`): makes a user voice-enabled.
    TeamsPhone,
}

/// Error from [`Licence::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceParseError {
    input: String,
}

impl fmt::Display for LicenceParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown licence '{}' (expected teamsPhoneResourceAccount, callingPlan or teamsPhone, or a SKU: \
             PHONESYSTEM_VIRTUALUSER, MCOPSTN1, MCOEV)",
            self.input
        )
    }
}

impl std::error::Error for LicenceParseError {}

impl Licence {
    /// Every licence.
    pub const ALL: [Licence; 3] = [
        Licence::TeamsPhoneResourceAccount,
        Licence::CallingPlan,
        Licence::TeamsPhone,
    ];

    /// Ringside's camelCase name, used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Licence::TeamsPhoneResourceAccount => "teamsPhoneResourceAccount",
            Licence::CallingPlan => "callingPlan",
            Licence::TeamsPhone => "teamsPhone",
        }
    }

    /// The Microsoft 365 SKU part number.
    pub fn sku(self) -> &'static str {
        match self {
            Licence::TeamsPhoneResourceAccount => "PHONESYSTEM_VIRTUALUSER",
            Licence::CallingPlan => "MCOPSTN1",
            Licence::TeamsPhone => "MCOEV",
        }
    }

    /// The product name admins see.
    pub fn display_name(self) -> &'static str {
        match self {
            Licence::TeamsPhoneResourceAccount => "Microsoft Teams Phone Resource Account",
            Licence::CallingPlan => "Microsoft Teams Calling Plan",
            Licence::TeamsPhone => "Microsoft Teams Phone Standard",
        }
    }

    /// Parses Ringside's name or the SKU part number, ignoring ASCII case and `-`/`_`/spaces.
    pub fn parse(input: &str) -> Result<Licence, LicenceParseError> {
        let squash = |s: &str| -> String {
            s.chars()
                .filter(|c| !matches!(c, '-' | '_' | ' '))
                .flat_map(char::to_lowercase)
                .collect()
        };
        let wanted = squash(input);
        Licence::ALL
            .into_iter()
            .find(|l| squash(l.as_str()) == wanted || squash(l.sku()) == wanted)
            .ok_or_else(|| LicenceParseError {
                input: input.chars().take(80).collect(),
            })
    }
}

impl fmt::Display for Licence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_skus() {
        assert_eq!(Licence::parse("callingPlan").unwrap(), Licence::CallingPlan);
        assert_eq!(
            Licence::parse("calling-plan").unwrap(),
            Licence::CallingPlan
        );
        assert_eq!(
            Licence::parse("PHONESYSTEM_VIRTUALUSER").unwrap(),
            Licence::TeamsPhoneResourceAccount
        );
        assert_eq!(Licence::parse("mcoev").unwrap(), Licence::TeamsPhone);
        assert!(Licence::parse("E5").is_err());
    }
}
