//! Transfers that move only the transferee (`TransferScope::Participant`, ACS group calls): the
//! transferee and the target end up in a call of their own and the transferor stays with the
//! others; failure leaves everyone where they were; in a two-party call it is a whole-call transfer.

mod common;

use common::*;
use ringside_engine::{
    Ack, Command, EndReason, Event, LegId, LegState, OperationId, OperationStatus, Outcome,
    Refusal, Target, TransferScope,
};
use ringside_model::Party;

fn transfer_out(h: &mut Harness, bot: LegId, transferee: LegId, to: Party) -> (OperationId, LegId) {
    let ack = h
        .cmd(Command::Transfer {
            leg: bot,
            target: Target::party(to),
            transferee: Some(transferee),
            scope: TransferScope::Participant,
            client_context: "xfer".into(),
        })
        .unwrap();
    let Ack::Operation { legs, .. } = &ack else {
        panic!("unexpected {ack:?}")
    };
    (op(&ack), legs[0])
}

/// A bot in a group call with two answered users.
fn group(h: &mut Harness) -> (ringside_engine::ConversationId, LegId, Vec<LegId>) {
    let (conversation, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    (conversation, bot, targets)
}

#[test]
fn the_transferee_leaves_with_the_target_and_the_transferor_stays() {
    let mut h = Harness::default();
    let (conversation, bot, others) = group(&mut h);
    let (operation, target) = transfer_out(&mut h, bot, others[0], user(3));
    assert_eq!(
        h.state(bot),
        Some(LegState::Established),
        "the bot keeps its call"
    );
    assert_eq!(h.rung().last(), Some(&target));
    let split = h.engine.leg(target).map(|l| l.conversation);
    assert_ne!(
        split,
        Some(conversation),
        "the target rings in a call of its own"
    );

    h.advance(2 * SECOND);
    h.answer(target);

    assert!(h.events.iter().any(|(_, e)| matches!(
        e,
        Event::TransferAccepted { leg, target: t, transferee: Some(c), conversation: at, .. }
            if *leg == bot && *t == target && *c == others[0] && *at == conversation
    )));
    assert!(matches!(
        h.completions(operation).as_slice(),
        [Event::OperationCompleted {
            status: OperationStatus::Completed,
            ..
        }]
    ));
    assert!(!h
        .states(bot)
        .iter()
        .any(|s| *s == LegState::Transferring || s.is_terminated()));
    for leg in [others[0], target] {
        assert_eq!(h.state(leg), Some(LegState::Established));
        assert_eq!(h.engine.leg(leg).map(|l| l.conversation), split);
    }
    assert_eq!(
        h.rosters(conversation).last().map(|r| r.1.clone()),
        Some(vec![bot, others[1]])
    );
    let split = split.unwrap();
    assert_eq!(
        h.rosters(split).last().map(|r| r.1.clone()),
        Some(vec![target, others[0]])
    );

    // The moved pair is a two-party call: one hanging up ends the other, not the bot's call.
    h.hang_up(target);
    assert_eq!(
        h.ended(others[0]).map(|e| e.1),
        Some(EndReason::RemoteHungUp)
    );
    assert_eq!(h.state(bot), Some(LegState::Established));
    assert_eq!(h.state(others[1]), Some(LegState::Established));
}

#[test]
fn a_declined_target_leaves_everyone_where_they_were() {
    let mut h = Harness::default();
    let (conversation, bot, others) = group(&mut h);
    let (operation, target) = transfer_out(&mut h, bot, others[0], user(3));
    h.refuse(target, Refusal::Declined);

    assert!(h.events.iter().any(|(_, e)| matches!(
        e,
        Event::TransferFailed { leg, cause: EndReason::Declined, .. } if *leg == bot
    )));
    assert!(matches!(
        h.completions(operation).as_slice(),
        [Event::OperationCompleted {
            status: OperationStatus::Failed,
            outcome: Outcome::Participant(EndReason::Declined),
            ..
        }]
    ));
    for leg in [bot, others[0], others[1]] {
        assert_eq!(h.state(leg), Some(LegState::Established));
        assert_eq!(
            h.engine.leg(leg).map(|l| l.conversation),
            Some(conversation)
        );
    }
    assert_eq!(
        h.engine.conversation_count(),
        1,
        "the target's call is released"
    );
}

#[test]
fn a_transferee_gone_before_the_target_answers_fails_the_transfer() {
    let mut h = Harness::default();
    let (_, bot, others) = group(&mut h);
    let (operation, target) = transfer_out(&mut h, bot, others[0], user(3));
    h.hang_up(others[0]);
    h.answer(target);

    assert_eq!(h.ended(target).map(|e| e.1), Some(EndReason::Cancelled));
    assert!(matches!(
        h.completions(operation).as_slice(),
        [Event::OperationCompleted {
            status: OperationStatus::Failed,
            ..
        }]
    ));
    assert_eq!(h.state(bot), Some(LegState::Established));
    assert_eq!(h.state(others[1]), Some(LegState::Established));
}

#[test]
fn in_a_two_party_call_the_whole_call_moves() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    let (_, target) = transfer_out(&mut h, bot, caller, user(7));
    assert_eq!(h.state(bot), Some(LegState::Transferring));
    h.answer(target);
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Transferred));
    assert_eq!(h.state(caller), Some(LegState::Established));
}
