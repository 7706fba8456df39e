//! Call lifecycle scenarios: outgoing and incoming two-party calls, reject, hang-up (own leg,
//! remote, for everyone), group calls, routing failures, and the state/code mappings.

mod common;

use common::*;
use ringside_engine::{
    Action, Command, EndReason, EngineError, Event, LegState, OfferKind, Refusal, RejectReason,
    Target,
};

#[test]
fn outgoing_call_to_a_user_is_established_when_the_user_answers() {
    let mut h = Harness::default();
    let (conversation, bot, user_leg) = h.bot_calls(graph_bot(), user(1));
    assert_eq!(h.states(bot), vec![LegState::Establishing]);
    assert_eq!(h.rung(), vec![user_leg]);
    assert!(h
        .actions
        .iter()
        .any(|(_, a)| *a == Action::CreateMix { conversation }));

    h.advance(3 * SECOND);
    h.answer(user_leg);

    assert_eq!(
        h.states(bot),
        vec![LegState::Establishing, LegState::Established]
    );
    assert_eq!(h.state(user_leg), Some(LegState::Established));
    assert_eq!(h.rosters(conversation), vec![(1, vec![bot, user_leg])]);
    for leg in [bot, user_leg] {
        assert!(h
            .actions
            .iter()
            .any(|(_, a)| *a == Action::ConnectMedia { conversation, leg }));
    }
}

#[test]
fn incoming_call_is_offered_to_the_bot_and_answered() {
    let mut h = Harness::default();
    let (conversation, caller, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    let offered = h.events.iter().find_map(|(_, e)| match e {
        Event::CallOffered {
            leg,
            bot,
            kind,
            deadline,
            caller,
            ..
        } => Some((*leg, *bot, *kind, *deadline, caller.clone())),
        _ => None,
    });
    let (leg, identity, kind, deadline, from) = offered.expect("offered");
    assert_eq!(leg, bot);
    assert_eq!(identity.instance, Some(GRAPH_INSTANCE));
    assert!(
        !identity.keep_alive,
        "an offered leg is not kept alive until a door adopts it"
    );
    assert_eq!(kind, OfferKind::Call);
    assert_eq!(deadline, h.start + 15 * SECOND);
    assert_eq!(from, phone("+14255550123"));
    assert_eq!(h.state(bot), Some(LegState::Incoming));
    assert_eq!(h.state(caller), Some(LegState::Establishing));

    h.cmd(Command::Answer { leg: bot }).unwrap();
    assert_eq!(
        h.states(bot),
        vec![LegState::Establishing, LegState::Established]
    );
    assert_eq!(h.state(caller), Some(LegState::Established));
    assert_eq!(h.rosters(conversation).last().map(|r| r.1.len()), Some(2));
}

#[test]
fn acs_number_offers_the_acs_bot() {
    let mut h = Harness::default();
    let (_, _, bot) = h.dial(phone("+14255550123"), phone(ACS_NUMBER));
    let app = h.events.iter().find_map(|(_, e)| match e {
        Event::CallOffered {
            bot: identity, leg, ..
        } if *leg == bot => Some(identity.app),
        _ => None,
    });
    assert_eq!(app, Some(ACS_APP));
}

#[test]
fn reject_ends_the_offer_and_tells_the_caller() {
    let cases = [
        (RejectReason::None, EndReason::Declined),
        (RejectReason::Busy, EndReason::Busy),
        (RejectReason::Forbidden, EndReason::Declined),
    ];
    for (reason, caller_sees) in cases {
        let mut h = Harness::default();
        let (conversation, caller, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
        h.cmd(Command::Reject { leg: bot, reason }).unwrap();
        assert_eq!(
            h.ended(bot).map(|e| e.1),
            Some(EndReason::Rejected(reason)),
            "{reason:?}"
        );
        assert_eq!(
            h.ended(caller).map(|e| e.1),
            Some(caller_sees),
            "{reason:?}"
        );
        assert_eq!(h.disconnected(caller), Some(caller_sees));
        assert!(h
            .actions
            .iter()
            .any(|(_, a)| *a == Action::DestroyMix { conversation }));
        assert!(h.engine.conversation(conversation).is_none());
        assert_eq!(
            h.cmd(Command::Answer { leg: bot }),
            Err(EngineError::UnknownLeg(bot)),
            "answering after reject is a 404"
        );
    }
}

#[test]
fn reject_after_answer_is_refused() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let err = h
        .cmd(Command::Reject {
            leg: bot,
            reason: RejectReason::None,
        })
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::InvalidState {
            state: LegState::Established,
            ..
        }
    ));
}

