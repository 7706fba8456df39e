//! Response bodies (digest §2, §2.1, §2.2): CallConnectionProperties with its streaming and
//! transcription subscriptions, CallParticipant and the participants page, and the small
//! `{operationContext, …}` bodies of the 202/200 operations.
//!
//! Everything is optional on input (both SDKs accept a bare `{"callConnectionId": "x"}`); `None`
//! is omitted on output. The door fills every member it writes today.

use serde::{Deserialize, Serialize};

use crate::enums::{
    CallConnectionState, MediaStreamingContentType, SubscriptionState, TranscriptionResultType,
};
use crate::identifier::{
    CommunicationIdentifierModel, CommunicationUserIdentifierModel, PhoneNumberIdentifierModel,
};

/// CallConnectionProperties (create 201, answer 200, connect 200, get 200).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallConnectionProperties {
    /// The connection id (the bot's leg).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    /// The call's server id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The other parties as the request named them (`[]` for connect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<CommunicationIdentifierModel>>,
    /// The connection's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_connection_state: Option<CallConnectionState>,
    /// Where the call's events go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    /// The caller id used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberIdentifierModel>,
    /// The caller display name used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// Who placed the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<CommunicationIdentifierModel>,
    /// The correlation id (also in every event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The ACS user that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<CommunicationUserIdentifierModel>,
    /// The number the call was answered for (Teams Phone extensibility).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_for: Option<PhoneNumberIdentifierModel>,
    /// Media streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streaming_subscription: Option<MediaStreamingSubscription>,
    /// Transcription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription_subscription: Option<TranscriptionSubscription>,
}

/// `mediaStreamingSubscription`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaStreamingSubscription {
    /// Subscription id (the door uses the connection id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `disabled`, `inactive` or `active`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<SubscriptionState>,
    /// `["audio"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscribed_content_types: Option<Vec<MediaStreamingContentType>>,
}

/// `transcriptionSubscription`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionSubscription {
    /// Subscription id (the door uses the connection id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `disabled`, `inactive` or `active`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<SubscriptionState>,
    /// `final` and/or `intermediate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscribed_result_types: Option<Vec<TranscriptionResultType>>,
    /// Locale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// CallParticipant (participants list and get, AddParticipantResponse, ParticipantsUpdated). The
/// three members are always written; on input a missing identifier reads as empty and missing
/// flags as `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallParticipant {
    /// Who.
    #[serde(default)]
    pub identifier: CommunicationIdentifierModel,
    /// Muted.
    #[serde(default)]
    pub is_muted: bool,
    /// On hold.
    #[serde(default)]
    pub is_on_hold: bool,
}

impl CallParticipant {
    /// A participant neither muted nor on hold.
    pub fn new(identifier: CommunicationIdentifierModel) -> Self {
        CallParticipant {
            identifier,
            is_muted: false,
            is_on_hold: false,
        }
    }
}

/// `GET …/participants`: `{value, nextLink?}` (the door never pages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParticipantsResponse {
    /// The participants (the connection's own leg excluded).
    #[serde(default)]
    pub value: Vec<CallParticipant>,
    /// The next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// `participants:add` 202.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantResponse {
    /// The participant being added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<CallParticipant>,
    /// The request's operationContext (`""` when none was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Names the invitation for `cancelAddParticipant`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
}

/// The `{operationContext}` body of transfer (202), remove (202), mute (200) and sendDtmfTones
/// (202). The door always writes it (`""` when the request gave none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationContextResponse {
    /// The request's operationContext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

impl OperationContextResponse {
    /// `{"operationContext": context}`.
    pub fn new(context: &str) -> Self {
        OperationContextResponse {
            operation_context: Some(context.to_owned()),
        }
    }
}

/// `:transferToParticipant` 202.
pub type TransferCallResponse = OperationContextResponse;
/// `participants:remove` 202.
pub type RemoveParticipantResponse = OperationContextResponse;
/// `participants:mute` 200.
pub type MuteParticipantsResult = OperationContextResponse;
/// `:sendDtmfTones` 202.
pub type SendDtmfTonesResult = OperationContextResponse;

/// `participants:cancelAddParticipant` 202.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAddParticipantResponse {
    /// The invitation being cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// The request's operationContext (`""` when none was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

/// `participants:moveHere` 202 (the door does not serve it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveParticipantsResponse {
    /// The participants moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<CallParticipant>>,
    /// The request's operationContext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// The connection they came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_call: Option<String>,
}
