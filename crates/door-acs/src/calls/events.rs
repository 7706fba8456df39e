//! Engine events rendered as Call Automation callbacks (digest §4) for the connections they
//! concern: CallConnected/CallDisconnected, ParticipantsUpdated, the completion events of play,
//! recognize, DTMF, add/remove/cancel-add and hold, continuous DTMF tones, and transfer results.

use ringside_engine::{
    Event, Heard, LegId, LegState, OperationId, OperationKind, Outcome, Participant,
};
use ringside_model::Tone;
use serde_json::{json, Value};

use super::{AcsCalls, PendingOp, ENDED_KEPT};
use crate::incoming::identifier;
use crate::versions::EventShape;
use crate::wire::{result, tone_name};
use ringside_runtime::door::DoorEnv;

impl AcsCalls {
    /// Renders an engine event for the connections it concerns; `true` when one did.
    pub(super) fn render_event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        match event {
            Event::LegStateChanged { leg, state, .. } => self.leg_state_changed(env, *leg, *state),
            Event::RosterChanged {
                conversation,
                sequence,
                participants,
            } => self.roster_changed(*conversation, *sequence, participants),
            Event::OperationCompleted {
                leg,
                operation,
                kind,
                outcome,
                tones,
                heard,
                ..
            } => self.operation_completed(*leg, *operation, *kind, (*outcome, tones, heard)),
            Event::ToneReceived {
                leg,
                tone,
                sequence_id,
                ..
            } => {
                let Some(call) = self.calls.get(leg) else {
                    return false;
                };
                if let Some(started) = call.continuous_dtmf.clone() {
                    let mut data = call.shape.tone_received(*sequence_id, tone_name(*tone));
                    data["operationContext"] = json!(started.context);
                    data["resultInformation"] = json!(result(200, 0, ""));
                    let to = started.callback.as_deref();
                    self.callback(*leg, "ContinuousDtmfRecognitionToneReceived", data, to);
                }
                true
            }
            Event::LegMoved {
                conversation, leg, ..
            } => self.moved(*leg, *conversation),
            Event::TransferAccepted {
                leg,
                operation,
                target,
                transferee,
                ..
            } => self.transfer_accepted(env, *leg, *operation, *target, *transferee),
            Event::TransferFailed {
                leg,
                operation,
                cause,
                ..
            } => {
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                let op = call.ops.remove(operation);
                let (code, sub, message) =
                    crate::codes::transfer_failure(ringside_engine::TransferFailure(*cause));
                let data = json!({
                    "operationContext": op.as_ref().map(|o| o.context.clone()),
                    "resultInformation": result(code, sub, message),
                });
                let callback = op.and_then(|o| o.callback);
                self.callback(*leg, "CallTransferFailed", data, callback.as_deref());
                true
            }
            _ => event_leg(event).is_some_and(|leg| self.calls.contains_key(&leg)),
        }
    }

    /// CallConnected (once) and CallDisconnected; ended connections are kept for a while.
    fn leg_state_changed(&mut self, env: &DoorEnv<'_>, leg: LegId, state: LegState) -> bool {
        if state.is_terminated() {
            self.offers.remove(&leg);
        }
        let Some(call) = self.calls.get_mut(&leg) else {
            return false;
        };
        call.state = state;
        match state {
            LegState::Established if !call.connected => {
                call.connected = true;
                let context = call.setup_context.clone();
                self.callback(
                    leg,
                    "CallConnected",
                    json!({"operationContext": context, "resultInformation": result(200, 0, "")}),
                    None,
                );
                self.auto_start_streaming(env, leg);
                self.auto_start_transcription(env, leg);
            }
            LegState::Terminated(reason) => {
                if let (Some(media), Some(call)) = (&self.media, self.calls.get(&leg)) {
                    media.stop(&call.streaming, "callEnded");
                }
                if let Some(call) = self.calls.get_mut(&leg) {
                    call.transcription.end();
                }
                let (code, sub, message) = crate::codes::end_reason(reason);
                self.callback(
                    leg,
                    "CallDisconnected",
                    json!({"resultInformation": result(code, sub, message)}),
                    None,
                );
                self.records.forget(&leg.to_string());
                self.forget_ended(leg);
            }
            _ => {}
        }
        true
    }

    /// A connection's leg moved into another conversation (the engine's `LegMoved`): its
    /// `serverCallId` and participants follow it.
    fn moved(&mut self, leg: LegId, into: ringside_engine::ConversationId) -> bool {
        let Some(call) = self.calls.get_mut(&leg) else {
            return false;
        };
        let from = std::mem::replace(&mut call.conversation, into);
        if let Some(v) = self.by_conversation.get_mut(&from) {
            v.retain(|l| *l != leg);
            if v.is_empty() {
                self.by_conversation.remove(&from);
            }
        }
        self.by_conversation.entry(into).or_default().push(leg);
        // The epitaph names the new serverCallId.
        self.record(leg);
        true
    }

    /// Remembers an ended connection, forgetting the oldest beyond [`ENDED_KEPT`].
    fn forget_ended(&mut self, leg: LegId) {
        self.ended.push_back(leg);
        while self.ended.len() > ENDED_KEPT {
            let Some(old) = self.ended.pop_front() else {
                break;
            };
            let Some(call) = self.calls.remove(&old) else {
                continue;
            };
            if let Some(v) = self.by_conversation.get_mut(&call.conversation) {
                v.retain(|l| *l != old);
                if v.is_empty() {
                    self.by_conversation.remove(&call.conversation);
                }
            }
        }
    }

    /// ParticipantsUpdated to every connected connection of the conversation (streams and
    /// recordings learn the participants' names too).
    fn roster_changed(
        &mut self,
        conversation: ringside_engine::ConversationId,
        sequence: u64,
        participants: &[Participant],
    ) -> bool {
        let legs = self.in_conversation(conversation);
        self.recording_roster(conversation, participants);
        let names = self.raw_names(participants);
        for leg in &legs {
            if let Some(call) = self.calls.get(leg) {
                call.transcription.name_participants(&names);
            }
        }
        if let Some(media) = &self.media {
            for leg in &legs {
                if let Some(call) = self.calls.get(leg) {
                    media.name_participants(&call.streaming, &names);
                }
            }
        }
        let mut any = false;
        for leg in legs {
            if self
                .calls
                .get(&leg)
                .is_some_and(|c| c.connected && !c.state.is_terminated())
            {
                any = true;
                // The connection's own leg is not a participant of it (as in the participants
                // list).
                let others: Vec<Participant> = participants
                    .iter()
                    .filter(|p| p.leg != leg)
                    .cloned()
                    .collect();
                self.callback(
                    leg,
                    "ParticipantsUpdated",
                    json!({"sequenceNumber": sequence, "participants": self.render_participants(&others)}),
                    None,
                );
            }
        }
        any
    }

    /// The completion event of an operation the app started, to its callback.
    fn operation_completed(
        &mut self,
        leg: LegId,
        operation: OperationId,
        kind: OperationKind,
        (outcome, tones, heard): (Outcome, &[Tone], &Option<Heard>),
    ) -> bool {
        let Some(call) = self.calls.get_mut(&leg) else {
            return false;
        };
        let Some(op) = call.ops.remove(&operation) else {
            return true;
        };
        let shape = call.shape;
        let result = Completion {
            outcome,
            tones,
            heard: heard.as_ref(),
        };
        if let Some((event_type, data)) = operation_event(kind, &result, &op, shape) {
            let callback = op.callback.clone();
            self.callback(leg, event_type, data, callback.as_deref());
        }
        true
    }

    /// CallTransferAccepted, naming the target and the transferee.
    fn transfer_accepted(
        &mut self,
        env: &DoorEnv<'_>,
        leg: LegId,
        operation: OperationId,
        target: LegId,
        transferee: Option<LegId>,
    ) -> bool {
        let Some(call) = self.calls.get_mut(&leg) else {
            return false;
        };
        let op = call.ops.remove(&operation);
        let identify = |id: Option<LegId>| -> Value {
            id.and_then(|l| env.engine.leg(l))
                .map(|info| identifier(&info.party))
                .unwrap_or(Value::Null)
        };
        let data = json!({
            "operationContext": op.as_ref().map(|o| o.context.clone()),
            "resultInformation": result(200, 7015, "The transfer completed successfully."),
            "transferTarget": identify(Some(target)),
            "transferee": identify(transferee),
        });
        let callback = op.and_then(|o| o.callback);
        self.callback(leg, "CallTransferAccepted", data, callback.as_deref());
        true
    }
}

