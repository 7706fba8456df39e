//! Event Grid system events of an ACS resource (digest §5): `Microsoft.Communication.IncomingCall`,
//! `Microsoft.Communication.RecordingFileStatusUpdated` (its data is in `recording.rs`), the
//! subscription validation event and its answer, and [`AcsEventGridData`], which picks the data
//! struct by event type for either envelope.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::envelope::{plain_event_data, EventData, OtherEvent};
use crate::identifier::CommunicationIdentifierModel;
use crate::models::CustomContext;
use crate::recording::RecordingFileStatusUpdatedEventData;

/// `Microsoft.Communication.IncomingCall`.
pub const INCOMING_CALL: &str = "Microsoft.Communication.IncomingCall";
/// `Microsoft.Communication.RecordingFileStatusUpdated`.
pub const RECORDING_FILE_STATUS_UPDATED: &str =
    "Microsoft.Communication.RecordingFileStatusUpdated";
/// `Microsoft.EventGrid.SubscriptionValidationEvent`.
pub const SUBSCRIPTION_VALIDATION: &str = "Microsoft.EventGrid.SubscriptionValidationEvent";

/// `data` of IncomingCall. The door writes every member but `onBehalfOfCallee`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCallEventData {
    /// The callee (required).
    pub to: CommunicationIdentifierModel,
    /// The caller (required).
    pub from: CommunicationIdentifierModel,
    /// The call's server id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The caller's name (the door: the number for PSTN, `""` when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_display_name: Option<String>,
    /// SIP/VoIP headers (always written, maps possibly empty).
    #[serde(default)]
    pub custom_context: CustomContext,
    /// The token answer/reject/redirect take back (required).
    pub incoming_call_context: String,
    /// The call's correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Whom the call is for when the callee acts on someone's behalf.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_behalf_of_callee: Option<CommunicationIdentifierModel>,
}

impl IncomingCallEventData {
    /// The event's subject: `/caller/<from rawId>/recipient/<to rawId>`.
    pub fn subject(&self) -> String {
        let raw = |i: &CommunicationIdentifierModel| i.raw_id.clone().unwrap_or_default();
        format!("/caller/{}/recipient/{}", raw(&self.from), raw(&self.to))
    }
}

/// `data` of the subscription validation event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionValidationEventData {
    /// Echo this in [`SubscriptionValidationResponse`] (required).
    pub validation_code: String,
    /// Or GET this URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_url: Option<String>,
}

/// The webhook's 200 answer to the validation event (`ValidationResponse` accepted on input).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionValidationResponse {
    /// The validation code.
    #[serde(alias = "ValidationResponse")]
    pub validation_response: String,
}

/// The `data` of an ACS Event Grid event, by event type (Event Grid or CloudEvents envelope).
// One event at a time; boxing the large variant would only make building it noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AcsEventGridData {
    /// `Microsoft.Communication.IncomingCall`.
    IncomingCall(IncomingCallEventData),
    /// `Microsoft.Communication.RecordingFileStatusUpdated`.
    RecordingFileStatusUpdated(RecordingFileStatusUpdatedEventData),
    /// `Microsoft.EventGrid.SubscriptionValidationEvent`.
    SubscriptionValidation(SubscriptionValidationEventData),
    /// Any other type, or data that does not fit its type.
    Other(OtherEvent),
}

impl AcsEventGridData {
    /// The full event type.
    pub fn event_type(&self) -> &str {
        match self {
            AcsEventGridData::IncomingCall(_) => INCOMING_CALL,
            AcsEventGridData::RecordingFileStatusUpdated(_) => RECORDING_FILE_STATUS_UPDATED,
            AcsEventGridData::SubscriptionValidation(_) => SUBSCRIPTION_VALIDATION,
            AcsEventGridData::Other(other) => &other.event_type,
        }
    }
}

impl EventData for AcsEventGridData {
    fn from_event(event_type: &str, data: Value) -> Result<Self, serde_json::Error> {
        let is = |name: &str| event_type.trim().eq_ignore_ascii_case(name);
        let typed = if is(INCOMING_CALL) {
            Deserialize::deserialize(&data).map(AcsEventGridData::IncomingCall)
        } else if is(RECORDING_FILE_STATUS_UPDATED) {
            Deserialize::deserialize(&data).map(AcsEventGridData::RecordingFileStatusUpdated)
        } else if is(SUBSCRIPTION_VALIDATION) {
            Deserialize::deserialize(&data).map(AcsEventGridData::SubscriptionValidation)
        } else {
            return Ok(other(event_type, data));
        };
        Ok(typed.unwrap_or_else(|_| other(event_type, data)))
    }
}

fn other(event_type: &str, data: Value) -> AcsEventGridData {
    AcsEventGridData::Other(OtherEvent {
        event_type: event_type.to_owned(),
        data,
    })
}

plain_event_data!(
    IncomingCallEventData,
    RecordingFileStatusUpdatedEventData,
    SubscriptionValidationEventData,
);

impl SubscriptionValidationEventData {
    /// The validation event as the door posts it to an Event Grid-schema webhook (`subject` empty,
    /// `dataVersion` and `metadataVersion` `1`).
    pub fn event(
        id: &str,
        topic: &str,
        time: &str,
        code: &str,
        validation_url: &str,
    ) -> crate::envelope::EventGridEvent<Self> {
        let data = SubscriptionValidationEventData {
            validation_code: code.to_owned(),
            validation_url: Some(validation_url.to_owned()),
        };
        let mut event = crate::envelope::EventGridEvent::new(
            id,
            topic,
            "",
            SUBSCRIPTION_VALIDATION,
            time,
            data,
        );
        event.data_version = "1".to_owned();
        event
    }
}
