//! Schemas the graph-wire DTOs do not give: the error envelope every error response refers to, the
//! bodies handlers write as JSON without a DTO (audioRoutingGroup and contentSharingSession
//! collections, the logTeleconferenceDeviceQuality body), and `loop`, a playPrompt parameter the
//! handler reads from the raw body rather than from `PlayPromptRequest`.

use ringside_graph_wire::{AudioRoutingGroup, CommsNotifications, GraphError};
use serde_json::{json, Value};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr, Required};
use utoipa::ToSchema;

use super::operations_mut;

/// The hand-written body schemas that a `ref(...)` request body names (the macro cannot tell
/// that they are required).
const REQUIRED_BODIES: [&str; 1] = ["TeleconferenceDeviceQualityRequest"];

/// `T`'s schema and those it refers to.
fn with_references<T: ToSchema>() -> Vec<(String, RefOr<Schema>)> {
    let mut schemas = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut schemas);
    schemas
}

/// `{ "@odata.context", "value": [item] }`.
fn collection(item: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .description(Some(description))
        .property(
            "@odata.context",
            ObjectBuilder::new().schema_type(Type::String),
        )
        .property("value", ArrayBuilder::new().items(item))
        .required("value")
        .into()
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// The schemas to add to `components.schemas`.
pub(super) fn extra() -> Vec<(String, RefOr<Schema>)> {
    let mut schemas = with_references::<GraphError>();
    schemas.extend(with_references::<CommsNotifications>());
    schemas.extend(with_references::<AudioRoutingGroup>());
    schemas.push((
        "AudioRoutingGroupCollection".into(),
        collection(
            RefOr::Ref(Ref::from_schema_name(AudioRoutingGroup::name())),
            "The call's audio routing groups.",
        ),
    ));
    schemas.push((
        "ContentSharingSession".into(),
        ObjectBuilder::new()
            .description(Some(
                "A content sharing session (Ringside has none: it carries audio only).",
            ))
            .property("id", string())
            .into(),
    ));
    schemas.push((
        "ContentSharingSessionCollection".into(),
        collection(
            RefOr::Ref(Ref::from_schema_name("ContentSharingSession")),
            "The call's content sharing sessions (always empty).",
        ),
    ));
    let quality = ObjectBuilder::new()
        .description(Some(
            "`teleconferenceDeviceQuality`: validated (`callChainId` is required) and logged.",
        ))
        .property("callChainId", string())
        .property("participantId", string())
        .property("deviceName", string())
        .property(
            "mediaQualityList",
            ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::Object)),
        )
        .required("callChainId");
    schemas.push((
        "TeleconferenceDeviceQualityRequest".into(),
        ObjectBuilder::new()
            .description(Some(
                "The body of logTeleconferenceDeviceQuality; `quality` is matched in any letter case.",
            ))
            .property("quality", quality)
            .required("quality")
            .into(),
    ));
    schemas
}

/// Adds what handlers read beside their DTOs: playPrompt's `loop` (a boolean, in any letter case);
/// marks the request bodies of [`REQUIRED_BODIES`] required; documents an optional body
/// (`Option<T>` in the attribute) as a `T` that may be left out, not as a `T` or `null` (a `null`
/// body is refused).
pub(super) fn amend(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        for (_, operation) in operations_mut(item) {
            if let Some(body) = operation.request_body.as_mut() {
                if names_any(body, &REQUIRED_BODIES) {
                    body.required = Some(Required::True);
                }
                for content in body.content.values_mut() {
                    if let Some(schema) = content.schema.take() {
                        content.schema = Some(without_null(schema));
                    }
                }
            }
        }
    }
    let Some(components) = document.components.as_mut() else {
        return;
    };
    if let Some(RefOr::T(Schema::Object(play))) = components.schemas.get_mut("PlayPromptRequest") {
        play.properties.insert(
            "loop".into(),
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some(
                    "Repeat the prompts until cancelled (default false); read in any letter case.",
                ))
                .into(),
        );
    }
}

/// `oneOf: [null, T]` as `T`; any other schema as it is.
fn without_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    let RefOr::T(Schema::OneOf(one_of)) = &schema else {
        return schema;
    };
    let is_null = |item: &RefOr<Schema>| matches!(item, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    match one_of.items.as_slice() {
        [a, b] if is_null(a) => b.clone(),
        [a, b] if is_null(b) => a.clone(),
        _ => schema,
    }
}

/// Whether a request body's JSON schema refers to one of `names`.
fn names_any(body: &RequestBody, names: &[&str]) -> bool {
    body.content
        .get("application/json")
        .and_then(|content| content.schema.as_ref())
        .is_some_and(|schema| match schema {
            RefOr::Ref(reference) => names
                .iter()
                .any(|name| reference.ref_location == format!("#/components/schemas/{name}")),
            RefOr::T(_) => false,
        })
}

/// Describes the notifications POSTed to a bot's `callbackUri` as the webhook `commsNotifications`
/// (utoipa 5 has no webhooks, so it is added to the serialized document).
pub(super) fn add_webhooks(document: &mut Value) {
    let Some(root) = document.as_object_mut() else {
        return;
    };
    root.insert(
        "webhooks".into(),
        json!({
            "commsNotifications": {
                "post": {
                    "operationId": "commsNotifications",
                    "summary": "Call, participant and operation notifications POSTed to the bot's callbackUri",
                    "description": "Signed with a platform JWT in the Authorization header (see README); the bot answers 2xx.",
                    "security": [],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommsNotifications"}}}
                    },
                    "responses": {"202": {"description": "Received"}}
                }
            }
        }),
    );
}