/// How an operation ended, as the engine reported it.
struct Completion<'a> {
    outcome: Outcome,
    tones: &'a [Tone],
    heard: Option<&'a Heard>,
}

/// The event type and data an operation's outcome becomes; `None` when ACS sends none.
fn operation_event(
    kind: OperationKind,
    done: &Completion<'_>,
    op: &PendingOp,
    shape: EventShape,
) -> Option<(&'static str, Value)> {
    let (outcome, tones) = (done.outcome, done.tones);
    let (code, sub, message) = crate::codes::outcome(outcome);
    let info = result(code, sub, message);
    let ok = matches!(outcome, Outcome::RecognizeSpeech)
        || matches!(
            outcome,
            Outcome::Success
                | Outcome::RecognizeMaxTones
                | Outcome::RecognizeStopTone
                | Outcome::RecognizeInterToneTimeout
        ) && !(kind == OperationKind::Recognize && tones.is_empty());
    let cancelled = matches!(outcome, Outcome::Cancelled);
    let base = json!({"operationContext": op.context, "resultInformation": info});
    let with = |mut v: Value, key: &str, extra: Value| {
        v[key] = extra;
        v
    };
    let participant = || op.participant.clone().unwrap_or(Value::Null);
    let pick = |yes: &'static str, no: &'static str| if ok { yes } else { no };
    Some(match kind {
        OperationKind::PlayPrompt if ok => ("PlayCompleted", base),
        OperationKind::PlayPrompt if cancelled => ("PlayCanceled", base),
        OperationKind::PlayPrompt => ("PlayFailed", with(base, "failedPlaySourceIndex", json!(0))),
        OperationKind::Recognize if ok && done.heard.is_some() => speech_event(done.heard, base),
        OperationKind::Recognize if matches!(done.heard, Some(Heard::Failed)) => {
            let info = result(500, 9999, "Action failed, speech recognition failed.");
            (
                "RecognizeFailed",
                with(base, "resultInformation", json!(info)),
            )
        }
        OperationKind::Recognize
            if outcome == Outcome::RecognizeNoMatch && op.choices.is_some() =>
        {
            let info = result(400, 8547, "Action failed, speech option not matched.");
            (
                "RecognizeFailed",
                with(base, "resultInformation", json!(info)),
            )
        }
        OperationKind::Recognize if ok => match &op.choices {
            Some(choices) => choice_event(choices, tones, base),
            None => {
                let names: Vec<&str> = tones.iter().map(|t| tone_name(*t)).collect();
                let mut data = with(base, "recognitionType", json!("dtmf"));
                if let (Value::Object(data), Value::Object(tones)) =
                    (&mut data, shape.tones_collected(&names))
                {
                    data.extend(tones);
                }
                ("RecognizeCompleted", data)
            }
        },
        OperationKind::Recognize if cancelled => ("RecognizeCanceled", base),
        OperationKind::Recognize => ("RecognizeFailed", base),
        OperationKind::SendDtmf => (pick("SendDtmfTonesCompleted", "SendDtmfTonesFailed"), base),
        OperationKind::AddParticipants => (
            pick("AddParticipantSucceeded", "AddParticipantFailed"),
            with(base, "participant", participant()),
        ),
        OperationKind::RemoveParticipant => (
            pick("RemoveParticipantSucceeded", "RemoveParticipantFailed"),
            with(base, "participant", participant()),
        ),
        OperationKind::CancelAddParticipants => (
            pick(
                "CancelAddParticipantSucceeded",
                "CancelAddParticipantFailed",
            ),
            with(base, "invitationId", participant()),
        ),
        OperationKind::UnsubscribeFromTone => ("ContinuousDtmfRecognitionStopped", base),
        OperationKind::Hold | OperationKind::Unhold if !ok => ("HoldFailed", base),
        _ => return None,
    })
}

