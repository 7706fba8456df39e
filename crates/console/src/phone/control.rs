//! The softphone's JSON control frames (`dial`, `dtmf`, `hold`, `hangup`, `stats`, `register`,
//! `unregister`, `answer`, `decline` from the page; `state`, `registered`, `stats`, `error` to
//! it) and what each asks of the call runtime: the softphone's leg is a simulated endpoint placed
//! with the runtime's `Dial` (a PSTN number or a directory user as the caller), or the ringing leg
//! of the user registered as "you", answered or declined on demand; its keys, hold and hang-up are
//! the same live controls the platform API offers on simulated legs (keys out of band, as a
//! phone's RFC 4733 events).

use ringside_engine::{ConversationId, LegId};
use ringside_model::{Guid, Tone};
use ringside_platform::PlatformState;
use ringside_runtime::behaviour::Timeline;
use ringside_runtime::routing::{self, EndpointNameError, NamedEndpoint};
use ringside_runtime::{CallError, Request};
use serde::Deserialize;
use serde_json::{json, Value};

/// A control frame from the page.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum FromPage {
    /// Call `to` (a number, user, app or resource account) as `from` (a number or a user).
    Dial {
        /// Who is called.
        to: String,
        /// Who calls.
        from: String,
    },
    /// Press one key (out of band).
    Dtmf {
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        digit: String,
    },
    /// Put the call on hold (`true`) or take it off.
    Hold {
        /// On or off.
        on: bool,
    },
    /// Hang up (a ringing call is declined).
    Hangup,
    /// Ask for the server's counters.
    Stats,
    /// Be `user` (a directory user's object id or principal name): calls to them ring here.
    Register {
        /// Who.
        user: String,
    },
    /// Stop being anyone.
    Unregister,
    /// Answer the ringing call.
    Answer,
    /// Decline the ringing call.
    Decline,
}

impl FromPage {
    /// Parses a text frame.
    pub fn parse(text: &str) -> Result<FromPage, String> {
        serde_json::from_str(text).map_err(|error| format!("not a control frame: {error}"))
    }
}

/// `{"type":"error","message":…}`.
pub fn error(message: &str) -> Value {
    json!({ "type": "error", "message": message })
}

/// `{"type":"state","state":…,"callId":…,"legId":…}` (plus `reason` when given).
pub fn state(state: &str, call: &Call, reason: Option<&str>) -> Value {
    json!({
        "type": "state",
        "state": state,
        "callId": call.conversation.to_string(),
        "legId": call.leg.to_string(),
        "reason": reason,
    })
}

/// `{"type":"state","state":"ringing",…,"from":…}`: a call for "you" rings.
pub fn ringing(call: &Call, from: Value) -> Value {
    let mut value = state("ringing", call, None);
    value["from"] = from;
    value
}

/// `{"type":"registered","you":…}` (`null` when nobody).
pub fn registered(you: Value) -> Value {
    json!({ "type": "registered", "you": you })
}

/// The softphone's call: its conversation and its own leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The conversation.
    pub conversation: ConversationId,
    /// The softphone's leg.
    pub leg: LegId,
}

/// Places the call: a simulated endpoint `from` dials `to`, with an empty timeline (the page
/// decides everything), in the tenant the platform API would pick.
pub async fn dial(platform: &PlatformState, from: &str, to: &str) -> Result<Call, String> {
    let resolve = |raw: &str| {
        platform
            .directory()
            .read(|d| routing::resolve_endpoint(d, raw))
            .map_err(|error| match error {
                EndpointNameError::Invalid(message) | EndpointNameError::UnknownUser(message) => {
                    message
                }
            })
    };
    let from: NamedEndpoint = resolve(from)?;
    let to: NamedEndpoint = resolve(to)?;
    if from.party == to.party {
        return Err("A phone cannot call itself.".into());
    }
    let tenant = platform
        .directory()
        .read(|d| routing::call_tenant(d, &from, &to))
        .ok_or("No tenant exists to route the call in.")?;
    let view = platform
        .calls()
        .ask(|reply| Request::Dial {
            from,
            to,
            tenant,
            timeline: Timeline::default(),
            custom: Default::default(),
            reply,
        })
        .await
        .map_err(describe)?;
    let id = |name: &str| view[name].as_str().unwrap_or_default().to_string();
    let guid = |name: &str| Guid::parse(&id(name)).map_err(|e| e.to_string());
    let conversation = ConversationId(guid("callId")?);
    let leg = LegId(guid("legId")?);
    Ok(Call { conversation, leg })
}

