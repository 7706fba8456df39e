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
use utoipa::ToSchema;

use super::exec::{exec, read_one};
use super::extract::{resolve_identity, Params};
use super::parse::{parse_number, parse_number_type};
use super::reply::{created, iso, list, no_content, ok};
use crate::api_doc::{
    e164, json_schema, list_schema, number_type, Conflict, Invalid, NotFound, PreconditionFailed,
    TooLarge, Unauthorized, UrlSchema,
};
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

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_numbers,
        acquire_number,
        get_number,
        release_number,
        get_assignment,
        assign_number,
        unassign_number
    ),
    components(schemas(PhoneNumberSchema, AssignmentSchema, NewNumber, AssignmentBody))
)]
pub(super) struct Api;

/// `POST /tenants/{tenantId}/phoneNumbers`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewPhoneNumber)]
struct NewNumber {
    #[schema(schema_with = e164)]
    phone_number: String,
    #[schema(schema_with = number_type)]
    number_type: String,
}

/// `POST …/phoneNumbers/{number}/assignment`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct AssignmentBody {
    /// Object id (GUID) or user principal name of a user or application instance.
    identity: String,
    #[schema(schema_with = number_type, required = false)]
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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/phoneNumbers",
    operation_id = "listPhoneNumbers",
    tags = ["phone numbers"],
    summary = "The tenant's number inventory (Get-CsPhoneNumberAssignment).",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    responses(
        (status = 200, description = "Numbers.", body = inline(PhoneNumberListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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

#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/phoneNumbers",
    operation_id = "acquirePhoneNumber",
    tags = ["phone numbers"],
    summary = "Acquire a number into the tenant's inventory. Numbers are globally unique.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain.")
    ),
    request_body = NewNumber,
    responses(
        (
            status = 201,
            description = "Acquired.",
            body = PhoneNumberSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetPhoneNumber" = (operation_id = "getPhoneNumberAssignment", parameters(("tenantId" = "$response.body#/tenantId"), ("number" = "$response.body#/telephoneNumber")))),
                ("ReleasePhoneNumber" = (operation_id = "releasePhoneNumber", parameters(("tenantId" = "$response.body#/tenantId"), ("number" = "$response.body#/telephoneNumber")))),
                ("GetAssignment" = (operation_id = "getAssignment", parameters(("tenantId" = "$response.body#/tenantId"), ("number" = "$response.body#/telephoneNumber")))),
                ("SetPhoneNumberAssignment" = (operation_id = "setPhoneNumberAssignment", parameters(("tenantId" = "$response.body#/tenantId"), ("number" = "$response.body#/telephoneNumber")))),
                ("RemovePhoneNumberAssignment" = (operation_id = "removePhoneNumberAssignment", parameters(("tenantId" = "$response.body#/tenantId"), ("number" = "$response.body#/telephoneNumber"))))
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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/phoneNumbers/{number}",
    operation_id = "getPhoneNumberAssignment",
    tags = ["phone numbers"],
    summary = "Get-CsPhoneNumberAssignment -TelephoneNumber.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("number" = String, Path, pattern = "^(\\+|%2[bB])[1-9][0-9]{7,14}$", description = "E.164 number; the leading '+' may be URL-encoded as %2B.")
    ),
    responses(
        (status = 200, description = "The number.", body = PhoneNumberSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_number(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let tenant = params.existing_tenant(&state)?;
    let number = params.number()?;
    Ok(ok(number_response(&state, tenant, &number)?))
}

#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/phoneNumbers/{number}",
    operation_id = "releasePhoneNumber",
    tags = ["phone numbers"],
    summary = "Release an unassigned number from the inventory.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("number" = String, Path, pattern = "^(\\+|%2[bB])[1-9][0-9]{7,14}$", description = "E.164 number; the leading '+' may be URL-encoded as %2B.")
    ),
    responses(
        (status = 204, description = "Released."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
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

#[utoipa::path(
    get,
    path = "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    operation_id = "getAssignment",
    tags = ["phone numbers"],
    summary = "Who holds the number.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("number" = String, Path, pattern = "^(\\+|%2[bB])[1-9][0-9]{7,14}$", description = "E.164 number; the leading '+' may be URL-encoded as %2B.")
    ),
    responses(
        (status = 200, description = "The assignment.", body = AssignmentSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
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
#[utoipa::path(
    post,
    path = "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    operation_id = "setPhoneNumberAssignment",
    tags = ["phone numbers"],
    summary = "Set-CsPhoneNumberAssignment. One number has one owner; one account has at most one number; the account needs its telephony licence.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("number" = String, Path, pattern = "^(\\+|%2[bB])[1-9][0-9]{7,14}$", description = "E.164 number; the leading '+' may be URL-encoded as %2B.")
    ),
    request_body = AssignmentBody,
    responses(
        (status = 200, description = "Already assigned to this account.", body = AssignmentSchema),
        (status = 201, description = "Assigned.", body = AssignmentSchema, headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource."))),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
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
#[utoipa::path(
    delete,
    path = "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    operation_id = "removePhoneNumberAssignment",
    tags = ["phone numbers"],
    summary = "Remove-CsPhoneNumberAssignment.",
    params(
        ("tenantId" = String, Path, description = "Tenant id (GUID) or the tenant's domain."),
        ("number" = String, Path, pattern = "^(\\+|%2[bB])[1-9][0-9]{7,14}$", description = "E.164 number; the leading '+' may be URL-encoded as %2B.")
    ),
    responses(
        (status = 204, description = "Unassigned."),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, response = inline(Conflict)),
        (status = 412, response = inline(PreconditionFailed))
    )
)]
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

json_schema!(
    /// The `PhoneNumber` component.
    PhoneNumberSchema as "PhoneNumber" = {
        "type": "object",
        "properties": {
            "telephoneNumber": {
                "type": "string",
                "pattern": "^\\+[1-9][0-9]{7,14}$",
                "examples": [
                    "+14255550100"
                ]
            },
            "numberType": {
                "type": "string",
                "enum": [
                    "CallingPlan",
                    "DirectRouting",
                    "OperatorConnect"
                ],
                "description": "Matched case-insensitively."
            },
            "tenantId": {
                "type": "string",
                "format": "uuid"
            },
            "assignedPstnTargetId": {
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
            "assignedPstnTargetUpn": {
                "oneOf": [
                    {
                        "type": "string"
                    },
                    {
                        "type": "null"
                    }
                ]
            },
            "assignmentCategory": {
                "oneOf": [
                    {
                        "type": "string",
                        "enum": [
                            "Primary"
                        ]
                    },
                    {
                        "type": "null"
                    }
                ]
            },
            "pstnAssignmentStatus": {
                "type": "string",
                "enum": [
                    "Unassigned",
                    "UserAssigned",
                    "VoiceApplicationAssigned"
                ]
            },
            "activationState": {
                "type": "string",
                "enum": [
                    "Activated"
                ]
            },
            "capability": {
                "type": "array",
                "items": {
                    "type": "string"
                }
            },
            "numberSource": {
                "type": "string",
                "enum": [
                    "Online",
                    "OnPremises"
                ]
            },
            "isoCountryCode": {
                "oneOf": [
                    {
                        "type": "string"
                    },
                    {
                        "type": "null"
                    }
                ]
            },
            "acquiredDateTime": {
                "type": "string",
                "format": "date-time"
            }
        },
        "required": [
            "telephoneNumber",
            "numberType",
            "tenantId",
            "assignedPstnTargetId",
            "pstnAssignmentStatus",
            "activationState",
            "capability"
        ]
    }
);

json_schema!(
    /// The `Assignment` component.
    AssignmentSchema as "Assignment" = {
        "type": "object",
        "properties": {
            "telephoneNumber": {
                "type": "string",
                "pattern": "^\\+[1-9][0-9]{7,14}$",
                "examples": [
                    "+14255550100"
                ]
            },
            "phoneNumberType": {
                "type": "string",
                "enum": [
                    "CallingPlan",
                    "DirectRouting",
                    "OperatorConnect"
                ],
                "description": "Matched case-insensitively."
            },
            "identity": {
                "type": "string",
                "format": "uuid"
            },
            "userPrincipalName": {
                "type": "string"
            },
            "accountType": {
                "type": "string",
                "enum": [
                    "user",
                    "applicationInstance"
                ]
            }
        },
        "required": [
            "telephoneNumber",
            "phoneNumberType",
            "identity",
            "userPrincipalName",
            "accountType"
        ]
    }
);

list_schema!(
    /// A list of `PhoneNumber`s in the `value` envelope.
    PhoneNumberListSchema of PhoneNumberSchema
);
