//! What every ACS operation (call connections and recordings alike) shares: the result type, the
//! error answers (400 `8523` invalid argument, 404 `8522` unknown call, 405 `8520` not
//! implemented), running a closure on the call runtime, the caller's live connection, and reading
//! the request body as an `ringside_acs_wire` request type ([`Body`]) with the door's checks on
//! required text and callback URLs.
//!
//! # Reading a body
//! [`Body::read`] takes the JSON object (an empty body is `{}`; anything else is 400 `8523` saying
//! so), and [`Body::parse`] reads it as a request type: member names in any letter case, unknown
//! members ignored, a struct only from an object ([`crate::strict_json`]), a missing or mistyped
//! member 400 `8523` naming it. The door has always
//! ignored what it cannot use in some members (an identifier's `kind: 5`, `playOptions: "x"`, a
//! `transcriptionOptions` it does not serve); those are named per operation as *lenient*
//! (`name`, `name[]` for the items of a list, `a.b` below): a misfit at or below them is dropped
//! (turned into `{}` first, where an object is expected, so the door's own message about what is
//! missing follows) and the body is read again.

use axum::http::StatusCode;
use ringside_acs_wire::RequestBody;
use ringside_engine::LegId;
use ringside_model::{AcsResourceId, Guid};
use serde_json::{Map, Value};
use serde_path_to_error::Segment;

use crate::calls::{AcsCall, AcsCalls};
use crate::error::AcsError;
use crate::strict_json::Strict;
use crate::AcsState;
use ringside_runtime::door::DoorCtx;

/// An operation's result: its answer, or an error in the ACS envelope.
pub(crate) type Result<T> = std::result::Result<T, AcsError>;

/// 400 `8523`.
pub(crate) fn invalid(message: impl Into<String>) -> AcsError {
    AcsError::new(StatusCode::BAD_REQUEST, "8523", message)
}

/// 404 `8522`: the call connection is unknown (or not the caller's, or over).
pub(crate) fn not_found() -> AcsError {
    AcsError::new(StatusCode::NOT_FOUND, "8522", "Call not found.")
}

/// 405 `8520`: `what` is not supported by this server.
pub(crate) fn not_implemented(what: &str) -> AcsError {
    AcsError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "8520",
        format!("{what} is not supported by this server."),
    )
}

/// Runs `f` on the call runtime (503 when it is gone).
pub(crate) async fn run<T: Send + 'static>(
    state: &AcsState,
    f: impl FnOnce(&mut DoorCtx<'_, AcsCalls>) -> Result<T> + Send + 'static,
) -> Result<T> {
    state.calls().exec(f).await.map_err(|error| match error {
        ringside_runtime::CallError::Busy => AcsError::too_many_requests(1),
        _ => AcsError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The call runtime is not available.",
        ),
    })?
}

/// The connection of the caller's resource that is still live.
pub(crate) fn live<'a>(
    ctx: &'a mut DoorCtx<'_, AcsCalls>,
    resource: AcsResourceId,
    id: LegId,
) -> Result<&'a mut AcsCall> {
    let call = ctx.door().visible(resource, id).ok_or_else(not_found)?;
    if call.state.is_terminated() {
        return Err(not_found());
    }
    Ok(call)
}

/// A `callConnectionId` (404 when it cannot be one of ours).
pub(crate) fn connection_id(text: &str) -> Result<LegId> {
    Guid::parse(text.trim()).map(LegId).map_err(|_| not_found())
}

/// How many misfits a lenient reading drops before it refuses the body (each drop reads the body
/// again).
const LENIENT_RETRIES: usize = 64;

/// A request body: a JSON object, to be read as a request type.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body(Map<String, Value>);

