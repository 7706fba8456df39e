//! App registrations: `GET/POST /applications`, `GET/PATCH /applications/{appId}` (requested
//! permissions, redirect URIs, the bot registration), and client secrets
//! (`POST /applications/{appId}/secrets`, `GET/DELETE …/secrets/{keyId}`).

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ringside_directory::{AppRegistration, BotRegistration, Command, SecretRecord};
use ringside_model::{AppId, SecretId, TenantId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::exec::{exec, read_one};
use super::extract::{app_id, OptionalJson, Params};
use super::parse::{parse_guid, parse_iso, parse_permissions, present};
use super::reply::{created, iso, list, no_content, ok, permissions_view};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// Default lifetime of a client secret when neither `expiresInDays` nor `expiresAt` is given (Entra's
/// recommended 180 days).
const DEFAULT_SECRET_DAYS: i64 = 180;
/// Longest secret lifetime accepted through `expiresInDays`.
const MAX_SECRET_DAYS: i64 = 3650;

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/applications",
            get(list_applications).post(create_application),
        )
        .route(
            "/applications/{appId}",
            get(get_application).patch(patch_application),
        )
        .route("/applications/{appId}/secrets", post(add_secret))
        .route(
            "/applications/{appId}/secrets/{keyId}",
            get(get_secret).delete(remove_secret),
        )
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BotBody {
    #[serde(default, deserialize_with = "present")]
    calling_webhook_url: Option<Option<String>>,
    calling_enabled: Option<bool>,
    real_time_media_enabled: Option<bool>,
}

