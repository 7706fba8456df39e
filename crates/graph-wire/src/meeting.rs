//! Meetings: `meetingInfo` variants (organizer, token, joinMeetingId), `chatInfo`, and a minimal
//! `onlineMeeting`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::identity::IdentitySet;
use crate::odata::{
    from_value, null_as_default, object_with_type, odata_kind, AdditionalData, ODataType,
};

/// `meetingInfo` (abstract), discriminated by `@odata.type` case-insensitively. Without `@odata.type` the
/// variant is inferred from the members (`organizer`, `token`, `joinMeetingId`); otherwise it is an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MeetingInfo {
    /// `#microsoft.graph.organizerMeetingInfo` (join with chatInfo).
    Organizer(Box<OrganizerMeetingInfo>),
    /// `#microsoft.graph.tokenMeetingInfo` (token from an incoming-call notification).
    Token(TokenMeetingInfo),
    /// `#microsoft.graph.joinMeetingIdMeetingInfo`.
    JoinMeetingId(JoinMeetingIdMeetingInfo),
}

impl<'de> Deserialize<'de> for MeetingInfo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ty, value) = object_with_type(d, "meetingInfo")?;
        let inferred = match ty.as_deref() {
            Some(t) => t.to_owned(),
            None if value.get("token").is_some() => "tokenmeetinginfo".into(),
            None if value.get("joinMeetingId").is_some() => "joinmeetingidmeetinginfo".into(),
            None if value.get("organizer").is_some() => "organizermeetinginfo".into(),
            None => String::new(),
        };
        match inferred.as_str() {
            "organizermeetinginfo" => {
                from_value(value).map(|m| MeetingInfo::Organizer(Box::new(m)))
            }
            "tokenmeetinginfo" => from_value(value).map(MeetingInfo::Token),
            "joinmeetingidmeetinginfo" => from_value(value).map(MeetingInfo::JoinMeetingId),
            "" => Err(serde::de::Error::custom(
                "meetingInfo without @odata.type and without organizer/token/joinMeetingId",
            )),
            other => Err(serde::de::Error::custom(format_args!(
                "unknown meetingInfo @odata.type `{other}`"
            ))),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for MeetingInfo {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::odata::schema::{any_of, reference};
        any_of(
            [
                reference::<OrganizerMeetingInfo>(),
                reference::<TokenMeetingInfo>(),
                reference::<JoinMeetingIdMeetingInfo>(),
            ],
            "`meetingInfo` (abstract): `@odata.type` picks the variant; without it the members decide (`token`, `joinMeetingId`, `organizer`).",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for MeetingInfo {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::odata::schema::collect;
        collect::<OrganizerMeetingInfo>(schemas);
        collect::<TokenMeetingInfo>(schemas);
        collect::<JoinMeetingIdMeetingInfo>(schemas);
    }
}

/// `organizerMeetingInfo` (Open).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizerMeetingInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<OrganizerMeetingInfo>))]
    pub odata_type: ODataType<OrganizerMeetingInfo>,
    /// The organizer (NN; `user` usually carries `tenantId`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub organizer: IdentitySet,
    /// Seen in examples (not in the v1.0 CSDL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_conversation_without_host: Option<bool>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}
odata_kind!(OrganizerMeetingInfo, "organizerMeetingInfo");

/// `tokenMeetingInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenMeetingInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<TokenMeetingInfo>))]
    pub odata_type: ODataType<TokenMeetingInfo>,
    /// The join token (NN, required).
    pub token: String,
}
odata_kind!(TokenMeetingInfo, "tokenMeetingInfo");

/// `joinMeetingIdMeetingInfo` (Open).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JoinMeetingIdMeetingInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<JoinMeetingIdMeetingInfo>))]
    pub odata_type: ODataType<JoinMeetingIdMeetingInfo>,
    /// The numeric meeting id (NN, required).
    pub join_meeting_id: String,
    /// Passcode, or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}
odata_kind!(JoinMeetingIdMeetingInfo, "joinMeetingIdMeetingInfo");

/// `chatInfo`: the meeting chat thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChatInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<ChatInfo>))]
    pub odata_type: ODataType<ChatInfo>,
    /// `19:meeting_…@thread.v2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Usually `"0"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Reply-chain message id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_chain_message_id: Option<String>,
}
odata_kind!(ChatInfo, "chatInfo");

/// `onlineMeeting` (entity), minimal: what a bot needs to join.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeeting {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<OnlineMeeting>))]
    pub odata_type: ODataType<OnlineMeeting>,
    /// `@odata.context` on responses.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub odata_context: Option<String>,
    /// Meeting id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `https://teams.microsoft.com/l/meetup-join/…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_web_url: Option<String>,
    /// Join by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_meeting_id_settings: Option<JoinMeetingIdSettings>,
    /// The meeting chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_info: Option<ChatInfo>,
    /// Participants (organizer only here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<MeetingParticipants>,
    /// Subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// ISO 8601 start time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<String>,
    /// ISO 8601 end time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
    /// ISO 8601 creation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date_time: Option<String>,
}
odata_kind!(OnlineMeeting, "onlineMeeting");

/// `joinMeetingIdSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JoinMeetingIdSettings {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<JoinMeetingIdSettings>))]
    pub odata_type: ODataType<JoinMeetingIdSettings>,
    /// Numeric meeting id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_meeting_id: Option<String>,
    /// Passcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
    /// Whether a passcode is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_passcode_required: Option<bool>,
}
odata_kind!(JoinMeetingIdSettings, "joinMeetingIdSettings");

/// `meetingParticipants` (organizer only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MeetingParticipants {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<MeetingParticipants>))]
    pub odata_type: ODataType<MeetingParticipants>,
    /// The organizer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<MeetingParticipantInfo>,
}
odata_kind!(MeetingParticipants, "meetingParticipants");

/// `meetingParticipantInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MeetingParticipantInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<MeetingParticipantInfo>))]
    pub odata_type: ODataType<MeetingParticipantInfo>,
    /// Who.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentitySet>,
    /// UPN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// `attendee`, `presenter`, `producer`, `coorganizer`… (kept as a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}
odata_kind!(MeetingParticipantInfo, "meetingParticipantInfo");
