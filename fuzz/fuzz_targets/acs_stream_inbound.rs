//! Fuzz target: the ACS media-streaming inbound parser (the app's `AudioData`/`StopAudio` frames in
//! either casing) and the raw-media binary parser must never panic; accepted audio respects the
//! documented limits and round-trips through the outbound encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_door_acs::stream_wire as acs_wire;
use ringside_door_graph::stream_wire as graph_wire;
use ringside_runtime::streaming::codec::Inbound;
use ringside_runtime::streaming::MAX_INBOUND_SAMPLES;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Inbound::Audio(samples)) = acs_wire::parse_inbound(&text) {
        assert!(!samples.is_empty() && samples.len() <= MAX_INBOUND_SAMPLES);
        let frame = acs_wire::audio("2024-01-01T00:00:00.000Z", None, &samples, false);
        let value: serde_json::Value = serde_json::from_str(&frame).expect("frames are JSON");
        let data = value["audioData"]["data"].as_str().expect("data");
        let echoed = format!(r#"{{"kind":"audioData","audioData":{{"data":"{data}"}}}}"#);
        assert_eq!(acs_wire::parse_inbound(&echoed), Ok(Inbound::Audio(samples)));
    }
    if let Ok(Inbound::Audio(samples)) = graph_wire::parse_binary(data) {
        assert_eq!(samples.len() * 2, data.len());
        assert_eq!(graph_wire::audio(&samples), data);
    }
});
