//! Voice routing policies (`New-`, `Get-`, `Set-`, `Remove-CsOnlineVoiceRoutingPolicy`) and their
//! grants (`Grant-CsOnlineVoiceRoutingPolicy`): `GET/POST /tenants/{tenantId}/voiceRoutingPolicies`,
//! `GET/PATCH/DELETE …/voiceRoutingPolicies/{identity}` (the implicit `Global` one included), and
//! `GET/PUT …/accounts/{accountId}/voiceRoutingPolicy`.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, Directory, VoiceRoutingPolicy, GLOBAL_POLICY};
use ringside_model::{Guid, TenantId};
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
            "/tenants/{tenantId}/voiceRoutingPolicies",
            get(list_policies).post(new_policy),
        )
        .route(
            "/tenants/{tenantId}/voiceRoutingPolicies/{identity}",
            get(get_policy).patch(set_policy).delete(remove_policy),
        )
        .route(
            "/tenants/{tenantId}/accounts/{accountId}/voiceRoutingPolicy",
            get(get_grant).put(grant_policy),
        )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_policies,
        new_policy,
        get_policy,
        set_policy,
        remove_policy,
        get_grant,
        grant_policy
    ),
    components(schemas(
        VoiceRoutingPolicySchema,
        PolicyGrantSchema,
        NewPolicy,
        PolicyChanges,
        GrantBody
    ))
)]
pub(super) struct Api;

/// `POST …/voiceRoutingPolicies` (`New-CsOnlineVoiceRoutingPolicy`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewVoiceRoutingPolicy)]
struct NewPolicy {
    /// The name (Teams' `Tag:` prefix is accepted and dropped).
    #[schema(examples("Sales"))]
    identity: String,
    /// Usages from the tenant's list, in the order they are tried.
    #[serde(default)]
    online_pstn_usages: Vec<String>,
    description: Option<String>,
}

/// `PATCH …/voiceRoutingPolicies/{identity}` (`Set-CsOnlineVoiceRoutingPolicy`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = VoiceRoutingPolicyChanges)]
struct PolicyChanges {
    online_pstn_usages: Option<Vec<String>>,
    description: Option<String>,
}

/// `PUT …/accounts/{accountId}/voiceRoutingPolicy` (`Grant-CsOnlineVoiceRoutingPolicy`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = VoiceRoutingPolicyGrant)]
struct GrantBody {
    /// A policy name, or `null` (or `Global`) for the Global policy.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, required = true)]
    policy_name: Option<Option<String>>,
}

fn policy_view(p: &VoiceRoutingPolicy) -> Value {
    json!({
        "identity": p.identity,
        "tenantId": p.tenant.to_string(),
        "onlinePstnUsages": p.usages,
        "description": p.description,
    })
}

fn grant_view(d: &Directory, tenant: TenantId, account: Guid) -> Value {
    let granted = d.granted_voice_routing_policy(tenant, account);
    json!({
        "accountId": account.to_string(),
        "tenantId": tenant.to_string(),
        "policyName": granted,
        "effectivePolicy": granted.unwrap_or(GLOBAL_POLICY),
    })
}

fn policy_response(
    state: &PlatformState,
    tenant: TenantId,
    identity: &str,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || {
            format!(
                "No voice routing policy '{}' in tenant {tenant}.",
                clip(identity)
            )
        },
        |d| {
            d.voice_routing_policy(tenant, identity)
                .as_ref()
                .map(policy_view)
        },
    )
}

