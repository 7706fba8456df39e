//! Event Grid subscriptions of an ACS resource:
//! `GET/POST /acsResources/{acsResourceId}/eventSubscriptions` and `GET/DELETE …/{name}`. Creating
//! one runs the webhook validation handshake of its delivery schema before it is stored.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ringside_directory::{Command, EventDeliverySchema, EventSubscription};
use ringside_model::AcsResourceId;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::exec::{directory_error, exec, read_one};
use super::extract::{acs_id, Params};
use super::parse::clip;
use super::reply::{created, iso, list, no_content, ok};
use crate::api_doc::{
    json_schema, list_schema, Conflict, ErrorSchema, Invalid, NotFound, PreconditionFailed,
    TooLarge, Unauthorized,
};
use crate::state::{Admin, PlatformState, PREFIX};
use ringside_http::{ApiError, WireJson};

/// This resource's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/acsResources/{acsResourceId}/eventSubscriptions",
            get(list_event_subscriptions).post(create_event_subscription),
        )
        .route(
            "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
            get(get_event_subscription).delete(delete_event_subscription),
        )
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_event_subscriptions,
        create_event_subscription,
        get_event_subscription,
        delete_event_subscription
    ),
    components(schemas(EventSubscriptionSchema, NewEventSubscription))
)]
pub(super) struct Api;

/// `advancedFilters[]`: only `StringIn` on `data.to.rawId` (the filter ACS docs show for IncomingCall).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvancedFilter {
    operator_type: String,
    key: String,
    values: Vec<String>,
}

/// `POST /acsResources/{acsResourceId}/eventSubscriptions` (Event Grid's shape).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewEventSubscription {
    #[schema(pattern = "^[A-Za-z0-9-]{3,64}$")]
    name: String,
    /// https webhook (http only on loopback).
    #[schema(format = "uri")]
    endpoint: String,
    #[schema(schema_with = event_types)]
    included_event_types: Vec<String>,
    #[schema(schema_with = delivery_schema_names, required = false)]
    event_delivery_schema: Option<String>,
    #[serde(default)]
    #[schema(schema_with = advanced_filters)]
    advanced_filters: Vec<AdvancedFilter>,
}

/// `includedEventTypes`.
fn event_types() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(json!({
        "type": "array",
        "items": {
            "type": "string",
            "enum": [
                "Microsoft.Communication.IncomingCall",
                "Microsoft.Communication.RecordingFileStatusUpdated"
            ]
        },
        "minItems": 1
    }))
}

/// `eventDeliverySchema`.
fn delivery_schema_names() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(json!({
        "type": "string",
        "enum": ["EventGridSchema", "CloudEventSchemaV1_0"],
        "default": "EventGridSchema"
    }))
}

/// `advancedFilters`: `StringIn` on `data.to.rawId` only.
fn advanced_filters() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::api_doc::from_json(json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["operatorType", "key", "values"],
            "properties": {
                "operatorType": { "type": "string", "enum": ["StringIn"] },
                "key": { "type": "string", "enum": ["data.to.rawId"] },
                "values": {
                    "type": "array",
                    "items": { "type": "string" },
                    "examples": [["28:orgid:cc123456-5678-5678-1234-ccc123456789"]]
                }
            }
        }
    }))
}

fn event_subscription_view(s: &EventSubscription) -> Value {
    let filters: Vec<Value> = if s.to_raw_ids.is_empty() {
        Vec::new()
    } else {
        vec![json!({ "operatorType": "StringIn", "key": "data.to.rawId", "values": s.to_raw_ids })]
    };
    json!({
        "id": s.id.to_string(),
        "acsResourceId": s.resource.to_string(),
        "name": s.name,
        "endpoint": s.endpoint,
        "includedEventTypes": s.event_types,
        "eventDeliverySchema": s.schema.as_str(),
        "advancedFilters": filters,
        "provisioningState": "Succeeded",
        "createdAt": iso(s.created_at),
    })
}

