//! `commsOperation` and its twelve subtypes; `@odata.type` selects the variant.

use serde::{Deserialize, Deserializer, Serialize};

use crate::call::ResultInfo;
use crate::enums::{OperationStatus, SendDtmfCompletionReason};
use crate::odata::{
    from_value, null_as_default, object_with_type, odata_kind, AdditionalData, ODataType,
};
use crate::participant::InvitationParticipantInfo;

/// Defines one commsOperation struct: the shared members, then the subtype's own.
macro_rules! operation {
    (
        $(#[$meta:meta])*
        $name:ident = $wire:literal { $($extra:tt)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The tag.
            #[serde(rename = "@odata.type", default)]
            #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<$name>))]
            pub odata_type: ODataType<$name>,
            /// `@odata.context` on responses.
            #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
            pub odata_context: Option<String>,
            /// `@odata.id` in notifications.
            #[serde(rename = "@odata.id", skip_serializing_if = "Option::is_none")]
            pub odata_id: Option<String>,
            /// `@odata.etag` in notifications.
            #[serde(rename = "@odata.etag", skip_serializing_if = "Option::is_none")]
            pub odata_etag: Option<String>,
            /// Operation id.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub id: Option<String>,
            /// The caller's correlation string (≤ 256 chars), echoed back.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub client_context: Option<String>,
            /// Status.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub status: Option<OperationStatus>,
            /// Outcome.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub result_info: Option<ResultInfo>,
            $($extra)*
            /// Open-type extras (commsOperation is open), e.g. `completionReason` on a cancelled record.
            #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
            #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
            pub additional: AdditionalData,
        }
        odata_kind!($name, $wire);
    };
}

operation! {
    /// Base `commsOperation` (also what an operation without `@odata.type` reads as).
    CommsOperationBase = "commsOperation" {}
}
operation! {
    /// `playPromptOperation` (playPrompt).
    PlayPromptOperation = "playPromptOperation" {}
}
operation! {
    /// `recordOperation` (recordResponse).
    RecordOperation = "recordOperation" {
        /// Where to download the recording.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub recording_location: Option<String>,
        /// Bearer token for `recording_location`.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub recording_access_token: Option<String>,
    }
}
operation! {
    /// `subscribeToToneOperation` (subscribeToTone).
    SubscribeToToneOperation = "subscribeToToneOperation" {}
}
operation! {
    /// `cancelMediaProcessingOperation` (cancelMediaProcessing).
    CancelMediaProcessingOperation = "cancelMediaProcessingOperation" {}
}
operation! {
    /// `inviteParticipantsOperation` (participants/invite).
    InviteParticipantsOperation = "inviteParticipantsOperation" {
        /// The invitees (NN; always emitted).
        #[serde(default, deserialize_with = "null_as_default")]
        pub participants: Vec<InvitationParticipantInfo>,
    }
}
operation! {
    /// `muteParticipantOperation` (call mute, participant mute).
    MuteParticipantOperation = "muteParticipantOperation" {}
}
operation! {
    /// `unmuteParticipantOperation` (call unmute).
    UnmuteParticipantOperation = "unmuteParticipantOperation" {}
}
operation! {
    /// `updateRecordingStatusOperation` (updateRecordingStatus).
    UpdateRecordingStatusOperation = "updateRecordingStatusOperation" {}
}
operation! {
    /// `sendDtmfTonesOperation` (sendDtmfTones).
    SendDtmfTonesOperation = "sendDtmfTonesOperation" {
        /// Why it completed.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub completion_reason: Option<SendDtmfCompletionReason>,
    }
}
operation! {
    /// `startHoldMusicOperation` (participant startHoldMusic).
    StartHoldMusicOperation = "startHoldMusicOperation" {}
}
operation! {
    /// `stopHoldMusicOperation` (participant stopHoldMusic).
    StopHoldMusicOperation = "stopHoldMusicOperation" {}
}
operation! {
    /// `addLargeGalleryViewOperation` (addLargeGalleryView).
    AddLargeGalleryViewOperation = "addLargeGalleryViewOperation" {}
}

/// A `commsOperation` of any subtype. `@odata.type` (case-insensitive) picks the variant; absent means
/// the base type; an unknown type is an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CommsOperation {
    /// Base commsOperation.
    Base(CommsOperationBase),
    /// playPrompt.
    PlayPrompt(PlayPromptOperation),
    /// recordResponse.
    Record(RecordOperation),
    /// subscribeToTone.
    SubscribeToTone(SubscribeToToneOperation),
    /// cancelMediaProcessing.
    CancelMediaProcessing(CancelMediaProcessingOperation),
    /// participants/invite.
    InviteParticipants(InviteParticipantsOperation),
    /// mute (call or participant).
    MuteParticipant(MuteParticipantOperation),
    /// unmute.
    UnmuteParticipant(UnmuteParticipantOperation),
    /// updateRecordingStatus.
    UpdateRecordingStatus(UpdateRecordingStatusOperation),
    /// sendDtmfTones.
    SendDtmfTones(SendDtmfTonesOperation),
    /// startHoldMusic.
    StartHoldMusic(StartHoldMusicOperation),
    /// stopHoldMusic.
    StopHoldMusic(StopHoldMusicOperation),
    /// addLargeGalleryView.
    AddLargeGalleryView(AddLargeGalleryViewOperation),
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CommsOperation {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::odata::schema::{any_of, reference};
        any_of(
            [
                reference::<CommsOperationBase>(),
                reference::<PlayPromptOperation>(),
                reference::<RecordOperation>(),
                reference::<SubscribeToToneOperation>(),
                reference::<CancelMediaProcessingOperation>(),
                reference::<InviteParticipantsOperation>(),
                reference::<MuteParticipantOperation>(),
                reference::<UnmuteParticipantOperation>(),
                reference::<UpdateRecordingStatusOperation>(),
                reference::<SendDtmfTonesOperation>(),
                reference::<StartHoldMusicOperation>(),
                reference::<StopHoldMusicOperation>(),
                reference::<AddLargeGalleryViewOperation>(),
            ],
            "`commsOperation` of any subtype; `@odata.type` picks the variant (the base type when absent).",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CommsOperation {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::odata::schema::collect;
        collect::<CommsOperationBase>(schemas);
        collect::<PlayPromptOperation>(schemas);
        collect::<RecordOperation>(schemas);
        collect::<SubscribeToToneOperation>(schemas);
        collect::<CancelMediaProcessingOperation>(schemas);
        collect::<InviteParticipantsOperation>(schemas);
        collect::<MuteParticipantOperation>(schemas);
        collect::<UnmuteParticipantOperation>(schemas);
        collect::<UpdateRecordingStatusOperation>(schemas);
        collect::<SendDtmfTonesOperation>(schemas);
        collect::<StartHoldMusicOperation>(schemas);
        collect::<StopHoldMusicOperation>(schemas);
        collect::<AddLargeGalleryViewOperation>(schemas);
    }
}

/// Applies `$body` to the inner struct of any variant.
macro_rules! each {
    ($self:expr, $op:ident => $body:expr) => {
        match $self {
            CommsOperation::Base($op) => $body,
            CommsOperation::PlayPrompt($op) => $body,
            CommsOperation::Record($op) => $body,
            CommsOperation::SubscribeToTone($op) => $body,
            CommsOperation::CancelMediaProcessing($op) => $body,
            CommsOperation::InviteParticipants($op) => $body,
            CommsOperation::MuteParticipant($op) => $body,
            CommsOperation::UnmuteParticipant($op) => $body,
            CommsOperation::UpdateRecordingStatus($op) => $body,
            CommsOperation::SendDtmfTones($op) => $body,
            CommsOperation::StartHoldMusic($op) => $body,
            CommsOperation::StopHoldMusic($op) => $body,
            CommsOperation::AddLargeGalleryView($op) => $body,
        }
    };
}

impl CommsOperation {
    /// The emitted `@odata.type`, e.g. `#microsoft.graph.playPromptOperation`.
    pub fn odata_type(&self) -> &'static str {
        use crate::odata::ODataKind;
        fn of<K: ODataKind>(_: &ODataType<K>) -> &'static str {
            K::ODATA_TYPE
        }
        each!(self, op => of(&op.odata_type))
    }

    /// Operation id.
    pub fn id(&self) -> Option<&str> {
        each!(self, op => op.id.as_deref())
    }

    /// Echoed client context.
    pub fn client_context(&self) -> Option<&str> {
        each!(self, op => op.client_context.as_deref())
    }

    /// Status.
    pub fn status(&self) -> Option<OperationStatus> {
        each!(self, op => op.status)
    }

    /// Outcome.
    pub fn result_info(&self) -> Option<&ResultInfo> {
        each!(self, op => op.result_info.as_ref())
    }

    /// Sets the status.
    pub fn set_status(&mut self, status: OperationStatus) {
        each!(self, op => op.status = Some(status))
    }

    /// Sets the outcome.
    pub fn set_result_info(&mut self, result_info: ResultInfo) {
        each!(self, op => op.result_info = Some(result_info))
    }

    /// Sets `@odata.id` and `@odata.etag` (for a notification's resourceData).
    pub fn set_odata_id_etag(&mut self, odata_id: Option<String>, odata_etag: Option<String>) {
        each!(self, op => {
            op.odata_id = odata_id;
            op.odata_etag = odata_etag;
        })
    }
}

