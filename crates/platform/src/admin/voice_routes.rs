//! The tenant's PSTN usages and voice routes (`Set-CsOnlinePstnUsage`, `New-`, `Get-`, `Set-`,
//! `Remove-CsOnlineVoiceRoute`): `GET/PATCH /tenants/{tenantId}/pstnUsages`,
//! `GET/POST …/voiceRoutes`, `GET/PATCH/DELETE …/voiceRoutes/{identity}`.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, Directory, VoiceRoute, VoiceRoutePatch};
use ringside_model::TenantId;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::clip;
use super::reply::{created, list, no_content, ok};
use crate::api_doc::{
    json_schema, list_schema, Conflict, Invalid, NotFound, TooLarge, Unauthorized, UrlSchema,
};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/tenants/{tenantId}/pstnUsages",
            get(get_usages).patch(set_usages),
        )
        .route(
            "/tenants/{tenantId}/voiceRoutes",
            get(list_routes).post(new_route),
        )
        .route(
            "/tenants/{tenantId}/voiceRoutes/{identity}",
            get(get_route).patch(set_route).delete(remove_route),
        )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        get_usages,
        set_usages,
        list_routes,
        new_route,
        get_route,
        set_route,
        remove_route
    ),
    components(schemas(
        PstnUsagesSchema,
        VoiceRouteSchema,
        UsageChanges,
        NewRoute,
        RouteChanges
    ))
)]
pub(super) struct Api;

/// `PATCH …/pstnUsages` (`Set-CsOnlinePstnUsage -Usage @{add=…; remove=…}`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PstnUsageChanges)]
struct UsageChanges {
    /// Names to append (one already listed is kept).
    #[serde(default)]
    add: Vec<String>,
    /// Names to remove (refused with 409 while a route or policy carries one).
    #[serde(default)]
    remove: Vec<String>,
}

/// `POST …/voiceRoutes` (`New-CsOnlineVoiceRoute`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewVoiceRoute)]
struct NewRoute {
    #[schema(examples("US and Canada"))]
    identity: String,
    /// A regular expression matched against the `+E.164` number; default `.*`.
    number_pattern: Option<String>,
    /// Gateway FQDNs of this tenant, tried in this order.
    #[serde(default)]
    online_pstn_gateway_list: Vec<String>,
    /// Lower is tried first; default one after the tenant's highest.
    priority: Option<u32>,
    /// Usages from the tenant's list.
    #[serde(default)]
    online_pstn_usages: Vec<String>,
    description: Option<String>,
}

/// `PATCH …/voiceRoutes/{identity}` (`Set-CsOnlineVoiceRoute`): absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = VoiceRouteChanges)]
struct RouteChanges {
    number_pattern: Option<String>,
    online_pstn_gateway_list: Option<Vec<String>>,
    priority: Option<u32>,
    online_pstn_usages: Option<Vec<String>>,
    description: Option<String>,
}

fn usages_view(d: &Directory, tenant: TenantId) -> Value {
    json!({
        "identity": "Global",
        "tenantId": tenant.to_string(),
        "usage": d.pstn_usages(tenant),
    })
}

fn route_view(r: &VoiceRoute) -> Value {
    json!({
        "identity": r.identity,
        "tenantId": r.tenant.to_string(),
        "numberPattern": r.number_pattern,
        "onlinePstnGatewayList": r.gateways,
        "priority": r.priority,
        "onlinePstnUsages": r.usages,
        "description": r.description,
    })
}

