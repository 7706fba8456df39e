//! The platform's provisioning API under `/ringside/v1`: tenants, users, app registrations (secrets,
//! requested permissions, bot registration), admin consent, application instances (resource accounts),
//! licences, the phone number inventory and assignments, ACS resources, and the OpenAPI document.
//! Every route but `openapi.json` needs `Authorization: Bearer <admin token>`. Wire ⇄ directory
//! translation lives here; the rules live in `ringside-directory`.

use std::collections::{BTreeSet, HashMap};

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use ringside_directory::{
    Account, AcsKeyKind, AcsResource, AppRegistration, ApplicationInstance, BotRegistration,
    Change, Command, ConsentState, Directory, DirectoryError, PhoneNumber, SecretRecord, Tenant,
    User,
};
use ringside_model::{
    AcsResourceId, AppId, Guid, InstanceId, Licence, NumberType, Permission, SecretId, TenantId,
    UserId, E164,
};
use ringside_store::ExecError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::PlatformState;
use ringside_http::{ApiError, WireJson};

/// Where the router is mounted.
pub(crate) const PREFIX: &str = "/ringside/v1";

/// Default lifetime of a client secret when neither `expiresInDays` nor `expiresAt` is given (Entra's
/// recommended 180 days).
const DEFAULT_SECRET_DAYS: i64 = 180;
/// Longest secret lifetime accepted through `expiresInDays`.
const MAX_SECRET_DAYS: i64 = 3650;

/// The OpenAPI 3.1 document for these routes.
pub(crate) const OPENAPI: &str = include_str!("openapi.json");

/// Every (method, path) the router serves, in the router's path syntax. Tests check it against the
/// router and the OpenAPI document.
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/openapi.json"),
    ("GET", "/tenants"),
    ("POST", "/tenants"),
    ("GET", "/tenants/{tenantId}"),
    ("GET", "/tenants/{tenantId}/users"),
    ("POST", "/tenants/{tenantId}/users"),
    ("GET", "/tenants/{tenantId}/users/{userId}"),
    ("DELETE", "/tenants/{tenantId}/users/{userId}"),
    ("GET", "/applications"),
    ("POST", "/applications"),
    ("GET", "/applications/{appId}"),
    ("PATCH", "/applications/{appId}"),
    ("POST", "/applications/{appId}/secrets"),
    ("GET", "/applications/{appId}/secrets/{keyId}"),
    ("DELETE", "/applications/{appId}/secrets/{keyId}"),
    ("GET", "/tenants/{tenantId}/consents"),
    ("GET", "/tenants/{tenantId}/consents/{appId}"),
    ("PUT", "/tenants/{tenantId}/consents/{appId}"),
    ("DELETE", "/tenants/{tenantId}/consents/{appId}"),
    ("GET", "/tenants/{tenantId}/applicationInstances"),
    ("POST", "/tenants/{tenantId}/applicationInstances"),
    (
        "GET",
        "/tenants/{tenantId}/applicationInstances/{instanceId}",
    ),
    (
        "PATCH",
        "/tenants/{tenantId}/applicationInstances/{instanceId}",
    ),
    (
        "POST",
        "/tenants/{tenantId}/applicationInstances/{instanceId}/sync",
    ),
    (
        "PUT",
        "/tenants/{tenantId}/applicationInstances/{instanceId}/telephoneNumber",
    ),
    ("GET", "/tenants/{tenantId}/accounts/{accountId}/licences"),
    ("POST", "/tenants/{tenantId}/accounts/{accountId}/licences"),
    (
        "DELETE",
        "/tenants/{tenantId}/accounts/{accountId}/licences/{licence}",
    ),
    ("GET", "/tenants/{tenantId}/phoneNumbers"),
    ("POST", "/tenants/{tenantId}/phoneNumbers"),
    ("GET", "/tenants/{tenantId}/phoneNumbers/{number}"),
    ("DELETE", "/tenants/{tenantId}/phoneNumbers/{number}"),
    (
        "GET",
        "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    ),
    (
        "POST",
        "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    ),
    (
        "DELETE",
        "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    ),
    ("GET", "/acsResources"),
    ("POST", "/acsResources"),
    ("GET", "/acsResources/{acsResourceId}"),
    ("POST", "/acsResources/{acsResourceId}/keys/rotate"),
    ("GET", "/acsResources/{acsResourceId}/eventSubscriptions"),
    ("POST", "/acsResources/{acsResourceId}/eventSubscriptions"),
    (
        "GET",
        "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
    ),
    (
        "DELETE",
        "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
    ),
];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/tenants", get(list_tenants).post(create_tenant))
        .route("/tenants/{tenantId}", get(get_tenant))
        .route(
            "/tenants/{tenantId}/users",
            get(list_users).post(create_user),
        )
        .route(
            "/tenants/{tenantId}/users/{userId}",
            get(get_user).delete(delete_user),
        )
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
        .route("/tenants/{tenantId}/consents", get(list_consents))
        .route(
            "/tenants/{tenantId}/consents/{appId}",
            get(get_consent).put(grant_consent).delete(revoke_consent),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances",
            get(list_instances).post(create_instance),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances/{instanceId}",
            get(get_instance).patch(set_instance),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances/{instanceId}/sync",
            post(sync_instance),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances/{instanceId}/telephoneNumber",
            put(set_instance_number),
        )
        .route(
            "/tenants/{tenantId}/accounts/{accountId}/licences",
            get(list_licences).post(add_licence),
        )
        .route(
            "/tenants/{tenantId}/accounts/{accountId}/licences/{licence}",
            delete(remove_licence),
        )
        .route(
            "/tenants/{tenantId}/phoneNumbers",
            get(list_numbers).post(acquire_number),
        )
        .route(
            "/tenants/{tenantId}/phoneNumbers/{number}",
            get(get_number).delete(release_number),
        )
        .route(
            "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
            get(get_assignment)
                .post(assign_number)
                .delete(unassign_number),
        )
        .route("/acsResources", get(list_acs).post(create_acs))
        .route("/acsResources/{acsResourceId}", get(get_acs))
        .route(
            "/acsResources/{acsResourceId}/keys/rotate",
            post(rotate_acs_key),
        )
        .route(
            "/acsResources/{acsResourceId}/eventSubscriptions",
            get(list_event_subscriptions).post(create_event_subscription),
        )
        .route(
            "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
            get(get_event_subscription).delete(delete_event_subscription),
        )
}

// ----- edge plumbing -----

/// Proof that the request carried the admin token (401 in the envelope otherwise).
pub(crate) struct Admin;

impl FromRequestParts<PlatformState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PlatformState,
    ) -> Result<Admin, ApiError> {
        state.check_admin(&parts.headers).map(|()| Admin)
    }
}

