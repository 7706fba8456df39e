//! Admin consent of a tenant for an app: `GET /tenants/{tenantId}/consents`,
//! `GET/PUT/DELETE /tenants/{tenantId}/consents/{appId}` (a grant covers exactly the app's
//! currently requested permissions).

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, ConsentState};
use serde_json::{json, Value};

use super::exec::{directory_error, exec};
use super::extract::{app_id, Params};
use super::reply::{created, iso, list, no_content, ok, permissions_view};
use crate::api_doc::{
    json_schema, list_schema, Conflict, Invalid, NotFound, PreconditionFailed, Unauthorized,
    UrlSchema,
};
use crate::state::{Admin, PlatformState};
use ringside_http::ApiError;

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/tenants/{tenantId}/consents", get(list_consents))
        .route(
            "/tenants/{tenantId}/consents/{appId}",
            get(get_consent).put(grant_consent).delete(revoke_consent),
        )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_consents, get_consent, grant_consent, revoke_consent),
    components(schemas(ConsentSchema))
)]
pub(super) struct Api;

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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/consents",
    operation_id = "listConsents",
    tags = ["consent"],
    summary = "List the admin consents granted in a tenant.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    responses(
        (status = 200, description = "Consents.", body = inline(ConsentListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/consents/{appId}",
    operation_id = "getConsent",
    tags = ["consent"],
    summary = "Requested vs granted permissions of an app in a tenant.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("appId" = String, Path, format = "uuid", description = "Application (client) id.")
    ),
    responses(
        (status = 200, description = "Consent state.", body = ConsentSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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
#[utoipa::path(
    put,
    path = "/tenants/{tenantId}/consents/{appId}",
    operation_id = "grantConsent",
    tags = ["consent"],
    summary = "Grant admin consent for exactly the app's currently requested permissions (no body needed).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("appId" = String, Path, format = "uuid", description = "Application (client) id.")
    ),
    responses(
        (
            status = 200,
            description = "Consent replaced.",
            body = ConsentSchema,
            links(
                ("GetConsent" = (operation_id = "getConsent", parameters(("tenantId" = "$response.body#/tenantId"), ("appId" = "$response.body#/appId")))),
                ("RevokeConsent" = (operation_id = "revokeConsent", parameters(("tenantId" = "$response.body#/tenantId"), ("appId" = "$response.body#/appId"))))
            )
        ),
        (
            status = 201,
            description = "Consent granted.",
            body = ConsentSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetConsent" = (operation_id = "getConsent", parameters(("tenantId" = "$response.body#/tenantId"), ("appId" = "$response.body#/appId")))),
                ("RevokeConsent" = (operation_id = "revokeConsent", parameters(("tenantId" = "$response.body#/tenantId"), ("appId" = "$response.body#/appId"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
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

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/consents/{appId}",
    operation_id = "revokeConsent",
    tags = ["consent"],
    summary = "Revoke admin consent.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("appId" = String, Path, format = "uuid", description = "Application (client) id.")
    ),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
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

json_schema!(
    /// The `Consent` component.
    ConsentSchema as "Consent" = {
        "type": "object",
        "properties": {
            "tenantId": {
                "type": "string",
                "format": "uuid"
            },
            "appId": {
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
            "grantedPermissions": {
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
            "consentRequired": {
                "type": "boolean",
                "description": "True when nothing is granted or the granted set differs from the requested one."
            },
            "grantedAt": {
                "oneOf": [
                    {
                        "type": "string",
                        "format": "date-time"
                    },
                    {
                        "type": "null"
                    }
                ]
            }
        },
        "required": [
            "tenantId",
            "appId",
            "requestedPermissions",
            "grantedPermissions",
            "consentRequired",
            "grantedAt"
        ]
    }
);

list_schema!(
    /// A list of `Consent`s in the `value` envelope.
    ConsentListSchema of ConsentSchema
);
