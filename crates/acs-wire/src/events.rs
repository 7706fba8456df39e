//! Typed Call Automation callbacks: [`CallAutomationEventData`] picks the data struct by the
//! envelope's `type`, and [`CallAutomationEvent`] is the CloudEvent the door posts (one per POST,
//! wrapped in a JSON array).
//!
//! Reading is tolerant: an unknown type, or data that does not fit its type's struct, is kept as
//! [`OtherEvent`] (type and raw data) instead of failing the envelope.

use serde::Serialize;
use serde_json::Value;

use crate::callback_events::*;
use crate::envelope::{plain_event_data, short_name, CloudEvent, EventData, OtherEvent};

/// The prefix of every Call Automation event type.
pub const EVENT_TYPE_PREFIX: &str = "Microsoft.Communication.";

/// A callback CloudEvent with typed data.
pub type CallAutomationEvent = CloudEvent<CallAutomationEventData>;

/// Defines the dispatch enum: one variant per event type, with its data struct.
macro_rules! callback_events {
    ($($variant:ident($ty:ty),)+) => {
        /// The `data` of a Call Automation callback, by event type.
        // Events are built, sent or read one at a time; boxing the large variants would only make
        // building them noisier.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum CallAutomationEventData {
            $(
                #[doc = concat!("`Microsoft.Communication.", stringify!($variant), "`.")]
                $variant($ty),
            )+
            /// Any other type, or data that does not fit its type.
            Other(OtherEvent),
        }

        impl CallAutomationEventData {
            /// Every event type this crate types, short names (`CallConnected`, …).
            pub const TYPES: &'static [&'static str] = &[$(stringify!($variant)),+];

            /// The full event type (`Microsoft.Communication.CallConnected`); for `Other`, the
            /// type as given.
            pub fn event_type(&self) -> &str {
                match self {
                    $( CallAutomationEventData::$variant(_) => {
                        concat!("Microsoft.Communication.", stringify!($variant))
                    } )+
                    CallAutomationEventData::Other(other) => &other.event_type,
                }
            }

            /// The common members, for a typed event.
            pub fn common(&self) -> Option<&EventCommon> {
                match self {
                    $( CallAutomationEventData::$variant(data) => Some(&data.common), )+
                    CallAutomationEventData::Other(_) => None,
                }
            }

            /// The common members, for a typed event (the door fills them on every callback).
            pub fn common_mut(&mut self) -> Option<&mut EventCommon> {
                match self {
                    $( CallAutomationEventData::$variant(data) => Some(&mut data.common), )+
                    CallAutomationEventData::Other(_) => None,
                }
            }

            fn typed(name: &str, data: &Value) -> Option<Result<Self, serde_json::Error>> {
                $(
                    if name.eq_ignore_ascii_case(stringify!($variant)) {
                        return Some(
                            serde::Deserialize::deserialize(data)
                                .map(CallAutomationEventData::$variant),
                        );
                    }
                )+
                None
            }
        }
    };
}

callback_events! {
    CallConnected(CallConnected),
    CallDisconnected(CallDisconnected),
    CreateCallFailed(OperationEvent),
    AnswerFailed(OperationEvent),
    ConnectFailed(OperationEvent),
    CallTransferAccepted(CallTransferAccepted),
    CallTransferFailed(CallTransferFailed),
    ParticipantsUpdated(ParticipantsUpdated),
    AddParticipantSucceeded(AddParticipantSucceeded),
    AddParticipantFailed(AddParticipantFailed),
    RemoveParticipantSucceeded(RemoveParticipantSucceeded),
    RemoveParticipantFailed(RemoveParticipantFailed),
    CancelAddParticipantSucceeded(CancelAddParticipantSucceeded),
    CancelAddParticipantFailed(CancelAddParticipantFailed),
    PlayStarted(PlayStarted),
    PlayCompleted(PlayCompleted),
    PlayFailed(PlayFailed),
    PlayCanceled(PlayCanceled),
    RecognizeCompleted(RecognizeCompleted),
    RecognizeFailed(RecognizeFailed),
    RecognizeCanceled(RecognizeCanceled),
    ContinuousDtmfRecognitionToneReceived(ContinuousDtmfRecognitionToneReceived),
    ContinuousDtmfRecognitionToneFailed(ContinuousDtmfRecognitionToneFailed),
    ContinuousDtmfRecognitionStopped(ContinuousDtmfRecognitionStopped),
    SendDtmfTonesCompleted(SendDtmfTonesCompleted),
    SendDtmfTonesFailed(SendDtmfTonesFailed),
    HoldFailed(HoldFailed),
    MediaStreamingStarted(MediaStreamingStarted),
    MediaStreamingStopped(MediaStreamingStopped),
    MediaStreamingFailed(MediaStreamingFailed),
    RecordingStateChanged(RecordingStateChanged),
    StartRecordingFailed(StartRecordingFailed),
}

impl EventData for CallAutomationEventData {
    fn from_event(event_type: &str, data: Value) -> Result<Self, serde_json::Error> {
        let typed = short_name(event_type, EVENT_TYPE_PREFIX)
            .and_then(|name| CallAutomationEventData::typed(name, &data));
        Ok(match typed {
            Some(Ok(event)) => event,
            _ => CallAutomationEventData::Other(OtherEvent {
                event_type: event_type.to_owned(),
                data,
            }),
        })
    }
}

impl CallAutomationEvent {
    /// A callback as the door posts it: `source` and `subject` `calling/callConnections/<id>`,
    /// the type from the data, specversion 1.0, `application/json`.
    pub fn callback(
        id: &str,
        call_connection_id: &str,
        time: &str,
        data: CallAutomationEventData,
    ) -> Self {
        let source = format!("calling/callConnections/{call_connection_id}");
        let event_type = data.event_type().to_owned();
        CloudEvent::new(id, &source, &source, &event_type, time, data)
    }
}

plain_event_data!(
    OperationEvent,
    CallConnected,
    CallTransferAccepted,
    CallTransferFailed,
    ParticipantsUpdated,
    ParticipantEvent,
    CancelAddParticipantEvent,
    PlayFailed,
    RecognizeCompleted,
    RecognizeFailed,
    ContinuousDtmfRecognitionToneReceived,
    MediaStreamingEvent,
    RecordingStateChanged,
    StartRecordingFailed,
);
