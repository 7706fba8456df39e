//! Application instances (resource accounts) of a tenant and the accounts' licences:
//! `GET/POST /tenants/{tenantId}/applicationInstances`, `GET/PATCH …/{instanceId}`, `POST …/sync`,
//! `PUT …/telephoneNumber` (the instance's number), and
//! `GET/POST/DELETE /tenants/{tenantId}/accounts/{accountId}/licences[/{licence}]` for users and
//! instances alike.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::Router;
use ringside_directory::{Account, ApplicationInstance, Command, Directory};
use ringside_model::{AcsResourceId, AppId, Guid, InstanceId, TenantId};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::{parse_guid, parse_licence, parse_number, present};
use super::reply::{created, iso, licences_view, list, no_content, ok};
use crate::api_doc::{
    json_schema, list_schema, nullable_e164, nullable_uuid, Conflict, Invalid, NotFound,
    PreconditionFailed, TooLarge, Unauthorized, UrlSchema,
};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/tenants/{tenantId}/applicationInstances",
            get(list_instances).post(create_instance),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances/{instanceId}",
            get(get_instance).patch(set_instance),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances/{instanceId}/sync",
            post(sync_instance),
        )
        .route(
            "/tenants/{tenantId}/applicationInstances/{instanceId}/telephoneNumber",
            put(set_instance_number),
        )
        .route(
            "/tenants/{tenantId}/accounts/{accountId}/licences",
            get(list_licences).post(add_licence),
        )
        .route(
            "/tenants/{tenantId}/accounts/{accountId}/licences/{licence}",
            delete(remove_licence),
        )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_instances,
        create_instance,
        get_instance,
        set_instance,
        sync_instance,
        set_instance_number,
        list_licences,
        add_licence,
        remove_licence
    ),
    components(schemas(
        InstanceSchema,
        AccountLicencesSchema,
        NewInstance,
        InstancePatch,
        TelephoneNumberBody,
        LicenceBody
    ))
)]
pub(super) struct Api;

/// `POST /tenants/{tenantId}/applicationInstances`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewApplicationInstance)]
struct NewInstance {
    #[schema(value_type = String, format = "uuid", required = false)]
    id: Option<String>,
    user_principal_name: String,
    #[schema(format = "uuid")]
    application_id: String,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
}

/// `PATCH …/applicationInstances/{instanceId}`: the fields given change; `acsResourceId: null` (or
/// empty) detaches the ACS resource.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApplicationInstancePatch)]
struct InstancePatch {
    #[schema(value_type = String, format = "uuid", required = false)]
    application_id: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 256, required = false)]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = nullable_uuid, required = false)]
    acs_resource_id: Option<Option<String>>,
}

/// `PUT …/telephoneNumber`: a number to assign, or `null` to unassign.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct TelephoneNumberBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = nullable_e164, required = true)]
    telephone_number: Option<Option<String>>,
}

/// `Get-CsOnlineApplicationInstance`'s fields in camelCase, plus licences and sync state.
fn instance_view(d: &Directory, i: &ApplicationInstance) -> Value {
    json!({
        "id": i.id.to_string(),
        "tenantId": i.tenant.to_string(),
        "userPrincipalName": i.upn,
        "applicationId": i.app_id.to_string(),
        "displayName": i.display_name,
        "phoneNumber": d.number_of(i.id.guid()).map(|n| n.number.to_string()),
        "acsResourceId": i.acs_resource.map(|r| r.to_string()),
        "licences": licences_view(&i.licences),
        "syncedAt": i.synced_at.map(iso),
        "voiceRoutingPolicy": d.granted_voice_routing_policy(i.tenant, i.id.guid()),
    })
}

/// `{instanceId}`: an object id or the UPN of an application instance.
fn instance_id(
    state: &PlatformState,
    params: &Params,
    tenant: TenantId,
) -> Result<InstanceId, ApiError> {
    params.account(state, tenant, "instanceId").map(InstanceId)
}