#[test]
fn bot_hang_up_goes_through_terminating_and_ends_the_two_party_call() {
    let mut h = Harness::default();
    let (conversation, bot, user_leg) = h.answered_outgoing(graph_bot(), user(1));
    h.cmd(Command::HangUp { leg: bot }).unwrap();
    assert_eq!(
        h.states(bot),
        vec![
            LegState::Establishing,
            LegState::Established,
            LegState::Terminating,
            LegState::Terminated(EndReason::HungUp)
        ]
    );
    assert_eq!(h.disconnected(user_leg), Some(EndReason::RemoteHungUp));
    assert!(h.engine.conversation(conversation).is_none());
    assert_eq!(h.engine.conversation_count(), 0);
    assert_eq!(h.engine.poll_timeout(), None, "no timers left behind");
}

#[test]
fn remote_hang_up_ends_the_bot_leg_with_4521() {
    let mut h = Harness::default();
    let (_, bot, user_leg) = h.answered_outgoing(graph_bot(), user(1));
    h.advance(MINUTE);
    h.hang_up(user_leg);
    assert_eq!(h.ended(bot), Some((MINUTE, EndReason::RemoteHungUp)));
    assert_eq!(
        h.disconnected(user_leg),
        None,
        "the endpoint hung up itself"
    );
}

#[test]
fn callee_refusals_end_a_two_party_call_with_matching_reasons() {
    let cases = [
        (Refusal::Declined, EndReason::Declined),
        (Refusal::Busy, EndReason::Busy),
        (Refusal::Unavailable, EndReason::Unavailable),
    ];
    for (refusal, reason) in cases {
        let mut h = Harness::default();
        let (_, bot, target) = h.bot_calls(acs_bot(), phone("+14255550123"));
        h.refuse(target, refusal);
        assert_eq!(h.ended(bot).map(|e| e.1), Some(reason));
    }
}

#[test]
fn unroutable_target_fails_with_480_10037() {
    let mut h = Harness::default();
    let (_, bot, target) = h.bot_calls(graph_bot(), ghost());
    assert_eq!(h.ended(target).map(|e| e.1), Some(EndReason::Unreachable));
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Unreachable));
    assert!(h.rung().is_empty());
}

#[test]
fn caller_hanging_up_before_the_bot_answers_cancels_the_offer() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    h.advance(5 * SECOND);
    h.hang_up(caller);
    assert_eq!(h.ended(bot), Some((5 * SECOND, EndReason::Cancelled)));
    assert_eq!(h.engine.conversation_count(), 0);
}

#[test]
fn bot_calls_bot() {
    let mut h = Harness::default();
    let (_, caller_bot, callee_bot) = h.bot_calls(graph_bot(), app(OTHER_APP));
    assert_eq!(h.offered().first().map(|o| o.0), Some(callee_bot));
    h.cmd(Command::Answer { leg: callee_bot }).unwrap();
    assert_eq!(h.state(caller_bot), Some(LegState::Established));
    assert_eq!(h.state(callee_bot), Some(LegState::Established));
}

#[test]
fn group_call_continues_after_the_bot_leaves() {
    let mut h = Harness::default();
    let (conversation, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    assert_eq!(
        h.state(bot),
        Some(LegState::Established),
        "a group call exists at once"
    );
    h.answer(targets[0]);
    h.answer(targets[1]);
    h.cmd(Command::HangUp { leg: bot }).unwrap();
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::HungUp));
    assert_eq!(h.state(targets[0]), Some(LegState::Established));
    assert_eq!(h.state(targets[1]), Some(LegState::Established));
    assert_eq!(
        h.rosters(conversation).last().map(|r| r.1.clone()),
        Some(vec![targets[0], targets[1]])
    );

    h.hang_up(targets[0]);
    assert_eq!(
        h.ended(targets[1]).map(|e| e.1),
        Some(EndReason::AllOthersLeft)
    );
    assert_eq!(h.engine.conversation_count(), 0);
}

