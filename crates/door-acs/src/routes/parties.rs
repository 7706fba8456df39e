//! Parties from CommunicationIdentifierModels: phone numbers, Teams users, Teams apps and
//! resource accounts (an instance of the caller's tenant), ACS users, and Teams extension users
//! (`8:acs:<resource>_<tenant>_<user>`, the Teams user they name).

use ringside_acs_wire::CommunicationIdentifierModel;
use ringside_model::{AppId, Guid, InstanceId, Party, TenantId, UserId, E164};

use crate::request::{invalid, Result};
use crate::AcsState;

/// A party from a CommunicationIdentifierModel: keyed by `rawId`, else by the sub-object.
pub(super) fn party(
    state: &AcsState,
    tenant: TenantId,
    id: &CommunicationIdentifierModel,
) -> Result<Party> {
    let raw = id
        .raw_id()
        .ok_or_else(|| invalid("An identifier needs a rawId or a known sub-object."))?;
    let extension_user = id.teams_extension_user.as_ref().map(|u| u.user_id.as_str());
    party_from_raw(state, tenant, &raw, extension_user)
}

/// The parties an identifier list names.
pub(super) fn parties(
    state: &AcsState,
    tenant: TenantId,
    ids: &[CommunicationIdentifierModel],
) -> Result<Vec<Party>> {
    ids.iter().map(|id| party(state, tenant, id)).collect()
}

/// A party from a rawId (`extension_user`: the user id a Teams extension user's sub-object
/// names).
pub(super) fn party_from_raw(
    state: &AcsState,
    tenant: TenantId,
    raw: &str,
    extension_user: Option<&str>,
) -> Result<Party> {
    let lower = raw.to_ascii_lowercase();
    if let Some(number) = raw.strip_prefix("4:") {
        return E164::parse(number.split('_').next().unwrap_or(number))
            .map(Party::Phone)
            .map_err(|_| invalid(format!("'{raw}' is not an E.164 phone number.")));
    }
    for prefix in ["8:orgid:", "8:gcch:", "8:dod:"] {
        if lower.starts_with(prefix) {
            let id = &raw[prefix.len()..];
            return Guid::parse(id)
                .map(|g| Party::User {
                    tenant,
                    user: UserId(g),
                })
                .map_err(|_| invalid(format!("'{raw}' is not a Teams user id.")));
        }
    }
    for prefix in ["28:orgid:", "28:gcch:", "28:dod:"] {
        if lower.starts_with(prefix) {
            return teams_app(state, tenant, raw, &raw[prefix.len()..]);
        }
    }
    if lower.starts_with("8:acs:")
        || lower.starts_with("8:gcch-acs:")
        || lower.starts_with("8:dod-acs:")
        || lower.starts_with("8:spool:")
    {
        return Ok(acs_user(tenant, raw, extension_user));
    }
    Err(invalid(format!(
        "'{raw}' is not an identifier this server routes."
    )))
}

/// A `28:` id: a resource account of the tenant, else an app.
fn teams_app(state: &AcsState, tenant: TenantId, raw: &str, id: &str) -> Result<Party> {
    let guid = Guid::parse(id).map_err(|_| {
        invalid(format!(
            "'{raw}' is not a Teams app or resource account id."
        ))
    })?;
    let instance = state
        .directory()
        .read(|d| d.instance(tenant, InstanceId(guid)).is_some());
    Ok(if instance {
        Party::ApplicationInstance {
            tenant,
            instance: InstanceId(guid),
        }
    } else {
        Party::Application { app: AppId(guid) }
    })
}

/// An `8:acs:`-style id: a Teams extension user (resourceId_tenantId_userId) is the Teams user it
/// names; anything else is an ACS user.
fn acs_user(tenant: TenantId, raw: &str, extension_user: Option<&str>) -> Party {
    if let Some(user) = extension_user.map(str::to_string).or_else(|| {
        let suffix = raw.split_once("acs:").map(|(_, s)| s)?;
        let parts: Vec<&str> = suffix.split('_').collect();
        (parts.len() == 3).then(|| parts[2].to_string())
    }) {
        if let Ok(g) = Guid::parse(&user) {
            return Party::User {
                tenant,
                user: UserId(g),
            };
        }
    }
    Party::AcsUser(raw.to_string())
}
