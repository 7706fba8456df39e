//! Request bodies of the bound actions on calls and participants (parameter names per the CSDL and §3).
//!
//! These are action parameters, not OData types: no `@odata.type` at the top, unknown keys ignored.
//! Parameters the docs mark required are required here (a missing one is a deserialization error).

use serde::{Deserialize, Serialize};

use crate::call::IncomingCallOptions;
use crate::enums::{
    Modality, RecordingStatus, RejectReason, RoutingPolicy, ScreenSharingRole, Tone,
};
use crate::media::{MediaConfig, Prompt};
use crate::odata::lenient;
use crate::participant::{InvitationParticipantInfo, ParticipantInfo};

/// `POST …/calls/{id}/answer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AnswerRequest {
    /// Per-call callback (https); the bot's global webhook when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    /// Media configuration (required).
    pub media_config: MediaConfig,
    /// Accepted modalities. The docs mark it required; an absent or null value reads as empty so the
    /// server decides (and an empty list is not written).
    #[serde(
        default,
        deserialize_with = "crate::odata::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub accepted_modalities: Vec<Modality>,
    /// Participants the app can handle (policy-based recording).
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub participant_capacity: Option<i32>,
    /// Incoming call options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_options: Option<IncomingCallOptions>,
}

/// `POST …/calls/{id}/reject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RejectRequest {
    /// `none`, `busy` or `forbidden`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
    /// Callback (https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
}

/// `POST …/calls/{id}/redirect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RedirectRequest {
    /// Targets (required; more than one rings them all; max 25).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 25))]
    pub targets: Vec<InvitationParticipantInfo>,
    /// Seconds, 15–90.
    #[cfg_attr(feature = "openapi", schema(minimum = 15, maximum = 90))]
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<i32>,
    /// Callback (https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    /// Sent by a docs simulring example; beta only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_policies: Option<Vec<RoutingPolicy>>,
}

/// `POST …/calls/{id}/transfer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransferRequest {
    /// Who the call goes to (required); `replacesCallId` makes it consultative.
    pub transfer_target: InvitationParticipantInfo,
    /// The participant transferred (required out of a group call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transferee: Option<ParticipantInfo>,
    /// Seen in examples; not in the CSDL signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_context: Option<String>,
}

/// `POST …/calls/{id}/playPrompt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlayPromptRequest {
    /// Prompts (required; max 20).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub prompts: Vec<Prompt>,
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

/// `POST …/calls/{id}/recordResponse` (all parameters optional; defaults as constants).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordResponseRequest {
    /// At most one prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 1))]
    pub prompts: Option<Vec<Prompt>>,
    /// Barge into queued/running media operations (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barge_in_allowed: Option<bool>,
    /// Default 5, 1–120.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub initial_silence_timeout_in_seconds: Option<i32>,
    /// Default 5, 1–120.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_silence_timeout_in_seconds: Option<i32>,
    /// Default 5, 1–120.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_record_duration_in_seconds: Option<i32>,
    /// Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_beep: Option<bool>,
    /// Keys that stop recording, as characters (`"#"`, `"1"`, `"*"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_tones: Option<Vec<String>>,
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

impl RecordResponseRequest {
    /// Default of the three timeouts, in seconds.
    pub const DEFAULT_TIMEOUT_SECONDS: i32 = 5;
    /// Smallest allowed timeout.
    pub const MIN_TIMEOUT_SECONDS: i32 = 1;
    /// Largest allowed timeout.
    pub const MAX_TIMEOUT_SECONDS: i32 = 120;
    /// Default of `playBeep`.
    pub const DEFAULT_PLAY_BEEP: bool = true;
    /// Default of `bargeInAllowed`.
    pub const DEFAULT_BARGE_IN_ALLOWED: bool = false;
}

/// The body of every action whose only parameter is `clientContext`: subscribeToTone, mute, unmute,
/// cancelMediaProcessing, participant mute, stopHoldMusic, addLargeGalleryView.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientContextRequest {
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

