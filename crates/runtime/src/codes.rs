//! Result codes both doors share: `(code, subcode, message)` as Graph renders `resultInfo` and
//! ACS `resultInformation`, and the codes of media operation outcomes (the Teams media result
//! codes, the same in both dialects). Each door maps call ends and transfer failures itself.

use ringside_engine::{EndReason, Outcome};

/// `(code, subcode, message)`.
pub type ResultInfo = (u16, u32, &'static str);

/// `(code, subcode, message)` of an operation's outcome, as both dialects report it (the Teams
/// media result codes); a participant operation's outcome (`Outcome::Participant`) takes
/// `participant`, the dialect's own call-end codes.
pub fn outcome(outcome: Outcome, participant: fn(EndReason) -> ResultInfo) -> ResultInfo {
    match outcome {
        Outcome::Success => (200, 0, "Action completed successfully."),
        Outcome::RecordMaxDuration => (200, 8515, "Action completed, max record duration reached."),
        Outcome::RecordStopTone => (200, 8514, "Action completed, stop tone detected."),
        Outcome::RecordInitialSilence => (
            200,
            8510,
            "Action completed, initial silence timeout reached.",
        ),
        Outcome::RecordMaxSilence => (200, 8516, "Action completed, max silence timeout reached."),
        Outcome::RecognizeMaxTones => (200, 8531, "Action completed, max digits received."),
        Outcome::RecognizeStopTone => (200, 8514, "Action completed, stop tone detected."),
        Outcome::RecognizeInterToneTimeout => (
            200,
            8532,
            "Action completed, inter-digit silence timeout reached.",
        ),
        // A choice picked by speech is 8545 (the ACS door says so where it knows it was a choice).
        Outcome::RecognizeSpeech => (200, 8569, "Action completed, speech recognized."),
        Outcome::RecognizeNoMatch => (400, 8563, "Action failed, speech could not be recognized."),
        Outcome::RecognizeInitialSilence => {
            (400, 8510, "Action failed, initial silence timeout reached.")
        }
        Outcome::Cancelled => (400, 8508, "Action failed, the operation was cancelled."),
        Outcome::CallEnded => (400, 8528, "Action failed, the call was terminated."),
        Outcome::MediaFailed => (400, 8536, "Action failed, file could not be downloaded."),
        Outcome::Participant(reason) => participant(reason),
    }
}

/// Why a call ended when the node carrying it died (or restarted) with it: a server error, as the
/// Graph notification Teams sends when its own media server fails (`500`/`560500`).
pub fn node_lost() -> ResultInfo {
    (
        500,
        560500,
        "Server Internal Error: the Ringside node carrying the call stopped.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_outcomes_have_the_documented_subcodes() {
        let none = |_| (0, 0, "");
        for (outcome, code, subcode) in [
            (Outcome::Success, 200, 0),
            (Outcome::RecordMaxDuration, 200, 8515),
            (Outcome::RecordStopTone, 200, 8514),
            (Outcome::RecordInitialSilence, 200, 8510),
            (Outcome::RecordMaxSilence, 200, 8516),
            (Outcome::RecognizeMaxTones, 200, 8531),
            (Outcome::RecognizeStopTone, 200, 8514),
            (Outcome::RecognizeInterToneTimeout, 200, 8532),
            (Outcome::RecognizeInitialSilence, 400, 8510),
            (Outcome::Cancelled, 400, 8508),
            (Outcome::CallEnded, 400, 8528),
            (Outcome::MediaFailed, 400, 8536),
        ] {
            let (c, s, _) = super::outcome(outcome, none);
            assert_eq!((c, s), (code, subcode), "{outcome:?}");
        }
        let participant = |reason| match reason {
            EndReason::Busy => (486, 8539, "busy"),
            _ => (0, 0, ""),
        };
        assert_eq!(
            super::outcome(Outcome::Participant(EndReason::Busy), participant),
            (486, 8539, "busy")
        );
    }
}
