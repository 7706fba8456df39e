//! CommunicationIdentifierModel and its sub-models (digest §3): `kind`, `rawId` and at most one
//! sub-object. Read as the SDKs send them (Python: no `kind`; JS: `kind` mostly, `isAnonymous` on
//! phone numbers), written as the door renders them (`kind`, `rawId` and the sub-object).

use serde::{Deserialize, Serialize};

use crate::enums::{CommunicationCloudEnvironment, IdentifierKind};

/// rawId prefix of a phone number.
pub const PHONE_PREFIX: &str = "4:";
/// rawId prefix of a public-cloud Teams user.
pub const TEAMS_USER_PREFIX: &str = "8:orgid:";
/// rawId prefix of a public-cloud Teams app, bot or resource account.
pub const TEAMS_APP_PREFIX: &str = "28:orgid:";

/// `CommunicationIdentifierModel`. Every member is optional on input; see [`Self::raw_id`] for the
/// door's rule when `rawId` is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentifierModel {
    /// What the identifier is (JS sends it, Python never does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdentifierKind>,
    /// The canonical string form (`4:+1…`, `8:acs:…`, `8:orgid:…`, `28:orgid:…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_id: Option<String>,
    /// An ACS user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication_user: Option<CommunicationUserIdentifierModel>,
    /// A phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumberIdentifierModel>,
    /// A Teams user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_user: Option<MicrosoftTeamsUserIdentifierModel>,
    /// A Teams app or bot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_app: Option<MicrosoftTeamsAppIdentifierModel>,
    /// A Teams user reached through an ACS resource (Teams Phone extensibility).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams_extension_user: Option<TeamsExtensionUserIdentifierModel>,
}

/// `CommunicationUserIdentifierModel` (also `source` of createCall and `answeredBy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationUserIdentifierModel {
    /// The ACS user's rawId (`8:acs:…`).
    pub id: String,
}

/// `PhoneNumberIdentifierModel` (also `sourceCallerIdNumber` and `answeredFor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberIdentifierModel {
    /// E.164 number, `+` included.
    pub value: String,
    /// Anonymous caller (JS always sends `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// The asserted id (text after the last `_` of the rawId).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asserted_id: Option<String>,
}

/// `MicrosoftTeamsUserIdentifierModel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsUserIdentifierModel {
    /// The Entra object id.
    pub user_id: String,
    /// Anonymous (Teams visitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// The cloud (any case on input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CommunicationCloudEnvironment>,
}

/// `MicrosoftTeamsAppIdentifierModel` (also `teamsAppSource` of createCall).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsAppIdentifierModel {
    /// The app (or resource account) id.
    pub app_id: String,
    /// The cloud (any case on input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CommunicationCloudEnvironment>,
}

/// `TeamsExtensionUserIdentifierModel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsExtensionUserIdentifierModel {
    /// The Teams user's Entra object id.
    pub user_id: String,
    /// The user's tenant.
    pub tenant_id: String,
    /// The ACS resource the user is reached through.
    pub resource_id: String,
    /// The cloud (any case on input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CommunicationCloudEnvironment>,
}

impl CommunicationIdentifierModel {
    /// The rawId: `rawId` when it is a non-blank string (trimmed), else built from the first
    /// sub-object present of `phoneNumber` (`4:`+value), `communicationUser` (id),
    /// `microsoftTeamsUser` (`8:orgid:`+userId), `microsoftTeamsApp` (`28:orgid:`+appId) — the
    /// door's rule (`raw_id_of`). `None` when nothing names the party.
    pub fn raw_id(&self) -> Option<String> {
        if let Some(raw) = self.raw_id.as_deref().map(str::trim) {
            if !raw.is_empty() {
                return Some(raw.to_owned());
            }
        }
        None.or_else(|| {
            self.phone_number
                .as_ref()
                .map(|p| format!("{PHONE_PREFIX}{}", p.value))
        })
        .or_else(|| self.communication_user.as_ref().map(|c| c.id.clone()))
        .or_else(|| {
            self.microsoft_teams_user
                .as_ref()
                .map(|u| format!("{TEAMS_USER_PREFIX}{}", u.user_id))
        })
        .or_else(|| {
            self.microsoft_teams_app
                .as_ref()
                .map(|a| format!("{TEAMS_APP_PREFIX}{}", a.app_id))
        })
    }

    /// `kind` when it is known, else what the sub-object present says (`Unknown` without one), as
    /// the JS SDK infers it.
    pub fn effective_kind(&self) -> IdentifierKind {
        if let Some(kind) = self.kind.as_ref().filter(|k| k.is_known()) {
            return kind.clone();
        }
        if self.communication_user.is_some() {
            IdentifierKind::CommunicationUser
        } else if self.phone_number.is_some() {
            IdentifierKind::PhoneNumber
        } else if self.microsoft_teams_user.is_some() {
            IdentifierKind::MicrosoftTeamsUser
        } else if self.microsoft_teams_app.is_some() {
            IdentifierKind::MicrosoftTeamsApp
        } else if self.teams_extension_user.is_some() {
            IdentifierKind::TeamsExtensionUser
        } else {
            IdentifierKind::Unknown
        }
    }

    /// A phone number, as the door renders it: `kind`, `rawId` `4:<number>`, `phoneNumber.value`.
    pub fn phone_number(e164: &str) -> Self {
        CommunicationIdentifierModel {
            kind: Some(IdentifierKind::PhoneNumber),
            raw_id: Some(format!("{PHONE_PREFIX}{e164}")),
            phone_number: Some(PhoneNumberIdentifierModel::new(e164)),
            ..Default::default()
        }
    }