fn instance_response(
    state: &PlatformState,
    tenant: TenantId,
    id: InstanceId,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("Application instance {id} does not exist in tenant {tenant}."),
        |d| d.instance(tenant, id).map(|i| instance_view(d, i)),
    )
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/applicationInstances",
    operation_id = "listApplicationInstances",
    tags = ["application instances"],
    summary = "Get-CsOnlineApplicationInstance (all).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    responses(
        (status = 200, description = "Application instances.", body = inline(ApplicationInstanceListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn list_instances(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.instances(tenant).map(|i| instance_view(d, i)).collect()
    })))
}

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/applicationInstances",
    operation_id = "createApplicationInstance",
    tags = ["application instances"],
    summary = "New-CsOnlineApplicationInstance.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    request_body = NewInstance,
    responses(
        (
            status = 201,
            description = "Created.",
            body = InstanceSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetApplicationInstance" = (operation_id = "getApplicationInstance", parameters(("tenantId" = "$response.body#/tenantId"), ("instanceId" = "$response.body#/id")))),
                ("SetApplicationInstance" = (operation_id = "setApplicationInstance", parameters(("tenantId" = "$response.body#/tenantId"), ("instanceId" = "$response.body#/id")))),
                ("SyncApplicationInstance" = (operation_id = "syncApplicationInstance", parameters(("tenantId" = "$response.body#/tenantId"), ("instanceId" = "$response.body#/id")))),
                ("SetVoiceApplicationInstance" = (operation_id = "setVoiceApplicationInstance", parameters(("tenantId" = "$response.body#/tenantId"), ("instanceId" = "$response.body#/id")))),
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
async fn create_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewInstance>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = match &body.id {
        Some(raw) => InstanceId(parse_guid("id", raw)?),
        None => InstanceId(state.new_guid()),
    };
    let command = Command::CreateApplicationInstance {
        tenant,
        id,
        upn: body.user_principal_name,
        app_id: AppId(parse_guid("applicationId", &body.application_id)?),
        display_name: body.display_name,
    };
    exec(&state, vec![command]).await?;
    let view = instance_response(&state, tenant, id)?;
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/applicationInstances/{id}"),
        view,
    ))
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/applicationInstances/{instanceId}",
    operation_id = "getApplicationInstance",
    tags = ["application instances"],
    summary = "Get-CsOnlineApplicationInstance -Identity.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("instanceId" = String, Path, description = "Application instance object id (GUID) or user principal name.")
    ),
    responses(
        (status = 200, description = "The instance.", body = InstanceSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

#[utoipa::path(
    patch,
    path = "/tenants/{tenantId}/applicationInstances/{instanceId}",
    operation_id = "setApplicationInstance",
    tags = ["application instances"],
    summary = "Set-CsOnlineApplicationInstance: applicationId, displayName, acsResourceId (null clears).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("instanceId" = String, Path, description = "Application instance object id (GUID) or user principal name.")
    ),
    request_body = InstancePatch,
    responses(
        (status = 200, description = "Updated.", body = InstanceSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<InstancePatch>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    let app_id = body
        .application_id
        .as_deref()
        .map(|raw| parse_guid("applicationId", raw).map(AppId))
        .transpose()?;
    let acs_resource = match body.acs_resource_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) if raw.is_empty() => Some(None),
        Some(Some(raw)) => Some(Some(AcsResourceId(parse_guid("acsResourceId", &raw)?))),
    };
    let command = Command::SetApplicationInstance {
        tenant,
        id,
        app_id,
        display_name: body.display_name,
        acs_resource,
    };
    exec(&state, vec![command]).await?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/applicationInstances/{instanceId}/sync",
    operation_id = "syncApplicationInstance",
    tags = ["application instances"],
    summary = "Sync-CsOnlineApplicationInstance.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("instanceId" = String, Path, description = "Application instance object id (GUID) or user principal name.")
    ),
    responses(
        (status = 200, description = "Synced.", body = InstanceSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
async fn sync_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    exec(
        &state,
        vec![Command::SyncApplicationInstance { tenant, id }],
    )
    .await?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

#[utoipa::path(
    put,
    path = "/tenants/{tenantId}/applicationInstances/{instanceId}/telephoneNumber",
    operation_id = "setVoiceApplicationInstance",
    tags = ["application instances"],
    summary = "Set-CsOnlineVoiceApplicationInstance -TelephoneNumber: a number assigns (replacing the current one), null unassigns.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("instanceId" = String, Path, description = "Application instance object id (GUID) or user principal name.")
    ),
    request_body = TelephoneNumberBody,
    responses(
        (status = 200, description = "Updated.", body = InstanceSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn set_instance_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<TelephoneNumberBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    let number =
        match body.telephone_number {
            None => return Err(ApiError::bad_request(
                "The body needs telephoneNumber: an E.164 number to assign, or null to unassign.",
            )),
            Some(None) => None,
            Some(Some(raw)) => Some(parse_number(&raw)?),
        };
    exec(
        &state,
        vec![Command::SetInstanceTelephoneNumber { tenant, id, number }],
    )
    .await?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

/// `POST …/accounts/{accountId}/licences`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LicenceBody {
    /// teamsPhoneResourceAccount, callingPlan, teamsPhone, or a SKU part number.
    licence: String,
}

fn account_licences_view(account: Account<'_>) -> Value {
    json!({
        "accountId": account.id().to_string(),
        "accountType": account.kind(),
        "userPrincipalName": account.upn(),
        "licences": licences_view(account.licences()),
        "skus": account.licences().iter().map(|l| l.sku()).collect::<Vec<_>>(),
    })
}

fn licences_response(
    state: &PlatformState,
    tenant: TenantId,
    account: Guid,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("No user or application instance {account} in tenant {tenant}."),
        |d| d.account(tenant, account).map(account_licences_view),
    )
}

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/accounts/{accountId}/licences",
    operation_id = "listLicences",
    tags = ["licences"],
    summary = "Licences of a user or application instance.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("accountId" = String, Path, description = "User or application instance: object id (GUID) or user principal name.")
    ),
    responses(
        (status = 200, description = "Licences.", body = AccountLicencesSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn list_licences(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    Ok(ok(licences_response(&state, tenant, account)?))
}

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/accounts/{accountId}/licences",
    operation_id = "assignLicence",
    tags = ["licences"],
    summary = "Assign a licence. teamsPhoneResourceAccount is for application instances, teamsPhone for users, callingPlan for either.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("accountId" = String, Path, description = "User or application instance: object id (GUID) or user principal name.")
    ),
    request_body = LicenceBody,
    responses(
        (status = 200, description = "Already assigned.", body = AccountLicencesSchema),
        (status = 201, description = "Assigned.", body = AccountLicencesSchema, headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource."))),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn add_licence(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<LicenceBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    let licence = parse_licence(&body.licence)?;
    let changes = exec(
        &state,
        vec![Command::AssignLicence {
            tenant,
            account,
            licence,
        }],
    )
    .await?;
    let view = licences_response(&state, tenant, account)?;
    if changes.is_empty() {
        Ok(ok(view))
    } else {
        Ok(created(
            &state,
            &format!("/tenants/{tenant}/accounts/{account}/licences/{licence}"),
            view,
        ))
    }
}

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/accounts/{accountId}/licences/{licence}",
    operation_id = "removeLicence",
    tags = ["licences"],
    summary = "Remove a licence; refused with 412 while the account's number depends on it.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("accountId" = String, Path, description = "User or application instance: object id (GUID) or user principal name."),
        ("licence" = String, Path, description = "Licence name (teamsPhoneResourceAccount, callingPlan, teamsPhone) or SKU (PHONESYSTEM_VIRTUALUSER, MCOPSTN1, MCOEV).")
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
async fn remove_licence(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    let licence = parse_licence(params.raw("licence")?)?;
    exec(
        &state,
        vec![Command::RemoveLicence {
            tenant,
            account,
            licence,
        }],
    )
    .await?;
    Ok(no_content())
}

json_schema!(
    /// The `ApplicationInstance` component.
    InstanceSchema as "ApplicationInstance" = {
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
            "applicationId": {
                "type": "string",
                "format": "uuid"
            },
            "displayName": {
                "type": "string"
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
            "acsResourceId": {
                "oneOf": [
                    {
                        "type": "string",
                        "format": "uuid"
                    },
                    {
                        "type": "null"
                    }
                ]
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
            "syncedAt": {
                "oneOf": [
                    {
                        "type": "string",
                        "format": "date-time"
                    },
                    {
                        "type": "null"
                    }
                ]
            },
            "voiceRoutingPolicy": {
                "description": "The voice routing policy granted to the account; null: Global.",
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
            "applicationId",
            "displayName",
            "phoneNumber",
            "acsResourceId",
            "licences",
            "syncedAt"
        ]
    }
);

json_schema!(
    /// The `AccountLicences` component.
    AccountLicencesSchema as "AccountLicences" = {
        "type": "object",
        "properties": {
            "accountId": {
                "type": "string",
                "format": "uuid"
            },
            "accountType": {
                "type": "string",
                "enum": [
                    "user",
                    "applicationInstance"
                ]
            },
            "userPrincipalName": {
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
            "skus": {
                "type": "array",
                "items": {
                    "type": "string"
                }
            }
        },
        "required": [
            "accountId",
            "accountType",
            "userPrincipalName",
            "licences",
            "skus"
        ]
    }
);

list_schema!(
    /// A list of `Instance`s in the `value` envelope.
    ApplicationInstanceListSchema of InstanceSchema
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_and_null_fields_differ() {
        let absent: TelephoneNumberBody = serde_json::from_str("{}").expect("absent");
        let null: TelephoneNumberBody =
            serde_json::from_str(r#"{"telephoneNumber":null}"#).expect("null");
        let set: TelephoneNumberBody =
            serde_json::from_str(r#"{"telephoneNumber":"+14255550100"}"#).expect("set");
        assert_eq!(absent.telephone_number, None);
        assert_eq!(null.telephone_number, Some(None));
        assert_eq!(set.telephone_number, Some(Some("+14255550100".into())));
    }
}
