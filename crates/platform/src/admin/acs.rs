//! ACS resources: `GET/POST /acsResources`, `GET /acsResources/{acsResourceId}` (endpoint, keys,
//! connection strings) and `POST …/keys/rotate`.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use ringside_directory::{AcsKeyKind, AcsResource, Command};
use ringside_model::{AcsResourceId, TenantId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::exec::{exec, read_one};
use super::extract::{acs_id, Params};
use super::parse::{clip, parse_guid};
use super::reply::{created, iso, list, ok};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/acsResources", get(list_acs).post(create_acs))
        .route("/acsResources/{acsResourceId}", get(get_acs))
        .route(
            "/acsResources/{acsResourceId}/keys/rotate",
            post(rotate_acs_key),
        )
}

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

fn acs_response(state: &PlatformState, id: AcsResourceId) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("ACS resource {id} does not exist."),
        |d| d.acs_resource(id).map(|r| acs_view(state, r)),
    )
}

fn new_access_key(state: &PlatformState) -> String {
    base64::engine::general_purpose::STANDARD.encode(state.random_bytes::<32>())
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
