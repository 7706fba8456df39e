//! The `call` entity and its complex members: `callOptions`, `callMediaState`, `callTranscriptionInfo`,
//! `callRoute`, `incomingContext`, `resultInfo`; plus the create-call 201 body with its documented nulls.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::enums::{
    CallDirection, CallState, CallTranscriptionState, MediaState, Modality, RoutingPolicy,
    RoutingType,
};
use crate::identity::IdentitySet;
use crate::media::{MediaConfig, ToneInfo};
use crate::meeting::{ChatInfo, MeetingInfo};
use crate::odata::{
    from_value, lenient, object_with_type, odata_kind, AdditionalData, ODataKind, ODataType,
};
use crate::participant::{InvitationParticipantInfo, ParticipantInfo};

/// `call` (entity, Open): every v1.0 property, the beta extras as options, and open-type extras kept in
/// `additional`. The body of create-call requests, GET responses and call notifications.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Call {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<Call>))]
    pub odata_type: ODataType<Call>,
    /// `@odata.context` on responses.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub odata_context: Option<String>,
    /// `@odata.id` in notifications.
    #[serde(rename = "@odata.id", skip_serializing_if = "Option::is_none")]
    pub odata_id: Option<String>,
    /// `@odata.etag` in notifications.
    #[serde(rename = "@odata.etag", skip_serializing_if = "Option::is_none")]
    pub odata_etag: Option<String>,
    /// Call id (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Callback for notifications (NN on create; https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    /// Same for all legs of a conference / both legs of a P2P call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_chain_id: Option<String>,
    /// Outgoing or incoming call options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_options: Option<CallOptions>,
    /// Routing (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_routes: Option<Vec<CallRoute>>,
    /// Meeting chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_info: Option<ChatInfo>,
    /// Direction (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<CallDirection>,
    /// Compliance-recording context (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incoming_context: Option<IncomingContext>,
    /// Service- or app-hosted media (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_config: Option<MediaConfig>,
    /// Audio media state (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_state: Option<CallMediaState>,
    /// Meeting to join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_info: Option<MeetingInfo>,
    /// The bot's own participant id (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_participant_id: Option<String>,
    /// Requested modalities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_modalities: Option<Vec<Modality>>,
    /// Termination / failure reason (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_info: Option<ResultInfo>,
    /// Caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ParticipantInfo>,
    /// State (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<CallState>,
    /// Subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Callees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<InvitationParticipantInfo>>,
    /// Tenant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Last DTMF tone (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tone_info: Option<ToneInfo>,
    /// Transcription state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription: Option<CallTranscriptionInfo>,
    /// Docs-only (failed transfer notifications); not in the v1.0 CSDL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces_context: Option<String>,
    /// Beta: active modalities (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_modalities: Option<Vec<Modality>>,
    /// Beta: who answered (RO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<ParticipantInfo>,
    /// Beta: meeting capability (RO), kept as raw JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_capability: Option<Value>,
    /// Beta: outgoing P2P ring timeout, max 115.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub ringing_timeout_in_seconds: Option<i32>,
    /// Beta: routing policies (P2P only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_policies: Option<Vec<RoutingPolicy>>,
    /// Beta: termination reason text (RO), e.g. `AppTransferred`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_reason: Option<String>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}
odata_kind!(Call, "call");

/// The 201 body of `POST /communications/calls`: the call, plus the explicit `null`s the documented
/// response shows (`subject`, `mediaState`, `resultInfo`, `chatInfo`, `meetingInfo`, `transcription`,
/// `toneInfo`; `countryCode`, `endpointType`, `region`, `languageId` on `source`; `endpointType`,
/// `replacesCallId` on each target). Everywhere else `None` is omitted.
#[derive(Debug, Clone, Copy)]
pub struct CallCreatedResponse<'a>(pub &'a Call);

impl CallCreatedResponse<'_> {
    /// Top-level keys shown as `null` in the documented 201 response.
    pub const NULL_KEYS: &'static [&'static str] = &[
        "subject",
        "mediaState",
        "resultInfo",
        "chatInfo",
        "meetingInfo",
        "transcription",
        "toneInfo",
    ];
    /// `source` keys shown as `null`.
    pub const SOURCE_NULL_KEYS: &'static [&'static str] =
        &["countryCode", "endpointType", "region", "languageId"];
    /// Per-target keys shown as `null`.
    pub const TARGET_NULL_KEYS: &'static [&'static str] = &["endpointType", "replacesCallId"];

    /// The body as a JSON value.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        let mut value = serde_json::to_value(self.0)?;
        fn fill(v: &mut Value, keys: &[&str]) {
            if let Value::Object(map) = v {
                for key in keys {
                    map.entry(*key).or_insert(Value::Null);
                }
            }
        }
        fill(&mut value, Self::NULL_KEYS);
        if let Some(source) = value.get_mut("source") {
            fill(source, Self::SOURCE_NULL_KEYS);
        }
        if let Some(Value::Array(targets)) = value.get_mut("targets") {
            for t in targets {
                fill(t, Self::TARGET_NULL_KEYS);
            }
        }
        Ok(value)
    }
}

impl Serialize for CallCreatedResponse<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value()
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// `callOptions` (abstract): outgoing on create-call, incoming on answer. Without `@odata.type` (or with
/// the base `callOptions`) outgoing is assumed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CallOptions {
    /// `#microsoft.graph.outgoingCallOptions`.
    Outgoing(OutgoingCallOptions),
    /// `#microsoft.graph.incomingCallOptions`.
    Incoming(IncomingCallOptions),
}

