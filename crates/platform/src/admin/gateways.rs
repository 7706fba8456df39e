//! PSTN gateways of a tenant (`New-`, `Get-`, `Set-`, `Remove-CsOnlinePSTNGateway`):
//! `GET/POST /tenants/{tenantId}/pstnGateways`, `GET/PATCH/DELETE …/pstnGateways/{fqdn}`. Digest
//! credentials are write-only: a view says `hasCredentials`, never the username or password.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{
    validate, Command, DigestCredentials, GatewayPatch, PstnGateway, SipTransport,
};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::{clip, present};
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
            "/tenants/{tenantId}/pstnGateways",
            get(list_gateways).post(new_gateway),
        )
        .route(
            "/tenants/{tenantId}/pstnGateways/{fqdn}",
            get(get_gateway).patch(set_gateway).delete(remove_gateway),
        )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_gateways, new_gateway, get_gateway, set_gateway, remove_gateway),
    components(schemas(PstnGatewaySchema, NewGateway, GatewayChanges))
)]
pub(super) struct Api;

/// `POST /tenants/{tenantId}/pstnGateways` (`New-CsOnlinePSTNGateway`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewPstnGateway)]
struct NewGateway {
    /// The SBC's FQDN or IP address: the gateway's identity.
    #[schema(examples("sbc.contoso.com"))]
    fqdn: String,
    /// Default 5061.
    sip_signaling_port: Option<u32>,
    /// `udp`, `tcp` or `tls` (a Ringside extension; default `tls`).
    transport: Option<String>,
    /// Default false, as in Teams.
    enabled: Option<bool>,
    max_concurrent_sessions: Option<u32>,
    /// Default true.
    send_sip_options: Option<bool>,
    /// Default false.
    forward_pai: Option<bool>,
    /// Default `408,503,504`.
    failover_response_codes: Option<String>,
    /// Default 10.
    failover_time_seconds: Option<u32>,
    description: Option<String>,
    /// Digest username Ringside answers the gateway's 401/407 with (with `password`).
    username: Option<String>,
    /// Write-only.
    password: Option<String>,
}

/// `PATCH …/pstnGateways/{fqdn}` (`Set-CsOnlinePSTNGateway`): absent fields stay; `null`
/// clears `maxConcurrentSessions`, and `username` and `password` together.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PstnGatewayChanges)]
struct GatewayChanges {
    sip_signaling_port: Option<u32>,
    transport: Option<String>,
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    max_concurrent_sessions: Option<Option<u32>>,
    send_sip_options: Option<bool>,
    forward_pai: Option<bool>,
    failover_response_codes: Option<String>,
    failover_time_seconds: Option<u32>,
    description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    password: Option<Option<String>>,
}

fn gateway_view(g: &PstnGateway) -> Value {
    json!({
        "identity": g.fqdn,
        "fqdn": g.fqdn,
        "tenantId": g.tenant.to_string(),
        "sipSignalingPort": g.sip_signaling_port,
        "transport": g.transport.as_str(),
        "enabled": g.enabled,
        "maxConcurrentSessions": g.max_concurrent_sessions,
        "sendSipOptions": g.send_sip_options,
        "forwardPai": g.forward_pai,
        "failoverResponseCodes": g.failover_codes_text(),
        "failoverTimeSeconds": g.failover_time_seconds,
        "description": g.description,
        "hasCredentials": g.credentials.is_some(),
    })
}

fn port(raw: u32) -> Result<u16, ApiError> {
    u16::try_from(raw)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| ApiError::bad_request("sipSignalingPort must be 1 to 65535."))
}

fn transport(raw: &str) -> Result<SipTransport, ApiError> {
    SipTransport::parse(raw).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid transport '{}': expected udp, tcp or tls.",
            clip(raw)
        ))
    })
}

fn codes(raw: &str) -> Result<Vec<u16>, ApiError> {
    validate::failover_codes(raw).map_err(super::exec::directory_error)
}

