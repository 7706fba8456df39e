//! Rendering of `Microsoft.Communication.IncomingCall` (digest §5.1, seed 004): communication
//! identifiers with rawIds, the event `data`, both delivery schemas (Event Grid and CloudEvents
//! 1.0), and the signed `incomingCallContext` token that `answerCall`/`rejectCall`/`redirectCall`
//! take back.
//!
//! The token is `base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload))`: the payload names
//! the ACS resource, the conversation and the offered leg and an expiry; the key is the server's
//! secret, so a client can read the token but not forge or alter one.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ringside_acs_wire::{CloudEvent, EventGridEvent};
use ringside_model::Party;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The `28:orgid:` rawId prefix of a Teams resource account (application instance) and of bots.
const TEAMS_APP_PREFIX: &str = "28:orgid:";

/// A CommunicationIdentifierModel for a party, with `kind`, `rawId` and the sub-object wherever
/// the SDKs define one. A resource account renders as seed 004 shows it: `kind: "unknown"` with
/// rawId `28:orgid:<account id>`.
pub(crate) fn identifier(party: &Party) -> Value {
    match party {
        Party::Phone(number) => json!({
            "kind": "phoneNumber",
            "rawId": format!("4:{}", number.as_str()),
            "phoneNumber": { "value": number.as_str() },
        }),
        Party::User { user, .. } => json!({
            "kind": "microsoftTeamsUser",
            "rawId": format!("8:orgid:{user}"),
            "microsoftTeamsUser": { "userId": user.to_string(), "isAnonymous": false, "cloud": "public" },
        }),
        Party::Application { app } => json!({
            "kind": "microsoftTeamsApp",
            "rawId": format!("{TEAMS_APP_PREFIX}{app}"),
            "microsoftTeamsApp": { "appId": app.to_string(), "cloud": "public" },
        }),
        Party::ApplicationInstance { instance, .. } => json!({
            "kind": "unknown",
            "rawId": format!("{TEAMS_APP_PREFIX}{instance}"),
        }),
        Party::AcsUser(raw) => json!({
            "kind": "communicationUser",
            "rawId": raw,
            "communicationUser": { "id": raw },
        }),
    }
}

/// The rawId of a rendered identifier.
pub(crate) fn raw_id(identifier: &Value) -> &str {
    identifier["rawId"].as_str().unwrap_or("")
}

/// Everything an IncomingCall's `data` says.
#[derive(Debug, Clone)]
pub(crate) struct IncomingCall {
    pub(crate) to: Party,
    pub(crate) from: Party,
    pub(crate) caller_display_name: String,
    pub(crate) server_call_id: String,
    pub(crate) correlation_id: String,
    pub(crate) incoming_call_context: String,
    /// SIP `X-MS-Custom-*` and `userToUser` headers (name → value).
    pub(crate) sip_headers: Vec<(String, String)>,
    /// VoIP headers (name → value).
    pub(crate) voip_headers: Vec<(String, String)>,
}