#[test]
fn group_call_where_nobody_joins_ends_with_5013() {
    let mut h = Harness::default();
    let (_, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    h.refuse(targets[0], Refusal::Declined);
    assert_eq!(h.state(bot), Some(LegState::Established));
    h.advance(MINUTE);
    assert_eq!(
        h.ended(targets[1]).map(|e| e.1),
        Some(EndReason::NotAnswered)
    );
    assert_eq!(h.ended(bot), Some((MINUTE, EndReason::NobodyJoined)));
}

#[test]
fn terminate_ends_the_call_for_everyone() {
    let mut h = Harness::default();
    let (_, bot, targets) = h.bot_calls_group(acs_bot(), vec![user(1), user(2), user(3)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    h.cmd(Command::Terminate { leg: bot }).unwrap();
    assert_eq!(h.disconnected(targets[0]), Some(EndReason::EndedByOther));
    assert_eq!(h.disconnected(targets[1]), Some(EndReason::EndedByOther));
    assert_eq!(
        h.disconnected(targets[2]),
        Some(EndReason::Cancelled),
        "still ringing"
    );
    assert_eq!(
        h.states(bot)[h.states(bot).len() - 2..],
        [
            LegState::Terminating,
            LegState::Terminated(EndReason::TerminatedByApp)
        ]
    );
    assert_eq!(h.engine.conversation_count(), 0);
}

#[test]
fn group_call_limits_are_checked_before_anything_changes() {
    let mut h = Harness::default();
    let too_many = (0..6).map(|n| Target::party(user(n))).collect();
    let err = h.cmd(Command::CreateCall {
        tenant: TENANT,
        bot: graph_bot(),
        source: app(GRAPH_APP),
        targets: too_many,
        group: true,
        ring_timeout: None,
    });
    assert!(matches!(err, Err(EngineError::InvalidArgument(_))));
    let err = h.cmd(Command::CreateCall {
        tenant: TENANT,
        bot: graph_bot(),
        source: app(GRAPH_APP),
        targets: vec![],
        group: false,
        ring_timeout: None,
    });
    assert!(matches!(err, Err(EngineError::InvalidArgument(_))));
    assert_eq!(h.engine.conversation_count(), 0);
    assert!(h.events.is_empty() && h.actions.is_empty());
}

#[test]
fn commands_on_unknown_legs_are_errors_not_panics() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let stranger = ringside_engine::LegId(ringside_model::Guid::from_u128(42));
    assert_eq!(
        h.cmd(Command::HangUp { leg: stranger }),
        Err(EngineError::UnknownLeg(stranger))
    );
    assert_eq!(
        h.cmd(Command::KeepAlive { leg: stranger }),
        Err(EngineError::UnknownLeg(stranger))
    );
    assert!(matches!(
        h.endpoint(ringside_engine::EndpointSignal::Answered { leg: bot }),
        Err(EngineError::WrongEndpoint { .. })
    ));
}

#[test]
fn leg_states_and_directions_have_names() {
    let table = [
        (LegState::Incoming, "incoming"),
        (LegState::Establishing, "establishing"),
        (LegState::Established, "established"),
        (LegState::OnHold, "hold"),
        (LegState::Transferring, "transferring"),
        (LegState::TransferAccepted, "transferAccepted"),
        (LegState::Redirecting, "redirecting"),
        (LegState::Terminating, "terminating"),
        (LegState::Terminated(EndReason::HungUp), "terminated"),
    ];
    for (state, name) in table {
        assert_eq!(state.name(), name);
    }
    assert_eq!(ringside_engine::Direction::Incoming.name(), "incoming");
    assert_eq!(ringside_engine::Direction::Outgoing.name(), "outgoing");
}