impl BotBody {
    /// Applies the fields given to `base`.
    fn merge(self, base: &BotRegistration) -> BotRegistration {
        BotRegistration {
            calling_webhook: match self.calling_webhook_url {
                Some(value) => value,
                None => base.calling_webhook.clone(),
            },
            calling_enabled: self.calling_enabled.unwrap_or(base.calling_enabled),
            real_time_media_enabled: self
                .real_time_media_enabled
                .unwrap_or(base.real_time_media_enabled),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewApplication {
    app_id: Option<String>,
    display_name: String,
    home_tenant_id: String,
    #[serde(default)]
    requested_permissions: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    bot: Option<BotBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationPatch {
    display_name: Option<String>,
    requested_permissions: Option<Vec<String>>,
    redirect_uris: Option<Vec<String>>,
    bot: Option<BotBody>,
}

fn secret_view(s: &SecretRecord, now: i64) -> Value {
    json!({
        "keyId": s.key_id.to_string(),
        "displayName": s.display_name,
        "hint": s.hint,
        "createdAt": iso(s.created_at),
        "expiresAt": iso(s.expires_at),
        "expired": s.expires_at <= now,
    })
}

fn application_view(a: &AppRegistration, now: i64) -> Value {
    json!({
        "appId": a.app_id.to_string(),
        "homeTenantId": a.home_tenant.to_string(),
        "displayName": a.display_name,
        "servicePrincipalId": a.service_principal_id.to_string(),
        "requestedPermissions": permissions_view(&a.requested),
        "redirectUris": a.redirect_uris,
        "bot": {
            "callingWebhookUrl": a.bot.calling_webhook,
            "callingEnabled": a.bot.calling_enabled,
            "realTimeMediaEnabled": a.bot.real_time_media_enabled,
        },
        "secrets": a.secrets.iter().map(|s| secret_view(s, now)).collect::<Vec<_>>(),
    })
}

async fn list_applications(_: Admin, State(state): State<PlatformState>) -> Response {
    let now = state.now();
    list(
        state
            .directory()
            .read(|d| d.applications().map(|a| application_view(a, now)).collect()),
    )
}

async fn create_application(
    _: Admin,
    State(state): State<PlatformState>,
    WireJson(body): WireJson<NewApplication>,
) -> Result<Response, ApiError> {
    let home_tenant = TenantId(parse_guid("homeTenantId", &body.home_tenant_id)?);
    let app_id = match &body.app_id {
        Some(raw) => AppId(parse_guid("appId", raw)?),
        None => AppId(state.new_guid()),
    };
    let command = Command::CreateApplication {
        app_id,
        home_tenant,
        display_name: body.display_name,
        service_principal_id: state.new_guid(),
        requested: parse_permissions(&body.requested_permissions)?,
        redirect_uris: body.redirect_uris,
        bot: body
            .bot
            .unwrap_or_default()
            .merge(&BotRegistration::default()),
    };
    exec(&state, vec![command]).await?;
    let now = state.now();
    let view = read_one(
        &state,
        || format!("Application {app_id} vanished."),
        |d| d.application(app_id).map(|a| application_view(a, now)),
    )?;
    Ok(created(&state, &format!("/applications/{app_id}"), view))
}

async fn get_application(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let app_id = app_id(&params)?;
    let now = state.now();
    let view = read_one(
        &state,
        || format!("Application {app_id} does not exist."),
        |d| d.application(app_id).map(|a| application_view(a, now)),
    )?;
    Ok(ok(view))
}

async fn patch_application(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<ApplicationPatch>,
) -> Result<Response, ApiError> {
    let app_id = app_id(&params)?;
    let requested = body
        .requested_permissions
        .as_deref()
        .map(parse_permissions)
        .transpose()?;
    let bot = match body.bot {
        Some(patch) => {
            let current = read_one(
                &state,
                || format!("Application {app_id} does not exist."),
                |d| d.application(app_id).map(|a| a.bot.clone()),
            )?;
            Some(patch.merge(&current))
        }
        None => None,
    };
    let command = Command::UpdateApplication {
        app_id,
        display_name: body.display_name,
        requested,
        redirect_uris: body.redirect_uris,
        bot,
    };
    exec(&state, vec![command]).await?;
    let now = state.now();
    let view = read_one(
        &state,
        || format!("Application {app_id} vanished."),
        |d| d.application(app_id).map(|a| application_view(a, now)),
    )?;
    Ok(ok(view))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NewSecret {
    display_name: Option<String>,
    expires_in_days: Option<i64>,
    expires_at: Option<String>,
}

async fn add_secret(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    OptionalJson(body): OptionalJson<NewSecret>,
) -> Result<Response, ApiError> {
    let app_id = app_id(&params)?;
    // The body is optional: no body means a 180-day secret named "Client secret".
    let body = body.unwrap_or_default();
    let now = state.now();
    let expires_at = match (body.expires_in_days, &body.expires_at) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "Give either expiresInDays or expiresAt, not both.",
            ));
        }
        (Some(days), None) if (1..=MAX_SECRET_DAYS).contains(&days) => now + days * 86_400,
        (Some(days), None) => {
            return Err(ApiError::bad_request(format!(
                "Invalid expiresInDays {days}: expected 1 to {MAX_SECRET_DAYS}."
            )));
        }
        (None, Some(text)) => parse_iso("expiresAt", text)?,
        (None, None) => now + DEFAULT_SECRET_DAYS * 86_400,
    };
    let key_id = SecretId(state.new_guid());
    let secret_text = state.new_client_secret();
    let display_name = body
        .display_name
        .unwrap_or_else(|| "Client secret".to_string());
    let command = Command::AddSecret {
        app_id,
        key_id,
        display_name: display_name.clone(),
        hint: ringside_identity::secret_hint(&secret_text),
        hash: state.hash_secret(&secret_text),
        expires_at,
    };
    exec(&state, vec![command]).await?;
    let record = read_one(
        &state,
        || format!("Secret {key_id} vanished."),
        |d| {
            d.application(app_id)
                .and_then(|a| a.secret(key_id))
                .cloned()
        },
    )?;
    let mut view = secret_view(&record, now);
    if let Some(object) = view.as_object_mut() {
        object.insert("secretText".into(), Value::String(secret_text));
        object.insert("appId".into(), Value::String(app_id.to_string()));
    }
    Ok(created(
        &state,
        &format!("/applications/{app_id}/secrets/{key_id}"),
        view,
    ))
}

async fn get_secret(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let app_id = app_id(&params)?;
    let key_id = SecretId(params.guid("keyId")?);
    let now = state.now();
    let view = read_one(
        &state,
        || format!("Application {app_id} has no secret {key_id}."),
        |d| {
            d.application(app_id)
                .and_then(|a| a.secret(key_id))
                .map(|s| secret_view(s, now))
        },
    )?;
    Ok(ok(view))
}

async fn remove_secret(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let app_id = app_id(&params)?;
    let key_id = SecretId(params.guid("keyId")?);
    exec(&state, vec![Command::RemoveSecret { app_id, key_id }]).await?;
    Ok(no_content())
}
