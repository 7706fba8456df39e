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
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::{parse_guid, parse_licence};
use super::reply::{created, licences_view, list, no_content, ok};
use crate::api_doc::{
    json_schema, licence_names, list_schema, Conflict, Invalid, NotFound, PreconditionFailed,
    TooLarge, Unauthorized, UrlSchema,
};
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

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_users, create_user, get_user, delete_user),
    components(schemas(UserSchema, NewUser))
)]
pub(super) struct Api;

/// `POST /tenants/{tenantId}/users`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewUser {
    #[schema(value_type = String, format = "uuid", required = false)]
    id: Option<String>,
    #[schema(examples("adele@contoso.com"))]
    user_principal_name: String,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    #[serde(default)]
    #[schema(schema_with = licence_names)]
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
        "voiceRoutingPolicy": d.granted_voice_routing_policy(u.tenant, u.id.guid()),
    })
}

/// `{userId}`: an object id or a UPN.
fn user_id(state: &PlatformState, params: &Params, tenant: TenantId) -> Result<UserId, ApiError> {
    params.account(state, tenant, "userId").map(UserId)
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/users",
    operation_id = "listUsers",
    tags = ["users"],
    summary = "List a tenant's users.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    responses(
        (status = 200, description = "Users.", body = inline(UserListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/users",
    operation_id = "createUser",
    tags = ["users"],
    summary = "Create a directory (Teams) user, optionally with licences.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    request_body = NewUser,
    responses(
        (
            status = 201,
            description = "Created.",
            body = UserSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetUser" = (operation_id = "getUser", parameters(("tenantId" = "$response.body#/tenantId"), ("userId" = "$response.body#/id")))),
                ("DeleteUser" = (operation_id = "deleteUser", parameters(("tenantId" = "$response.body#/tenantId"), ("userId" = "$response.body#/id")))),
                ("ListLicences" = (operation_id = "listLicences", parameters(("tenantId" = "$response.body#/tenantId"), ("accountId" = "$response.body#/id")))),
                ("AssignLicence" = (operation_id = "assignLicence", parameters(("tenantId" = "$response.body#/tenantId"), ("accountId" = "$response.body#/id"))))
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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/users/{userId}",
    operation_id = "getUser",
    tags = ["users"],
    summary = "Get a user.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("userId" = String, Path, description = "User object id (GUID) or user principal name.")
    ),
    responses(
        (status = 200, description = "The user.", body = UserSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/users/{userId}",
    operation_id = "deleteUser",
    tags = ["users"],
    summary = "Delete a user; its number is unassigned and stays in the inventory.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("userId" = String, Path, description = "User object id (GUID) or user principal name.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
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

json_schema!(
    /// The `User` component.
    UserSchema as "User" = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string",
                "format": "uuid"
            },
            "tenantId": {
                "type": "string",
                "format": "uuid"
            },
            "userPrincipalName": {
                "type": "string"
            },
            "displayName": {
                "type": "string"
            },
            "licences": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": [
                        "teamsPhoneResourceAccount",
                        "callingPlan",
                        "teamsPhone"
                    ]
                }
            },
            "phoneNumber": {
                "oneOf": [
                    {
                        "type": "string",
                        "pattern": "^\\+[1-9][0-9]{7,14}$",
                        "examples": [
                            "+14255550100"
                        ]
                    },
                    {
                        "type": "null"
                    }
                ]
            },
            "voiceRoutingPolicy": {
                "description": "The voice routing policy granted to the user; null: Global.",
                "oneOf": [
                    {
                        "type": "string"
                    },
                    {
                        "type": "null"
                    }
                ]
            }
        },
        "required": [
            "id",
            "tenantId",
            "userPrincipalName",
            "displayName",
            "licences",
            "phoneNumber"
        ]
    }
);

list_schema!(
    /// A list of `User`s in the `value` envelope.
    UserListSchema of UserSchema
);
