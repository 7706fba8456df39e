//! Users of a tenant: `GET/POST /tenants/{tenantId}/users`, `GET/DELETE …/users/{userId}` (by
//! object id or UPN); a new user may come with licences.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, Directory, User};
use ringside_model::{TenantId, UserId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::{parse_guid, parse_licence};
use super::reply::{created, licences_view, list, no_content, ok};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/tenants/{tenantId}/users",
            get(list_users).post(create_user),
        )
        .route(
            "/tenants/{tenantId}/users/{userId}",
            get(get_user).delete(delete_user),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUser {
    id: Option<String>,
    user_principal_name: String,
    display_name: String,
    #[serde(default)]
    licences: Vec<String>,
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

/// `{userId}`: an object id or a UPN.
fn user_id(state: &PlatformState, params: &Params, tenant: TenantId) -> Result<UserId, ApiError> {
    params.account(state, tenant, "userId").map(UserId)
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
