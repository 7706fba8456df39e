//! Shared models that are not identifiers or media: CallLocator, the custom calling context (SIP
//! and VoIP headers) of requests and of IncomingCall, callIntelligenceOptions, and the
//! `resultInformation` of callback events.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::enums::CallLocatorKind;

/// `CallLocator`: one of `serverCallId`, `groupCallId`, `roomId`, with an optional `kind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLocator {
    /// Which id is set (the SDKs send it; optional on input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CallLocatorKind>,
    /// A server call id (the only locator Ringside serves).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// A group call id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_call_id: Option<String>,
    /// A Rooms id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
}

impl CallLocator {
    /// A `serverCallLocator`.
    pub fn server_call(id: &str) -> Self {
        CallLocator {
            kind: Some(CallLocatorKind::ServerCallLocator),
            server_call_id: Some(id.to_owned()),
            ..Default::default()
        }
    }

    /// Whether it names a group call or a room (by id or by `kind`), which the door does not serve.
    pub fn is_group_or_room(&self) -> bool {
        self.group_call_id.is_some()
            || self.room_id.is_some()
            || matches!(
                self.kind,
                Some(CallLocatorKind::GroupCallLocator | CallLocatorKind::RoomCallLocator)
            )
    }
}

/// `customCallingContext` of requests: SIP headers (`X-MS-Custom-…`, `X-…`, `userToUser` /
/// `User-To-User`) and VoIP headers, each a name → value map. Either may be absent; JS sends both,
/// even empty. Checking names, sizes and counts is the caller's business.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomCallingContext {
    /// SIP headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_headers: Option<BTreeMap<String, String>>,
    /// VoIP headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voip_headers: Option<BTreeMap<String, String>>,
}

/// `customContext` of IncomingCall: both maps, always written (possibly empty), as the door does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomContext {
    /// SIP headers.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub sip_headers: BTreeMap<String, String>,
    /// VoIP headers.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub voip_headers: BTreeMap<String, String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

/// `callIntelligenceOptions` (the door ignores it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallIntelligenceOptions {
    /// The Azure AI services endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cognitive_services_endpoint: Option<String>,
}

/// `resultInformation` of callback events: `{code, subCode, message}`, plus the SIP and Q.850
/// details the service may add. The door always writes the first three.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultInformation {
    /// HTTP-like class (200, 400, 500, 6xx).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// Detail code (0 on success, 8xxx otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<i32>,
    /// Text (may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// SIP response of the far end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_details: Option<DiagnosticDetails>,
    /// Q.850 cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q850_details: Option<DiagnosticDetails>,
}

/// `sipDetails` / `q850Details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticDetails {
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The reason text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ResultInformation {
    /// `{code, subCode, message}`, as the door writes it.
    pub fn new(code: i32, sub_code: i32, message: &str) -> Self {
        ResultInformation {
            code: Some(code),
            sub_code: Some(sub_code),
            message: Some(message.to_owned()),
            sip_details: None,
            q850_details: None,
        }
    }
}