    /// An ACS user (`8:acs:…`): `kind`, `rawId` and `communicationUser.id`, all the raw id.
    pub fn communication_user(raw_id: &str) -> Self {
        CommunicationIdentifierModel {
            kind: Some(IdentifierKind::CommunicationUser),
            raw_id: Some(raw_id.to_owned()),
            communication_user: Some(CommunicationUserIdentifierModel {
                id: raw_id.to_owned(),
            }),
            ..Default::default()
        }
    }

    /// A public-cloud Teams user: rawId `8:orgid:<id>`, `isAnonymous: false`, `cloud: public`.
    pub fn microsoft_teams_user(user_id: &str) -> Self {
        CommunicationIdentifierModel {
            kind: Some(IdentifierKind::MicrosoftTeamsUser),
            raw_id: Some(format!("{TEAMS_USER_PREFIX}{user_id}")),
            microsoft_teams_user: Some(MicrosoftTeamsUserIdentifierModel {
                user_id: user_id.to_owned(),
                is_anonymous: Some(false),
                cloud: Some(CommunicationCloudEnvironment::Public),
            }),
            ..Default::default()
        }
    }

    /// A public-cloud Teams app or bot: rawId `28:orgid:<id>`, `cloud: public`.
    pub fn microsoft_teams_app(app_id: &str) -> Self {
        CommunicationIdentifierModel {
            kind: Some(IdentifierKind::MicrosoftTeamsApp),
            raw_id: Some(format!("{TEAMS_APP_PREFIX}{app_id}")),
            microsoft_teams_app: Some(MicrosoftTeamsAppIdentifierModel {
                app_id: app_id.to_owned(),
                cloud: Some(CommunicationCloudEnvironment::Public),
            }),
            ..Default::default()
        }
    }

    /// Only a rawId, `kind: unknown` (how the door renders a Teams resource account).
    pub fn unknown(raw_id: &str) -> Self {
        CommunicationIdentifierModel {
            kind: Some(IdentifierKind::Unknown),
            raw_id: Some(raw_id.to_owned()),
            ..Default::default()
        }
    }

    /// A Teams extension user: rawId `8:acs:` (`8:gcch-acs:`, `8:dod-acs:` for those clouds; public
    /// for any other) + `<resource>_<tenant>_<user>`, and the sub-object with the cloud named.
    pub fn teams_extension_user(
        cloud: CommunicationCloudEnvironment,
        resource_id: &str,
        tenant_id: &str,
        user_id: &str,
    ) -> Self {
        let (prefix, cloud) = match cloud {
            CommunicationCloudEnvironment::Gcch => ("8:gcch-acs:", cloud),
            CommunicationCloudEnvironment::Dod => ("8:dod-acs:", cloud),
            _ => ("8:acs:", CommunicationCloudEnvironment::Public),
        };
        CommunicationIdentifierModel {
            kind: Some(IdentifierKind::TeamsExtensionUser),
            raw_id: Some(format!("{prefix}{resource_id}_{tenant_id}_{user_id}")),
            teams_extension_user: Some(TeamsExtensionUserIdentifierModel {
                user_id: user_id.to_owned(),
                tenant_id: tenant_id.to_owned(),
                resource_id: resource_id.to_owned(),
                cloud: Some(cloud),
            }),
            ..Default::default()
        }
    }
}

impl PhoneNumberIdentifierModel {
    /// Just the number.
    pub fn new(e164: &str) -> Self {
        PhoneNumberIdentifierModel {
            value: e164.to_owned(),
            is_anonymous: None,
            asserted_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_id_follows_the_door_rule() {
        let parse = |v| serde_json::from_value::<CommunicationIdentifierModel>(v).unwrap();
        assert_eq!(
            parse(json!({"rawId": " 4:+1 ", "phoneNumber": {"value": "+2"}})).raw_id(),
            Some("4:+1".into())
        );
        assert_eq!(
            parse(json!({"rawId": "  ", "phoneNumber": {"value": "+2"}})).raw_id(),
            Some("4:+2".into())
        );
        assert_eq!(
            parse(json!({"microsoftTeamsApp": {"appId": "a", "cloud": "PUBLIC"}})).raw_id(),
            Some("28:orgid:a".into())
        );
        assert_eq!(
            parse(json!({"microsoftTeamsUser": {"userId": "u"}})).raw_id(),
            Some("8:orgid:u".into())
        );
        let extension = parse(json!({"teamsExtensionUser":
            {"userId": "u", "tenantId": "t", "resourceId": "r"}}));
        assert_eq!(extension.raw_id(), None, "not derived, as in the door");
        assert_eq!(
            extension.effective_kind(),
            IdentifierKind::TeamsExtensionUser
        );
        assert_eq!(parse(json!({})).effective_kind(), IdentifierKind::Unknown);
    }

    #[test]
    fn constructors_render_like_the_door() {
        let to = |v: &CommunicationIdentifierModel| serde_json::to_value(v).unwrap();
        assert_eq!(
            to(&CommunicationIdentifierModel::teams_extension_user(
                CommunicationCloudEnvironment::Gcch,
                "r",
                "t",
                "u"
            )),
            json!({"kind": "teamsExtensionUser", "rawId": "8:gcch-acs:r_t_u",
                   "teamsExtensionUser": {"userId": "u", "tenantId": "t", "resourceId": "r", "cloud": "gcch"}})
        );
        assert_eq!(
            to(&CommunicationIdentifierModel::microsoft_teams_app("a")),
            json!({"kind": "microsoftTeamsApp", "rawId": "28:orgid:a",
                   "microsoftTeamsApp": {"appId": "a", "cloud": "public"}})
        );
    }
}
