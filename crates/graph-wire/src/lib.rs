//! Microsoft Graph wire types (serde DTOs) exactly as the digest gives them: shapes only, no engine
//! dependency, shared by the server and a future Rust bot SDK.
//!
//! Reading is tolerant, writing is strict:
//! - enums parse in any letter case and are written in lower camelCase; unknown values become
//!   `UnknownFutureValue` where Graph defines it, an error otherwise;
//! - unknown keys are ignored, except on OData open types (`call`, `identity`, `identitySet`,
//!   `invitationParticipantInfo`, `organizerMeetingInfo`, `joinMeetingIdMeetingInfo`, `commsOperation`,
//!   `commsNotification`) where they are kept in `additional` and written back;
//! - `@odata.type` is optional on input (with or without `#` and namespace, any case) and always written
//!   on entities and complex types; on abstract types (`mediaConfig`, `meetingInfo`, `prompt`,
//!   `callOptions`, `commsOperation`) it selects the variant;
//! - numbers documented as sometimes-strings (`resultInfo.code`, `sequenceId`, …) accept both;
//! - `None` is omitted on output, except in [`CallCreatedResponse`], which adds the explicit `null`s of
//!   the documented create-call 201 body.
//!
//! Modules (all re-exported at the root): `call` (call, callOptions, resultInfo, the 201 body),
//! `participant`, `identity`, `media` (mediaConfig, prompts, toneInfo), `meeting` (meetingInfo,
//! chatInfo, onlineMeeting), `operation` (commsOperation and subtypes), `actions` (request bodies and
//! [`ActionBody`]), `notification`, `error`, `audio_routing`, `enums`, `odata` (the `@odata.type` tag and
//! lenient numbers), `resource_account`.
//!
//! With the `openapi` feature every DTO also implements `utoipa::ToSchema`: OpenAPI 3.1 schemas of
//! what is written (wire enums as string enums, `@odata.type` as the one spelling written, the
//! polymorphic types as `anyOf` their variants, open types with `additionalProperties`) and of the
//! documented limits. The Graph door builds its OpenAPI document from them. Without the feature the
//! crate is serde only.
//!
//! ```
//! use ringside_graph_wire::*;
//!
//! // A bot's answer, with PascalCase parameter names and enum values.
//! let answer = AnswerRequest::from_json(
//!     br##"{"CallbackUri":"https://bot/cb","acceptedModalities":["Audio"],
//!          "mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"}}"##,
//! )
//! .unwrap();
//! assert_eq!(answer.accepted_modalities, vec![Modality::Audio]);
//!
//! // The platform's notification that the call is established.
//! let call = Call { state: Some(CallState::Established), ..Default::default() };
//! let body = CommsNotifications {
//!     value: vec![CommsNotification::new(
//!         ChangeType::Updated,
//!         "/communications/calls/c1",
//!         ResourceData::Call(Box::new(call)),
//!     )],
//!     ..Default::default()
//! };
//! let json = serde_json::to_value(&body).unwrap();
//! assert_eq!(json["value"][0]["resource"], "/app/calls/c1");
//! assert_eq!(json["value"][0]["resourceData"]["state"], "established");
//! ```

#![warn(missing_docs)]

mod actions;
mod audio_routing;
mod call;
mod enums;
mod error;
mod identity;
mod media;
mod meeting;
mod notification;
mod odata;
mod operation;
mod participant;
mod resource_account;

pub use actions::{
    ActionBody, AddLargeGalleryViewRequest, AnswerRequest, CancelMediaProcessingRequest,
    ChangeScreenSharingRoleRequest, ClientContextRequest, CreateAudioRoutingGroupRequest,
    InviteParticipantsRequest, MuteRequest, PlayPromptRequest, RecordResponseRequest,
    RedirectRequest, RejectRequest, SendDtmfTonesRequest, StartHoldMusicRequest,
    StopHoldMusicRequest, SubscribeToToneRequest, TransferRequest, UnmuteRequest,
    UpdateRecordingStatusRequest,
};
pub use audio_routing::AudioRoutingGroup;
pub use call::{
    Call, CallCreatedResponse, CallMediaState, CallOptions, CallRoute, CallTranscriptionInfo,
    IncomingCallOptions, IncomingContext, OutgoingCallOptions, ResultInfo,
};
pub use enums::{
    CallDirection, CallState, CallTranscriptionState, ChangeType, EndpointType, MediaDirection,
    MediaState, Modality, OperationStatus, RecordingStatus, RejectReason, RoutingMode,
    RoutingPolicy, RoutingType, ScreenSharingRole, SendDtmfCompletionReason, Tone,
};
pub use error::{GraphError, GraphErrorBody, InnerError};
pub use identity::{Identity, IdentitySet};
pub use media::{
    AppHostedMediaConfig, MediaConfig, MediaInfo, MediaPrompt, Prompt, ServiceHostedMediaConfig,
    ToneInfo,
};
pub use meeting::{
    ChatInfo, JoinMeetingIdMeetingInfo, JoinMeetingIdSettings, MeetingInfo, MeetingParticipantInfo,
    MeetingParticipants, OnlineMeeting, OrganizerMeetingInfo, TokenMeetingInfo,
};
pub use notification::{legacy_resource, CommsNotification, CommsNotifications, ResourceData};
pub use odata::{short_type_name, AdditionalData, ODataKind, ODataType, NAMESPACE_PREFIX};
pub use operation::{
    AddLargeGalleryViewOperation, CancelMediaProcessingOperation, CommsOperation,
    CommsOperationBase, InviteParticipantsOperation, MuteParticipantOperation, PlayPromptOperation,
    RecordOperation, SendDtmfTonesOperation, StartHoldMusicOperation, StopHoldMusicOperation,
    SubscribeToToneOperation, UnmuteParticipantOperation, UpdateRecordingStatusOperation,
};
pub use participant::{
    InvitationParticipantInfo, MediaStream, OnlineMeetingRestricted, Participant,
    ParticipantCollection, ParticipantInfo, RecordingInfo, RemovedState,
};
pub use resource_account::{ResourceAccount, ResourceAccountCollection};