/// Percent-decoded path parameters by name; undecodable paths are a 400 in the envelope.
struct Params(HashMap<String, String>);

impl FromRequestParts<PlatformState> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PlatformState,
    ) -> Result<Params, ApiError> {
        Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(map)| Params(map))
            .map_err(|rejection| ApiError::bad_request(format!("Malformed path: {rejection}")))
    }
}

impl Params {
    fn raw(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("route has no '{name}' parameter")))
    }

    fn guid(&self, name: &str) -> Result<Guid, ApiError> {
        parse_guid(name, self.raw(name)?)
    }

    /// `{tenantId}`: a GUID, or a tenant's domain.
    fn tenant(&self, state: &PlatformState) -> Result<TenantId, ApiError> {
        let raw = self.raw("tenantId")?;
        if let Ok(guid) = Guid::parse(raw) {
            return Ok(TenantId(guid));
        }
        state
            .directory()
            .read(|d| d.tenant_by_domain(raw).map(|t| t.id))
            .ok_or_else(|| {
                ApiError::not_found(format!("No tenant has the id or domain '{}'.", clip(raw)))
            })
    }

    /// `{tenantId}` that must exist.
    fn existing_tenant(&self, state: &PlatformState) -> Result<TenantId, ApiError> {
        let tenant = self.tenant(state)?;
        if state.directory().read(|d| d.tenant(tenant).is_some()) {
            Ok(tenant)
        } else {
            Err(ApiError::not_found(format!(
                "Tenant {tenant} does not exist."
            )))
        }
    }

    fn number(&self) -> Result<E164, ApiError> {
        parse_number(self.raw("number")?)
    }

    /// `{accountId}` (or any identity): an object id or a UPN of a user or application instance.
    fn account(
        &self,
        state: &PlatformState,
        tenant: TenantId,
        name: &str,
    ) -> Result<Guid, ApiError> {
        resolve_identity(state, tenant, self.raw(name)?)
    }
}

/// A JSON body that may be absent (empty); failures are reported like [`WireJson`]'s.
struct OptionalJson<T>(Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<OptionalJson<T>, ApiError> {
        let bytes = ringside_http::read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        ringside_http::parse_json(&bytes).map(|value| OptionalJson(Some(value)))
    }
}

fn parse_guid(what: &str, raw: &str) -> Result<Guid, ApiError> {
    Guid::parse(raw).map_err(|e| ApiError::bad_request(format!("Invalid {what}: {e}.")))
}

fn parse_number(raw: &str) -> Result<E164, ApiError> {
    E164::parse(raw.trim()).map_err(|e| ApiError::bad_request(format!("{e}.")))
}

fn parse_number_type(raw: &str) -> Result<NumberType, ApiError> {
    NumberType::parse(raw).map_err(|e| ApiError::bad_request(format!("{e}.")))
}

fn parse_licence(raw: &str) -> Result<Licence, ApiError> {
    Licence::parse(raw).map_err(|e| ApiError::bad_request(format!("{e}.")))
}

fn parse_permissions(names: &[String]) -> Result<BTreeSet<Permission>, ApiError> {
    names
        .iter()
        .map(|name| Permission::parse(name).map_err(|e| ApiError::bad_request(format!("{e}."))))
        .collect()
}

