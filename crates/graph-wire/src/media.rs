//! Media configuration and prompts: `mediaConfig` (service- or app-hosted), `mediaInfo`, `prompt` /
//! `mediaPrompt`, and `toneInfo`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::enums::Tone;
use crate::odata::{from_value, lenient, object_with_type, odata_kind, ODataType};

/// `mediaConfig` (abstract), discriminated by `@odata.type` case-insensitively.
///
/// Without `@odata.type` the variant is inferred: a `blob` member means app-hosted, anything else
/// service-hosted. Any other `@odata.type` is an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MediaConfig {
    /// `#microsoft.graph.serviceHostedMediaConfig`.
    ServiceHosted(ServiceHostedMediaConfig),
    /// `#microsoft.graph.appHostedMediaConfig`.
    AppHosted(AppHostedMediaConfig),
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig::ServiceHosted(ServiceHostedMediaConfig::default())
    }
}

impl<'de> Deserialize<'de> for MediaConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ty, value) = object_with_type(d, "mediaConfig")?;
        match ty.as_deref() {
            Some("servicehostedmediaconfig") => from_value(value).map(MediaConfig::ServiceHosted),
            Some("apphostedmediaconfig") => from_value(value).map(MediaConfig::AppHosted),
            None if value.get("blob").is_some() => from_value(value).map(MediaConfig::AppHosted),
            None => from_value(value).map(MediaConfig::ServiceHosted),
            Some(other) => Err(serde::de::Error::custom(format_args!(
                "unknown mediaConfig @odata.type `{other}` (expected serviceHostedMediaConfig or appHostedMediaConfig)"
            ))),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for MediaConfig {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::odata::schema::{any_of, reference};
        any_of(
            [
                reference::<ServiceHostedMediaConfig>(),
                reference::<AppHostedMediaConfig>(),
            ],
            "`mediaConfig` (abstract): `@odata.type` picks the variant; without it a `blob` member means app-hosted, anything else service-hosted.",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for MediaConfig {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::odata::schema::collect;
        collect::<ServiceHostedMediaConfig>(schemas);
        collect::<AppHostedMediaConfig>(schemas);
    }
}

/// `serviceHostedMediaConfig`: the platform plays and records media.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceHostedMediaConfig {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<ServiceHostedMediaConfig>))]
    pub odata_type: ODataType<ServiceHostedMediaConfig>,
    /// Prompts to fetch and cache ahead of use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_fetch_media: Option<Vec<MediaInfo>>,
    /// Seen in a docs example (ad-hoc group call); not in the CSDL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_from_default_audio_group: Option<bool>,
}
odata_kind!(ServiceHostedMediaConfig, "serviceHostedMediaConfig");

/// `appHostedMediaConfig`: the bot hosts media; `blob` is the opaque media-session configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppHostedMediaConfig {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<AppHostedMediaConfig>))]
    pub odata_type: ODataType<AppHostedMediaConfig>,
    /// Opaque media session configuration (in practice a JSON string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Seen in a docs example; not in the CSDL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_from_default_audio_group: Option<bool>,
}
odata_kind!(AppHostedMediaConfig, "appHostedMediaConfig");

/// `mediaInfo`: a WAV prompt (mono, 16-bit, 16 kHz) and its cache key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MediaInfo {
    /// The tag (the JS client sends it, kiota does not).
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<MediaInfo>))]
    pub odata_type: ODataType<MediaInfo>,
    /// Where the WAV file is (NN, required).
    pub uri: String,
    /// Cache key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
}
odata_kind!(MediaInfo, "mediaInfo");

impl MediaInfo {
    /// A mediaInfo for a URI and an optional cache key.
    pub fn new(uri: impl Into<String>, resource_id: Option<String>) -> Self {
        MediaInfo {
            odata_type: ODataType::new(),
            uri: uri.into(),
            resource_id,
        }
    }
}

/// `prompt` (abstract). Its only subtype is `mediaPrompt`; without `@odata.type` a `mediaPrompt` is
/// assumed, any other `@odata.type` is an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Prompt {
    /// `#microsoft.graph.mediaPrompt`.
    Media(MediaPrompt),
}

impl<'de> Deserialize<'de> for Prompt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ty, value) = object_with_type(d, "prompt")?;
        match ty.as_deref() {
            None | Some("mediaprompt") => from_value(value).map(Prompt::Media),
            Some(other) => Err(serde::de::Error::custom(format_args!(
                "unknown prompt @odata.type `{other}` (expected mediaPrompt)"
            ))),
        }
    }
}

impl Prompt {
    /// The prompt's media.
    pub fn media_info(&self) -> &MediaInfo {
        match self {
            Prompt::Media(p) => &p.media_info,
        }
    }
}

impl From<MediaInfo> for Prompt {
    fn from(media_info: MediaInfo) -> Self {
        Prompt::Media(MediaPrompt {
            odata_type: ODataType::new(),
            media_info,
        })
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Prompt {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::odata::schema::{any_of, reference};
        any_of(
            [
                reference::<MediaPrompt>(),
            ],
            "`prompt` (abstract): its only subtype is `mediaPrompt`, assumed when `@odata.type` is absent.",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Prompt {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::odata::schema::collect;
        collect::<MediaPrompt>(schemas);
    }
}

/// `mediaPrompt`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MediaPrompt {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<MediaPrompt>))]
    pub odata_type: ODataType<MediaPrompt>,
    /// The media (NN, required).
    pub media_info: MediaInfo,
}
odata_kind!(MediaPrompt, "mediaPrompt");

/// `toneInfo`: one DTMF key press reported on the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ToneInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<ToneInfo>))]
    pub odata_type: ODataType<ToneInfo>,
    /// Increments per tone; use it for ordering (Int64; numbers or numeric strings accepted).
    #[serde(deserialize_with = "lenient::i64")]
    pub sequence_id: i64,
    /// The key.
    pub tone: Tone,
}
odata_kind!(ToneInfo, "toneInfo");
