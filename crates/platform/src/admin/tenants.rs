//! Tenants: `GET/POST /tenants`, `GET /tenants/{tenantId}` (by id or domain).

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, Tenant};
use ringside_model::TenantId;
use serde::Deserialize;
use serde_json::{json, Value};

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::parse_guid;
use super::reply::{created, list, ok};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/tenants", get(list_tenants).post(create_tenant))
        .route("/tenants/{tenantId}", get(get_tenant))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewTenant {
    id: Option<String>,
    display_name: String,
    domain: String,
}

fn tenant_view(t: &Tenant) -> Value {
    json!({ "id": t.id.to_string(), "displayName": t.display_name, "domain": t.domain })
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