/// An object id, or the UPN of a user or application instance in the tenant.
fn resolve_identity(state: &PlatformState, tenant: TenantId, raw: &str) -> Result<Guid, ApiError> {
    if let Ok(guid) = Guid::parse(raw) {
        return Ok(guid);
    }
    if !raw.contains('@') {
        return Err(ApiError::bad_request(format!(
            "Invalid identity '{}': expected an object id (GUID) or a user principal name.",
            clip(raw)
        )));
    }
    state
        .directory()
        .read(|d| d.account_by_upn(tenant, raw).map(Account::id))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No user or application instance '{}' in tenant {tenant}.",
                clip(raw)
            ))
        })
}

fn clip(value: &str) -> String {
    ringside_directory::validate::clip(value)
}

/// Maps a refused or failed command to the envelope.
fn exec_error(error: ExecError) -> ApiError {
    match error {
        ExecError::Directory(error) => directory_error(error),
        ExecError::Store(error) => ApiError::internal(error),
    }
}

fn directory_error(error: DirectoryError) -> ApiError {
    let message = sentence(error.message());
    match error {
        DirectoryError::NotFound(_) => ApiError::not_found(message),
        DirectoryError::Conflict(_) => ApiError::conflict(message),
        DirectoryError::Invalid(_) => ApiError::bad_request(message),
        DirectoryError::PreconditionFailed(_) => ApiError::precondition_failed(message),
    }
}

/// Capitalised and ending with a full stop, as Graph messages are.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

/// Runs commands atomically on a blocking thread (the commit waits for the disk).
async fn exec(state: &PlatformState, commands: Vec<Command>) -> Result<Vec<Change>, ApiError> {
    let service = state.clone();
    let now = state.now();
    tokio::task::spawn_blocking(move || service.directory().execute_batch(now, &commands))
        .await
        .map_err(ApiError::internal)?
        .map_err(exec_error)
}

/// Reads the directory, mapping `None` to a 404 with `missing`.
fn read_one<T>(
    state: &PlatformState,
    missing: impl FnOnce() -> String,
    f: impl FnOnce(&Directory) -> Option<T>,
) -> Result<T, ApiError> {
    state
        .directory()
        .read(f)
        .ok_or_else(|| ApiError::not_found(missing()))
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

/// 201 with an absolute `Location` (`path` is relative to `/ringside/v1`).
fn created(state: &PlatformState, path: &str, body: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let location = format!("{}{PREFIX}{path}", state.base_url());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn list(items: Vec<Value>) -> Response {
    ok(json!({ "value": items }))
}

/// RFC 3339 UTC (`2026-01-31T12:00:00Z`).
fn iso(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn parse_iso(what: &str, text: &str) -> Result<i64, ApiError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "Invalid {what} '{}': expected an RFC 3339 date-time such as 2030-01-31T00:00:00Z.",
                clip(text)
            ))
        })
}

/// Deserialises a present field (even `null`) as `Some(value)`, so `Option<Option<T>>` tells absent from
/// null.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn new_access_key(state: &PlatformState) -> String {
    base64::engine::general_purpose::STANDARD.encode(state.random_bytes::<32>())
}

// ----- views -----

fn tenant_view(t: &Tenant) -> Value {
    json!({ "id": t.id.to_string(), "displayName": t.display_name, "domain": t.domain })
}

fn licences_view(licences: &BTreeSet<Licence>) -> Vec<&'static str> {
    licences.iter().map(|l| l.as_str()).collect()
}

fn user_view(d: &Directory, u: &User) -> Value {
    json!({
        "id": u.id.to_string(),
        "tenantId": u.tenant.to_string(),
        "userPrincipalName": u.upn,
        "displayName": u.display_name,
        "licences": licences_view(&u.licences),
        "phoneNumber": d.number_of(u.id.guid()).map(|n| n.number.to_string()),
    })
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

fn permissions_view(set: &BTreeSet<Permission>) -> Vec<&'static str> {
    set.iter().map(|p| p.as_str()).collect()
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

fn consent_view(c: &ConsentState) -> Value {
    json!({
        "tenantId": c.tenant.to_string(),
        "appId": c.app.to_string(),
        "requestedPermissions": permissions_view(&c.requested),
        "grantedPermissions": permissions_view(&c.granted),
        "consentRequired": c.consent_required,
        "grantedAt": c.granted_at.map(iso),
    })
}

/// `Get-CsOnlineApplicationInstance`'s fields in camelCase, plus licences and sync state.
fn instance_view(d: &Directory, i: &ApplicationInstance) -> Value {
    json!({
        "id": i.id.to_string(),
        "tenantId": i.tenant.to_string(),
        "userPrincipalName": i.upn,
        "applicationId": i.app_id.to_string(),
        "displayName": i.display_name,
        "phoneNumber": d.number_of(i.id.guid()).map(|n| n.number.to_string()),
        "acsResourceId": i.acs_resource.map(|r| r.to_string()),
        "licences": licences_view(&i.licences),
        "syncedAt": i.synced_at.map(iso),
    })
}

fn account_licences_view(account: Account<'_>) -> Value {
    json!({
        "accountId": account.id().to_string(),
        "accountType": account.kind(),
        "userPrincipalName": account.upn(),
        "licences": licences_view(account.licences()),
        "skus": account.licences().iter().map(|l| l.sku()).collect::<Vec<_>>(),
    })
}

/// ISO 3166 country of a few common calling codes (informational, as Teams shows it).
fn iso_country(number: &E164) -> Option<&'static str> {
    const CODES: &[(&str, &str)] = &[
        ("+1", "US"),
        ("+44", "GB"),
        ("+49", "DE"),
        ("+33", "FR"),
        ("+31", "NL"),
        ("+61", "AU"),
        ("+81", "JP"),
        ("+91", "IN"),
    ];
    CODES
        .iter()
        .find(|(prefix, _)| number.as_str().starts_with(prefix))
        .map(|(_, iso)| *iso)
}