#[utoipa::path(
    get,
    path = "/acsResources/{acsResourceId}/eventSubscriptions",
    operation_id = "listEventSubscriptions",
    tags = ["ACS resources"],
    summary = "List an ACS resource's Event Grid subscriptions.",
    params(
        ("acsResourceId" = String, Path, format = "uuid", description = "ACS resource id.")
    ),
    responses(
        (status = 200, description = "Event subscriptions.", body = inline(EventSubscriptionListSchema)),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn list_event_subscriptions(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    let items = read_one(
        &state,
        || format!("ACS resource {id} does not exist."),
        |d| {
            d.acs_resource(id)?;
            Some(
                d.event_subscriptions(id)
                    .map(event_subscription_view)
                    .collect(),
            )
        },
    )?;
    Ok(list(items))
}

#[utoipa::path(
    get,
    path = "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
    operation_id = "getEventSubscription",
    tags = ["ACS resources"],
    summary = "Read one event subscription.",
    params(
        ("acsResourceId" = String, Path, format = "uuid", description = "ACS resource id."),
        ("name" = String, Path, description = "Event subscription name (case-insensitive).")
    ),
    responses(
        (status = 200, description = "The subscription.", body = EventSubscriptionSchema),
        (status = 400, response = inline(Invalid)),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound))
    )
)]
async fn get_event_subscription(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = acs_id(&params)?;
    let name = params.raw("name")?.to_string();
    let view = read_one(
        &state,
        || {
            format!(
                "ACS resource {id} has no event subscription named '{}'.",
                clip(&name)
            )
        },
        |d| d.event_subscription(id, &name).map(event_subscription_view),
    )?;
    Ok(ok(view))
}

/// Plans the subscription (so bad input fails before any request leaves), runs the webhook
/// validation handshake of its schema, then stores it.
#[utoipa::path(
    post,
    path = "/acsResources/{acsResourceId}/eventSubscriptions",
    operation_id = "createEventSubscription",
    tags = ["ACS resources"],
    summary = "Subscribe a webhook to the ACS resource's events (IncomingCall, RecordingFileStatusUpdated). The webhook must pass Event Grid's validation handshake first: for EventGridSchema it receives a SubscriptionValidationEvent and must answer 200 with {\"validationResponse\": code}; for CloudEventSchemaV1_0 it receives an OPTIONS request with WebHook-Request-Origin and must echo it in WebHook-Allowed-Origin.",
    params(
        ("acsResourceId" = String, Path, format = "uuid", description = "ACS resource id.")
    ),
    request_body = NewEventSubscription,
    responses(
        (
            status = 201,
            description = "Created (the webhook validated).",
            body = EventSubscriptionSchema,
            links(
                ("GetEventSubscription" = (operation_id = "getEventSubscription", parameters(("acsResourceId" = "$response.body#/acsResourceId"), ("name" = "$response.body#/name")))),
                ("DeleteEventSubscription" = (operation_id = "deleteEventSubscription", parameters(("acsResourceId" = "$response.body#/acsResourceId"), ("name" = "$response.body#/name"))))
            )
        ),
        (status = 400, description = "Invalid input, or the webhook did not validate.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, response = inline(NotFound)),
        (status = 409, description = "A subscription with this name exists.", body = ErrorSchema),
        (status = 412, response = inline(PreconditionFailed)),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn create_event_subscription(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    WireJson(body): WireJson<NewEventSubscription>,
) -> Result<Response, ApiError> {
    let resource = acs_id(&params)?;
    let schema = delivery_schema(body.event_delivery_schema.as_deref())?;
    let to_raw_ids = to_raw_ids(&body.advanced_filters)?;
    let command = Command::CreateEventSubscription {
        id: state.new_guid(),
        resource,
        name: body.name.clone(),
        endpoint: body.endpoint.clone(),
        event_types: body.included_event_types.iter().cloned().collect(),
        schema,
        to_raw_ids,
    };
    let now = state.now();
    let (planned, topic) = state.directory().read(|d| {
        (
            d.plan(now, &command),
            d.acs_resource(resource)
                .map(|r| {
                    ringside_runtime::eventgrid::topic(&r.tenant.to_string(), "ringside", &r.name)
                })
                .unwrap_or_default(),
        )
    });
    planned.map_err(directory_error)?;
    handshake(&state, resource, &topic, now, schema, &body).await?;
    exec(&state, vec![command]).await?;
    let name = body.name;
    let view = read_one(
        &state,
        || format!("ACS resource {resource} has no event subscription named '{name}'."),
        |d| {
            d.event_subscription(resource, &name)
                .map(event_subscription_view)
        },
    )?;
    Ok(created(
        &state,
        &format!("/acsResources/{resource}/eventSubscriptions/{name}"),
        view,
    ))
}

/// `eventDeliverySchema`: Event Grid's when absent.
fn delivery_schema(text: Option<&str>) -> Result<EventDeliverySchema, ApiError> {
    match text {
        None => Ok(EventDeliverySchema::EventGrid),
        Some(text) => EventDeliverySchema::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid eventDeliverySchema '{}': expected EventGridSchema or CloudEventSchemaV1_0.",
                clip(text)
            ))
        }),
    }
}