/// `{accountId}` of an existing account (a 404 otherwise).
fn existing_account(
    state: &PlatformState,
    params: &Params,
    tenant: TenantId,
) -> Result<Guid, ApiError> {
    let account = params.account(state, tenant, "accountId")?;
    if state
        .directory()
        .read(|d| d.account(tenant, account).is_some())
    {
        Ok(account)
    } else {
        Err(ApiError::not_found(format!(
            "No user or application instance {account} in tenant {tenant}."
        )))
    }
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/voiceRoutingPolicies",
    operation_id = "listVoiceRoutingPolicies",
    tags = ["direct routing"],
    summary = "Get-CsOnlineVoiceRoutingPolicy: Global first, then by name.",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    responses(
        (status = 200, description = "Policies.", body = inline(VoiceRoutingPolicyListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn list_policies(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.voice_routing_policies(tenant)
            .iter()
            .map(policy_view)
            .collect()
    })))
}

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/voiceRoutingPolicies",
    operation_id = "newVoiceRoutingPolicy",
    tags = ["direct routing"],
    summary = "New-CsOnlineVoiceRoutingPolicy. Usages must be in the tenant's list (400).",
    params(("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")),
    request_body = NewPolicy,
    responses(
        (
            status = 201,
            description = "Created.",
            body = VoiceRoutingPolicySchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetVoiceRoutingPolicy" = (operation_id = "getVoiceRoutingPolicy", parameters(("tenantId" = "$response.body#/tenantId"), ("identity" = "$response.body#/identity")))),
                ("SetVoiceRoutingPolicy" = (operation_id = "setVoiceRoutingPolicy", parameters(("tenantId" = "$response.body#/tenantId"), ("identity" = "$response.body#/identity")))),
                ("RemoveVoiceRoutingPolicy" = (operation_id = "removeVoiceRoutingPolicy", parameters(("tenantId" = "$response.body#/tenantId"), ("identity" = "$response.body#/identity"))))
            )
        ),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn new_policy(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewPolicy>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let identity = body.identity.clone();
    exec(
        &state,
        vec![Command::NewVoiceRoutingPolicy {
            tenant,
            identity: body.identity,
            usages: body.online_pstn_usages,
            description: body.description.unwrap_or_default(),
        }],
    )
    .await?;
    let view = policy_response(&state, tenant, &identity)?;
    let name = view["identity"].as_str().unwrap_or_default();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/voiceRoutingPolicies/{encoded}"),
        view,
    ))
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/voiceRoutingPolicies/{identity}",
    operation_id = "getVoiceRoutingPolicy",
    tags = ["direct routing"],
    summary = "Get-CsOnlineVoiceRoutingPolicy -Identity (Global always exists).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("identity" = String, Path, description = "The policy's name (any case; `Tag:` accepted).")
    ),
    responses(
        (status = 200, description = "The policy.", body = VoiceRoutingPolicySchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_policy(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(ok(policy_response(
        &state,
        tenant,
        params.raw("identity")?,
    )?))
}

#[utoipa::path(
    patch,
    path = "/tenants/{tenantId}/voiceRoutingPolicies/{identity}",
    operation_id = "setVoiceRoutingPolicy",
    tags = ["direct routing"],
    summary = "Set-CsOnlineVoiceRoutingPolicy (Global too): absent fields stay as they are.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("identity" = String, Path, description = "The policy's name (any case; `Tag:` accepted).")
    ),
    request_body = PolicyChanges,
    responses(
        (status = 200, description = "The updated policy.", body = VoiceRoutingPolicySchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_policy(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<PolicyChanges>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let identity = params.raw("identity")?.to_string();
    exec(
        &state,
        vec![Command::SetVoiceRoutingPolicy {
            tenant,
            identity: identity.clone(),
            usages: body.online_pstn_usages,
            description: body.description,
        }],
    )
    .await?;
    Ok(ok(policy_response(&state, tenant, &identity)?))
}

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/voiceRoutingPolicies/{identity}",
    operation_id = "removeVoiceRoutingPolicy",
    tags = ["direct routing"],
    summary = "Remove-CsOnlineVoiceRoutingPolicy: not Global (400), not while granted (409).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("identity" = String, Path, description = "The policy's name (any case; `Tag:` accepted).")
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict))
    )
)]
async fn remove_policy(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let identity = params.raw("identity")?.to_string();
    exec(
        &state,
        vec![Command::RemoveVoiceRoutingPolicy { tenant, identity }],
    )
    .await?;
    Ok(no_content())
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/accounts/{accountId}/voiceRoutingPolicy",
    operation_id = "getVoiceRoutingPolicyGrant",
    tags = ["direct routing"],
    summary = "The voice routing policy granted to a user or application instance (null: Global).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("accountId" = String, Path, description = "Object id (GUID) or UPN of a user or application instance.")
    ),
    responses(
        (status = 200, description = "The grant.", body = PolicyGrantSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_grant(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let account = existing_account(&state, &params, tenant)?;
    Ok(ok(state
        .directory()
        .read(|d| grant_view(d, tenant, account))))
}

#[utoipa::path(
    put,
    path = "/tenants/{tenantId}/accounts/{accountId}/voiceRoutingPolicy",
    operation_id = "grantVoiceRoutingPolicy",
    tags = ["direct routing"],
    summary = "Grant-CsOnlineVoiceRoutingPolicy -Identity <account> -PolicyName <name|null>.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("accountId" = String, Path, description = "Object id (GUID) or UPN of a user or application instance.")
    ),
    request_body = GrantBody,
    responses(
        (status = 200, description = "The grant.", body = PolicyGrantSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn grant_policy(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<GrantBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    let Some(policy) = body.policy_name else {
        return Err(ApiError::bad_request(
            "Give policyName: a policy's name, or null for the Global policy.",
        ));
    };
    exec(
        &state,
        vec![Command::GrantVoiceRoutingPolicy {
            tenant,
            account,
            policy,
        }],
    )
    .await?;
    Ok(ok(state
        .directory()
        .read(|d| grant_view(d, tenant, account))))
}

json_schema!(
    /// The `VoiceRoutingPolicy` component.
    VoiceRoutingPolicySchema as "VoiceRoutingPolicy" = {
        "type": "object",
        "properties": {
            "identity": { "type": "string", "examples": ["Global"] },
            "tenantId": { "type": "string", "format": "uuid" },
            "onlinePstnUsages": { "type": "array", "items": { "type": "string" } },
            "description": { "type": "string" }
        },
        "required": ["identity", "tenantId", "onlinePstnUsages", "description"]
    }
);

json_schema!(
    /// The `VoiceRoutingPolicyGrant` view component.
    PolicyGrantSchema as "VoiceRoutingPolicyAssignment" = {
        "type": "object",
        "properties": {
            "accountId": { "type": "string", "format": "uuid" },
            "tenantId": { "type": "string", "format": "uuid" },
            "policyName": { "oneOf": [{ "type": "string" }, { "type": "null" }] },
            "effectivePolicy": { "type": "string" }
        },
        "required": ["accountId", "tenantId", "policyName", "effectivePolicy"]
    }
);

list_schema!(
    /// A list of `VoiceRoutingPolicy`s in the `value` envelope.
    VoiceRoutingPolicyListSchema of VoiceRoutingPolicySchema
);
