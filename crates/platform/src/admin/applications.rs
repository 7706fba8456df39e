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
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::{app_id, OptionalJson, Params};
use super::parse::{parse_guid, parse_iso, parse_permissions, present};
use super::reply::{created, iso, list, no_content, ok, permissions_view};
use crate::api_doc::{
    json_schema, list_schema, permission_names, Conflict, Invalid, NotFound, PreconditionFailed,
    TooLarge, Unauthorized, UrlSchema,
};
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

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_applications,
        create_application,
        get_application,
        patch_application,
        add_secret,
        get_secret,
        remove_secret
    ),
    components(schemas(
        SecretSchema,
        ApplicationSchema,
        NewSecretResultSchema,
        BotBody,
        NewApplication,
        ApplicationPatch,
        NewSecret
    ))
)]
pub(super) struct Api;

/// The bot registration: every field optional, `callingWebhookUrl: null` clears the webhook.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Bot)]
struct BotBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = nullable_webhook)]
    calling_webhook_url: Option<Option<String>>,
    #[schema(value_type = bool, required = false)]
    calling_enabled: Option<bool>,
    #[schema(value_type = bool, required = false)]
    real_time_media_enabled: Option<bool>,
}

/// `callingWebhookUrl`: an https URL (http on loopback), or `null`.
fn nullable_webhook() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(json!({
        "oneOf": [
            {
                "type": "string",
                "format": "uri",
                "description": "https, or http for localhost/127.0.0.1/[::1] only."
            },
            { "type": "null" }
        ]
    }))
}

/// `redirectUris` of a new app.
fn redirect_uris() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(json!({
        "type": "array",
        "items": {
            "type": "string",
            "format": "uri",
            "description": "Absolute https URL (http only for loopback hosts)."
        }
    }))
}

/// `redirectUris` of a patch.
fn uris() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(
        json!({ "type": "array", "items": { "type": "string", "format": "uri" } }),
    )
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

/// `POST /applications`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewApplication {
    #[schema(value_type = String, format = "uuid", required = false)]
    app_id: Option<String>,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    #[schema(format = "uuid")]
    home_tenant_id: String,
    #[serde(default)]
    #[schema(schema_with = permission_names)]
    requested_permissions: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = redirect_uris)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    #[schema(value_type = BotBody, required = false)]
    bot: Option<BotBody>,
}

/// `PATCH /applications/{appId}`: the fields given change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ApplicationPatch {
    #[schema(value_type = String, min_length = 1, max_length = 256, required = false)]
    display_name: Option<String>,
    #[schema(schema_with = permission_names, required = false)]
    requested_permissions: Option<Vec<String>>,
    #[schema(schema_with = uris, required = false)]
    redirect_uris: Option<Vec<String>>,
    #[schema(value_type = BotBody, required = false)]
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

#[utoipa::path(
    get,
    path = "/applications",
    operation_id = "listApplications",
    tags = ["applications"],
    summary = "List app registrations.",
    responses(
        (status = 200, description = "Applications.", body = inline(ApplicationListSchema)),
        (status = 401, response = inline(Unauthorized))
    )
)]
async fn list_applications(_: Admin, State(state): State<PlatformState>) -> Response {
    let now = state.now();
    list(
        state
            .directory()
            .read(|d| d.applications().map(|a| application_view(a, now)).collect()),
    )
}