/// `Get-CsPhoneNumberAssignment`'s fields in camelCase.
fn number_view(d: &Directory, n: &PhoneNumber) -> Value {
    let owner = n.assigned_to.and_then(|owner| d.account(n.tenant, owner));
    let status = match owner {
        Some(Account::User(_)) => "UserAssigned",
        Some(Account::Instance(_)) => "VoiceApplicationAssigned",
        None => "Unassigned",
    };
    json!({
        "telephoneNumber": n.number.to_string(),
        "numberType": n.number_type.as_str(),
        "tenantId": n.tenant.to_string(),
        "assignedPstnTargetId": n.assigned_to.map(|g| g.to_string()),
        "assignedPstnTargetUpn": owner.map(Account::upn),
        "assignmentCategory": owner.map(|_| "Primary"),
        "pstnAssignmentStatus": status,
        "activationState": "Activated",
        "capability": ["UserAssignment", "VoiceApplicationAssignment"],
        "numberSource": if n.number_type == NumberType::DirectRouting { "OnPremises" } else { "Online" },
        "isoCountryCode": iso_country(&n.number),
        "acquiredDateTime": iso(n.acquired_at),
    })
}

fn assignment_view(d: &Directory, n: &PhoneNumber) -> Option<Value> {
    let owner = d.account(n.tenant, n.assigned_to?)?;
    Some(json!({
        "telephoneNumber": n.number.to_string(),
        "phoneNumberType": n.number_type.as_str(),
        "identity": owner.id().to_string(),
        "userPrincipalName": owner.upn(),
        "accountType": owner.kind(),
    }))
}

fn acs_view(state: &PlatformState, r: &AcsResource) -> Value {
    let endpoint = format!("{}/", state.base_url());
    json!({
        "id": r.id.to_string(),
        "tenantId": r.tenant.to_string(),
        "name": r.name,
        "displayName": r.display_name,
        "endpoint": endpoint,
        "primaryKey": r.primary_key,
        "secondaryKey": r.secondary_key,
        "connectionString": format!("endpoint={endpoint};accesskey={}", r.primary_key),
        "secondaryConnectionString": format!("endpoint={endpoint};accesskey={}", r.secondary_key),
        "createdAt": iso(r.created_at),
    })
}

// ----- OpenAPI -----

async fn openapi() -> Response {
    match serde_json::from_str::<Value>(OPENAPI) {
        Ok(document) => ok(document),
        Err(error) => {
            ApiError::internal(format!("openapi.json does not parse: {error}")).into_response()
        }
    }
}

// ----- tenants -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewTenant {
    id: Option<String>,
    display_name: String,
    domain: String,
}

async fn list_tenants(_: Admin, State(state): State<PlatformState>) -> Response {
    list(
        state
            .directory()
            .read(|d| d.tenants().map(tenant_view).collect()),
    )
}

async fn create_tenant(
    _: Admin,
    State(state): State<PlatformState>,
    WireJson(body): WireJson<NewTenant>,
) -> Result<Response, ApiError> {
    let id = match &body.id {
        Some(raw) => TenantId(parse_guid("id", raw)?),
        None => TenantId(state.new_guid()),
    };
    exec(
        &state,
        vec![Command::CreateTenant {
            id,
            display_name: body.display_name,
            domain: body.domain,
        }],
    )
    .await?;
    let view = read_one(
        &state,
        || format!("Tenant {id} vanished."),
        |d| d.tenant(id).map(tenant_view),
    )?;
    Ok(created(&state, &format!("/tenants/{id}"), view))
}

async fn get_tenant(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = params.tenant(&state)?;
    let view = read_one(
        &state,
        || format!("Tenant {id} does not exist."),
        |d| d.tenant(id).map(tenant_view),
    )?;
    Ok(ok(view))
}

// ----- users -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUser {
    id: Option<String>,
    user_principal_name: String,
    display_name: String,
    #[serde(default)]
    licences: Vec<String>,
}

async fn list_users(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.users(tenant).map(|u| user_view(d, u)).collect()
    })))
}

async fn create_user(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewUser>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = match &body.id {
        Some(raw) => UserId(parse_guid("id", raw)?),
        None => UserId(state.new_guid()),
    };
    let mut commands = vec![Command::CreateUser {
        tenant,
        id,
        upn: body.user_principal_name,
        display_name: body.display_name,
    }];
    for name in &body.licences {
        commands.push(Command::AssignLicence {
            tenant,
            account: id.guid(),
            licence: parse_licence(name)?,
        });
    }
    exec(&state, commands).await?;
    let view = read_one(
        &state,
        || format!("User {id} vanished."),
        |d| d.user(tenant, id).map(|u| user_view(d, u)),
    )?;
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/users/{id}"),
        view,
    ))
}

