//! The engine's routing lookup ([`ringside_engine::Directory`]) over the directory snapshot, the
//! engine's [`IdSource`] with random GUIDs, and resolution of what the REST API names as an endpoint
//! (`userIdOrNumber`) into a [`Party`] and its tenant.

use ringside_directory::{Account, Directory};
use ringside_engine::{ConversationId, IdSource, LegId, OperationId, Route};
use ringside_model::{AppId, Guid, InstanceId, Party, TenantId, UserId, E164};

/// Routes over a borrowed directory snapshot.
pub struct Routing<'a>(pub &'a Directory);

impl ringside_engine::Directory for Routing<'_> {
    fn route(&self, _tenant: TenantId, target: &Party) -> Route {
        let d = self.0;
        match target {
            Party::User { tenant, user } => {
                if d.user(*tenant, *user).is_some() {
                    Route::SimulatedUser
                } else {
                    Route::Unroutable
                }
            }
            Party::Application { app } => {
                if d.application(*app).is_some() {
                    Route::Bot {
                        app: *app,
                        instance: None,
                    }
                } else {
                    Route::Unroutable
                }
            }
            Party::ApplicationInstance { tenant, instance } => match d.instance(*tenant, *instance)
            {
                Some(i) => Route::Bot {
                    app: i.app_id,
                    instance: Some(i.id),
                },
                None => Route::Unroutable,
            },
            Party::Phone(number) => match d.route_number(number) {
                Some((_, Account::Instance(i))) => Route::Bot {
                    app: i.app_id,
                    instance: Some(i.id),
                },
                Some((_, Account::User(_))) => Route::SimulatedUser,
                None => Route::ExternalPhone,
            },
            Party::AcsUser(id) => {
                if id.starts_with("8:") && id.len() <= 256 {
                    Route::SimulatedUser
                } else {
                    Route::Unroutable
                }
            }
        }
    }
}

/// Engine ids from the OS random generator.
pub struct RandomIds;

impl IdSource for RandomIds {
    fn conversation_id(&mut self) -> ConversationId {
        ConversationId(crate::ids::new_guid())
    }

    fn leg_id(&mut self) -> LegId {
        LegId(crate::ids::new_guid())
    }

    fn operation_id(&mut self) -> OperationId {
        OperationId(crate::ids::new_guid())
    }
}

/// Why an endpoint name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointNameError {
    /// Not an E.164 number, user id or UPN (400).
    Invalid(String),
    /// A well-formed user id or UPN that no tenant has (404).
    UnknownUser(String),
}

/// What a REST path or body names as an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedEndpoint {
    /// The party.
    pub party: Party,
    /// The tenant it lives in, when the directory knows it (a user, a number in an inventory).
    pub tenant: Option<TenantId>,
}

/// Resolves `+14255550199` (E.164), a user object id (GUID), a user principal name, or a
/// Communication Services rawId: `4:+1…` (a phone), `8:orgid:<id>` (a Teams user), `8:acs:…`
/// (an ACS user; a Teams extension user `8:acs:<resource>_<tenant>_<user>` is the user it names).
pub fn resolve_endpoint(d: &Directory, raw: &str) -> Result<NamedEndpoint, EndpointNameError> {
    let text = raw.trim();
    let shown: String = text.chars().take(40).collect();
    if let Some(found) = raw_id(d, text) {
        return found;
    }
    if let Ok(guid) = Guid::parse(text) {
        return user_by_id(d, guid)
            .or_else(|| bot_by_id(d, guid))
            .ok_or_else(|| {
                EndpointNameError::UnknownUser(format!(
                    "No user, application or resource account has the id {guid}."
                ))
            });
    }
    if text.contains('@') {
        return d
            .tenants()
            .find_map(|t| d.account_by_upn(t.id, text))
            .and_then(|account| match account {
                Account::User(u) => Some(NamedEndpoint {
                    party: Party::User {
                        tenant: u.tenant,
                        user: u.id,
                    },
                    tenant: Some(u.tenant),
                }),
                Account::Instance(_) => None,
            })
            .ok_or_else(|| {
                EndpointNameError::UnknownUser(format!("No user has the principal name '{shown}'."))
            });
    }
    let number = E164::parse(text.strip_prefix("tel:").unwrap_or(text)).map_err(|error| {
        EndpointNameError::Invalid(format!(
            "{error}; an endpoint is an E.164 number, a user id, a user principal name or a \
             Communication Services rawId (8:acs:…, 8:orgid:…)."
        ))
    })?;
    let tenant = d.number(&number).map(|n| n.tenant);
    Ok(NamedEndpoint {
        party: Party::Phone(number),
        tenant,
    })
}

