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
