//! Notifications POSTed to the bot's callback: the `commsNotifications` envelope, each
//! `commsNotification`, and its `resourceData` (one entity or an array).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::call::Call;
use crate::enums::ChangeType;
use crate::odata::{odata_kind, short_type_name, AdditionalData, ODataType};
use crate::operation::CommsOperation;
use crate::participant::Participant;

/// `commsNotifications`: the POST body (`@odata.type` sometimes omitted by Graph; always emitted here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommsNotifications {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<CommsNotifications>))]
    pub odata_type: ODataType<CommsNotifications>,
    /// The notifications, in order.
    #[serde(default)]
    pub value: Vec<CommsNotification>,
}
odata_kind!(CommsNotifications, "commsNotifications");

/// `commsNotification` (Open). The legacy format's `subscriptionId` and friends land in `additional`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CommsNotification {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<CommsNotification>))]
    pub odata_type: ODataType<CommsNotification>,
    /// created / updated / deleted (any case on input, lowercase on output).
    pub change_type: ChangeType,
    /// `/communications/calls/{id}[/participants | /operations/{opId} | /contentsharingsessions]` (NN;
    /// absent in the legacy format).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_url: Option<String>,
    /// Legacy duplicate, `/app/calls/{id}…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Sometimes present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    /// The changed resource(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_data: Option<ResourceData>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}
odata_kind!(CommsNotification, "commsNotification");

impl CommsNotification {
    /// A notification with the `/app/…` legacy `resource` derived from `resource_url`.
    pub fn new(
        change_type: ChangeType,
        resource_url: impl Into<String>,
        data: ResourceData,
    ) -> Self {
        let resource_url = resource_url.into();
        let resource = legacy_resource(&resource_url);
        CommsNotification {
            odata_type: ODataType::new(),
            change_type,
            resource_url: Some(resource_url),
            resource,
            callback_uri: None,
            resource_data: Some(data),
            additional: AdditionalData::new(),
        }
    }
}

/// `/communications/calls/…` → `/app/calls/…` (the legacy `resource` value); None for other paths.
pub fn legacy_resource(resource_url: &str) -> Option<String> {
    let trimmed = resource_url.strip_prefix('/').unwrap_or(resource_url);
    trimmed
        .strip_prefix("communications/")
        .map(|rest| format!("/app/{rest}"))
}

/// `resourceData`: one entity or an array, serialized as-is (untagged).
///
/// Reading dispatches on `@odata.type` like an untagged enum would, but predictably: an array is a
/// roster (`participant[]`) if every element parses as a participant; an object typed `call` (or untyped)
/// is a call, typed `participant` a participant, typed `…Operation` a commsOperation. Anything else — or
/// a typed parse that fails — is kept as raw JSON in [`ResourceData::Other`], so one odd notification
/// never makes the envelope unreadable.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ResourceData {
    /// A call.
    Call(Box<Call>),
    /// A roster.
    Participants(Vec<Participant>),
    /// One participant.
    Participant(Box<Participant>),
    /// An operation.
    Operation(Box<CommsOperation>),
    /// Anything else (contentSharingSession arrays, future types), verbatim.
    Other(Value),
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ResourceData {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::odata::schema::{any_of, reference};
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};
        any_of(
            [
                reference::<Call>(),
                ArrayBuilder::new().items(reference::<Participant>()).into(),
                reference::<Participant>(),
                reference::<CommsOperation>(),
                ObjectBuilder::new()
                    .description(Some("Anything else, verbatim"))
                    .into(),
            ],
            "`resourceData`: a call, a roster, a participant, an operation, or other JSON.",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ResourceData {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::odata::schema::collect;
        collect::<Call>(schemas);
        collect::<Participant>(schemas);
        collect::<CommsOperation>(schemas);
    }
}

impl<'de> Deserialize<'de> for ResourceData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(match &value {
            Value::Array(_) => match serde_json::from_value(value.clone()) {
                Ok(list) => ResourceData::Participants(list),
                Err(_) => ResourceData::Other(value),
            },
            Value::Object(map) => {
                let ty = match map.get("@odata.type") {
                    Some(Value::String(s)) => Some(short_type_name(s)),
                    None | Some(Value::Null) => None,
                    Some(_) => return Ok(ResourceData::Other(value)),
                };
                let typed = match ty.as_deref() {
                    None | Some("call") => serde_json::from_value(value.clone())
                        .map(|c| ResourceData::Call(Box::new(c))),
                    Some("participant") => serde_json::from_value(value.clone())
                        .map(|p| ResourceData::Participant(Box::new(p))),
                    Some(t) if t.ends_with("operation") => serde_json::from_value(value.clone())
                        .map(|o| ResourceData::Operation(Box::new(o))),
                    Some(_) => return Ok(ResourceData::Other(value)),
                };
                typed.unwrap_or(ResourceData::Other(value))
            }
            _ => ResourceData::Other(value),
        })
    }
}

impl ResourceData {
    /// The call, if this is one.
    pub fn as_call(&self) -> Option<&Call> {
        match self {
            ResourceData::Call(c) => Some(c),
            _ => None,
        }
    }

    /// The roster, if this is one.
    pub fn as_participants(&self) -> Option<&[Participant]> {
        match self {
            ResourceData::Participants(p) => Some(p),
            _ => None,
        }
    }

    /// The operation, if this is one.
    pub fn as_operation(&self) -> Option<&CommsOperation> {
        match self {
            ResourceData::Operation(o) => Some(o),
            _ => None,
        }
    }
}
