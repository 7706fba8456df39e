//! Tests of `transcription.rs`: options as the SDKs send them, refusals, frames and callbacks.

use super::*;
use ringside_runtime::transcription::Word;

fn parse(value: Value) -> Result<TranscribeOptions, Refusal> {
    let given: TranscriptionOptions =
        serde_json::from_value(value).map_err(|e| Refusal::Invalid(e.to_string()))?;
    options(&given)
}

#[test]
fn options_are_read_as_the_sdks_send_them() {
    let read = parse(json!({
        "transportType": "websocket", "transportUrl": "wss://app.example.com/t",
        "locale": "en-us", "startTranscription": true, "enableIntermediateResults": true,
    }))
    .expect("valid");
    assert_eq!(read.url, "wss://app.example.com/t");
    assert_eq!(read.locale, "en-US");
    assert!(read.start && read.intermediate);
    let minimal = parse(
        json!({"transportType": "websocket", "transportUrl": "wss://a/b", "locale": "en-US"}),
    )
    .expect("valid");
    assert!(!minimal.start && !minimal.intermediate);
}

#[test]
fn other_locales_custom_models_and_bad_options_are_refused() {
    let base = |extra: Value| {
        let mut v =
            json!({"transportType": "websocket", "transportUrl": "wss://a/b", "locale": "en-US"});
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        parse(v)
    };
    assert!(
        matches!(base(json!({"locale": "fr-FR"})), Err(Refusal::NotSupported(m)) if m.contains("only the en-US"))
    );
    assert!(matches!(
        base(json!({"speechModelEndpointId": "m"})),
        Err(Refusal::NotSupported(_))
    ));
    assert!(matches!(
        base(json!({"speechRecognitionModelEndpointId": "m"})),
        Err(Refusal::NotSupported(_))
    ));
    assert!(matches!(
        base(json!({"transportUrl": " "})),
        Err(Refusal::Invalid(_))
    ));
    assert!(matches!(
        base(json!({"transportType": "grpc"})),
        Err(Refusal::Invalid(_))
    ));
    assert!(matches!(
        base(json!({"locale": ""})),
        Err(Refusal::Invalid(_))
    ));
    assert_eq!(check_speech(None, None), Ok(()));
    assert_eq!(check_speech(Some("EN-US"), Some(" ")), Ok(()));
}

fn text(message: WireMessage) -> Value {
    match message {
        WireMessage::Text(t) => serde_json::from_str(&t).expect("json"),
        WireMessage::Binary(_) => panic!("a text frame"),
    }
}

fn codec() -> AcsTranscriptCodec {
    AcsTranscriptCodec {
        subscription_id: "sub".into(),
        call_connection_id: "conn".into(),
        correlation_id: "corr".into(),
    }
}

#[test]
fn metadata_and_data_frames_have_the_shape_the_sdk_parsers_read() {
    let meta = text(codec().metadata("en-US"));
    assert_eq!(meta["kind"], "TranscriptionMetadata");
    let m = &meta["transcriptionMetadata"];
    assert_eq!(
        (m["subscriptionId"].as_str(), m["locale"].as_str()),
        (Some("sub"), Some("en-US"))
    );
    assert_eq!(
        (m["callConnectionId"].as_str(), m["correlationId"].as_str()),
        (Some("conn"), Some("corr"))
    );
    let phrase = Phrase {
        is_final: true,
        text: "hello world".into(),
        offset_ms: 1_500,
        duration_ms: 800,
        confidence: 0.8765,
        words: vec![
            Word {
                text: "hello".into(),
                start_ms: 1_500,
                end_ms: 1_900,
                confidence: 0.9,
            },
            Word {
                text: "world".into(),
                start_ms: 1_900,
                end_ms: 2_300,
                confidence: 0.9,
            },
        ],
    };
    let data = text(codec().phrase("4:+14255550100", &phrase));
    assert_eq!(data["kind"], "TranscriptionData");
    let d = &data["transcriptionData"];
    assert_eq!(d["text"], "hello world");
    assert_eq!(d["format"], "display");
    assert_eq!(d["confidence"], 0.877);
    assert_eq!(d["offset"], 15_000_000u64);
    assert_eq!(d["duration"], 8_000_000u64);
    assert_eq!(
        d["words"][1],
        json!({"text": "world", "offset": 19_000_000u64, "duration": 4_000_000u64})
    );
    assert_eq!(d["participantRawID"], "4:+14255550100");
    assert_eq!(d["resultStatus"], "Final");
    let partial = Phrase {
        is_final: false,
        ..phrase
    };
    assert_eq!(
        text(codec().phrase("x", &partial))["transcriptionData"]["resultStatus"],
        "Intermediate"
    );
}

#[test]
fn subscription_and_callbacks_render_as_the_sdks_parse_them() {
    let leg =
        LegId(ringside_model::Guid::parse("00000000-0000-0000-0000-000000000001").expect("guid"));
    let mut t = CallTranscription::default();
    assert_eq!(t.subscription(leg)["state"], "disabled");
    t.options = Some(TranscribeOptions {
        url: "wss://a/b".into(),
        locale: "en-US".into(),
        start: false,
        intermediate: true,
    });
    let sub = t.subscription(leg);
    assert_eq!(sub["state"], "inactive");
    assert_eq!(
        sub["subscribedResultTypes"],
        json!(["final", "intermediate"])
    );
    assert_eq!(sub["locale"], "en-US");
    let (kind, data, callback) = t.stop("ctx".into(), Some("https://cb".into()));
    assert_eq!(kind, "TranscriptionStopped");
    assert_eq!(callback.as_deref(), Some("https://cb"));
    assert_eq!(data["operationContext"], "ctx");
    assert_eq!(
        data["transcriptionUpdate"],
        json!({"transcriptionStatus": "transcriptionStopped", "transcriptionStatusDetails": "subscriptionStopped"})
    );
    let (kind, data, _) = updated(String::new(), None);
    assert_eq!(kind, "TranscriptionUpdated");
    assert_eq!(
        data["transcriptionUpdate"]["transcriptionStatusDetails"],
        "transcriptionLocaleUpdated"
    );
    assert_eq!(data["resultInformation"]["code"], 200);
    let (kind, data, _) = refused("no", String::new(), None);
    assert_eq!(kind, "TranscriptionFailed");
    assert_eq!(data["resultInformation"]["subCode"], 8581);
    // Without a transcriber a start is refused with a message (never a panic).
    let at = StreamAt {
        conversation: ringside_engine::ConversationId(leg.0),
        leg,
        resource: "r".into(),
        tenant: "t".into(),
    };
    assert!(t
        .start(at, None, HashMap::new(), String::new(), None)
        .is_err());
}
