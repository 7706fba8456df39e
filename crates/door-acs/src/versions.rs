//! The Call Automation api-versions the door accepts (every published GA and preview version of
//! the REST specs, plus the SDKs' newest) and the event shape each gives the connections set up
//! with it. A leaf: it imports none of the door's other modules.
//!
//! Shapes that differ by version (azure-rest-api-specs, CallAutomation):
//! - `RecognizeCompleted` carried `collectTonesResult` before `dtmfResult` (2022-04-07-preview,
//!   2023-01-15-preview); 2023-10-03-preview carries both.
//! - `ContinuousDtmfRecognitionToneReceived` nested `sequenceId` and `tone` in `toneInfo` before
//!   the flat GA event (up to 2023-06-15-preview; flat from 2023-10-03-preview and 2023-10-15).
//!   GA 2023-03-06 has no continuous DTMF event: its connections get the flat one.

use serde_json::{json, Value};

/// Every api-version the door accepts, with the shape of its events.
const VERSIONS: &[(&str, EventShape)] = &[
    ("2022-04-07-preview", EventShape::CollectTones),
    ("2023-01-15-preview", EventShape::CollectTones),
    ("2023-03-06", EventShape::Current),
    ("2023-06-15-preview", EventShape::ToneInfo),
    ("2023-10-03-preview", EventShape::DtmfAndCollectTones),
    ("2023-10-15", EventShape::Current),
    ("2024-01-22-preview", EventShape::Current),
    ("2024-04-15", EventShape::Current),
    ("2024-06-15-preview", EventShape::Current),
    ("2024-09-01-preview", EventShape::Current),
    ("2024-09-15", EventShape::Current),
    ("2024-11-15-preview", EventShape::Current),
    ("2025-03-30-preview", EventShape::Current),
    ("2025-05-15", EventShape::Current),
    ("2025-06-15", EventShape::Current),
    ("2025-08-15-preview", EventShape::Current),
    ("2026-03-12", EventShape::Current),
];

/// How a connection's events are shaped, by the api-version that set it up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum EventShape {
    /// `collectTonesResult` instead of `dtmfResult`; tones nested in `toneInfo`.
    CollectTones,
    /// `dtmfResult`; tones nested in `toneInfo`.
    ToneInfo,
    /// `dtmfResult` and `collectTonesResult`; flat tones.
    DtmfAndCollectTones,
    /// The GA shape: `dtmfResult`, flat tones.
    #[default]
    Current,
}

/// The accepted api-versions, oldest first.
pub(crate) fn names() -> Vec<&'static str> {
    VERSIONS.iter().map(|(v, _)| *v).collect()
}

impl EventShape {
    /// The shape of an accepted api-version; `None` for one the door does not know.
    pub(crate) fn of(version: &str) -> Option<EventShape> {
        VERSIONS
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, shape)| *shape)
    }

    /// The members of `ContinuousDtmfRecognitionToneReceived` that carry the tone.
    pub(crate) fn tone_received(self, sequence_id: u64, tone: &str) -> Value {
        match self {
            EventShape::CollectTones | EventShape::ToneInfo => {
                json!({"toneInfo": {"sequenceId": sequence_id, "tone": tone}})
            }
            EventShape::DtmfAndCollectTones | EventShape::Current => {
                json!({"sequenceId": sequence_id, "tone": tone})
            }
        }
    }

    /// The members of a DTMF `RecognizeCompleted` that carry the tones.
    pub(crate) fn tones_collected(self, tones: &[&str]) -> Value {
        let result = json!({"tones": tones});
        match self {
            EventShape::CollectTones => json!({"collectTonesResult": result}),
            EventShape::DtmfAndCollectTones => {
                json!({"dtmfResult": result, "collectTonesResult": result})
            }
            EventShape::ToneInfo | EventShape::Current => json!({"dtmfResult": result}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_version_is_known_and_others_are_not() {
        for version in [
            "2022-04-07-preview",
            "2023-01-15-preview",
            "2023-03-06",
            "2023-06-15-preview",
            "2023-10-03-preview",
            "2023-10-15",
            "2024-01-22-preview",
            "2024-04-15",
            "2024-06-15-preview",
            "2024-09-01-preview",
            "2024-09-15",
            "2024-11-15-preview",
            "2025-03-30-preview",
            "2025-05-15",
            "2025-06-15",
            "2025-08-15-preview",
            "2026-03-12",
        ] {
            assert!(EventShape::of(version).is_some(), "{version}");
        }
        for unknown in ["2022-01-01", "2024-06-15", "2025-05-15-preview", ""] {
            assert_eq!(EventShape::of(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn older_versions_shape_tones_as_they_did() {
        let nested = EventShape::of("2023-06-15-preview").unwrap_or_default();
        assert_eq!(
            nested.tone_received(3, "five"),
            json!({"toneInfo": {"sequenceId": 3, "tone": "five"}})
        );
        assert_eq!(
            EventShape::Current.tone_received(3, "five"),
            json!({"sequenceId": 3, "tone": "five"})
        );
        let collect = EventShape::of("2023-01-15-preview").unwrap_or_default();
        assert_eq!(
            collect.tones_collected(&["one"]),
            json!({"collectTonesResult": {"tones": ["one"]}})
        );
        assert_eq!(
            EventShape::of("2023-10-03-preview")
                .unwrap_or_default()
                .tones_collected(&["one"]),
            json!({"dtmfResult": {"tones": ["one"]}, "collectTonesResult": {"tones": ["one"]}})
        );
        assert_eq!(
            EventShape::Current.tones_collected(&["one"]),
            json!({"dtmfResult": {"tones": ["one"]}})
        );
    }
}
