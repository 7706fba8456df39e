//! Users' SIP credentials (a Ringside extension: softphones register as directory users):
//! `GET/PUT/DELETE /tenants/{tenantId}/users/{userId}/sipCredential`. The password is shown only in
//! the answer to the `PUT` that set it (generated when not given), like an app's client secret.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::Command;
use ringside_model::{TenantId, UserId};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::{OptionalJson, Params};
use super::reply::{created, no_content, ok};
use crate::api_doc::{json_schema, Conflict, Invalid, NotFound, TooLarge, Unauthorized, UrlSchema};
use crate::state::{Admin, PlatformState};
use ringside_http::ApiError;

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new().route(
        "/tenants/{tenantId}/users/{userId}/sipCredential",
        get(get_credential)
            .put(set_credential)
            .delete(remove_credential),
    )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_credential, set_credential, remove_credential),
    components(schemas(SipCredentialSchema, NewSipCredentialSchema, CredentialBody))
)]
pub(super) struct Api;

/// `PUT …/sipCredential` (the body may be absent).
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = SipCredentialRequest)]
struct CredentialBody {
    /// Unique across the platform; default: the current username, else the UPN's local part.
    #[schema(examples("adele"))]
    username: Option<String>,
    /// 12 to 128 printable ASCII characters; generated (24 letters and digits) when absent.
    password: Option<String>,
}

fn user(state: &PlatformState, params: &Params, tenant: TenantId) -> Result<UserId, ApiError> {
    params.account(state, tenant, "userId").map(UserId)
}

fn credential_view(tenant: TenantId, user: UserId, username: &str) -> Value {
    json!({
        "tenantId": tenant.to_string(),
        "userId": user.to_string(),
        "username": username,
    })
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/users/{userId}/sipCredential",
    operation_id = "getSipCredential",
    tags = ["direct routing"],
    summary = "A user's SIP username (the password is never shown again).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("userId" = String, Path, description = "User object id (GUID) or user principal name.")
    ),
    responses(
        (status = 200, description = "The credential.", body = SipCredentialSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_credential(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let user = user(&state, &params, tenant)?;
    let view = read_one(
        &state,
        || format!("User {user} has no SIP credential in tenant {tenant}."),
        |d| {
            d.sip_username_of(tenant, user)
                .map(|name| credential_view(tenant, user, name))
        },
    )?;
    Ok(ok(view))
}

#[utoipa::path(
    put,
    path = "/tenants/{tenantId}/users/{userId}/sipCredential",
    operation_id = "setSipCredential",
    tags = ["direct routing"],
    summary = "Give a user its SIP credential, replacing any it had; the answer is the only time the password is shown.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("userId" = String, Path, description = "User object id (GUID) or user principal name.")
    ),
    request_body(content = Option<CredentialBody>, description = "Optional."),
    responses(
        (status = 200, description = "Replaced.", body = NewSipCredentialSchema),
        (
            status = 201,
            description = "Created.",
            body = NewSipCredentialSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetSipCredential" = (operation_id = "getSipCredential", parameters(("tenantId" = "$response.body#/tenantId"), ("userId" = "$response.body#/userId")))),
                ("RemoveSipCredential" = (operation_id = "removeSipCredential", parameters(("tenantId" = "$response.body#/tenantId"), ("userId" = "$response.body#/userId"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_credential(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    OptionalJson(body): OptionalJson<CredentialBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let user = user(&state, &params, tenant)?;
    let body = body.unwrap_or_default();
    let password = match body.password {
        Some(password) => password,
        None => state
            .new_sip_password()
            .ok_or_else(|| ApiError::internal("the system random generator failed"))?,
    };
    let existed = state
        .directory()
        .read(|d| d.sip_username_of(tenant, user).is_some());
    exec(
        &state,
        vec![Command::SetSipCredential {
            tenant,
            user,
            username: body.username,
            password: password.clone(),
        }],
    )
    .await?;
    let mut view = read_one(
        &state,
        || format!("The SIP credential of user {user} vanished."),
        |d| {
            d.sip_username_of(tenant, user)
                .map(|name| credential_view(tenant, user, name))
        },
    )?;
    view["password"] = Value::String(password);
    if existed {
        Ok(ok(view))
    } else {
        Ok(created(
            &state,
            &format!("/tenants/{tenant}/users/{user}/sipCredential"),
            view,
        ))
    }
}

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/users/{userId}/sipCredential",
    operation_id = "removeSipCredential",
    tags = ["direct routing"],
    summary = "Remove a user's SIP credential.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("userId" = String, Path, description = "User object id (GUID) or user principal name.")
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn remove_credential(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let user = user(&state, &params, tenant)?;
    exec(&state, vec![Command::RemoveSipCredential { tenant, user }]).await?;
    Ok(no_content())
}

json_schema!(
    /// The `SipCredential` component.
    SipCredentialSchema as "SipCredential" = {
        "type": "object",
        "properties": {
            "tenantId": { "type": "string", "format": "uuid" },
            "userId": { "type": "string", "format": "uuid" },
            "username": { "type": "string", "examples": ["adele"] }
        },
        "required": ["tenantId", "userId", "username"]
    }
);

json_schema!(
    /// The `NewSipCredential` component: the credential with its password, once.
    NewSipCredentialSchema as "NewSipCredential" = {
        "type": "object",
        "properties": {
            "tenantId": { "type": "string", "format": "uuid" },
            "userId": { "type": "string", "format": "uuid" },
            "username": { "type": "string", "examples": ["adele"] },
            "password": { "type": "string", "description": "Shown only in this answer." }
        },
        "required": ["tenantId", "userId", "username", "password"]
    }
);