/// `POST …/calls/{id}/subscribeToTone`.
pub type SubscribeToToneRequest = ClientContextRequest;
/// `POST …/calls/{id}/cancelMediaProcessing`.
pub type CancelMediaProcessingRequest = ClientContextRequest;
/// `POST …/calls/{id}/mute` and `…/participants/{pid}/mute`.
pub type MuteRequest = ClientContextRequest;
/// `POST …/calls/{id}/unmute`.
pub type UnmuteRequest = ClientContextRequest;
/// `POST …/participants/{pid}/stopHoldMusic`.
pub type StopHoldMusicRequest = ClientContextRequest;
/// `POST …/calls/{id}/addLargeGalleryView`.
pub type AddLargeGalleryViewRequest = ClientContextRequest;

/// `POST …/calls/{id}/sendDtmfTones`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendDtmfTonesRequest {
    /// Tones to send (required).
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub tones: Vec<Tone>,
    /// Gap between tones.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub delay_between_tones_ms: Option<i32>,
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

/// `POST …/calls/{id}/changeScreenSharingRole`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangeScreenSharingRoleRequest {
    /// `viewer` or `sharer` (required).
    pub role: ScreenSharingRole,
}

/// `POST …/calls/{id}/updateRecordingStatus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateRecordingStatusRequest {
    /// New status (required).
    pub status: RecordingStatus,
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

/// `POST …/calls/{id}/participants/invite`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InviteParticipantsRequest {
    /// Invitees (required; max 5, or 1 with `replacesCallId`).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 5))]
    pub participants: Vec<InvitationParticipantInfo>,
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

/// `POST …/participants/{pid}/startHoldMusic`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StartHoldMusicRequest {
    /// Music to play instead of the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_prompt: Option<Prompt>,
    /// Correlation (≤ 256 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_context: Option<String>,
}

/// `POST …/calls/{id}/audioRoutingGroups`: the body is the group itself.
pub type CreateAudioRoutingGroupRequest = crate::audio_routing::AudioRoutingGroup;

/// An action's request body. Graph treats action parameter names case-insensitively (§1.1), which plain
/// serde does not: [`ActionBody::from_json`] first renames top-level keys that match a parameter name in
/// another letter case, then deserializes. Nested objects (model types) keep case-sensitive names.
pub trait ActionBody: serde::de::DeserializeOwned {
    /// The parameter names as written on the wire.
    const PARAMETERS: &'static [&'static str];

    /// Parses a body with case-insensitive parameter names. An exact-case key wins over another
    /// spelling of the same name; unknown keys are ignored.
    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_slice(bytes)?;
        if let serde_json::Value::Object(map) = &mut value {
            let renames: Vec<(String, &str)> = map
                .keys()
                .filter(|k| !Self::PARAMETERS.contains(&k.as_str()))
                .filter_map(|k| {
                    Self::PARAMETERS
                        .iter()
                        .find(|p| p.eq_ignore_ascii_case(k))
                        .map(|p| (k.clone(), *p))
                })
                .collect();
            for (from, to) in renames {
                if let Some(v) = map.remove(&from) {
                    map.entry(to).or_insert(v);
                }
            }
        }
        serde_json::from_value(value)
    }
}

macro_rules! action_body {
    ($($ty:ty => [$($p:literal),* $(,)?];)+) => {$(
        impl ActionBody for $ty {
            const PARAMETERS: &'static [&'static str] = &[$($p),*];
        }
    )+};
}

action_body! {
    AnswerRequest => ["callbackUri", "mediaConfig", "acceptedModalities", "participantCapacity", "callOptions"];
    RejectRequest => ["reason", "callbackUri"];
    RedirectRequest => ["targets", "timeout", "callbackUri", "routingPolicies"];
    TransferRequest => ["transferTarget", "transferee", "clientContext"];
    PlayPromptRequest => ["prompts", "clientContext"];
    RecordResponseRequest => [
        "prompts", "bargeInAllowed", "initialSilenceTimeoutInSeconds", "maxSilenceTimeoutInSeconds",
        "maxRecordDurationInSeconds", "playBeep", "stopTones", "clientContext",
    ];
    ClientContextRequest => ["clientContext"];
    SendDtmfTonesRequest => ["tones", "delayBetweenTonesMs", "clientContext"];
    ChangeScreenSharingRoleRequest => ["role"];
    UpdateRecordingStatusRequest => ["status", "clientContext"];
    InviteParticipantsRequest => ["participants", "clientContext"];
    StartHoldMusicRequest => ["customPrompt", "clientContext"];
}