/// The raw ids that `advancedFilters` admit (any, when empty).
fn to_raw_ids(filters: &[AdvancedFilter]) -> Result<BTreeSet<String>, ApiError> {
    let mut to_raw_ids = BTreeSet::new();
    for filter in filters {
        if !filter.operator_type.eq_ignore_ascii_case("StringIn")
            || !filter.key.eq_ignore_ascii_case("data.to.rawId")
        {
            return Err(ApiError::bad_request(format!(
                "Unsupported advanced filter {} on '{}': only StringIn on data.to.rawId is supported.",
                clip(&filter.operator_type),
                clip(&filter.key)
            )));
        }
        to_raw_ids.extend(filter.values.iter().cloned());
    }
    Ok(to_raw_ids)
}

/// Event Grid's webhook validation handshake with the subscription's endpoint (400 when it fails).
async fn handshake(
    state: &PlatformState,
    resource: AcsResourceId,
    topic: &str,
    now: i64,
    schema: EventDeliverySchema,
    body: &NewEventSubscription,
) -> Result<(), ApiError> {
    let code = state.new_guid().to_string();
    let validation_url = format!(
        "{}{PREFIX}/acsResources/{resource}/eventSubscriptions/{}",
        state.base_url(),
        body.name
    );
    let event = ringside_runtime::eventgrid::validation_event(
        &state.new_guid().to_string(),
        topic,
        &iso(now),
        &code,
        &validation_url,
    );
    let eg_schema = match schema {
        EventDeliverySchema::EventGrid => ringside_runtime::eventgrid::EventSchema::EventGrid,
        EventDeliverySchema::CloudEvents => ringside_runtime::eventgrid::EventSchema::CloudEvents,
    };
    // The same rule as deliveries (the outbox): a loopback webhook may present any certificate
    // (a service on the developer's machine); others are verified.
    let loopback = reqwest::Url::parse(&body.endpoint)
        .is_ok_and(|url| ringside_runtime::outbox::is_loopback(&url));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(loopback)
        .build()
        .map_err(ApiError::internal)?;
    ringside_runtime::eventgrid::validate_webhook(
        &http,
        &body.endpoint,
        eg_schema,
        &body.name,
        &event,
        &code,
    )
    .await
    .map_err(|e| {
        ApiError::bad_request(format!(
            "Webhook validation handshake failed for {}: {e}.",
            clip(&body.endpoint)
        ))
    })
}

#[utoipa::path(
    delete,
    path = "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
    operation_id = "deleteEventSubscription",
    tags = ["ACS resources"],
    summary = "Delete an event subscription.",
    params(
        ("acsResourceId" = String, Path, format = "uuid", description = "ACS resource id."),
        ("name" = String, Path, description = "Event subscription name (case-insensitive).")
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
async fn delete_event_subscription(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let resource = acs_id(&params)?;
    let name = params.raw("name")?.to_string();
    exec(
        &state,
        vec![Command::DeleteEventSubscription { resource, name }],
    )
    .await?;
    Ok(no_content())
}

json_schema!(
    /// The `EventSubscription` component.
    EventSubscriptionSchema as "EventSubscription" = {
        "type": "object",
        "required": [
            "id",
            "acsResourceId",
            "name",
            "endpoint",
            "includedEventTypes",
            "eventDeliverySchema",
            "advancedFilters",
            "provisioningState",
            "createdAt"
        ],
        "properties": {
            "id": {
                "type": "string",
                "format": "uuid"
            },
            "acsResourceId": {
                "type": "string",
                "format": "uuid"
            },
            "name": {
                "type": "string"
            },
            "endpoint": {
                "type": "string",
                "format": "uri"
            },
            "includedEventTypes": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": [
                        "Microsoft.Communication.IncomingCall",
                        "Microsoft.Communication.RecordingFileStatusUpdated"
                    ]
                },
                "minItems": 1
            },
            "eventDeliverySchema": {
                "type": "string",
                "enum": [
                    "EventGridSchema",
                    "CloudEventSchemaV1_0"
                ]
            },
            "advancedFilters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "operatorType",
                        "key",
                        "values"
                    ],
                    "properties": {
                        "operatorType": {
                            "type": "string",
                            "enum": [
                                "StringIn"
                            ]
                        },
                        "key": {
                            "type": "string",
                            "enum": [
                                "data.to.rawId"
                            ]
                        },
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "string"
                            },
                            "examples": [
                                [
                                    "28:orgid:cc123456-5678-5678-1234-ccc123456789"
                                ]
                            ]
                        }
                    }
                }
            },
            "provisioningState": {
                "type": "string",
                "enum": [
                    "Succeeded"
                ]
            },
            "createdAt": {
                "type": "string",
                "format": "date-time"
            }
        }
    }
);

list_schema!(
    /// A list of `EventSubscription`s in the `value` envelope.
    EventSubscriptionListSchema of EventSubscriptionSchema
);
