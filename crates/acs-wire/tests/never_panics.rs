//! Robustness: every fixture truncated at every byte and mutated by a seeded generator, deep
//! nesting, and arbitrary JSON values (proptest, with keys drawn from the wire vocabulary so the
//! parsers get deep) are fed to every top-level parser. Errors are fine; panics are not; whatever
//! parses must serialize and read back equal.

mod common;

use common::{all_fixtures, fixture};
use proptest::prelude::*;
use ringside_acs_wire::*;
use serde_json::{Map, Value};

/// Whatever parses must serialize, and what we write must read back as the same value.
fn one<T>(bytes: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = serde_json::from_slice::<T>(bytes) {
        check::<T>(&v);
    }
}

/// The same through the door's reader.
fn body<T>(bytes: &[u8])
where
    T: RequestBody + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = T::from_json(bytes) {
        check::<T>(&v);
        assert_eq!(
            T::from_json(&serde_json::to_vec(&v).expect("serializes")).ok(),
            Some(v)
        );
    }
}

fn check<T>(v: &T)
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let written = serde_json::to_vec(v).expect("a parsed value serializes");
    let back: T = serde_json::from_slice(&written).unwrap_or_else(|e| {
        panic!(
            "we cannot read what we wrote: {e}\n{}",
            String::from_utf8_lossy(&written)
        )
    });
    assert_eq!(&back, v, "{}", String::from_utf8_lossy(&written));
}

/// Parses `bytes` as every top-level DTO.
fn parse_all(bytes: &[u8]) {
    body::<CreateCallRequest>(bytes);
    body::<AnswerCallRequest>(bytes);
    body::<RedirectCallRequest>(bytes);
    body::<RejectCallRequest>(bytes);
    body::<ConnectRequest>(bytes);
    body::<TransferToParticipantRequest>(bytes);
    body::<AddParticipantRequest>(bytes);
    body::<RemoveParticipantRequest>(bytes);
    body::<MuteParticipantsRequest>(bytes);
    body::<CancelAddParticipantRequest>(bytes);
    body::<MoveParticipantsRequest>(bytes);
    body::<PlayRequest>(bytes);
    body::<RecognizeRequest>(bytes);
    body::<ContinuousDtmfRecognitionRequest>(bytes);
    body::<SendDtmfTonesRequest>(bytes);
    body::<HoldRequest>(bytes);
    body::<UnholdRequest>(bytes);
    body::<OperationContextRequest>(bytes);
    body::<TranscriptionRequest>(bytes);
    body::<StartCallRecordingRequest>(bytes);
    one::<CallConnectionProperties>(bytes);
    one::<GetParticipantsResponse>(bytes);
    one::<CallParticipant>(bytes);
    one::<AddParticipantResponse>(bytes);
    one::<OperationContextResponse>(bytes);
    one::<CancelAddParticipantResponse>(bytes);
    one::<MoveParticipantsResponse>(bytes);
    one::<RecordingStateResponse>(bytes);
    one::<AcsErrorResponse>(bytes);
    one::<Vec<CallAutomationEvent>>(bytes);
    one::<CallAutomationEvent>(bytes);
    one::<Vec<EventGridEvent<AcsEventGridData>>>(bytes);
    one::<Vec<CloudEvent<AcsEventGridData>>>(bytes);
    one::<IncomingCallEventData>(bytes);
    one::<RecordingFileStatusUpdatedEventData>(bytes);
    one::<SubscriptionValidationResponse>(bytes);
    one::<CommunicationIdentifierModel>(bytes);
}

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const INTERESTING: &[u8] = b"{}[]\",:0-9.eE\\ntfu#@ \x00\xff";

#[test]
fn truncations_never_panic() {
    for name in all_fixtures() {
        let text = fixture(&name);
        let bytes = text.as_bytes();
        let step = (bytes.len() / 300).max(1);
        for end in (0..bytes.len()).step_by(step) {
            parse_all(&bytes[..end]);
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut rng = Rng(0x5EED_ACE5_0000_0001);
    for name in all_fixtures() {
        let original = fixture(&name).into_bytes();
        parse_all(&original);
        for _ in 0..60 {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let i = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[i] ^= 1 << rng.below(8),
                    1 => bytes[i] = INTERESTING[rng.below(INTERESTING.len())],
                    2 => {
                        bytes.remove(i);
                    }
                    _ => {
                        let j = rng.below(bytes.len());
                        let (a, b) = (i.min(j), i.max(j));
                        let chunk = bytes[a..b].to_vec();
                        bytes.splice(a..a, chunk);
                    }
                }
            }
            parse_all(&bytes);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    parse_all("[".repeat(100_000).as_bytes());
    parse_all("{\"innererror\":".repeat(10_000).as_bytes());
    let deep_error = format!(
        "{{\"error\":{}{{\"code\":\"x\"}}{}}}",
        "{\"code\":\"x\",\"innererror\":".repeat(200),
        "}".repeat(200)
    );
    assert!(serde_json::from_str::<AcsErrorResponse>(&deep_error).is_err());
}

/// Keys the parsers know, so generated objects reach their members.
const KEYS: &[&str] = &[
    "targets",
    "callbackUri",
    "rawId",
    "kind",
    "phoneNumber",
    "value",
    "communicationUser",
    "id",
    "microsoftTeamsUser",
    "userId",
    "cloud",
    "microsoftTeamsApp",
    "appId",
    "teamsExtensionUser",
    "tenantId",
    "resourceId",
    "incomingCallContext",
    "target",
    "callLocator",
    "serverCallId",
    "mediaStreamingOptions",
    "transportType",
    "audioChannelType",
    "audioFormat",
    "playSources",
    "file",
    "uri",
    "text",
    "ssml",
    "playOptions",
    "loop",
    "recognizeInputType",
    "recognizeOptions",
    "targetParticipant",
    "dtmfOptions",
    "stopTones",
    "tones",
    "choices",
    "label",
    "phrases",
    "customCallingContext",
    "sipHeaders",
    "voipHeaders",
    "channelAffinity",
    "participant",
    "channel",
    "externalStorage",
    "recordingStorageKind",
    "error",
    "code",
    "message",
    "innererror",
    "source",
    "type",
    "specversion",
    "data",
    "subject",
    "eventType",
    "eventTime",
    "dataVersion",
    "resultInformation",
    "subCode",
    "operationContext",
    "participants",
    "sequenceNumber",
    "dtmfResult",
    "mediaStreamingUpdate",
    "to",
    "from",
    "customContext",
    "recordingStorageInfo",
    "recordingChunks",
    "validationResponse",
    "identifier",
    "isMuted",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(KEYS).prop_map(|s| Value::String(s.to_owned())),
        prop::sample::select(
            &[
                "Microsoft.Communication.CallConnected",
                "Microsoft.Communication.IncomingCall",
                "Microsoft.Communication.ParticipantsUpdated",
                "dtmf",
                "one",
                "#",
                "PUBLIC",
                "",
            ][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), ".{0,6}"],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let bytes = serde_json::to_vec(&value).expect("a value serializes");
        parse_all(&bytes);
        let wrapped = serde_json::to_vec(&Value::Array(vec![value])).expect("serializes");
        parse_all(&wrapped);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_all(&bytes);
    }
}
