//! Request-side translation for the Graph calls routes: ids, action bodies, identity sets to
//! parties, callback URLs, and engine refusals to the Graph error envelope.

use ringside_engine::{EngineError, LegId};
use ringside_graph_wire::{ActionBody, IdentitySet};
use ringside_model::{AppId, Guid, InstanceId, Party, TenantId, UserId, E164};

use ringside_http::ApiError;
use ringside_runtime::CallError;

/// A call id from the path; anything that is not a GUID names no call (404).
pub(crate) fn call_id(text: &str) -> Result<LegId, ApiError> {
    Guid::parse(text)
        .map(LegId)
        .map_err(|_| ApiError::not_found(format!("Call {} was not found.", clip(text))))
}

/// An action body with case-insensitive parameter names; 400 in the envelope when malformed.
pub(crate) fn action_body<T: ActionBody>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request body is empty; a JSON object is required.",
        ));
    }
    T::from_json(bytes).map_err(|error| {
        let kind = if error.is_syntax() || error.is_eof() {
            "is not valid JSON"
        } else {
            "has an invalid shape"
        };
        ApiError::bad_request(format!("The request body {kind}: {error}"))
    })
}

/// A callback URL: https, or http to a loopback host (the same rule as the app's webhook).
pub(crate) fn callback_uri(value: &str) -> Result<String, ApiError> {
    ringside_directory::validate::https_url("callbackUri", value)
        .map(|()| value.to_string())
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The party an identity set names. Users without a tenant are in the caller's tenant.
pub(crate) fn party(tenant: TenantId, set: &IdentitySet) -> Result<Party, ApiError> {
    let id_of = |key: &str, identity: &ringside_graph_wire::Identity| {
        identity
            .id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("identity.{key}.id is required.")))
    };
    let guid = |key: &str, text: &str| {
        Guid::parse(text).map_err(|_| {
            ApiError::bad_request(format!("identity.{key}.id '{}' is not a GUID.", clip(text)))
        })
    };
    let tenant_of = |identity: &ringside_graph_wire::Identity| -> Result<TenantId, ApiError> {
        match identity.tenant_id.as_deref() {
            Some(text) if !text.is_empty() => TenantId::parse(text).map_err(|_| {
                ApiError::bad_request(format!("tenantId '{}' is not a GUID.", clip(text)))
            }),
            _ => Ok(tenant),
        }
    };
    if let Some(user) = &set.user {
        let id = id_of("user", user)?;
        return Ok(Party::User {
            tenant: tenant_of(user)?,
            user: UserId(guid("user", &id)?),
        });
    }
    if let Some(phone) = &set.phone {
        let id = id_of("phone", phone)?;
        let text = id.strip_prefix("tel:").unwrap_or(&id);
        return E164::parse(text).map(Party::Phone).map_err(|e| {
            ApiError::bad_request(format!("identity.phone.id '{}': {e}.", clip(&id)))
        });
    }
    if let Some(instance) = &set.application_instance {
        let id = id_of("applicationInstance", instance)?;
        return Ok(Party::ApplicationInstance {
            tenant: tenant_of(instance)?,
            instance: InstanceId(guid("applicationInstance", &id)?),
        });
    }
    if let Some(app) = &set.application {
        let id = id_of("application", app)?;
        return Ok(Party::Application {
            app: AppId(guid("application", &id)?),
        });
    }
    if let Some(acs) = &set.azure_communication_services_user {
        let id = id_of("azureCommunicationServicesUser", acs)?;
        return Ok(Party::AcsUser(id));
    }
    Err(ApiError::bad_request(
        "The identity names no user, phone, application or applicationInstance.",
    ))
}

/// An engine refusal in the Graph envelope: 404 for unknown or ended calls, 400 for bad
/// arguments, 409 for state conflicts.
pub(crate) fn engine_error(error: EngineError) -> ApiError {
    let message = format!("{}{}", capitalise(&error.to_string()), ".");
    match error {
        EngineError::UnknownConversation(_)
        | EngineError::UnknownLeg(_)
        | EngineError::UnknownOperation(_)
        | EngineError::LegTerminated(_) => ApiError::not_found(message),
        EngineError::InvalidState { .. } | EngineError::Conflict(_) => ApiError::conflict(message),
        EngineError::InvalidArgument(_)
        | EngineError::WrongEndpoint { .. }
        | EngineError::NotInConversation { .. }
        | EngineError::NotSupported(_) => ApiError::bad_request(message),
    }
}

