//! The Microsoft Graph application permissions (app roles) Ringside knows.

use std::fmt;

/// A Graph application permission that can be requested, consented and carried in a token's `roles`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Outbound 1:1 calls; transfer and redirect to directory users.
    CallsInitiateAll,
    /// Outbound group calls and adding participants to meetings.
    CallsInitiateGroupCallAll,
    /// Join group calls and meetings as the app.
    CallsJoinGroupCallAll,
    /// Join group calls and meetings as a guest.
    CallsJoinGroupCallAsGuestAll,
    /// Direct access to media streams (app-hosted media).
    CallsAccessMediaAll,
    /// Read online meeting details.
    OnlineMeetingsReadAll,
    /// Read and create online meetings.
    OnlineMeetingsReadWriteAll,
    /// Read Teams resource accounts (`/beta/admin/teams/resourceAccounts`).
    TeamsResourceAccountReadAll,
}

/// Error from [`Permission::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionParseError {
    input: String,
}

impl fmt::Display for PermissionParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown permission '{}'; known: ", self.input)?;
        for (index, permission) in Permission::ALL.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(permission.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for PermissionParseError {}

impl Permission {
    /// Every permission, in the order the seeds list them.
    pub const ALL: [Permission; 8] = [
        Permission::CallsInitiateAll,
        Permission::CallsInitiateGroupCallAll,
        Permission::CallsJoinGroupCallAll,
        Permission::CallsJoinGroupCallAsGuestAll,
        Permission::CallsAccessMediaAll,
        Permission::OnlineMeetingsReadAll,
        Permission::OnlineMeetingsReadWriteAll,
        Permission::TeamsResourceAccountReadAll,
    ];

    /// The canonical role value, as it appears in a token's `roles` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::CallsInitiateAll => "Calls.Initiate.All",
            Permission::CallsInitiateGroupCallAll => "Calls.InitiateGroupCall.All",
            Permission::CallsJoinGroupCallAll => "Calls.JoinGroupCall.All",
            Permission::CallsJoinGroupCallAsGuestAll => "Calls.JoinGroupCallAsGuest.All",
            Permission::CallsAccessMediaAll => "Calls.AccessMedia.All",
            Permission::OnlineMeetingsReadAll => "OnlineMeetings.Read.All",
            Permission::OnlineMeetingsReadWriteAll => "OnlineMeetings.ReadWrite.All",
            Permission::TeamsResourceAccountReadAll => "TeamsResourceAccount.Read.All",
        }
    }

    /// The display string admins see on the consent screen.
    pub fn display_name(self) -> &'static str {
        match self {
            Permission::CallsInitiateAll => "Initiate outgoing 1:1 calls from the app",
            Permission::CallsInitiateGroupCallAll => "Initiate outgoing group calls from the app",
            Permission::CallsJoinGroupCallAll => "Join group calls and meetings as an app",
            Permission::CallsJoinGroupCallAsGuestAll => "Join group calls and meetings as a guest",
            Permission::CallsAccessMediaAll => "Access media streams in a call as an app",
            Permission::OnlineMeetingsReadAll => "Read online meeting details",
            Permission::OnlineMeetingsReadWriteAll => "Read and create online meetings",
            Permission::TeamsResourceAccountReadAll => "Read Teams resource accounts",
        }
    }

    /// Parses a role value. Matching ignores ASCII case (the seeds spell `Calls.JoinGroupCallasGuest.All`);
    /// the result is always the canonical name.
    pub fn parse(input: &str) -> Result<Permission, PermissionParseError> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(input.trim()))
            .ok_or_else(|| PermissionParseError {
                input: input.chars().take(80).collect(),
            })
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_canonical_name_and_the_seed_spelling() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()).unwrap(), permission);
        }
        assert_eq!(
            Permission::parse("Calls.JoinGroupCallasGuest.All").unwrap(),
            Permission::CallsJoinGroupCallAsGuestAll
        );
    }

    #[test]
    fn rejects_unknown_and_misspelled_names() {
        for bad in [
            "Calls.JoinGroupCalls.All",
            "User.Read.All",
            "",
            "Calls.Initiate",
        ] {
            let error = Permission::parse(bad).unwrap_err();
            assert!(error.to_string().contains("Calls.Initiate.All"));
        }
    }
}