impl Body {
    /// The body as a JSON object (empty: `{}`).
    pub(crate) fn read(bytes: &[u8]) -> Result<Body> {
        if bytes.is_empty() {
            return Ok(Body::default());
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Body(map)),
            Ok(_) => Err(invalid("The request body must be a JSON object.")),
            Err(error) => Err(invalid(format!(
                "The request body is not valid JSON: {error}."
            ))),
        }
    }

    /// The member `name` as given (that spelling first, else in any letter case); `null` is
    /// absent.
    pub(crate) fn member(&self, name: &str) -> Option<&Value> {
        self.0
            .get(name)
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .filter(|v| !v.is_null())
    }

    /// The body as `T`, dropping misfits at or below the `lenient` members (see the module doc);
    /// any other misfit is 400 `8523` naming the member.
    pub(crate) fn parse<T: RequestBody>(&self, lenient: &[&str]) -> Result<T> {
        let mut map = self.0.clone();
        T::normalize_names(&mut map);
        let mut value = Value::Object(map);
        let mut retries = 0;
        loop {
            let error = match serde_path_to_error::deserialize::<_, T>(Strict(&value)) {
                Ok(request) => return Ok(request),
                Err(error) => error,
            };
            let path: Vec<&Segment> = error.path().iter().collect();
            retries += 1;
            if retries > LENIENT_RETRIES
                || !lenient.iter().any(|pattern| covers(pattern, &path))
                || !loosen(&mut value, &path)
            {
                return Err(refused(&error));
            }
        }
    }
}

/// 400 `8523` for a body that does not read as its request type.
fn refused(error: &serde_path_to_error::Error<serde_json::Error>) -> AcsError {
    if error.path().iter().next().is_none() {
        invalid(format!("The request body is not valid: {}.", error.inner()))
    } else {
        invalid(format!("{error}."))
    }
}

/// Whether `path` is at or below a lenient member: `pattern` is `.`-separated member names, `[]`
/// after a name standing for any item of that list.
fn covers(pattern: &str, path: &[&Segment]) -> bool {
    let mut rest = path.iter();
    for part in pattern.split('.') {
        let (name, items) = match part.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (part, false),
        };
        if !matches!(rest.next(), Some(Segment::Map { key }) if key == name) {
            return false;
        }
        if items && !matches!(rest.next(), Some(Segment::Seq { .. })) {
            return false;
        }
    }
    true
}

