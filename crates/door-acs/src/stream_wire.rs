//! The ACS Call Automation media-streaming wire format (reference digest §6): `AudioMetadata`,
//! `AudioData` and `DtmfData` text frames from Ringside to the app, and the app's `AudioData` /
//! `StopAudio` frames (bidirectional) read with property names and `kind` values in any casing
//! (the docs' PascalCase and the JS helpers' camelCase), as the [`AcsCodec`] of a stream.

use std::time::SystemTime;

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

use ringside_runtime::streaming::codec::{
    check_pcm, pcm_bytes, Inbound, Received, StreamCodec, WireError, WireMessage,
};
use ringside_runtime::streaming::{StreamRate, MAX_INBOUND_SAMPLES};

/// `{"kind":"AudioMetadata","audioMetadata":{…}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioMetadata<'a> {
    /// The stream's subscription id.
    pub subscription_id: &'a str,
    /// Always `PCM`.
    pub encoding: &'static str,
    /// 16000 or 24000.
    pub sample_rate: u32,
    /// Always 1.
    pub channels: u32,
    /// Bytes per 20 ms frame (640 or 960).
    pub length: usize,
}

/// `{"kind":"AudioData","audioData":{…}}` (the shape [`audio`] writes by hand).
#[cfg(test)]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioData<'a> {
    /// ISO 8601 UTC with milliseconds.
    pub timestamp: &'a str,
    /// The speaker (unmixed only).
    #[serde(rename = "participantRawID", skip_serializing_if = "Option::is_none")]
    pub participant_raw_id: Option<&'a str>,
    /// Base64 of PCM s16le.
    pub data: &'a str,
    /// Below the silence threshold.
    pub silent: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a, T: Serialize> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio_metadata: Option<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio_data: Option<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dtmf_data: Option<&'a T>,
}

/// The metadata frame (sent first).
pub fn metadata(subscription_id: &str, sample_rate: u32) -> String {
    let body = AudioMetadata {
        subscription_id,
        encoding: "PCM",
        sample_rate,
        channels: 1,
        length: (sample_rate as usize / 50) * 2,
    };
    to_text(&Envelope {
        kind: "AudioMetadata",
        audio_metadata: Some(&body),
        audio_data: None,
        dtmf_data: None,
    })
}

/// One audio frame. Written by hand rather than through serde: at 100,000 frames/s the generic
/// serializer's per-character escaping of the base64 payload was measurable, and base64 never needs
/// escaping. The output is the same JSON (`kind`, then `audioData` with `timestamp`,
/// `participantRawID` when unmixed, `data`, `silent`).
pub fn audio(timestamp: &str, participant: Option<&str>, samples: &[i16], silent: bool) -> String {
    let mut out = String::with_capacity(
        112 + timestamp.len() + participant.map_or(0, str::len) + samples.len() * 8 / 3,
    );
    out.push_str(r#"{"kind":"AudioData","audioData":{"timestamp":"#);
    push_json_str(&mut out, timestamp);
    if let Some(participant) = participant {
        out.push_str(r#","participantRawID":"#);
        push_json_str(&mut out, participant);
    }
    out.push_str(r#","data":""#);
    let mut stack = [0u8; 2 * 960];
    match stack.get_mut(..samples.len() * 2) {
        Some(bytes) => {
            for (pair, sample) in bytes.chunks_exact_mut(2).zip(samples) {
                pair.copy_from_slice(&sample.to_le_bytes());
            }
            base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut out);
        }
        None => {
            base64::engine::general_purpose::STANDARD.encode_string(pcm_bytes(samples), &mut out)
        }
    }
    out.push_str(r#"","silent":"#);
    out.push_str(if silent { "true}}" } else { "false}}" });
    out
}

/// Appends `text` as a JSON string (quoted, escaped where needed).
fn push_json_str(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()));
    }
}

/// A key press.
pub fn dtmf(tone: char) -> String {
    #[derive(Serialize)]
    struct Dtmf {
        data: String,
    }
    to_text(&Envelope {
        kind: "DtmfData",
        audio_metadata: None,
        audio_data: None,
        dtmf_data: Some(&Dtmf {
            data: tone.to_string(),
        }),
    })
}

fn to_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The ACS media-streaming codec of one stream.
pub struct AcsCodec {
    /// `audioMetadata.subscriptionId`.
    pub subscription_id: String,
}