/// `{userId}`: an object id or a UPN.
fn user_id(state: &PlatformState, params: &Params, tenant: TenantId) -> Result<UserId, ApiError> {
    params.account(state, tenant, "userId").map(UserId)
}

async fn get_user(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let id = user_id(&state, &params, tenant)?;
    let view = read_one(
        &state,
        || format!("User {id} does not exist in tenant {tenant}."),
        |d| d.user(tenant, id).map(|u| user_view(d, u)),
    )?;
    Ok(ok(view))
}

async fn delete_user(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = user_id(&state, &params, tenant)?;
    exec(&state, vec![Command::DeleteUser { tenant, id }]).await?;
    Ok(no_content())
}

// ----- applications -----

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

fn app_id(params: &Params) -> Result<AppId, ApiError> {
    params.guid("appId").map(AppId)
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

// ----- consent -----

async fn list_consents(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.consents(tenant)
            .filter_map(|c| d.consent_state(tenant, c.app).ok())
            .map(|c| consent_view(&c))
            .collect()
    })))
}

async fn get_consent(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let app_id = app_id(&params)?;
    let view = state
        .directory()
        .read(|d| d.consent_state(tenant, app_id))
        .map_err(directory_error)?;
    Ok(ok(consent_view(&view)))
}

/// Grants admin consent for exactly the app's currently requested permissions (body ignored).
async fn grant_consent(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let app_id = app_id(&params)?;
    let existed = state
        .directory()
        .read(|d| d.consent(tenant, app_id).is_some());
    exec(&state, vec![Command::GrantConsent { tenant, app_id }]).await?;
    let view = state
        .directory()
        .read(|d| d.consent_state(tenant, app_id))
        .map_err(directory_error)?;
    let body = consent_view(&view);
    if existed {
        Ok(ok(body))
    } else {
        Ok(created(
            &state,
            &format!("/tenants/{tenant}/consents/{app_id}"),
            body,
        ))
    }
}

async fn revoke_consent(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let app_id = app_id(&params)?;
    exec(&state, vec![Command::RevokeConsent { tenant, app_id }]).await?;
    Ok(no_content())
}

// ----- application instances -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewInstance {
    id: Option<String>,
    user_principal_name: String,
    application_id: String,
    display_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstancePatch {
    application_id: Option<String>,
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    acs_resource_id: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TelephoneNumberBody {
    #[serde(default, deserialize_with = "present")]
    telephone_number: Option<Option<String>>,
}

/// `{instanceId}`: an object id or the UPN of an application instance.
fn instance_id(
    state: &PlatformState,
    params: &Params,
    tenant: TenantId,
) -> Result<InstanceId, ApiError> {
    params.account(state, tenant, "instanceId").map(InstanceId)
}

fn instance_response(
    state: &PlatformState,
    tenant: TenantId,
    id: InstanceId,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("Application instance {id} does not exist in tenant {tenant}."),
        |d| d.instance(tenant, id).map(|i| instance_view(d, i)),
    )
}

async fn list_instances(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.instances(tenant).map(|i| instance_view(d, i)).collect()
    })))
}

async fn create_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewInstance>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = match &body.id {
        Some(raw) => InstanceId(parse_guid("id", raw)?),
        None => InstanceId(state.new_guid()),
    };
    let command = Command::CreateApplicationInstance {
        tenant,
        id,
        upn: body.user_principal_name,
        app_id: AppId(parse_guid("applicationId", &body.application_id)?),
        display_name: body.display_name,
    };
    exec(&state, vec![command]).await?;
    let view = instance_response(&state, tenant, id)?;
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/applicationInstances/{id}"),
        view,
    ))
}

async fn get_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

async fn set_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<InstancePatch>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    let app_id = body
        .application_id
        .as_deref()
        .map(|raw| parse_guid("applicationId", raw).map(AppId))
        .transpose()?;
    let acs_resource = match body.acs_resource_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) if raw.is_empty() => Some(None),
        Some(Some(raw)) => Some(Some(AcsResourceId(parse_guid("acsResourceId", &raw)?))),
    };
    let command = Command::SetApplicationInstance {
        tenant,
        id,
        app_id,
        display_name: body.display_name,
        acs_resource,
    };
    exec(&state, vec![command]).await?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

async fn sync_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    exec(
        &state,
        vec![Command::SyncApplicationInstance { tenant, id }],
    )
    .await?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

async fn set_instance_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<TelephoneNumberBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    let number =
        match body.telephone_number {
            None => return Err(ApiError::bad_request(
                "The body needs telephoneNumber: an E.164 number to assign, or null to unassign.",
            )),
            Some(None) => None,
            Some(Some(raw)) => Some(parse_number(&raw)?),
        };
    exec(
        &state,
        vec![Command::SetInstanceTelephoneNumber { tenant, id, number }],
    )
    .await?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