/// A recognize decided by speech: RecognizeCompleted with `choiceResult` (200/8545) or
/// `speechResult` (200/8569), confidence 0–1.
fn speech_event(heard: Option<&Heard>, mut data: Value) -> (&'static str, Value) {
    let confidence = |permille: u16| f64::from(permille) / 1000.0;
    match heard {
        Some(Heard::Choice {
            label,
            phrase,
            confidence_permille,
        }) => {
            data["recognitionType"] = json!("choices");
            data["choiceResult"] = json!({"label": label, "recognizedPhrase": phrase,
                                          "confidence": confidence(*confidence_permille)});
            data["resultInformation"] = json!(result(
                200,
                8545,
                "Action completed, speech option matched."
            ));
        }
        Some(Heard::Speech {
            text,
            confidence_permille,
        }) => {
            data["recognitionType"] = json!("speech");
            data["speechResult"] =
                json!({"speech": text, "confidence": confidence(*confidence_permille)});
        }
        _ => {}
    }
    ("RecognizeCompleted", data)
}

/// A choices recognize that got a key: RecognizeCompleted naming the choice whose tone it is
/// (`recognitionType: choices`; the phrase is null for a tone, as the REST spec says), else
/// RecognizeFailed 400/8534 (incorrect tone).
fn choice_event(
    choices: &[(Tone, String)],
    tones: &[Tone],
    mut data: Value,
) -> (&'static str, Value) {
    let label = tones
        .first()
        .and_then(|pressed| choices.iter().find(|(tone, _)| tone == pressed))
        .map(|(_, label)| label.clone());
    match label {
        Some(label) => {
            data["recognitionType"] = json!("choices");
            data["choiceResult"] = json!({"label": label, "recognizedPhrase": null});
            ("RecognizeCompleted", data)
        }
        None => {
            data["resultInformation"] =
                json!(result(400, 8534, "Action failed, incorrect tone entered."));
            ("RecognizeFailed", data)
        }
    }
}