#[utoipa::path(
    post,
    path = "/applications",
    operation_id = "createApplication",
    tags = ["applications"],
    summary = "Register an application (bot).",
    request_body = NewApplication,
    responses(
        (
            status = 201,
            description = "Created.",
            body = ApplicationSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetApplication" = (operation_id = "getApplication", parameters(("appId" = "$response.body#/appId")))),
                ("UpdateApplication" = (operation_id = "updateApplication", parameters(("appId" = "$response.body#/appId")))),
                ("AddApplicationSecret" = (operation_id = "addApplicationSecret", parameters(("appId" = "$response.body#/appId")))),
                ("GetConsent" = (operation_id = "getConsent", parameters(("tenantId" = "$response.body#/homeTenantId"), ("appId" = "$response.body#/appId")))),
                ("GrantConsent" = (operation_id = "grantConsent", parameters(("tenantId" = "$response.body#/homeTenantId"), ("appId" = "$response.body#/appId")))),
                ("RevokeConsent" = (operation_id = "revokeConsent", parameters(("tenantId" = "$response.body#/homeTenantId"), ("appId" = "$response.body#/appId"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
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

#[utoipa::path(
    get,
    path = "/applications/{appId}",
    operation_id = "getApplication",
    tags = ["applications"],
    summary = "Get an application.",
    params(
        ("appId" = String, Path, format = "uuid", description = "Application (client) id.")
    ),
    responses(
        (status = 200, description = "The application.", body = ApplicationSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

#[utoipa::path(
    patch,
    path = "/applications/{appId}",
    operation_id = "updateApplication",
    tags = ["applications"],
    summary = "Update an application. requestedPermissions replaces the set; tenants must grant consent again before tokens carry the new set.",
    params(
        ("appId" = String, Path, format = "uuid", description = "Application (client) id.")
    ),
    request_body = ApplicationPatch,
    responses(
        (status = 200, description = "Updated.", body = ApplicationSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
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

/// `POST /applications/{appId}/secrets` (the body is optional).
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewSecret {
    #[schema(value_type = String, min_length = 1, max_length = 256, required = false)]
    display_name: Option<String>,
    #[schema(value_type = i64, minimum = 1, maximum = 3650, required = false)]
    expires_in_days: Option<i64>,
    #[schema(value_type = String, format = DateTime, required = false)]
    expires_at: Option<String>,
}

#[utoipa::path(
    post,
    path = "/applications/{appId}/secrets",
    operation_id = "addApplicationSecret",
    tags = ["applications"],
    summary = "Add a client secret; the response carries secretText, shown only this once.",
    description = "The body is optional; without it the secret is named 'Client secret' and expires in 180 days.",
    params(
        ("appId" = String, Path, format = "uuid", description = "Application (client) id.")
    ),
    request_body = NewSecret,
    responses(
        (
            status = 201,
            description = "Created.",
            body = NewSecretResultSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetApplicationSecret" = (operation_id = "getApplicationSecret", parameters(("appId" = "$response.body#/appId"), ("keyId" = "$response.body#/keyId")))),
                ("RemoveApplicationSecret" = (operation_id = "removeApplicationSecret", parameters(("appId" = "$response.body#/appId"), ("keyId" = "$response.body#/keyId"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
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

#[utoipa::path(
    get,
    path = "/applications/{appId}/secrets/{keyId}",
    operation_id = "getApplicationSecret",
    tags = ["applications"],
    summary = "Get a secret's metadata (never its text).",
    params(
        ("appId" = String, Path, format = "uuid", description = "Application (client) id."),
        ("keyId" = String, Path, format = "uuid", description = "Secret key id.")
    ),
    responses(
        (status = 200, description = "The secret.", body = SecretSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

#[utoipa::path(
    delete,
    path = "/applications/{appId}/secrets/{keyId}",
    operation_id = "removeApplicationSecret",
    tags = ["applications"],
    summary = "Remove a secret.",
    params(
        ("appId" = String, Path, format = "uuid", description = "Application (client) id."),
        ("keyId" = String, Path, format = "uuid", description = "Secret key id.")
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
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

json_schema!(
    /// The `Secret` component.
    SecretSchema as "Secret" = {
        "type": "object",
        "properties": {
            "keyId": {
                "type": "string",
                "format": "uuid"
            },
            "displayName": {
                "type": "string"
            },
            "hint": {
                "type": "string",
                "description": "First three characters of the secret."
            },
            "createdAt": {
                "type": "string",
                "format": "date-time"
            },
            "expiresAt": {
                "type": "string",
                "format": "date-time"
            },
            "expired": {
                "type": "boolean"
            }
        },
        "required": [
            "keyId",
            "displayName",
            "hint",
            "createdAt",
            "expiresAt",
            "expired"
        ]
    }
);

json_schema!(
    /// The `Application` component.
    ApplicationSchema as "Application" = {
        "type": "object",
        "properties": {
            "appId": {
                "type": "string",
                "format": "uuid"
            },
            "homeTenantId": {
                "type": "string",
                "format": "uuid"
            },
            "displayName": {
                "type": "string"
            },
            "servicePrincipalId": {
                "type": "string",
                "format": "uuid"
            },
            "requestedPermissions": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": [
                        "Calls.Initiate.All",
                        "Calls.InitiateGroupCall.All",
                        "Calls.JoinGroupCall.All",
                        "Calls.JoinGroupCallAsGuest.All",
                        "Calls.AccessMedia.All",
                        "OnlineMeetings.Read.All",
                        "OnlineMeetings.ReadWrite.All",
                        "TeamsResourceAccount.Read.All"
                    ],
                    "description": "Matched case-insensitively; unknown names are rejected with 400."
                }
            },
            "redirectUris": {
                "type": "array",
                "items": {
                    "type": "string",
                    "format": "uri"
                }
            },
            "bot": {
                "$ref": "#/components/schemas/Bot"
            },
            "secrets": {
                "type": "array",
                "items": {
                    "$ref": "#/components/schemas/Secret"
                }
            }
        },
        "required": [
            "appId",
            "homeTenantId",
            "displayName",
            "servicePrincipalId",
            "requestedPermissions",
            "redirectUris",
            "bot",
            "secrets"
        ]
    }
);

json_schema!(
    /// The `NewSecretResult` component.
    NewSecretResultSchema as "NewSecretResult" = {
        "allOf": [
            {
                "$ref": "#/components/schemas/Secret"
            },
            {
                "type": "object",
                "properties": {
                    "appId": {
                        "type": "string",
                        "format": "uuid"
                    },
                    "secretText": {
                        "type": "string",
                        "description": "The secret. Shown only in this response."
                    }
                },
                "required": [
                    "appId",
                    "secretText"
                ]
            }
        ]
    }
);

list_schema!(
    /// A list of `Application`s in the `value` envelope.
    ApplicationListSchema of ApplicationSchema
);
