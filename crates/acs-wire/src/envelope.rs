//! The two event envelopes: CloudEvents 1.0 (Call Automation callbacks, and Event Grid deliveries
//! to CloudEvents-schema subscriptions) and the Event Grid schema. Both are generic over the
//! `data` they carry; [`EventData`] decides how `data` is read, given the event's type.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How an envelope reads its `data`, knowing the event's type.
pub trait EventData: Sized {
    /// Reads the `data` of an event of type `event_type` (`null` when the envelope has none).
    fn from_event(event_type: &str, data: Value) -> Result<Self, serde_json::Error>;
}

impl EventData for Value {
    fn from_event(_: &str, data: Value) -> Result<Self, serde_json::Error> {
        Ok(data)
    }
}

/// Implements [`EventData`] for typed data structs: the type is not checked, `data` is parsed.
macro_rules! plain_event_data {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::envelope::EventData for $ty {
            fn from_event(
                _: &str,
                data: ::serde_json::Value,
            ) -> Result<Self, ::serde_json::Error> {
                ::serde_json::from_value(data)
            }
        }
    )+};
}
pub(crate) use plain_event_data;

/// The media type of every event's data.
pub const JSON: &str = "application/json";

/// A CloudEvents 1.0 event. `id`, `source`, `type` and `specversion` are required on input;
/// absent `data` reads as `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudEvent<D = Value> {
    /// Unique per event.
    pub id: String,
    /// `calling/callConnections/<id>` for callbacks, the resource's ARM id for Event Grid.
    pub source: String,
    /// `Microsoft.Communication.<Name>`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `1.0`.
    pub specversion: String,
    /// Same as `source` for callbacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `application/json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacontenttype: Option<String>,
    /// The event's data.
    pub data: D,
}

impl<D> CloudEvent<D> {
    /// An event with `specversion` 1.0, `datacontenttype` application/json, and `subject`.
    pub fn new(
        id: &str,
        source: &str,
        subject: &str,
        event_type: &str,
        time: &str,
        data: D,
    ) -> Self {
        CloudEvent {
            id: id.to_owned(),
            source: source.to_owned(),
            event_type: event_type.to_owned(),
            specversion: "1.0".to_owned(),
            subject: Some(subject.to_owned()),
            time: Some(time.to_owned()),
            datacontenttype: Some(JSON.to_owned()),
            data,
        }
    }
}

impl<'de, D: EventData> Deserialize<'de> for CloudEvent<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        #[derive(Deserialize)]
        struct Raw {
            id: String,
            source: String,
            #[serde(rename = "type")]
            event_type: String,
            specversion: String,
            #[serde(default)]
            subject: Option<String>,
            #[serde(default)]
            time: Option<String>,
            #[serde(default)]
            datacontenttype: Option<String>,
            #[serde(default)]
            data: Value,
        }
        let raw = Raw::deserialize(d)?;
        let data = D::from_event(&raw.event_type, raw.data).map_err(de::Error::custom)?;
        Ok(CloudEvent {
            id: raw.id,
            source: raw.source,
            event_type: raw.event_type,
            specversion: raw.specversion,
            subject: raw.subject,
            time: raw.time,
            datacontenttype: raw.datacontenttype,
            data,
        })
    }
}

/// An event in the Event Grid schema. `id`, `subject`, `eventType`, `eventTime` and `dataVersion`
/// are required on input; absent `data` reads as `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventGridEvent<D = Value> {
    /// Unique per event.
    pub id: String,
    /// The ACS resource's ARM id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// `/caller/<rawId>/recipient/<rawId>`, `/recording/call/…`, or `""`.
    pub subject: String,
    /// The event's data.
    pub data: D,
    /// `Microsoft.Communication.<Name>` or `Microsoft.EventGrid.SubscriptionValidationEvent`.
    pub event_type: String,
    /// `1.0` (`1` for validation).
    pub data_version: String,
    /// `1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_version: Option<String>,
    /// RFC 3339.
    pub event_time: String,
}

impl<D> EventGridEvent<D> {
    /// An event with `dataVersion` 1.0 and `metadataVersion` 1, as the door delivers them.
    pub fn new(
        id: &str,
        topic: &str,
        subject: &str,
        event_type: &str,
        time: &str,
        data: D,
    ) -> Self {
        EventGridEvent {
            id: id.to_owned(),
            topic: Some(topic.to_owned()),
            subject: subject.to_owned(),
            data,
            event_type: event_type.to_owned(),
            data_version: "1.0".to_owned(),
            metadata_version: Some("1".to_owned()),
            event_time: time.to_owned(),
        }
    }
}

impl<'de, D: EventData> Deserialize<'de> for EventGridEvent<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            id: String,
            #[serde(default)]
            topic: Option<String>,
            subject: String,
            #[serde(default)]
            data: Value,
            event_type: String,
            data_version: String,
            #[serde(default)]
            metadata_version: Option<String>,
            event_time: String,
        }
        let raw = Raw::deserialize(d)?;
        let data = D::from_event(&raw.event_type, raw.data).map_err(de::Error::custom)?;
        Ok(EventGridEvent {
            id: raw.id,
            topic: raw.topic,
            subject: raw.subject,
            data,
            event_type: raw.event_type,
            data_version: raw.data_version,
            metadata_version: raw.metadata_version,
            event_time: raw.event_time,
        })
    }
}

/// The data of an event whose type this crate does not know (or whose data did not fit the
/// type): the type as given and the data kept raw. Serializes as the data alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherEvent {
    /// The envelope's type.
    pub event_type: String,
    /// The data as received.
    pub data: Value,
}

impl Serialize for OtherEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(s)
    }
}

/// The name after `prefix` when `event_type` starts with it (any letter case).
pub(crate) fn short_name<'a>(event_type: &'a str, prefix: &str) -> Option<&'a str> {
    let head = event_type.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &event_type[prefix.len()..])
}

/// The ARM id Event Grid uses as `topic` (and CloudEvents `source`) for an ACS resource.
pub fn acs_topic(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Communication/communicationServices/{name}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_ignore_prefix_case() {
        assert_eq!(
            short_name(
                "microsoft.communication.PlayCompleted",
                "Microsoft.Communication."
            ),
            Some("PlayCompleted")
        );
        assert_eq!(
            short_name("Other.PlayCompleted", "Microsoft.Communication."),
            None
        );
        assert_eq!(short_name("é", "ab"), None, "no panic on a char boundary");
    }
}