/// Loosens the member at `path`: `null` or `{}` is dropped, anything else becomes `{}` (a list
/// item is never dropped: an item already `{}` cannot be loosened). `false` when nothing changed.
fn loosen(value: &mut Value, path: &[&Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut parent = value;
    for segment in parents {
        let next = match (segment, parent) {
            (Segment::Map { key }, Value::Object(map)) => map.get_mut(key),
            (Segment::Seq { index }, Value::Array(items)) => items.get_mut(*index),
            _ => None,
        };
        let Some(next) = next else {
            return false;
        };
        parent = next;
    }
    let empty = |v: &Value| v.as_object().is_some_and(Map::is_empty);
    match (last, parent) {
        (Segment::Map { key }, Value::Object(map)) => match map.get(key.as_str()) {
            None => false,
            Some(v) if v.is_null() || empty(v) => map.remove(key.as_str()).is_some(),
            Some(_) => {
                map.insert(key.clone(), Value::Object(Map::new()));
                true
            }
        },
        (Segment::Seq { index }, Value::Array(items)) => match items.get_mut(*index) {
            Some(item) if !empty(item) => {
                *item = Value::Object(Map::new());
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Text the request must give (not blank): `name is required.` otherwise.
pub(crate) fn required(text: String, name: &str) -> Result<String> {
    if text.trim().is_empty() {
        return Err(invalid(format!("{name} is required.")));
    }
    Ok(text)
}

/// A required callback URL: given, not blank, https (http only for loopback hosts).
pub(crate) fn callback_uri(uri: String, name: &str) -> Result<String> {
    let uri = required(uri, name)?;
    ringside_directory::validate::https_url(name, &uri)
        .map(|()| uri.clone())
        .map_err(|_| {
            invalid(format!(
                "{name} must be an https URL (http only for loopback hosts)."
            ))
        })
}

/// An optional callback URL, checked like [`callback_uri`] when given.
pub(crate) fn optional_callback(uri: Option<String>, name: &str) -> Result<Option<String>> {
    uri.map(|uri| callback_uri(uri, name)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_acs_wire::{
        CreateCallRequest, PlayRequest, PlaySourceKind, RecognizeRequest, RedirectCallRequest,
        RemoveParticipantRequest, TransferToParticipantRequest,
    };
    use serde_json::json;

    fn body(value: Value) -> Body {
        Body::read(value.to_string().as_bytes()).expect("an object")
    }

    fn refusal<T: RequestBody + std::fmt::Debug>(value: Value, lenient: &[&str]) -> String {
        let error = body(value).parse::<T>(lenient).expect_err("refused");
        assert_eq!(
            (error.status, error.code.as_str()),
            (StatusCode::BAD_REQUEST, "8523")
        );
        error.message
    }

    #[test]
    fn bodies_are_json_objects_or_empty() {
        assert!(Body::read(b"").expect("empty").0.is_empty());
        for (bytes, message) in [
            (&b"[1]"[..], "The request body must be a JSON object."),
            (b"\"x\"", "The request body must be a JSON object."),
        ] {
            let error = Body::read(bytes).expect_err("not an object");
            assert_eq!(
                (error.code.as_str(), error.message.as_str()),
                ("8523", message)
            );
        }
        let error = Body::read(b"{not json").expect_err("not JSON");
        assert!(error
            .message
            .starts_with("The request body is not valid JSON: "));
    }

    #[test]
    fn members_are_found_in_any_case_and_null_is_absent() {
        let b = body(json!({"CallbackUri": "u", "targets": null}));
        assert_eq!(b.member("callbackUri"), Some(&json!("u")));
        assert_eq!(b.member("targets"), None);
        assert_eq!(b.member("source"), None);
    }

    #[test]
    fn misfits_outside_lenient_members_name_the_member() {
        let message = refusal::<RemoveParticipantRequest>(
            json!({"participantToRemove": {"rawId": "4:+1"}, "operationContext": {}}),
            &["participantToRemove"],
        );
        assert!(
            message.starts_with("operationContext: invalid type"),
            "{message}"
        );
        let message = refusal::<CreateCallRequest>(json!({"targets": []}), &["targets[]"]);
        assert_eq!(
            message,
            "The request body is not valid: missing field `callbackUri`."
        );
        let message = refusal::<CreateCallRequest>(
            json!({"targets": [{"rawId": 4}], "callbackUri": "u"}),
            &[],
        );
        assert!(message.starts_with("targets[0].rawId: "), "{message}");
    }

    #[test]
    fn identifiers_are_read_as_the_door_always_read_them() {
        // A mistyped member is left out; the rawId comes from what is left.
        let redirect: RedirectCallRequest = body(json!({
            "incomingCallContext": "t",
            "target": {"kind": 5, "rawId": 7, "phoneNumber": {"value": "+1425", "isAnonymous": "no"},
                       "communicationUser": {}},
        }))
        .parse(&["target"])
        .expect("lenient");
        assert_eq!(redirect.target.raw_id().as_deref(), Some("4:+1425"));
        assert_eq!(redirect.target.kind, None);
        // An identifier that is not an object reads as one without a rawId (the door says so).
        let create: CreateCallRequest = body(json!({
            "targets": ["4:+1425", {"rawId": "4:+1426"}], "callbackUri": "u",
            "transcriptionOptions": {"locale": 5}, "callIntelligenceOptions": "x",
            "sourceCallerIdNumber": {"value": 5}, "teamsAppSource": {"appId": "a", "cloud": 1},
        }))
        .parse(&[
            "targets[]",
            "sourceCallerIdNumber",
            "teamsAppSource",
            "transcriptionOptions",
            "callIntelligenceOptions",
        ])
        .expect("lenient");
        assert_eq!(create.targets[0].raw_id(), None);
        assert_eq!(create.targets[1].raw_id().as_deref(), Some("4:+1426"));
        assert_eq!(create.source_caller_id_number, None);
        assert_eq!(
            create.teams_app_source.map(|a| a.app_id).as_deref(),
            Some("a")
        );
        assert_eq!(create.transcription_options, None);
        // `targets` itself is not lenient: a list is required.
        refusal::<CreateCallRequest>(json!({"targets": "x", "callbackUri": "u"}), &["targets[]"]);
        // A required identifier given as null is missing, not `{}`.
        refusal::<TransferToParticipantRequest>(
            json!({"targetParticipant": null}),
            &["targetParticipant"],
        );
    }

    #[test]
    fn media_members_are_read_as_the_door_always_read_them() {
        let lenient = [
            "playSources",
            "playTo",
            "playOptions",
            "interruptCallMediaOperation",
        ];
        let play: PlayRequest = body(json!({
            "playSources": [{"kind": "text", "text": {"voiceName": "x"}},
                            {"kind": 3, "file": {"uri": "https://x/a.wav"}, "playSourceCacheId": 1}],
            "playTo": "everyone", "playOptions": {"loop": "yes"},
            "interruptCallMediaOperation": "yes",
        }))
        .parse(&lenient)
        .expect("lenient");
        assert_eq!(play.play_sources[0].effective_kind(), PlaySourceKind::Text);
        assert_eq!(play.play_sources[1].effective_kind(), PlaySourceKind::File);
        assert_eq!(play.play_sources[1].play_source_cache_id, None);
        assert_eq!(play.play_to, None, "not a list: everyone hears it");
        assert_eq!(play.play_options.map(|o| o.loop_), Some(false));
        assert_eq!(play.interrupt_call_media_operation, None);
        // A lone source that is not an object is a source without a file.
        let lone: PlayRequest = body(json!({"playSources": "x"}))
            .parse(&lenient)
            .expect("lenient");
        assert_eq!(lone.play_sources.len(), 1);
        assert_eq!(lone.play_sources[0].file, None);

        let lenient = [
            "playPrompt",
            "playPrompts",
            "interruptCallMediaOperation",
            "recognizeOptions",
        ];
        let recognize: RecognizeRequest = body(json!({
            "recognizeInputType": "dtmf",
            "recognizeOptions": {"targetParticipant": {"rawId": "4:+1"}, "interruptPrompt": "no",
                "initialSilenceTimeoutInSeconds": "5",
                "dtmfOptions": {"maxTonesToCollect": 2.5, "stopTones": "pound"}},
        }))
        .parse(&lenient)
        .expect("lenient");
        let options = recognize.recognize_options;
        assert_eq!(options.interrupt_prompt, None);
        assert_eq!(options.initial_silence_timeout_in_seconds, None);
        let dtmf = options.dtmf_options.expect("dtmfOptions");
        assert_eq!((dtmf.max_tones_to_collect, dtmf.stop_tones), (None, None));
        // A stop tone that is not a string is refused, as the door always did.
        refusal::<RecognizeRequest>(
            json!({"recognizeInputType": "dtmf", "recognizeOptions": {
                "targetParticipant": {"rawId": "4:+1"}, "dtmfOptions": {"stopTones": [5]}}}),
            &lenient,
        );
    }

    #[test]
    fn lenient_patterns_match_members_items_and_below() {
        let path = |v: Value| -> Vec<Segment> {
            serde_path_to_error::deserialize::<_, CreateCallRequest>(&v)
                .expect_err("misfit")
                .path()
                .iter()
                .cloned()
                .collect()
        };
        let item = path(json!({"targets": [{"rawId": 1}], "callbackUri": "u"}));
        let item: Vec<&Segment> = item.iter().collect();
        assert!(covers("targets[]", &item));
        assert!(covers("targets", &item));
        assert!(!covers("target", &item));
        assert!(!covers("targets[].phoneNumber", &item));
        let list = path(json!({"targets": 1, "callbackUri": "u"}));
        let list: Vec<&Segment> = list.iter().collect();
        assert!(!covers("targets[]", &list));
        assert!(covers("targets", &list));
    }

    #[test]
    fn loosening_gives_up_on_a_body_that_keeps_failing() {
        let many: Vec<Value> = (0..200).map(|_| json!({"rawId": 1})).collect();
        let message = refusal::<CreateCallRequest>(
            json!({"targets": many, "callbackUri": "u"}),
            &["targets[]"],
        );
        assert!(message.starts_with("targets["), "{message}");
    }
}
