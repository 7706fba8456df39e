//! Fuzz target: the simulated-endpoint behaviour parser (REST JSON and CLI step arguments) must
//! never panic, whatever the input; a parsed behaviour must survive its own JSON round trip and
//! respect the documented caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_runtime::behaviour::{self, Behaviour, MAX_STEPS, MAX_TIME};

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = Behaviour::from_json_bytes(data) {
        assert!(parsed.timeline.steps.len() <= MAX_STEPS);
        assert!(parsed.timeline.steps.iter().all(|s| s.at <= MAX_TIME));
        assert!(parsed.timeline.steps.windows(2).all(|w| w[0].at <= w[1].at));
        let again = Behaviour::from_json(&parsed.to_json()).expect("a parsed behaviour re-parses");
        assert_eq!(again, parsed);
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(duration) = behaviour::parse_duration(&text) {
        assert!(duration <= MAX_TIME);
        assert_eq!(
            behaviour::parse_duration(&behaviour::format_duration(duration)),
            Ok(duration)
        );
    }
    let _ = behaviour::parse_press_arg(&text);
    let _ = behaviour::parse_play_arg(&text);
    let _ = behaviour::parse_media_id(&text);
});