impl<'de> Deserialize<'de> for CommsOperation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ty, value) = object_with_type(d, "commsOperation")?;
        use CommsOperation as C;
        match ty.as_deref() {
            None | Some("commsoperation") => from_value(value).map(C::Base),
            Some("playpromptoperation") => from_value(value).map(C::PlayPrompt),
            Some("recordoperation") => from_value(value).map(C::Record),
            Some("subscribetotoneoperation") => from_value(value).map(C::SubscribeToTone),
            Some("cancelmediaprocessingoperation") => {
                from_value(value).map(C::CancelMediaProcessing)
            }
            Some("inviteparticipantsoperation") => from_value(value).map(C::InviteParticipants),
            Some("muteparticipantoperation") => from_value(value).map(C::MuteParticipant),
            Some("unmuteparticipantoperation") => from_value(value).map(C::UnmuteParticipant),
            Some("updaterecordingstatusoperation") => {
                from_value(value).map(C::UpdateRecordingStatus)
            }
            Some("senddtmftonesoperation") => from_value(value).map(C::SendDtmfTones),
            Some("startholdmusicoperation") => from_value(value).map(C::StartHoldMusic),
            Some("stopholdmusicoperation") => from_value(value).map(C::StopHoldMusic),
            Some("addlargegalleryviewoperation") => from_value(value).map(C::AddLargeGalleryView),
            Some(other) => Err(serde::de::Error::custom(format_args!(
                "unknown commsOperation @odata.type `{other}`"
            ))),
        }
    }
}
