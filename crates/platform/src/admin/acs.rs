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
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::{acs_id, Params};
use super::parse::{clip, parse_guid};
use super::reply::{created, iso, list, ok};
use crate::api_doc::{
    json_schema, list_schema, Conflict, Invalid, NotFound, PreconditionFailed, TooLarge,
    Unauthorized, UrlSchema,
};
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

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_acs, create_acs, get_acs, rotate_acs_key),
    components(schemas(AcsResourceSchema, NewAcs, RotateBody))
)]
pub(super) struct Api;

/// `POST /acsResources`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewAcsResource)]
struct NewAcs {
    #[schema(format = "uuid")]
    tenant_id: String,
    #[schema(pattern = "^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    name: String,
    #[schema(value_type = String, min_length = 1, max_length = 256, required = false)]
    display_name: Option<String>,
}

/// `POST /acsResources/{acsResourceId}/keys/rotate`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RotateKeyBody)]
struct RotateBody {
    #[schema(schema_with = key_type)]
    key_type: String,
}

/// `keyType`.
fn key_type() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(json!({ "type": "string", "enum": ["primary", "secondary"] }))
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

#[utoipa::path(
    get,
    path = "/acsResources",
    operation_id = "listAcsResources",
    tags = ["ACS resources"],
    summary = "List ACS resources.",
    responses(
        (status = 200, description = "ACS resources.", body = inline(AcsResourceListSchema)),
        (status = 401, response = inline(Unauthorized))
    )
)]
async fn list_acs(_: Admin, State(state): State<PlatformState>) -> Response {
    list(
        state
            .directory()
            .read(|d| d.acs_resources().map(|r| acs_view(&state, r)).collect()),
    )
}

#[utoipa::path(
    post,
    path = "/acsResources",
    operation_id = "createAcsResource",
    tags = ["ACS resources"],
    summary = "Create an ACS resource with two fresh access keys.",
    request_body = NewAcs,
    responses(
        (
            status = 201,
            description = "Created.",
            body = AcsResourceSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetAcsResource" = (operation_id = "getAcsResource", parameters(("acsResourceId" = "$response.body#/id")))),
                ("RotateAcsKey" = (operation_id = "rotateAcsKey", parameters(("acsResourceId" = "$response.body#/id")))),
                ("ListEventSubscriptions" = (operation_id = "listEventSubscriptions", parameters(("acsResourceId" = "$response.body#/id")))),
                ("CreateEventSubscription" = (operation_id = "createEventSubscription", parameters(("acsResourceId" = "$response.body#/id"))))
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

#[utoipa::path(
    get,
    path = "/acsResources/{acsResourceId}",
    operation_id = "getAcsResource",
    tags = ["ACS resources"],
    summary = "Get an ACS resource.",
    params(
        ("acsResourceId" = String, Path, format = "uuid", description = "ACS resource id.")
    ),
    responses(
        (status = 200, description = "The resource.", body = AcsResourceSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_acs(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    Ok(ok(acs_response(&state, id)?))
}

#[utoipa::path(
    post,
    path = "/acsResources/{acsResourceId}/keys/rotate",
    operation_id = "rotateAcsKey",
    tags = ["ACS resources"],
    summary = "Replace the primary or secondary key with a fresh one.",
    params(
        ("acsResourceId" = String, Path, format = "uuid", description = "ACS resource id.")
    ),
    request_body = RotateBody,
    responses(
        (status = 200, description = "Rotated.", body = AcsResourceSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
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

json_schema!(
    /// The `AcsResource` component.
    AcsResourceSchema as "AcsResource" = {
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
            "name": {
                "type": "string"
            },
            "displayName": {
                "type": "string"
            },
            "endpoint": {
                "type": "string",
                "format": "uri"
            },
            "primaryKey": {
                "type": "string"
            },
            "secondaryKey": {
                "type": "string"
            },
            "connectionString": {
                "type": "string",
                "examples": [
                    "endpoint=https://127.0.0.1:8443/;accesskey=..."
                ]
            },
            "secondaryConnectionString": {
                "type": "string"
            },
            "createdAt": {
                "type": "string",
                "format": "date-time"
            }
        },
        "required": [
            "id",
            "tenantId",
            "name",
            "displayName",
            "endpoint",
            "primaryKey",
            "secondaryKey",
            "connectionString",
            "secondaryConnectionString",
            "createdAt"
        ]
    }
);

list_schema!(
    /// A list of `AcsResource`s in the `value` envelope.
    AcsResourceListSchema of AcsResourceSchema
);
