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

use super::exec::{directory_error, exec, read_one};
use super::extract::{acs_id, Params};
use super::parse::clip;
use super::reply::{created, iso, list, no_content, ok};
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

/// `advancedFilters[]`: only `StringIn` on `data.to.rawId` (the filter ACS docs show for IncomingCall).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvancedFilter {
    operator_type: String,
    key: String,
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewEventSubscription {
    name: String,
    endpoint: String,
    included_event_types: Vec<String>,
    event_delivery_schema: Option<String>,
    #[serde(default)]
    advanced_filters: Vec<AdvancedFilter>,
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
                .map(|r| ringside_door_acs::topic(&r.tenant.to_string(), "ringside", &r.name))
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
    let event = ringside_door_acs::eventgrid::validation_event(
        &state.new_guid().to_string(),
        topic,
        &iso(now),
        &code,
        &validation_url,
    );
    let eg_schema = match schema {
        EventDeliverySchema::EventGrid => ringside_door_acs::eventgrid::EventSchema::EventGrid,
        EventDeliverySchema::CloudEvents => ringside_door_acs::eventgrid::EventSchema::CloudEvents,
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(ApiError::internal)?;
    ringside_door_acs::eventgrid::validate_webhook(
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