/// A runtime failure (stopped) in the envelope.
pub(crate) fn runtime_error(error: CallError) -> ApiError {
    match error {
        CallError::NotFound(m) => ApiError::not_found(m),
        CallError::BadRequest(m) => ApiError::bad_request(m),
        CallError::Conflict(m) => ApiError::conflict(m),
        CallError::Unavailable => ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The call runtime is not running.",
        ),
        CallError::Busy => ApiError::too_many_requests(1),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn clip(text: &str) -> String {
    ringside_directory::validate::clip(text)
}

/// The `callOptions` Ringside cannot honour, refused rather than accepted and dropped: delta and
/// interactive rosters (every roster notification is the full roster) and hiding the bot after
/// escalation (the roster always shows it). `isContentSharingNotificationEnabled` is honoured as
/// is: an audio-only call has no content sharing sessions to notify about.
pub(crate) fn supported_call_options(
    options: Option<&ringside_graph_wire::CallOptions>,
) -> Result<(), ApiError> {
    use ringside_graph_wire::CallOptions;
    let (hide, delta, interactive) = match options {
        None => return Ok(()),
        Some(CallOptions::Outgoing(o)) => (
            o.hide_bot_after_escalation,
            o.is_delta_roster_enabled,
            o.is_interactive_roster_enabled,
        ),
        Some(CallOptions::Incoming(o)) => (
            o.hide_bot_after_escalation,
            o.is_delta_roster_enabled,
            o.is_interactive_roster_enabled,
        ),
    };
    let refused = [
        (
            hide,
            "hideBotAfterEscalation",
            "the roster always shows the bot",
        ),
        (
            delta,
            "isDeltaRosterEnabled",
            "roster notifications carry the whole roster",
        ),
        (
            interactive,
            "isInteractiveRosterEnabled",
            "roster notifications carry the whole roster",
        ),
    ];
    match refused.iter().find(|(value, ..)| *value == Some(true)) {
        Some((_, name, why)) => Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "NotSupported",
            format!("callOptions.{name} is not supported by Ringside: {why}."),
        )),
        None => Ok(()),
    }
}

/// `mediaConfig.removeFromDefaultAudioGroup`: the bot is out of the call's main mix and hears and
/// is heard only through its audio routing groups.
pub(crate) fn out_of_main_mix(config: &ringside_graph_wire::MediaConfig) -> bool {
    use ringside_graph_wire::MediaConfig;
    let removed = match config {
        MediaConfig::ServiceHosted(c) => c.remove_from_default_audio_group,
        MediaConfig::AppHosted(c) => c.remove_from_default_audio_group,
    };
    removed == Some(true)
}

/// An `invitationParticipantInfo` Ringside can honour: `hidden` and
/// `removeFromDefaultAudioRoutingGroup` set to `true` are refused (rosters show everyone, and
/// everyone stays in the main mix).
pub(crate) fn supported_invitation(
    info: &ringside_graph_wire::InvitationParticipantInfo,
) -> Result<(), ApiError> {
    if info.hidden == Some(true) {
        return Err(not_supported("hidden", "rosters show every participant"));
    }
    if info.remove_from_default_audio_routing_group == Some(true) {
        return Err(not_supported(
            "removeFromDefaultAudioRoutingGroup",
            "an invited participant stays in the call's main mix (a bot can leave it: mediaConfig.removeFromDefaultAudioGroup)",
        ));
    }
    Ok(())
}

fn not_supported(name: &str, why: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "NotSupported",
        format!("{name} is not supported by Ringside: {why}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_graph_wire::Identity;

    #[test]
    fn identity_sets_become_parties() {
        let tenant = TenantId(Guid::from_u128(1));
        let user = IdentitySet::user(Identity::with_id("00000000-0000-0000-0000-000000000002"));
        assert_eq!(
            party(tenant, &user).expect("user"),
            Party::User {
                tenant,
                user: UserId(Guid::from_u128(2))
            }
        );
        let phone = IdentitySet::phone("+14255550123");
        assert!(matches!(party(tenant, &phone), Ok(Party::Phone(_))));
        assert!(party(tenant, &IdentitySet::phone("555")).is_err());
        assert!(party(tenant, &IdentitySet::default()).is_err());
        assert!(party(tenant, &IdentitySet::user(Identity::with_id("nope"))).is_err());
    }

    #[test]
    fn call_ids_and_callbacks() {
        assert!(call_id("not-a-guid").is_err());
        assert!(call_id("00000000-0000-0000-0000-000000000002").is_ok());
        assert!(callback_uri("https://bot.example.com/cb").is_ok());
        assert!(callback_uri("http://127.0.0.1:9/cb").is_ok());
        assert!(callback_uri("http://bot.example.com/cb").is_err());
    }
}
