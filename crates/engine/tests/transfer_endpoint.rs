//! Transfers whose transferor is an endpoint's leg (a SIP phone's REFER): the phone hands its
//! place in the bot's call to the target, the bot stays and sees the roster change; a failed
//! transfer leaves the phone where it was.

mod common;

use common::*;
use ringside_engine::{
    Command, EndReason, EngineError, Event, LegId, LegState, Refusal, Target, TransferScope,
};
use ringside_model::Party;

fn phone_transfers(h: &mut Harness, leg: LegId, party: Party) -> Result<LegId, EngineError> {
    let ack = h.cmd(Command::Transfer {
        leg,
        target: Target::party(party),
        transferee: None,
        scope: TransferScope::Call,
        client_context: String::new(),
    })?;
    match ack {
        ringside_engine::Ack::Operation { legs, .. } => Ok(legs[0]),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_phone_transfers_the_bot_to_another_party() {
    let mut h = Harness::default();
    let (conversation, caller, bot) = h.answered_incoming();
    let target = phone_transfers(&mut h, caller, user(7)).expect("an endpoint may transfer");
    assert_eq!(h.state(caller), Some(LegState::Transferring));
    assert_eq!(h.rung().last(), Some(&target));
    h.advance(2 * SECOND);
    h.answer(target);

    assert_eq!(h.ended(caller).map(|e| e.1), Some(EndReason::Transferred));
    assert_eq!(
        h.disconnected(caller),
        None,
        "the phone's gateway hangs up itself (BYE after NOTIFY)"
    );
    assert!(h.events.iter().any(|(_, e)| matches!(
        e,
        Event::TransferAccepted { leg, target: t, transferee: Some(b), .. }
            if *leg == caller && *t == target && *b == bot
    )));
    assert_eq!(h.state(bot), Some(LegState::Established), "the bot stays");
    assert_eq!(h.state(target), Some(LegState::Established));
    assert_eq!(
        h.rosters(conversation).last().map(|r| r.1.clone()),
        Some(vec![bot, target])
    );
    assert!(
        !h.states(bot).contains(&LegState::Transferring),
        "the bot's own leg never transfers"
    );
}

#[test]
fn a_refused_phone_transfer_leaves_the_phone_in_the_call() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    let target = phone_transfers(&mut h, caller, user(7)).expect("transfer starts");
    h.refuse(target, Refusal::Busy);
    assert!(h.events.iter().any(|(_, e)| matches!(
        e,
        Event::TransferFailed { leg, cause: EndReason::Busy, .. } if *leg == caller
    )));
    assert_eq!(h.state(caller), Some(LegState::Established));
    assert_eq!(h.state(bot), Some(LegState::Established));
}

#[test]
fn a_ringing_phone_cannot_transfer() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    assert_eq!(h.state(bot), Some(LegState::Incoming));
    assert!(matches!(
        phone_transfers(&mut h, caller, user(7)),
        Err(EngineError::InvalidState { .. })
    ));
}