impl StreamCodec for AcsCodec {
    fn header(&self, rate: StreamRate) -> WireMessage {
        WireMessage::Text(metadata(&self.subscription_id, rate.hz()))
    }

    fn frame(
        &self,
        at: SystemTime,
        participant: Option<&str>,
        frame: &ringside_runtime::streaming::StreamFrame,
    ) -> WireMessage {
        WireMessage::Text(audio(
            &iso_ms(at),
            participant,
            &frame.samples,
            frame.silent,
        ))
    }

    fn dtmf(&self, tone: char) -> Option<WireMessage> {
        Some(WireMessage::Text(dtmf(tone)))
    }

    fn stop(&self, _reason: &str) -> Option<WireMessage> {
        None
    }

    fn parse(&self, message: Received<'_>) -> Result<Inbound, WireError> {
        match message {
            Received::Text(text) => parse_inbound(text),
            Received::Binary(_) => Err(WireError("unsupported message".into())),
        }
    }
}

/// `2024-11-15T19:16:12.925Z`.
fn iso_ms(at: SystemTime) -> String {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let stamp = time::OffsetDateTime::from_unix_timestamp(since.as_secs() as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second(),
        since.subsec_millis()
    )
}

/// A property by name in any casing.
fn field<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Reads an app → Ringside message (`AudioData` or `StopAudio`, any casing).
pub fn parse_inbound(text: &str) -> Result<Inbound, WireError> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| WireError(format!("not JSON: {error}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| WireError("not a JSON object".into()))?;
    let kind = field(object, "kind")
        .and_then(Value::as_str)
        .ok_or_else(|| WireError("no kind".into()))?;
    if kind.eq_ignore_ascii_case("stopAudio") {
        return Ok(Inbound::StopAudio);
    }
    if !kind.eq_ignore_ascii_case("audioData") {
        return Err(WireError(format!("unsupported kind '{kind}'")));
    }
    let audio = field(object, "audioData")
        .and_then(Value::as_object)
        .ok_or_else(|| WireError("audioData is missing".into()))?;
    let data = field(audio, "data")
        .and_then(Value::as_str)
        .ok_or_else(|| WireError("audioData.data is missing".into()))?;
    decode_audio(data).map(Inbound::Audio)
}

/// Base64 PCM s16le → samples: non-empty, an even number of bytes, at most
/// [`MAX_INBOUND_SAMPLES`].
pub fn decode_audio(data: &str) -> Result<Vec<i16>, WireError> {
    if data.len() > MAX_INBOUND_SAMPLES * 2 * 4 / 3 + 4 {
        return Err(WireError("audio data is longer than 1 s".into()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|error| WireError(format!("audio data is not base64: {error}")))?;
    check_pcm(&bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hand_written_audio_frames_are_the_serde_shape_and_escape_names() {
        for (participant, silent) in [
            (None, true),
            (Some("4:+14255550199"), false),
            (Some("8:acs:\"odd\\name\n"), false),
        ] {
            let samples: Vec<i16> = (0..480).map(|i| (i * 37 % 2000) as i16 - 1000).collect();
            let text = audio("2024-11-15T19:16:12.925Z", participant, &samples, silent);
            let value: Value = serde_json::from_str(&text).expect("valid JSON");
            let data = base64::engine::general_purpose::STANDARD.encode(pcm_bytes(&samples));
            let body = AudioData {
                timestamp: "2024-11-15T19:16:12.925Z",
                participant_raw_id: participant,
                data: &data,
                silent,
            };
            let expected = serde_json::to_value(Envelope {
                kind: "AudioData",
                audio_metadata: None,
                audio_data: Some(&body),
                dtmf_data: None,
            })
            .expect("serde");
            assert_eq!(value, expected);
        }
        // Longer than a 24 kHz frame: still encoded.
        let long = vec![1i16; 5000];
        let value: Value = serde_json::from_str(&audio("t", None, &long, false)).expect("json");
        assert_eq!(
            value["audioData"]["data"].as_str().map(str::len),
            Some(10_000usize.div_ceil(3) * 4)
        );
    }

    use super::*;

    #[test]
    fn timestamps_are_iso_with_milliseconds() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_731_698_172_925);
        assert_eq!(iso_ms(at), "2024-11-15T19:16:12.925Z");
    }

    #[test]
    fn outbound_frames_have_the_documented_shape() {
        let meta: Value = serde_json::from_str(&metadata("sub-1", 16_000)).expect("json");
        assert_eq!(meta["kind"], "AudioMetadata");
        assert_eq!(meta["audioMetadata"]["subscriptionId"], "sub-1");
        assert_eq!(meta["audioMetadata"]["encoding"], "PCM");
        assert_eq!(meta["audioMetadata"]["sampleRate"], 16_000);
        assert_eq!(meta["audioMetadata"]["channels"], 1);
        assert_eq!(meta["audioMetadata"]["length"], 640);
        let meta24: Value = serde_json::from_str(&metadata("s", 24_000)).expect("json");
        assert_eq!(meta24["audioMetadata"]["length"], 960);

        let frame: Value = serde_json::from_str(&audio(
            "2024-11-15T19:16:12.925Z",
            Some("4:+14255550199"),
            &[1, -2],
            false,
        ))
        .expect("json");
        assert_eq!(frame["kind"], "AudioData");
        assert_eq!(frame["audioData"]["participantRawID"], "4:+14255550199");
        assert_eq!(frame["audioData"]["data"], "AQD+/w==");
        assert_eq!(frame["audioData"]["silent"], false);
        let mixed: Value = serde_json::from_str(&audio("t", None, &[0], true)).expect("json");
        assert!(mixed["audioData"].get("participantRawID").is_none());
        let key: Value = serde_json::from_str(&dtmf('5')).expect("json");
        assert_eq!(
            key,
            serde_json::json!({"kind": "DtmfData", "dtmfData": {"data": "5"}})
        );
    }

    #[test]
    fn inbound_reads_both_casings_and_refuses_bad_audio() {
        let pascal = r#"{"Kind":"AudioData","AudioData":{"Data":"AQD+/w=="},"StopAudio":null}"#;
        assert_eq!(parse_inbound(pascal), Ok(Inbound::Audio(vec![1, -2])));
        let camel = r#"{"kind":"audioData","audioData":{"data":"AQD+/w==","isSilent":false},"stopAudio":{}}"#;
        assert_eq!(parse_inbound(camel), Ok(Inbound::Audio(vec![1, -2])));
        assert_eq!(
            parse_inbound(r#"{"Kind":"StopAudio","AudioData":null,"StopAudio":{}}"#),
            Ok(Inbound::StopAudio)
        );
        assert_eq!(
            parse_inbound(r#"{"kind":"stopAudio","stopAudio":{}}"#),
            Ok(Inbound::StopAudio)
        );
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"kind":5}"#,
            r#"{"kind":"Transcription"}"#,
            r#"{"kind":"AudioData"}"#,
            r#"{"kind":"AudioData","audioData":{"data":"***"}}"#,
            r#"{"kind":"AudioData","audioData":{"data":"AQ=="}}"#,
            r#"{"kind":"AudioData","audioData":{"data":""}}"#,
        ] {
            assert!(parse_inbound(bad).is_err(), "{bad}");
        }
        let long = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 48_002]);
        let message = format!(r#"{{"kind":"AudioData","audioData":{{"data":"{long}"}}}}"#);
        assert!(parse_inbound(&message).is_err());
    }

    #[test]
    fn mangled_messages_never_panic_and_accepted_audio_round_trips() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let seeds = [
            r#"{"Kind":"AudioData","AudioData":{"Data":"AQD+/w=="},"StopAudio":null}"#,
            r#"{"kind":"stopAudio","stopAudio":{}}"#,
        ];
        for i in 0..20_000 {
            let mut bytes = seeds[i % 2].as_bytes().to_vec();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..bytes.len());
                match rng.gen_range(0..3) {
                    0 => bytes[at] = rng.gen(),
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, rng.gen()),
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(Inbound::Audio(samples)) = parse_inbound(&text) {
                assert!(!samples.is_empty() && samples.len() <= MAX_INBOUND_SAMPLES);
                let data = base64::engine::general_purpose::STANDARD.encode(pcm_bytes(&samples));
                let again = format!(r#"{{"kind":"audioData","audioData":{{"data":"{data}"}}}}"#);
                assert_eq!(parse_inbound(&again), Ok(Inbound::Audio(samples)));
            }
        }
    }
}