fn map(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

impl IncomingCall {
    /// The event's `data` object (wire names `to`/`from`; `customContext` always present).
    pub(crate) fn data(&self) -> Value {
        json!({
            "to": identifier(&self.to),
            "from": identifier(&self.from),
            "serverCallId": self.server_call_id,
            "callerDisplayName": self.caller_display_name,
            "customContext": {
                "sipHeaders": map(&self.sip_headers),
                "voipHeaders": map(&self.voip_headers),
            },
            "incomingCallContext": self.incoming_call_context,
            "correlationId": self.correlation_id,
        })
    }

    /// `/caller/{caller-rawId}/recipient/{recipient-rawId}`.
    pub(crate) fn subject(&self) -> String {
        format!(
            "/caller/{}/recipient/{}",
            raw_id(&identifier(&self.from)),
            raw_id(&identifier(&self.to))
        )
    }
}

/// One event in the Event Grid schema. `time` is RFC 3339.
pub(crate) fn event_grid_event(
    id: &str,
    topic: &str,
    subject: &str,
    event_type: &str,
    time: &str,
    data: Value,
) -> Value {
    serde_json::to_value(EventGridEvent::new(
        id, topic, subject, event_type, time, data,
    ))
    .unwrap_or_default()
}

/// One event in the CloudEvents 1.0 schema (Event Grid's CloudEventSchemaV1_0 delivery).
pub(crate) fn cloud_event(
    id: &str,
    source: &str,
    subject: &str,
    event_type: &str,
    time: &str,
    data: Value,
) -> Value {
    serde_json::to_value(CloudEvent::new(id, source, subject, event_type, time, data))
        .unwrap_or_default()
}

/// What an `incomingCallContext` token names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CallContext {
    /// ACS resource id.
    #[serde(rename = "r")]
    pub(crate) resource: String,
    /// Conversation id.
    #[serde(rename = "c")]
    pub(crate) conversation: String,
    /// The offered bot leg.
    #[serde(rename = "l")]
    pub(crate) leg: String,
    /// Unix seconds after which the token is refused.
    #[serde(rename = "e")]
    pub(crate) expires_at: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContextError {
    Malformed,
    BadSignature,
    Expired,
}

fn mac(key: &[u8], payload: &str) -> String {
    // acs_sign takes a base64 key and returns base64; re-encode to base64url for the token.
    let signature = ringside_identity::acs_sign(&STANDARD.encode(key), payload).unwrap_or_default();
    STANDARD
        .decode(signature)
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
        .unwrap_or_default()
}

/// Constant-time equality of two byte strings (length is not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl CallContext {
    /// The signed token. `key` must be non-empty (the server's random secret).
    pub(crate) fn seal(&self, key: &[u8]) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let signature = mac(key, &payload);
        format!("{payload}.{signature}")
    }

    /// Checks a token's signature and expiry and returns what it names.
    pub(crate) fn open(token: &str, key: &[u8], now: i64) -> Result<CallContext, ContextError> {
        let (payload, signature) = token.split_once('.').ok_or(ContextError::Malformed)?;
        let expected = mac(key, payload);
        if expected.is_empty() || !same(signature.as_bytes(), expected.as_bytes()) {
            return Err(ContextError::BadSignature);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| ContextError::Malformed)?;
        let context: CallContext =
            serde_json::from_slice(&bytes).map_err(|_| ContextError::Malformed)?;
        if now >= context.expires_at {
            return Err(ContextError::Expired);
        }
        Ok(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_model::{Guid, InstanceId, TenantId, E164};

    fn guid(text: &str) -> Guid {
        text.parse().expect("guid")
    }

    fn sample() -> IncomingCall {
        IncomingCall {
            to: Party::ApplicationInstance {
                tenant: TenantId(guid("11111111-2222-3333-4444-555555555555")),
                instance: InstanceId(guid("cc123456-5678-5678-1234-ccc123456789")),
            },
            from: Party::Phone(E164::parse("+12065551212").expect("number")),
            caller_display_name: "+12065551212".into(),
            server_call_id: "c2VydmVyLWNhbGwtaWQ".into(),
            correlation_id: "2e0fa6fe-bf3e-4351-9beb-568add4f5315".into(),
            incoming_call_context: "ctx".into(),
            sip_headers: vec![("X-MS-Custom-myheader1".into(), "35567842".into())],
            voip_headers: vec![("X-myCustomVoipHeaderName".into(), "myValue".into())],
        }
    }

    #[test]
    fn incoming_call_data_matches_the_golden_fixture() {
        let golden: Value = serde_json::from_str(include_str!("fixtures/incoming_call_data.json"))
            .expect("fixture");
        assert_eq!(sample().data(), golden);
        assert_eq!(
            sample().subject(),
            "/caller/4:+12065551212/recipient/28:orgid:cc123456-5678-5678-1234-ccc123456789"
        );
    }

    #[test]
    fn identifiers_carry_kind_raw_id_and_sub_object() {
        let phone = identifier(&Party::Phone(E164::parse("+14255550123").expect("n")));
        assert_eq!(phone["rawId"], "4:+14255550123");
        assert_eq!(phone["phoneNumber"]["value"], "+14255550123");
        let acs = identifier(&Party::AcsUser("8:acs:r_u".into()));
        assert_eq!(acs["kind"], "communicationUser");
        assert_eq!(acs["communicationUser"]["id"], "8:acs:r_u");
        let user = identifier(&Party::User {
            tenant: TenantId(guid("11111111-2222-3333-4444-555555555555")),
            user: ringside_model::UserId(guid("aaaaaaaa-2222-3333-4444-555555555555")),
        });
        assert_eq!(
            user["rawId"],
            "8:orgid:aaaaaaaa-2222-3333-4444-555555555555"
        );
        assert_eq!(user["microsoftTeamsUser"]["cloud"], "public");
    }

    #[test]
    fn envelopes_are_written_byte_for_byte_as_before() {
        let data = serde_json::json!({"b": 1, "a": null});
        assert_eq!(
            serde_json::to_string(&event_grid_event("i", "t", "s", "E", "2026", data.clone()))
                .expect("json"),
            r#"{"data":{"a":null,"b":1},"dataVersion":"1.0","eventTime":"2026","eventType":"E","id":"i","metadataVersion":"1","subject":"s","topic":"t"}"#
        );
        assert_eq!(
            serde_json::to_string(&cloud_event("i", "src", "s", "E", "2026", data)).expect("json"),
            r#"{"data":{"a":null,"b":1},"datacontenttype":"application/json","id":"i","source":"src","specversion":"1.0","subject":"s","time":"2026","type":"E"}"#
        );
    }

    #[test]
    fn envelopes_have_the_fields_the_sdk_parsers_require() {
        let data = sample().data();
        let eg = event_grid_event(
            "id",
            &ringside_runtime::eventgrid::topic("s", "rg", "ringside-dev"),
            &sample().subject(),
            "Microsoft.Communication.IncomingCall",
            "2026-11-22T10:00:00Z",
            data.clone(),
        );
        // azure-eventgrid's EventGridEvent.from_dict needs these.
        for field in [
            "id",
            "subject",
            "data",
            "eventType",
            "eventTime",
            "dataVersion",
            "topic",
        ] {
            assert!(eg.get(field).is_some(), "{field}");
        }
        assert!(eg["topic"]
            .as_str()
            .unwrap()
            .ends_with("/providers/Microsoft.Communication/communicationServices/ringside-dev"));
        let ce = cloud_event(
            "id",
            eg["topic"].as_str().unwrap(),
            &sample().subject(),
            "Microsoft.Communication.IncomingCall",
            "2026-11-22T10:00:00Z",
            data,
        );
        for field in ["id", "source", "type", "specversion"] {
            assert!(ce.get(field).is_some(), "{field}");
        }
        assert_eq!(ce["specversion"], "1.0");
    }

    #[test]
    fn call_context_round_trips_and_cannot_be_forged() {
        let key = [7u8; 32];
        let context = CallContext {
            resource: "r".into(),
            conversation: "c1".into(),
            leg: "l2".into(),
            expires_at: 1_000,
        };
        let token = context.seal(&key);
        assert_eq!(CallContext::open(&token, &key, 999), Ok(context.clone()));
        assert_eq!(
            CallContext::open(&token, &key, 1_000),
            Err(ContextError::Expired)
        );
        assert_eq!(
            CallContext::open(&token, &[8u8; 32], 0),
            Err(ContextError::BadSignature)
        );
        // Swapping the payload for another leg keeps the old signature: refused.
        let other = CallContext {
            leg: "l3".into(),
            ..context
        }
        .seal(&[9u8; 32]);
        let forged = format!(
            "{}.{}",
            other.split_once('.').unwrap().0,
            token.split_once('.').unwrap().1
        );
        assert_eq!(
            CallContext::open(&forged, &key, 0),
            Err(ContextError::BadSignature)
        );
        assert_eq!(
            CallContext::open("garbage", &key, 0),
            Err(ContextError::Malformed)
        );
        assert_eq!(CallContext::open("", &key, 0), Err(ContextError::Malformed));
    }
}