impl<'de> Deserialize<'de> for CallOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ty, mut value) = object_with_type(d, "callOptions")?;
        match ty.as_deref() {
            Some("outgoingcalloptions") => from_value(value).map(CallOptions::Outgoing),
            Some("incomingcalloptions") => from_value(value).map(CallOptions::Incoming),
            None | Some("calloptions") => {
                if let Value::Object(m) = &mut value {
                    m.remove("@odata.type");
                }
                from_value(value).map(CallOptions::Outgoing)
            }
            Some(other) => Err(serde::de::Error::custom(format_args!(
                "unknown callOptions @odata.type `{other}`"
            ))),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CallOptions {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::odata::schema::{any_of, reference};
        any_of(
            [
                reference::<OutgoingCallOptions>(),
                reference::<IncomingCallOptions>(),
            ],
            "`callOptions` (abstract): `outgoingCallOptions` on create, `incomingCallOptions` on answer; `@odata.type` picks the variant (outgoing when absent).",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CallOptions {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::odata::schema::collect;
        collect::<OutgoingCallOptions>(schemas);
        collect::<IncomingCallOptions>(schemas);
    }
}

/// `outgoingCallOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutgoingCallOptions {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<OutgoingCallOptions>))]
    pub odata_type: ODataType<OutgoingCallOptions>,
    /// Hide the bot after the call is escalated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_bot_after_escalation: Option<bool>,
    /// contentSharingSession notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_content_sharing_notification_enabled: Option<bool>,
    /// Delta roster notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_delta_roster_enabled: Option<bool>,
    /// Filter the delta roster by interactivity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_interactive_roster_enabled: Option<bool>,
    /// Sent by the C# SDK (not in the CSDL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_guest_to_bypass_lobby: Option<bool>,
}
odata_kind!(OutgoingCallOptions, "outgoingCallOptions");

/// `incomingCallOptions` (the `callOptions` parameter of answer). Also accepts the base `callOptions` tag.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncomingCallOptions {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<IncomingCallOptions>))]
    pub odata_type: ODataType<IncomingCallOptions>,
    /// Hide the bot after the call is escalated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_bot_after_escalation: Option<bool>,
    /// contentSharingSession notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_content_sharing_notification_enabled: Option<bool>,
    /// Delta roster notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_delta_roster_enabled: Option<bool>,
    /// Filter the delta roster by interactivity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_interactive_roster_enabled: Option<bool>,
}

impl ODataKind for IncomingCallOptions {
    const ODATA_TYPE: &'static str = "#microsoft.graph.incomingCallOptions";
    fn accepts(short: &str) -> bool {
        short == "incomingcalloptions" || short == "calloptions"
    }
}

/// `callMediaState`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallMediaState {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<CallMediaState>))]
    pub odata_type: ODataType<CallMediaState>,
    /// Audio state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<MediaState>,
}
odata_kind!(CallMediaState, "callMediaState");

/// `callTranscriptionInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallTranscriptionInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<CallTranscriptionInfo>))]
    pub odata_type: ODataType<CallTranscriptionInfo>,
    /// State.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<CallTranscriptionState>,
    /// ISO 8601 time of the last change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_date_time: Option<String>,
}
odata_kind!(CallTranscriptionInfo, "callTranscriptionInfo");

/// `callRoute`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallRoute {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<CallRoute>))]
    pub odata_type: ODataType<CallRoute>,
    /// Where the call ended up (`final` on the wire).
    #[serde(rename = "final", skip_serializing_if = "Option::is_none")]
    pub final_identity: Option<IdentitySet>,
    /// Where it was placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<IdentitySet>,
    /// How it was routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_type: Option<RoutingType>,
}
odata_kind!(CallRoute, "callRoute");

/// `incomingContext` (compliance recording).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncomingContext {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<IncomingContext>))]
    pub odata_type: ODataType<IncomingContext>,
    /// Source participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_participant_id: Option<String>,
    /// Observed participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_participant_id: Option<String>,
    /// On behalf of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<IdentitySet>,
    /// Transferor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transferor: Option<IdentitySet>,
}
odata_kind!(IncomingContext, "incomingContext");

/// `resultInfo`: `code` (2xx/4xx/5xx), `subcode`, `message`.
///
/// Reads `code`/`subcode` as numbers or numeric strings, `subCode` as well as `subcode` (`subcode` wins
/// when both are present), a missing code or subcode as 0. Writes numbers and `subcode`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResultInfo {
    /// The tag.
    #[serde(rename = "@odata.type")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<ResultInfo>))]
    pub odata_type: ODataType<ResultInfo>,
    /// HTTP-like code.
    pub code: i32,
    /// Detail code.
    pub subcode: i32,
    /// Text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
odata_kind!(ResultInfo, "resultInfo");

impl ResultInfo {
    /// A resultInfo.
    pub fn new(code: i32, subcode: i32, message: impl Into<String>) -> Self {
        ResultInfo {
            odata_type: ODataType::new(),
            code,
            subcode,
            message: Some(message.into()),
        }
    }
}

impl<'de> Deserialize<'de> for ResultInfo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "@odata.type", default)]
            odata_type: ODataType<ResultInfo>,
            #[serde(default, deserialize_with = "lenient::opt_i32")]
            code: Option<i32>,
            #[serde(default, deserialize_with = "lenient::opt_i32")]
            subcode: Option<i32>,
            #[serde(rename = "subCode", default, deserialize_with = "lenient::opt_i32")]
            sub_code: Option<i32>,
            #[serde(default)]
            message: Option<String>,
        }
        let raw = Raw::deserialize(d)?;
        Ok(ResultInfo {
            odata_type: raw.odata_type,
            code: raw.code.unwrap_or(0),
            subcode: raw.subcode.or(raw.sub_code).unwrap_or(0),
            message: raw.message,
        })
    }
}