fn route_response(
    state: &PlatformState,
    tenant: TenantId,
    identity: &str,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("No voice route '{}' in tenant {tenant}.", clip(identity)),
        |d| d.voice_route(tenant, identity).map(route_view),
    )
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/pstnUsages",
    operation_id = "getPstnUsages",
    tags = ["direct routing"],
    summary = "Get-CsOnlinePstnUsage: the tenant's usage list, in order.",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    responses(
        (status = 200, description = "The usages.", body = PstnUsagesSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_usages(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(ok(state.directory().read(|d| usages_view(d, tenant))))
}

#[utoipa::path(
    patch,
    path = "/tenants/{tenantId}/pstnUsages",
    operation_id = "setPstnUsages",
    tags = ["direct routing"],
    summary = "Set-CsOnlinePstnUsage -Usage @{add=...; remove=...}. Removing a usage a route or policy carries is refused (409).",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    request_body = UsageChanges,
    responses(
        (status = 200, description = "The usages.", body = PstnUsagesSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_usages(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<UsageChanges>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    exec(
        &state,
        vec![Command::SetPstnUsages {
            tenant,
            add: body.add,
            remove: body.remove,
        }],
    )
    .await?;
    Ok(ok(state.directory().read(|d| usages_view(d, tenant))))
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/voiceRoutes",
    operation_id = "listVoiceRoutes",
    tags = ["direct routing"],
    summary = "Get-CsOnlineVoiceRoute: the tenant's routes in routing order (priority, then identity).",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    responses(
        (status = 200, description = "Routes.", body = inline(VoiceRouteListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn list_routes(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.voice_routes(tenant).into_iter().map(route_view).collect()
    })))
}

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/voiceRoutes",
    operation_id = "newVoiceRoute",
    tags = ["direct routing"],
    summary = "New-CsOnlineVoiceRoute. The pattern must be a valid regular expression (400), the gateways must exist (404), the usages must be listed (400).",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    request_body = NewRoute,
    responses(
        (
            status = 201,
            description = "Created.",
            body = VoiceRouteSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetVoiceRoute" = (operation_id = "getVoiceRoute", parameters(("tenantId" = "$response.body#/tenantId"), ("identity" = "$response.body#/identity")))),
                ("SetVoiceRoute" = (operation_id = "setVoiceRoute", parameters(("tenantId" = "$response.body#/tenantId"), ("identity" = "$response.body#/identity")))),
                ("RemoveVoiceRoute" = (operation_id = "removeVoiceRoute", parameters(("tenantId" = "$response.body#/tenantId"), ("identity" = "$response.body#/identity"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn new_route(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewRoute>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let identity = body.identity.clone();
    exec(
        &state,
        vec![Command::NewVoiceRoute {
            tenant,
            identity: body.identity,
            number_pattern: body.number_pattern,
            gateways: body.online_pstn_gateway_list,
            priority: body.priority,
            usages: body.online_pstn_usages,
            description: body.description.unwrap_or_default(),
        }],
    )
    .await?;
    let view = route_response(&state, tenant, &identity)?;
    let encoded: String = form_urlencoded::byte_serialize(identity.as_bytes()).collect();
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/voiceRoutes/{encoded}"),
        view,
    ))
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/voiceRoutes/{identity}",
    operation_id = "getVoiceRoute",
    tags = ["direct routing"],
    summary = "Get-CsOnlineVoiceRoute -Identity.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("identity" = String, Path, description = "The route's name (any case; URL-encoded).")
    ),
    responses(
        (status = 200, description = "The route.", body = VoiceRouteSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_route(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(ok(route_response(&state, tenant, params.raw("identity")?)?))
}

#[utoipa::path(
    patch,
    path = "/tenants/{tenantId}/voiceRoutes/{identity}",
    operation_id = "setVoiceRoute",
    tags = ["direct routing"],
    summary = "Set-CsOnlineVoiceRoute: absent fields stay as they are.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("identity" = String, Path, description = "The route's name (any case; URL-encoded).")
    ),
    request_body = RouteChanges,
    responses(
        (status = 200, description = "The updated route.", body = VoiceRouteSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_route(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<RouteChanges>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let identity = params.raw("identity")?.to_string();
    let patch = VoiceRoutePatch {
        number_pattern: body.number_pattern,
        gateways: body.online_pstn_gateway_list,
        priority: body.priority,
        usages: body.online_pstn_usages,
        description: body.description,
    };
    exec(
        &state,
        vec![Command::SetVoiceRoute {
            tenant,
            identity: identity.clone(),
            patch,
        }],
    )
    .await?;
    Ok(ok(route_response(&state, tenant, &identity)?))
}

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/voiceRoutes/{identity}",
    operation_id = "removeVoiceRoute",
    tags = ["direct routing"],
    summary = "Remove-CsOnlineVoiceRoute.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("identity" = String, Path, description = "The route's name (any case; URL-encoded).")
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn remove_route(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let identity = params.raw("identity")?.to_string();
    exec(&state, vec![Command::RemoveVoiceRoute { tenant, identity }]).await?;
    Ok(no_content())
}

json_schema!(
    /// The `PstnUsages` component.
    PstnUsagesSchema as "PstnUsages" = {
        "type": "object",
        "properties": {
            "identity": { "type": "string", "enum": ["Global"] },
            "tenantId": { "type": "string", "format": "uuid" },
            "usage": { "type": "array", "items": { "type": "string" } }
        },
        "required": ["identity", "tenantId", "usage"]
    }
);

json_schema!(
    /// The `VoiceRoute` component.
    VoiceRouteSchema as "VoiceRoute" = {
        "type": "object",
        "properties": {
            "identity": { "type": "string" },
            "tenantId": { "type": "string", "format": "uuid" },
            "numberPattern": { "type": "string", "examples": ["^\\+1(425|206)\\d{7}$"] },
            "onlinePstnGatewayList": { "type": "array", "items": { "type": "string" } },
            "priority": { "type": "integer", "minimum": 0 },
            "onlinePstnUsages": { "type": "array", "items": { "type": "string" } },
            "description": { "type": "string" }
        },
        "required": [
            "identity", "tenantId", "numberPattern", "onlinePstnGatewayList", "priority",
            "onlinePstnUsages", "description"
        ]
    }
);

list_schema!(
    /// A list of `VoiceRoute`s in the `value` envelope.
    VoiceRouteListSchema of VoiceRouteSchema
);
