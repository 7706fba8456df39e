//! Tenants: `GET/POST /tenants`, `GET /tenants/{tenantId}` (by id or domain).

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, Tenant};
use ringside_model::TenantId;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::parse_guid;
use super::reply::{created, list, ok};
use crate::api_doc::{
    json_schema, list_schema, Conflict, Invalid, NotFound, PreconditionFailed, TooLarge,
    Unauthorized, UrlSchema,
};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/tenants", get(list_tenants).post(create_tenant))
        .route("/tenants/{tenantId}", get(get_tenant))
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_tenants, create_tenant, get_tenant),
    components(schemas(TenantSchema, NewTenant))
)]
pub(super) struct Api;

/// `POST /tenants`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewTenant {
    #[schema(value_type = String, format = "uuid", required = false)]
    id: Option<String>,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    #[schema(examples("contoso.com"))]
    domain: String,
}

fn tenant_view(t: &Tenant) -> Value {
    json!({ "id": t.id.to_string(), "displayName": t.display_name, "domain": t.domain })
}

#[utoipa::path(
    get,
    path = "/tenants",
    operation_id = "listTenants",
    tags = ["tenants"],
    summary = "List tenants.",
    responses(
        (status = 200, description = "Tenants.", body = inline(TenantListSchema)),
        (status = 401, response = inline(Unauthorized))
    )
)]
async fn list_tenants(_: Admin, State(state): State<PlatformState>) -> Response {
    list(
        state
            .directory()
            .read(|d| d.tenants().map(tenant_view).collect()),
    )
}

#[utoipa::path(
    post,
    path = "/tenants",
    operation_id = "createTenant",
    tags = ["tenants"],
    summary = "Create a tenant.",
    request_body = NewTenant,
    responses(
        (
            status = 201,
            description = "Created.",
            body = TenantSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetTenant" = (operation_id = "getTenant", parameters(("tenantId" = "$response.body#/id")))),
                ("ListUsers" = (operation_id = "listUsers", parameters(("tenantId" = "$response.body#/id")))),
                ("CreateUser" = (operation_id = "createUser", parameters(("tenantId" = "$response.body#/id")))),
                ("ListConsents" = (operation_id = "listConsents", parameters(("tenantId" = "$response.body#/id")))),
                ("ListApplicationInstances" = (operation_id = "listApplicationInstances", parameters(("tenantId" = "$response.body#/id")))),
                ("CreateApplicationInstance" = (operation_id = "createApplicationInstance", parameters(("tenantId" = "$response.body#/id")))),
                ("ListPhoneNumbers" = (operation_id = "listPhoneNumbers", parameters(("tenantId" = "$response.body#/id")))),
                ("AcquirePhoneNumber" = (operation_id = "acquirePhoneNumber", parameters(("tenantId" = "$response.body#/id"))))
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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}",
    operation_id = "getTenant",
    tags = ["tenants"],
    summary = "Get a tenant.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    responses(
        (status = 200, description = "The tenant.", body = TenantSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

json_schema!(
    /// The `Tenant` component.
    TenantSchema as "Tenant" = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string",
                "format": "uuid"
            },
            "displayName": {
                "type": "string"
            },
            "domain": {
                "type": "string"
            }
        },
        "required": [
            "id",
            "displayName",
            "domain"
        ]
    }
);

list_schema!(
    /// A list of `Tenant`s in the `value` envelope.
    TenantListSchema of TenantSchema
);
