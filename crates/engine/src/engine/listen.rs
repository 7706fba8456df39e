//! Speech recognition of a recognize operation: the recognizer starts after the prompt
//! (`Action::StartListening`), and what it heard (`MediaSignal::Heard`) decides the outcome; a
//! key stops it when keys count too (see `media.rs`), and any end of the operation stops it
//! (`complete_operation`).

use std::time::Instant;

use super::{Engine, OpDetail};
use crate::ids::{LegId, OperationId};
use crate::output::Action;
use crate::reason::Outcome;
use crate::signal::Heard;

impl Engine {
    /// Starts the recognizer of bot leg `leg`'s speech recognize `operation`.
    pub(super) fn start_listening(&mut self, leg: LegId, operation: OperationId) {
        let Some(conversation) = self.conversation_of(leg) else {
            return;
        };
        let Some(OpDetail::Recognize {
            target,
            options,
            listening,
            ..
        }) = self.operations.get_mut(&operation).map(|op| &mut op.detail)
        else {
            return;
        };
        let Some(speech) = options.speech.clone() else {
            return;
        };
        *listening = true;
        let action = Action::StartListening {
            conversation,
            leg,
            target: *target,
            operation,
            speech,
            initial_silence: options.initial_silence,
        };
        self.act(action);
    }

    /// The recognizer of `operation` finished: its verdict ends the recognize.
    pub(super) fn heard(&mut self, now: Instant, operation: OperationId, verdict: Heard) {
        let Some(OpDetail::Recognize {
            listening, heard, ..
        }) = self.operations.get_mut(&operation).map(|op| &mut op.detail)
        else {
            return;
        };
        if !*listening {
            // Stopped already (a key, a cancel): nothing more to report.
            return;
        }
        *listening = false;
        let outcome = match &verdict {
            Heard::Speech { .. } | Heard::Choice { .. } => Outcome::RecognizeSpeech,
            Heard::Silence => Outcome::RecognizeInitialSilence,
            Heard::NoMatch => Outcome::RecognizeNoMatch,
            Heard::Failed => Outcome::MediaFailed,
        };
        *heard = Some(verdict);
        self.media_finished(now, operation, outcome, None);
    }
}