/// Presses `digit` on the call's leg, out of band.
pub async fn press(platform: &PlatformState, call: Call, digit: &str) -> Result<(), String> {
    let mut chars = digit.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return Err("digit: one key (0-9, *, #, A-D)".into());
    };
    let tone = Tone::from_char(c).map_err(|error| error.to_string())?;
    platform
        .calls()
        .ask(|reply| Request::Press {
            conversation: call.conversation,
            leg: call.leg,
            tones: vec![tone],
            in_band: false,
            reply,
        })
        .await
        .map_err(describe)
}

/// Holds or resumes the call's leg.
pub async fn hold(platform: &PlatformState, call: Call, on: bool) -> Result<(), String> {
    let (conversation, leg) = (call.conversation, call.leg);
    let calls = platform.calls();
    let result = if on {
        calls
            .ask(|reply| Request::Hold {
                conversation,
                leg,
                duration: None,
                reply,
            })
            .await
    } else {
        calls
            .ask(|reply| Request::Resume {
                conversation,
                leg,
                reply,
            })
            .await
    };
    result.map_err(describe)
}

/// The ringing leg picks up.
pub async fn answer(platform: &PlatformState, call: Call) -> Result<(), String> {
    platform
        .calls()
        .ask(|reply| Request::Answer {
            conversation: call.conversation,
            leg: call.leg,
            reply,
        })
        .await
        .map_err(describe)
}

/// The ringing leg declines (or says it is busy).
pub async fn decline(platform: &PlatformState, call: Call, busy: bool) -> Result<(), String> {
    platform
        .calls()
        .ask(|reply| Request::Decline {
            conversation: call.conversation,
            leg: call.leg,
            busy,
            reply,
        })
        .await
        .map_err(describe)
}

/// Hangs up the call's leg (also while it is still dialling).
pub async fn hang_up(platform: &PlatformState, call: Call) -> Result<(), String> {
    platform
        .calls()
        .ask(|reply| Request::HangUp {
            conversation: call.conversation,
            leg: call.leg,
            reply,
        })
        .await
        .map_err(describe)
}

fn describe(error: CallError) -> String {
    match error {
        CallError::NotFound(message)
        | CallError::BadRequest(message)
        | CallError::Conflict(message) => message,
        CallError::Unavailable => "the call runtime has stopped".into(),
        CallError::Busy => "the call runtime is busy; try again".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_frames_parse_strictly() {
        assert_eq!(
            FromPage::parse(r#"{"type":"dial","to":"+14255550100","from":"+15550001"}"#),
            Ok(FromPage::Dial {
                to: "+14255550100".into(),
                from: "+15550001".into()
            })
        );
        assert_eq!(
            FromPage::parse(r#"{"type":"dtmf","digit":"5"}"#),
            Ok(FromPage::Dtmf { digit: "5".into() })
        );
        assert_eq!(
            FromPage::parse(r#"{"type":"hold","on":true}"#),
            Ok(FromPage::Hold { on: true })
        );
        assert_eq!(
            FromPage::parse(r#"{"type":"hangup"}"#),
            Ok(FromPage::Hangup)
        );
        assert_eq!(
            FromPage::parse(r#"{"type":"register","user":"adele@contoso.com"}"#),
            Ok(FromPage::Register {
                user: "adele@contoso.com".into()
            })
        );
        assert_eq!(
            FromPage::parse(r#"{"type":"answer"}"#),
            Ok(FromPage::Answer)
        );
        assert_eq!(
            FromPage::parse(r#"{"type":"decline"}"#),
            Ok(FromPage::Decline)
        );
        assert!(FromPage::parse(r#"{"type":"register"}"#).is_err());
        assert!(FromPage::parse(r#"{"type":"dial","to":"x"}"#).is_err());
        assert!(FromPage::parse(r#"{"type":"ring"}"#).is_err());
        assert!(FromPage::parse("not json").is_err());
    }
}
