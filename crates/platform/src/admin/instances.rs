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

use super::exec::{exec, read_one};
use super::extract::Params;
use super::parse::{parse_guid, parse_licence, parse_number, present};
use super::reply::{created, iso, licences_view, list, no_content, ok};
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewInstance {
    id: Option<String>,
    user_principal_name: String,
    application_id: String,
    display_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstancePatch {
    application_id: Option<String>,
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    acs_resource_id: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TelephoneNumberBody {
    #[serde(default, deserialize_with = "present")]
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

async fn get_instance(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let id = instance_id(&state, &params, tenant)?;
    Ok(ok(instance_response(&state, tenant, id)?))
}

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LicenceBody {
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

async fn list_licences(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let account = params.account(&state, tenant, "accountId")?;
    Ok(ok(licences_response(&state, tenant, account)?))
}

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