// ----- licences -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LicenceBody {
    licence: String,
}

fn licences_response(
    state: &PlatformState,
    tenant: TenantId,
    account: Guid,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("No user or application instance {account} in tenant {tenant}."),
        |d| d.account(tenant, account).map(account_licences_view),
    )
}

async fn list_licences(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    Ok(ok(licences_response(&state, tenant, account)?))
}

async fn add_licence(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<LicenceBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    let licence = parse_licence(&body.licence)?;
    let changes = exec(
        &state,
        vec![Command::AssignLicence {
            tenant,
            account,
            licence,
        }],
    )
    .await?;
    let view = licences_response(&state, tenant, account)?;
    if changes.is_empty() {
        Ok(ok(view))
    } else {
        Ok(created(
            &state,
            &format!("/tenants/{tenant}/accounts/{account}/licences/{licence}"),
            view,
        ))
    }
}

async fn remove_licence(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    let licence = parse_licence(params.raw("licence")?)?;
    exec(
        &state,
        vec![Command::RemoveLicence {
            tenant,
            account,
            licence,
        }],
    )
    .await?;
    Ok(no_content())
}

// ----- phone numbers -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewNumber {
    phone_number: String,
    number_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentBody {
    identity: String,
    phone_number_type: Option<String>,
}

fn number_response(
    state: &PlatformState,
    tenant: TenantId,
    number: &E164,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("{number} is not in the phone number inventory of tenant {tenant}."),
        |d| {
            d.number(number)
                .filter(|n| n.tenant == tenant)
                .map(|n| number_view(d, n))
        },
    )
}

async fn list_numbers(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.numbers(tenant).map(|n| number_view(d, n)).collect()
    })))
}

async fn acquire_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewNumber>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = parse_number(&body.phone_number)?;
    let number_type = parse_number_type(&body.number_type)?;
    exec(
        &state,
        vec![Command::AcquireNumber {
            tenant,
            number: number.clone(),
            number_type,
        }],
    )
    .await?;
    let view = number_response(&state, tenant, &number)?;
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/phoneNumbers/{number}"),
        view,
    ))
}

async fn get_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let number = params.number()?;
    Ok(ok(number_response(&state, tenant, &number)?))
}

async fn release_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = params.number()?;
    exec(&state, vec![Command::ReleaseNumber { tenant, number }]).await?;
    Ok(no_content())
}

async fn get_assignment(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let number = params.number()?;
    number_response(&state, tenant, &number)?;
    let view = read_one(
        &state,
        || format!("{number} is not assigned to anyone."),
        |d| d.number(&number).and_then(|n| assignment_view(d, n)),
    )?;
    Ok(ok(view))
}

/// `Set-CsPhoneNumberAssignment -Identity … -PhoneNumber … -PhoneNumberType …`.
async fn assign_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<AssignmentBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = params.number()?;
    let account = resolve_identity(&state, tenant, &body.identity)?;
    let number_type = match &body.phone_number_type {
        Some(raw) => parse_number_type(raw)?,
        // Absent: the type the number has in the inventory (the directory reports a missing number).
        None => state
            .directory()
            .read(|d| d.number(&number).map(|n| n.number_type))
            .unwrap_or(NumberType::CallingPlan),
    };
    let changes = exec(
        &state,
        vec![Command::AssignNumber {
            tenant,
            number: number.clone(),
            account,
            number_type,
        }],
    )
    .await?;
    let view = read_one(
        &state,
        || format!("{number} is not assigned to anyone."),
        |d| d.number(&number).and_then(|n| assignment_view(d, n)),
    )?;
    if changes.is_empty() {
        Ok(ok(view))
    } else {
        Ok(created(
            &state,
            &format!("/tenants/{tenant}/phoneNumbers/{number}/assignment"),
            view,
        ))
    }
}

/// `Remove-CsPhoneNumberAssignment`.
async fn unassign_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = params.number()?;
    exec(&state, vec![Command::UnassignNumber { tenant, number }]).await?;
    Ok(no_content())
}

// ----- ACS resources -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewAcs {
    tenant_id: String,
    name: String,
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RotateBody {
    key_type: String,
}

fn acs_id(params: &Params) -> Result<AcsResourceId, ApiError> {
    params.guid("acsResourceId").map(AcsResourceId)
}

fn acs_response(state: &PlatformState, id: AcsResourceId) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("ACS resource {id} does not exist."),
        |d| d.acs_resource(id).map(|r| acs_view(state, r)),
    )
}

async fn list_acs(_: Admin, State(state): State<PlatformState>) -> Response {
    list(
        state
            .directory()
            .read(|d| d.acs_resources().map(|r| acs_view(&state, r)).collect()),
    )
}

async fn create_acs(
    _: Admin,
    State(state): State<PlatformState>,
    WireJson(body): WireJson<NewAcs>,
) -> Result<Response, ApiError> {
    let tenant = TenantId(parse_guid("tenantId", &body.tenant_id)?);
    let id = AcsResourceId(state.new_guid());
    let display_name = body.display_name.unwrap_or_else(|| body.name.clone());
    let command = Command::CreateAcsResource {
        id,
        tenant,
        name: body.name,
        display_name,
        primary_key: new_access_key(&state),
        secondary_key: new_access_key(&state),
    };
    exec(&state, vec![command]).await?;
    let view = acs_response(&state, id)?;
    Ok(created(&state, &format!("/acsResources/{id}"), view))
}