fn event_leg(event: &Event) -> Option<LegId> {
    match event {
        Event::ParticipantAdded { leg, .. }
        | Event::ParticipantAddFailed { leg, .. }
        | Event::ParticipantRemoved { leg, .. } => Some(*leg),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_results_render_as_the_sdks_parse_them() {
        let choice = Heard::Choice {
            label: "Billing".into(),
            phrase: "billing please".into(),
            confidence_permille: 875,
        };
        let (kind, data) = speech_event(Some(&choice), json!({"operationContext": "menu"}));
        assert_eq!(kind, "RecognizeCompleted");
        assert_eq!(data["recognitionType"], "choices");
        assert_eq!(data["choiceResult"]["label"], "Billing");
        assert_eq!(data["choiceResult"]["recognizedPhrase"], "billing please");
        assert_eq!(data["choiceResult"]["confidence"], 0.875);
        assert_eq!(data["resultInformation"]["subCode"], 8545);

        let speech = Heard::Speech {
            text: "pay my bill".into(),
            confidence_permille: 500,
        };
        let (_, data) = speech_event(Some(&speech), json!({}));
        assert_eq!(data["recognitionType"], "speech");
        assert_eq!(data["speechResult"]["speech"], "pay my bill");
        assert_eq!(data["speechResult"]["confidence"], 0.5);
    }
}
