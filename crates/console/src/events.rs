//! The console's stable JSON for the runtime's engine events: one `type` per kind of event
//! (`call.offered`, `leg.state`, `roster`, `operation.completed`, `tone`, `leg.moved`,
//! `transfer.accepted`, `transfer.failed`, `participant.added`, `participant.addFailed`,
//! `participant.removed`) with the call and leg ids, parties as the platform API renders them,
//! states and outcomes in lower camelCase. The hub adds `id` and `time`.

use ringside_engine::{Event, LegState, Participant};
use ringside_model::Party;
use ringside_runtime::reason_name;
use serde_json::{json, Value};

/// Names a party (the platform API's `party` object).
pub type PartyNamer<'a> = &'a dyn Fn(&Party) -> Value;

/// `(type, call id, body)` of an engine event.
pub fn map(event: &Event, party: PartyNamer<'_>) -> (&'static str, String, Value) {
    let call = event.conversation().to_string();
    let (kind, body) = match event {
        Event::CallOffered { .. } => ("call.offered", offered(event, party)),
        Event::LegStateChanged {
            leg,
            state,
            transfer_failed,
            ..
        } => (
            "leg.state",
            json!({
                "leg": leg.to_string(),
                "state": state.name(),
                "endReason": end_reason(*state),
                "transferFailed": transfer_failed.map(reason_name),
            }),
        ),
        Event::RosterChanged {
            sequence,
            participants,
            ..
        } => (
            "roster",
            json!({ "sequence": sequence, "participants": roster(participants, party) }),
        ),
        Event::OperationCompleted { .. } => ("operation.completed", completed(event)),
        Event::ToneReceived {
            leg,
            from,
            tone,
            sequence_id,
            ..
        } => (
            "tone",
            json!({ "leg": leg.to_string(), "from": from.to_string(),
                    "tone": tone.to_string(), "sequence": sequence_id }),
        ),
        Event::LegMoved { from, leg, .. } => (
            "leg.moved",
            json!({ "leg": leg.to_string(), "fromCall": from.to_string() }),
        ),
        _ => transfer_or_participant(event, party),
    };
    (kind, call, body)
}

fn offered(event: &Event, party: PartyNamer<'_>) -> Value {
    let Event::CallOffered {
        leg,
        tenant,
        caller,
        callee,
        bot,
        kind,
        ..
    } = event
    else {
        return Value::Null;
    };
    json!({
        "leg": leg.to_string(),
        "tenantId": tenant.to_string(),
        "caller": party(caller),
        "callee": party(callee),
        "bot": { "appId": bot.app.to_string(), "instanceId": bot.instance.map(|i| i.to_string()) },
        "offer": camel(&format!("{kind:?}")),
    })
}

fn completed(event: &Event) -> Value {
    let Event::OperationCompleted {
        leg,
        operation,
        kind,
        client_context,
        status,
        outcome,
        recording,
        tones,
        ..
    } = event
    else {
        return Value::Null;
    };
    json!({
        "leg": leg.to_string(),
        "operation": operation.to_string(),
        "kind": camel(&format!("{kind:?}")),
        "status": camel(&format!("{status:?}")),
        "outcome": camel(&format!("{outcome:?}")),
        "clientContext": client_context,
        "recording": recording,
        "tones": tones.iter().map(|t| t.to_string()).collect::<String>(),
    })
}

fn transfer_or_participant(event: &Event, party: PartyNamer<'_>) -> (&'static str, Value) {
    match event {
        Event::TransferAccepted {
            leg,
            operation,
            target,
            transferee,
            ..
        } => (
            "transfer.accepted",
            json!({ "leg": leg.to_string(), "operation": operation.to_string(),
                    "target": target.to_string(), "transferee": transferee.map(|t| t.to_string()) }),
        ),
        Event::TransferFailed {
            leg,
            operation,
            cause,
            ..
        } => (
            "transfer.failed",
            json!({ "leg": leg.to_string(), "operation": operation.to_string(),
                    "cause": reason_name(*cause) }),
        ),
        Event::ParticipantAdded {
            leg,
            operation,
            participant,
            party: who,
            ..
        } => (
            "participant.added",
            json!({ "leg": leg.to_string(), "operation": operation.to_string(),
                    "participant": participant.to_string(), "party": party(who) }),
        ),
        Event::ParticipantAddFailed {
            leg,
            operation,
            participant,
            party: who,
            cause,
            ..
        } => (
            "participant.addFailed",
            json!({ "leg": leg.to_string(), "operation": operation.to_string(),
                    "participant": participant.to_string(), "party": party(who),
                    "cause": reason_name(*cause) }),
        ),
        Event::ParticipantRemoved {
            leg,
            operation,
            participant,
            party: who,
            ..
        } => (
            "participant.removed",
            json!({ "leg": leg.to_string(), "operation": operation.to_string(),
                    "participant": participant.to_string(), "party": party(who) }),
        ),
        // Every other kind is matched in `map`.
        _ => ("event", Value::Null),
    }
}

fn roster(participants: &[Participant], party: PartyNamer<'_>) -> Vec<Value> {
    participants
        .iter()
        .map(|p| {
            json!({
                "leg": p.leg.to_string(),
                "party": party(&p.party),
                "endpoint": camel(&format!("{:?}", p.endpoint)),
                "muted": p.muted,
                "onHold": p.on_hold,
            })
        })
        .collect()
}

fn end_reason(state: LegState) -> Option<String> {
    match state {
        LegState::Terminated(reason) => Some(reason_name(reason)),
        _ => None,
    }
}

/// `PlayPrompt` → `playPrompt`; `Bot { .. }` → `bot` (the Debug name's head, lower camelCase).
fn camel(debug: &str) -> String {
    let head = debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or(debug);
    let mut chars = head.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_engine::{ConversationId, EndReason, LegId};
    use ringside_model::{Guid, Tone};

    fn namer(_: &Party) -> Value {
        json!({"kind": "test"})
    }

    #[test]
    fn leg_states_carry_their_end_reason() {
        let event = Event::LegStateChanged {
            conversation: ConversationId(Guid::from_u128(7)),
            leg: LegId(Guid::from_u128(9)),
            state: LegState::Terminated(EndReason::RemoteHungUp),
            transfer_failed: None,
        };
        let (kind, call, body) = map(&event, &namer);
        assert_eq!(kind, "leg.state");
        assert_eq!(call, ConversationId(Guid::from_u128(7)).to_string());
        assert_eq!(body["leg"], LegId(Guid::from_u128(9)).to_string());
        assert_eq!(body["state"], "terminated");
        assert_eq!(body["endReason"], "remoteHungUp");
    }

    #[test]
    fn tones_and_names_render_plainly() {
        let event = Event::ToneReceived {
            conversation: ConversationId(Guid::from_u128(1)),
            leg: LegId(Guid::from_u128(2)),
            from: LegId(Guid::from_u128(3)),
            tone: Tone::Pound,
            sequence_id: 4,
        };
        let (kind, _, body) = map(&event, &namer);
        assert_eq!(kind, "tone");
        assert_eq!(body["tone"], "#");
        assert_eq!(body["sequence"], 4);
        assert_eq!(camel("PlayPrompt"), "playPrompt");
        assert_eq!(camel("Bot { keep_alive: true }"), "bot");
        assert_eq!(camel(""), "");
    }
}