/// Both or neither: a username without a password (or the reverse) is a 400.
fn credentials(
    username: Option<String>,
    password: Option<String>,
) -> Result<Option<DigestCredentials>, ApiError> {
    match (username, password) {
        (Some(username), Some(password)) => Ok(Some(DigestCredentials { username, password })),
        (None, None) => Ok(None),
        _ => Err(ApiError::bad_request(
            "Give the gateway's digest username and password together.",
        )),
    }
}

fn gateway_response(state: &PlatformState, params: &Params) -> Result<Value, ApiError> {
    let tenant = params.existing_tenant(state)?;
    let fqdn = params.raw("fqdn")?.to_string();
    read_one(
        state,
        || format!("No PSTN gateway '{}' in tenant {tenant}.", clip(&fqdn)),
        |d| d.pstn_gateway(tenant, &fqdn).map(gateway_view),
    )
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/pstnGateways",
    operation_id = "listPstnGateways",
    tags = ["direct routing"],
    summary = "Get-CsOnlinePSTNGateway: the tenant's gateways.",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    responses(
        (status = 200, description = "Gateways.", body = inline(PstnGatewayListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn list_gateways(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.pstn_gateways(tenant).map(gateway_view).collect()
    })))
}

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/pstnGateways",
    operation_id = "newPstnGateway",
    tags = ["direct routing"],
    summary = "New-CsOnlinePSTNGateway. The identity (FQDN or IP address) is unique across the platform.",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    request_body = NewGateway,
    responses(
        (
            status = 201,
            description = "Created.",
            body = PstnGatewaySchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetPstnGateway" = (operation_id = "getPstnGateway", parameters(("tenantId" = "$response.body#/tenantId"), ("fqdn" = "$response.body#/fqdn")))),
                ("SetPstnGateway" = (operation_id = "setPstnGateway", parameters(("tenantId" = "$response.body#/tenantId"), ("fqdn" = "$response.body#/fqdn")))),
                ("RemovePstnGateway" = (operation_id = "removePstnGateway", parameters(("tenantId" = "$response.body#/tenantId"), ("fqdn" = "$response.body#/fqdn"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn new_gateway(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewGateway>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let mut gateway = PstnGateway::with_defaults(tenant, body.fqdn);
    gateway.fqdn = validate::gateway_fqdn(&gateway.fqdn).map_err(super::exec::directory_error)?;
    if let Some(raw) = body.sip_signaling_port {
        gateway.sip_signaling_port = port(raw)?;
    }
    if let Some(raw) = &body.transport {
        gateway.transport = transport(raw)?;
    }
    gateway.enabled = body.enabled.unwrap_or(gateway.enabled);
    gateway.max_concurrent_sessions = body.max_concurrent_sessions;
    gateway.send_sip_options = body.send_sip_options.unwrap_or(gateway.send_sip_options);
    gateway.forward_pai = body.forward_pai.unwrap_or(gateway.forward_pai);
    if let Some(raw) = &body.failover_response_codes {
        gateway.failover_response_codes = codes(raw)?;
    }
    gateway.failover_time_seconds = body
        .failover_time_seconds
        .unwrap_or(gateway.failover_time_seconds);
    gateway.description = body.description.unwrap_or_default();
    gateway.credentials = credentials(body.username, body.password)?;
    let fqdn = gateway.fqdn.clone();
    exec(&state, vec![Command::NewPstnGateway { gateway }]).await?;
    let view = read_one(
        &state,
        || format!("PSTN gateway {fqdn} vanished."),
        |d| d.pstn_gateway(tenant, &fqdn).map(gateway_view),
    )?;
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/pstnGateways/{fqdn}"),
        view,
    ))
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/pstnGateways/{fqdn}",
    operation_id = "getPstnGateway",
    tags = ["direct routing"],
    summary = "Get-CsOnlinePSTNGateway -Identity.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("fqdn" = String, Path, description = "The gateway's FQDN or IP address (any case).")
    ),
    responses(
        (status = 200, description = "The gateway.", body = PstnGatewaySchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_gateway(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    Ok(ok(gateway_response(&state, &params)?))
}

#[utoipa::path(
    patch,
    path = "/tenants/{tenantId}/pstnGateways/{fqdn}",
    operation_id = "setPstnGateway",
    tags = ["direct routing"],
    summary = "Set-CsOnlinePSTNGateway: absent fields stay as they are.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("fqdn" = String, Path, description = "The gateway's FQDN or IP address (any case).")
    ),
    request_body = GatewayChanges,
    responses(
        (status = 200, description = "The updated gateway.", body = PstnGatewaySchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_gateway(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<GatewayChanges>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let fqdn = params.raw("fqdn")?.to_string();
    let credentials = match (body.username, body.password) {
        (None, None) => None,
        (Some(username), Some(password)) => Some(credentials(username, password)?),
        _ => {
            return Err(ApiError::bad_request(
                "Give the gateway's digest username and password together.",
            ))
        }
    };
    let patch = GatewayPatch {
        sip_signaling_port: body.sip_signaling_port.map(port).transpose()?,
        transport: body.transport.as_deref().map(transport).transpose()?,
        enabled: body.enabled,
        max_concurrent_sessions: body.max_concurrent_sessions,
        send_sip_options: body.send_sip_options,
        forward_pai: body.forward_pai,
        failover_response_codes: body
            .failover_response_codes
            .as_deref()
            .map(codes)
            .transpose()?,
        failover_time_seconds: body.failover_time_seconds,
        description: body.description,
        credentials,
    };
    exec(
        &state,
        vec![Command::SetPstnGateway {
            tenant,
            fqdn,
            patch,
        }],
    )
    .await?;
    Ok(ok(gateway_response(&state, &params)?))
}

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/pstnGateways/{fqdn}",
    operation_id = "removePstnGateway",
    tags = ["direct routing"],
    summary = "Remove-CsOnlinePSTNGateway; refused (409) while a voice route lists the gateway.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("fqdn" = String, Path, description = "The gateway's FQDN or IP address (any case).")
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict))
    )
)]
async fn remove_gateway(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let fqdn = params.raw("fqdn")?.to_string();
    exec(&state, vec![Command::RemovePstnGateway { tenant, fqdn }]).await?;
    Ok(no_content())
}

json_schema!(
    /// The `PstnGateway` component.
    PstnGatewaySchema as "PstnGateway" = {
        "type": "object",
        "properties": {
            "identity": { "type": "string" },
            "fqdn": { "type": "string", "examples": ["sbc.contoso.com"] },
            "tenantId": { "type": "string", "format": "uuid" },
            "sipSignalingPort": { "type": "integer", "minimum": 1, "maximum": 65535 },
            "transport": { "type": "string", "enum": ["udp", "tcp", "tls"] },
            "enabled": { "type": "boolean" },
            "maxConcurrentSessions": { "oneOf": [{ "type": "integer", "minimum": 1, "maximum": 100000 }, { "type": "null" }] },
            "sendSipOptions": { "type": "boolean" },
            "forwardPai": { "type": "boolean" },
            "failoverResponseCodes": { "type": "string", "examples": ["408,503,504"] },
            "failoverTimeSeconds": { "type": "integer" },
            "description": { "type": "string" },
            "hasCredentials": { "type": "boolean", "description": "Digest credentials are write-only." }
        },
        "required": [
            "identity", "fqdn", "tenantId", "sipSignalingPort", "transport", "enabled",
            "maxConcurrentSessions", "sendSipOptions", "forwardPai", "failoverResponseCodes",
            "failoverTimeSeconds", "description", "hasCredentials"
        ]
    }
);

list_schema!(
    /// A list of `PstnGateway`s in the `value` envelope.
    PstnGatewayListSchema of PstnGatewaySchema
);