async fn get_acs(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    Ok(ok(acs_response(&state, id)?))
}

async fn rotate_acs_key(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<RotateBody>,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    let key = AcsKeyKind::parse(&body.key_type).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid keyType '{}': expected primary or secondary.",
            clip(&body.key_type)
        ))
    })?;
    exec(
        &state,
        vec![Command::RotateAcsKey {
            id,
            key,
            new_key: new_access_key(&state),
        }],
    )
    .await?;
    Ok(ok(acs_response(&state, id)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{name}` → `{}` so router and OpenAPI templates compare by shape.
    fn shape(path: &str) -> String {
        let mut out = String::new();
        let mut in_param = false;
        for c in path.chars() {
            match c {
                '{' => {
                    in_param = true;
                    out.push_str("{}");
                }
                '}' => in_param = false,
                _ if in_param => {}
                _ => out.push(c),
            }
        }
        out
    }

    #[test]
    fn every_admin_route_is_in_the_openapi_document_and_nothing_else_is() {
        let document: Value = serde_json::from_str(OPENAPI).expect("openapi.json parses");
        assert_eq!(
            document["openapi"].as_str().map(|v| v.starts_with("3.1")),
            Some(true)
        );
        let paths = document["paths"].as_object().expect("paths");
        let mut documented = BTreeSet::new();
        for (path, item) in paths {
            let relative = path
                .strip_prefix(PREFIX)
                .unwrap_or_else(|| panic!("{path} lacks {PREFIX}"));
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(operation) = item.get(method) {
                    assert!(
                        operation.get("operationId").is_some(),
                        "{method} {path} has no operationId"
                    );
                    assert!(
                        operation.get("responses").is_some(),
                        "{method} {path} has no responses"
                    );
                    documented.insert((method.to_ascii_uppercase(), shape(relative)));
                }
            }
        }
        let served: BTreeSet<(String, String)> = ROUTES
            .iter()
            .chain(crate::calls::ROUTES)
            .chain(crate::recordings::ROUTES)
            .map(|(method, path)| (method.to_string(), shape(path)))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.json: {undocumented:?}"
        );
        assert!(
            stale.is_empty(),
            "openapi.json documents routes that are not served: {stale:?}"
        );
    }

    #[test]
    fn the_routes_table_matches_the_router_source() {
        // Every `.route("…"` in this file's router is listed in ROUTES, and every ROUTES path is routed.
        let source = include_str!("admin.rs");
        let router = &source[source.find("pub(crate) fn routes()").expect("router")..];
        let router = &router[..router.find("\n}\n").expect("end of router")];
        let mut routed = BTreeSet::new();
        let mut rest = router;
        while let Some(start) = rest.find(".route(") {
            rest = &rest[start + ".route(".len()..];
            let open = rest.find('"').expect("quote");
            let close = rest[open + 1..].find('"').expect("closing quote");
            routed.insert(rest[open + 1..open + 1 + close].to_string());
        }
        let listed: BTreeSet<String> = ROUTES.iter().map(|(_, path)| path.to_string()).collect();
        assert_eq!(routed, listed);
    }

    #[test]
    fn directory_errors_map_to_statuses() {
        let cases = [
            (DirectoryError::NotFound("x".into()), StatusCode::NOT_FOUND),
            (DirectoryError::Conflict("x".into()), StatusCode::CONFLICT),
            (DirectoryError::Invalid("x".into()), StatusCode::BAD_REQUEST),
            (
                DirectoryError::PreconditionFailed("x".into()),
                StatusCode::PRECONDITION_FAILED,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(directory_error(error).status(), status);
        }
        assert_eq!(sentence("user x is gone"), "User x is gone.");
        assert_eq!(sentence("Done."), "Done.");
    }

    #[test]
    fn absent_and_null_fields_differ() {
        let absent: TelephoneNumberBody = serde_json::from_str("{}").expect("absent");
        let null: TelephoneNumberBody =
            serde_json::from_str(r#"{"telephoneNumber":null}"#).expect("null");
        let set: TelephoneNumberBody =
            serde_json::from_str(r#"{"telephoneNumber":"+14255550100"}"#).expect("set");
        assert_eq!(absent.telephone_number, None);
        assert_eq!(null.telephone_number, Some(None));
        assert_eq!(set.telephone_number, Some(Some("+14255550100".into())));
    }

    #[test]
    fn times_render_as_rfc3339() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse_iso("t", "2030-01-31T00:00:00Z").ok(),
            Some(1_896_048_000)
        );
        assert!(parse_iso("t", "tomorrow").is_err());
    }
}

// ----- ACS event subscriptions -----

/// `advancedFilters[]`: only `StringIn` on `data.to.rawId` (the filter ACS docs show for IncomingCall).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvancedFilter {
    operator_type: String,
    key: String,
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewEventSubscription {
    name: String,
    endpoint: String,
    included_event_types: Vec<String>,
    event_delivery_schema: Option<String>,
    #[serde(default)]
    advanced_filters: Vec<AdvancedFilter>,
}

fn event_subscription_view(s: &ringside_directory::EventSubscription) -> Value {
    let filters: Vec<Value> = if s.to_raw_ids.is_empty() {
        Vec::new()
    } else {
        vec![json!({ "operatorType": "StringIn", "key": "data.to.rawId", "values": s.to_raw_ids })]
    };
    json!({
        "id": s.id.to_string(),
        "acsResourceId": s.resource.to_string(),
        "name": s.name,
        "endpoint": s.endpoint,
        "includedEventTypes": s.event_types,
        "eventDeliverySchema": s.schema.as_str(),
        "advancedFilters": filters,
        "provisioningState": "Succeeded",
        "createdAt": iso(s.created_at),
    })
}

async fn list_event_subscriptions(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    let items = read_one(
        &state,
        || format!("ACS resource {id} does not exist."),
        |d| {
            d.acs_resource(id)?;
            Some(
                d.event_subscriptions(id)
                    .map(event_subscription_view)
                    .collect(),
            )
        },
    )?;
    Ok(list(items))
}

async fn get_event_subscription(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    let name = params.raw("name")?.to_string();
    let view = read_one(
        &state,
        || {
            format!(
                "ACS resource {id} has no event subscription named '{}'.",
                clip(&name)
            )
        },
        |d| d.event_subscription(id, &name).map(event_subscription_view),
    )?;
    Ok(ok(view))
}

/// Plans the subscription (so bad input fails before any request leaves), runs the webhook
/// validation handshake of its schema, then stores it.
async fn create_event_subscription(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewEventSubscription>,
) -> Result<Response, ApiError> {
    use ringside_directory::EventDeliverySchema;
    let resource = acs_id(&params)?;
    let schema = match body.event_delivery_schema.as_deref() {
        None => EventDeliverySchema::EventGrid,
        Some(text) => EventDeliverySchema::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid eventDeliverySchema '{}': expected EventGridSchema or CloudEventSchemaV1_0.",
                clip(text)
            ))
        })?,
    };
    let mut to_raw_ids = BTreeSet::new();
    for filter in &body.advanced_filters {
        if !filter.operator_type.eq_ignore_ascii_case("StringIn")
            || !filter.key.eq_ignore_ascii_case("data.to.rawId")
        {
            return Err(ApiError::bad_request(format!(
                "Unsupported advanced filter {} on '{}': only StringIn on data.to.rawId is supported.",
                clip(&filter.operator_type),
                clip(&filter.key)
            )));
        }
        to_raw_ids.extend(filter.values.iter().cloned());
    }
    let command = Command::CreateEventSubscription {
        id: state.new_guid(),
        resource,
        name: body.name.clone(),
        endpoint: body.endpoint.clone(),
        event_types: body.included_event_types.iter().cloned().collect(),
        schema,
        to_raw_ids,
    };
    let now = state.now();
    let (planned, topic) = state.directory().read(|d| {
        (
            d.plan(now, &command),
            d.acs_resource(resource)
                .map(|r| ringside_door_acs::topic(&r.tenant.to_string(), "ringside", &r.name))
                .unwrap_or_default(),
        )
    });
    planned.map_err(directory_error)?;

    let code = state.new_guid().to_string();
    let validation_url = format!(
        "{}{PREFIX}/acsResources/{resource}/eventSubscriptions/{}",
        state.base_url(),
        body.name
    );
    let event = ringside_door_acs::eventgrid::validation_event(
        &state.new_guid().to_string(),
        &topic,
        &iso(now),
        &code,
        &validation_url,
    );
    let eg_schema = match schema {
        EventDeliverySchema::EventGrid => ringside_door_acs::eventgrid::EventSchema::EventGrid,
        EventDeliverySchema::CloudEvents => ringside_door_acs::eventgrid::EventSchema::CloudEvents,
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(ApiError::internal)?;
    ringside_door_acs::eventgrid::validate_webhook(
        &http,
        &body.endpoint,
        eg_schema,
        &body.name,
        &event,
        &code,
    )
    .await
    .map_err(|e| {
        ApiError::bad_request(format!(
            "Webhook validation handshake failed for {}: {e}.",
            clip(&body.endpoint)
        ))
    })?;
    exec(&state, vec![command]).await?;
    let name = body.name;
    let view = read_one(
        &state,
        || format!("ACS resource {resource} has no event subscription named '{name}'."),
        |d| {
            d.event_subscription(resource, &name)
                .map(event_subscription_view)
        },
    )?;
    Ok(created(
        &state,
        &format!("/acsResources/{resource}/eventSubscriptions/{name}"),
        view,
    ))
}

async fn delete_event_subscription(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let resource = acs_id(&params)?;
    let name = params.raw("name")?.to_string();
    exec(
        &state,
        vec![Command::DeleteEventSubscription { resource, name }],
    )
    .await?;
    Ok(no_content())
}