/// A Communication Services rawId of a phone, a Teams user or an ACS user; `None` for any other
/// text.
fn raw_id(d: &Directory, text: &str) -> Option<Result<NamedEndpoint, EndpointNameError>> {
    let lower = text.to_ascii_lowercase();
    let shown: String = text.chars().take(60).collect();
    if let Some(number) = text.strip_prefix("4:") {
        return Some(
            E164::parse(number)
                .map(|number| NamedEndpoint {
                    tenant: d.number(&number).map(|n| n.tenant),
                    party: Party::Phone(number),
                })
                .map_err(|error| EndpointNameError::Invalid(format!("{shown}: {error}."))),
        );
    }
    let teams = ["8:orgid:", "8:gcch:", "8:dod:"]
        .into_iter()
        .find(|p| lower.starts_with(p));
    if let Some(prefix) = teams {
        let user = Guid::parse(&text[prefix.len()..]).ok();
        return Some(
            user.and_then(|guid| user_by_id(d, guid))
                .ok_or_else(|| EndpointNameError::UnknownUser(format!("No user is '{shown}'."))),
        );
    }
    let acs = ["8:acs:", "8:gcch-acs:", "8:dod-acs:", "8:spool:"]
        .into_iter()
        .find(|p| lower.starts_with(p))?;
    if text.len() > 256 || text.len() == acs.len() {
        return Some(Err(EndpointNameError::Invalid(format!(
            "'{shown}' is not an ACS user id (a non-empty id of at most 256 characters)."
        ))));
    }
    // A Teams extension user (resource_tenant_user) is the Teams user it names.
    let parts: Vec<&str> = text[acs.len()..].split('_').collect();
    let extension_user = (parts.len() == 3)
        .then(|| Guid::parse(parts[2]).ok())
        .flatten()
        .and_then(|guid| user_by_id(d, guid));
    Some(Ok(extension_user.unwrap_or(NamedEndpoint {
        party: Party::AcsUser(text.to_string()),
        tenant: None,
    })))
}

fn user_by_id(d: &Directory, guid: Guid) -> Option<NamedEndpoint> {
    d.tenants().find_map(|t| {
        d.user(t.id, UserId(guid)).map(|u| NamedEndpoint {
            party: Party::User {
                tenant: u.tenant,
                user: u.id,
            },
            tenant: Some(u.tenant),
        })
    })
}

fn bot_by_id(d: &Directory, guid: Guid) -> Option<NamedEndpoint> {
    if let Some(app) = d.application(AppId(guid)) {
        return Some(NamedEndpoint {
            party: Party::Application { app: app.app_id },
            tenant: Some(app.home_tenant),
        });
    }
    d.tenants().find_map(|t| {
        d.instance(t.id, InstanceId(guid)).map(|i| NamedEndpoint {
            party: Party::ApplicationInstance {
                tenant: i.tenant,
                instance: i.id,
            },
            tenant: Some(i.tenant),
        })
    })
}

/// A stable key for per-endpoint behaviours: `+1425…` for numbers, the user id for users.
pub fn endpoint_key(party: &Party) -> String {
    match party {
        Party::User { user, .. } => user.to_string(),
        Party::Phone(number) => number.as_str().to_string(),
        Party::Application { app } => format!("app:{app}"),
        Party::ApplicationInstance { instance, .. } => format!("instance:{instance}"),
        Party::AcsUser(id) => id.clone(),
    }
}

/// How a party is shown in JSON: `{kind, id|number, displayName?}`.
pub fn party_json(d: &Directory, party: &Party) -> serde_json::Value {
    use serde_json::json;
    match party {
        Party::User { tenant, user } => json!({
            "kind": "user",
            "id": user.to_string(),
            "tenantId": tenant.to_string(),
            "displayName": d.user(*tenant, *user).map(|u| u.display_name.clone()),
        }),
        Party::Application { app } => json!({
            "kind": "application",
            "id": app.to_string(),
            "displayName": d.application(*app).map(|a| a.display_name.clone()),
        }),
        Party::ApplicationInstance { tenant, instance } => json!({
            "kind": "applicationInstance",
            "id": instance.to_string(),
            "tenantId": tenant.to_string(),
            "displayName": d.instance(*tenant, *instance).map(|i| i.display_name.clone()),
        }),
        Party::Phone(number) => json!({ "kind": "phone", "number": number.as_str() }),
        Party::AcsUser(id) => json!({ "kind": "acsUser", "id": id }),
    }
}

/// The tenant a call from `from` to `to` routes in: the caller's, else the callee's, else the only
/// (or first) tenant.
pub fn call_tenant(d: &Directory, from: &NamedEndpoint, to: &NamedEndpoint) -> Option<TenantId> {
    from.tenant
        .or(to.tenant)
        .or_else(|| d.tenants().next().map(|t| t.id))
}
