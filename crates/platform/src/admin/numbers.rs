//! The phone number inventory of a tenant and its assignments:
//! `GET/POST /tenants/{tenantId}/phoneNumbers`, `GET/DELETE …/phoneNumbers/{number}`, and
//! `GET/POST/DELETE …/phoneNumbers/{number}/assignment` (`Set-CsPhoneNumberAssignment` and kin).

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Account, Command, Directory, PhoneNumber};
use ringside_model::{NumberType, TenantId, E164};
use serde::Deserialize;
use serde_json::{json, Value};

use super::exec::{exec, read_one};
use super::extract::{resolve_identity, Params};
use super::parse::{parse_number, parse_number_type};
use super::reply::{created, iso, list, no_content, ok};
use crate::state::{Admin, PlatformState};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/tenants/{tenantId}/phoneNumbers",
            get(list_numbers).post(acquire_number),
        )
        .route(
            "/tenants/{tenantId}/phoneNumbers/{number}",
            get(get_number).delete(release_number),
        )
        .route(
            "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
            get(get_assignment)
                .post(assign_number)
                .delete(unassign_number),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewNumber {
    phone_number: String,
    number_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentBody {
    identity: String,
    phone_number_type: Option<String>,
}

/// ISO 3166 country of a few common calling codes (informational, as Teams shows it).
fn iso_country(number: &E164) -> Option<&'static str> {
    const CODES: &[(&str, &str)] = &[
        ("+1", "US"),
        ("+44", "GB"),
        ("+49", "DE"),
        ("+33", "FR"),
        ("+31", "NL"),
        ("+61", "AU"),
        ("+81", "JP"),
        ("+91", "IN"),
    ];
    CODES
        .iter()
        .find(|(prefix, _)| number.as_str().starts_with(prefix))
        .map(|(_, iso)| *iso)
}

/// `Get-CsPhoneNumberAssignment`'s fields in camelCase.
fn number_view(d: &Directory, n: &PhoneNumber) -> Value {
    let owner = n.assigned_to.and_then(|owner| d.account(n.tenant, owner));
    let status = match owner {
        Some(Account::User(_)) => "UserAssigned",
        Some(Account::Instance(_)) => "VoiceApplicationAssigned",
        None => "Unassigned",
    };
    json!({
        "telephoneNumber": n.number.to_string(),
        "numberType": n.number_type.as_str(),
        "tenantId": n.tenant.to_string(),
        "assignedPstnTargetId": n.assigned_to.map(|g| g.to_string()),
        "assignedPstnTargetUpn": owner.map(Account::upn),
        "assignmentCategory": owner.map(|_| "Primary"),
        "pstnAssignmentStatus": status,
        "activationState": "Activated",
        "capability": ["UserAssignment", "VoiceApplicationAssignment"],
        "numberSource": if n.number_type == NumberType::DirectRouting { "OnPremises" } else { "Online" },
        "isoCountryCode": iso_country(&n.number),
        "acquiredDateTime": iso(n.acquired_at),
    })
}

fn assignment_view(d: &Directory, n: &PhoneNumber) -> Option<Value> {
    let owner = d.account(n.tenant, n.assigned_to?)?;
    Some(json!({
        "telephoneNumber": n.number.to_string(),
        "phoneNumberType": n.number_type.as_str(),
        "identity": owner.id().to_string(),
        "userPrincipalName": owner.upn(),
        "accountType": owner.kind(),
    }))
}

fn number_response(
    state: &PlatformState,
    tenant: TenantId,
    number: &E164,
) -> Result<Value, ApiError> {
    read_one(
        state,
        || format!("{number} is not in the phone number inventory of tenant {tenant}."),
        |d| {
            d.number(number)
                .filter(|n| n.tenant == tenant)
                .map(|n| number_view(d, n))
        },
    )
}

async fn list_numbers(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    Ok(list(state.directory().read(|d| {
        d.numbers(tenant).map(|n| number_view(d, n)).collect()
    })))
}

async fn acquire_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewNumber>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = parse_number(&body.phone_number)?;
    let number_type = parse_number_type(&body.number_type)?;
    exec(
        &state,
        vec![Command::AcquireNumber {
            tenant,
            number: number.clone(),
            number_type,
        }],
    )
    .await?;
    let view = number_response(&state, tenant, &number)?;
    Ok(created(
        &state,
        &format!("/tenants/{tenant}/phoneNumbers/{number}"),
        view,
    ))
}

async fn get_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let number = params.number()?;
    Ok(ok(number_response(&state, tenant, &number)?))
}

async fn release_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = params.number()?;
    exec(&state, vec![Command::ReleaseNumber { tenant, number }]).await?;
    Ok(no_content())
}

async fn get_assignment(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let number = params.number()?;
    number_response(&state, tenant, &number)?;
    let view = read_one(
        &state,
        || format!("{number} is not assigned to anyone."),
        |d| d.number(&number).and_then(|n| assignment_view(d, n)),
    )?;
    Ok(ok(view))
}

/// `Set-CsPhoneNumberAssignment -Identity … -PhoneNumber … -PhoneNumberType …`.
async fn assign_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<AssignmentBody>,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = params.number()?;
    let account = resolve_identity(&state, tenant, &body.identity)?;
    let number_type = match &body.phone_number_type {
        Some(raw) => parse_number_type(raw)?,
        // Absent: the type the number has in the inventory (the directory reports a missing number).
        None => state
            .directory()
            .read(|d| d.number(&number).map(|n| n.number_type))
            .unwrap_or(NumberType::CallingPlan),
    };
    let changes = exec(
        &state,
        vec![Command::AssignNumber {
            tenant,
            number: number.clone(),
            account,
            number_type,
        }],
    )
    .await?;
    let view = read_one(
        &state,
        || format!("{number} is not assigned to anyone."),
        |d| d.number(&number).and_then(|n| assignment_view(d, n)),
    )?;
    if changes.is_empty() {
        Ok(ok(view))
    } else {
        Ok(created(
            &state,
            &format!("/tenants/{tenant}/phoneNumbers/{number}/assignment"),
            view,
        ))
    }
}

/// `Remove-CsPhoneNumberAssignment`.
async fn unassign_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.tenant(&state)?;
    let number = params.number()?;
    exec(&state, vec![Command::UnassignNumber { tenant, number }]).await?;
    Ok(no_content())
}
