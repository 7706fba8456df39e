//! Redirect scenarios: single target, simultaneous ring (first answer wins), redirect timeout
//! (defaults 55 s / 60 s and explicit), all targets refusing, caller giving up, argument checks.

mod common;

use std::time::Duration;

use common::*;
use ringside_engine::{Action, Command, EndReason, EngineError, LegId, LegState, Refusal};
use ringside_model::Party;

/// A phone calls the Graph bot, which redirects to `targets`; returns (caller, bot, target legs).
fn redirected(
    h: &mut Harness,
    targets: Vec<Party>,
    timeout: Option<Duration>,
) -> (LegId, LegId, Vec<LegId>) {
    let (_, caller, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    h.advance(2 * SECOND);
    let rung_before = h.rung().len();
    h.cmd(Command::Redirect {
        leg: bot,
        targets,
        timeout,
    })
    .unwrap();
    let legs = h.rung()[rung_before..].to_vec();
    (caller, bot, legs)
}

#[test]
fn redirect_to_one_user_connects_the_caller_and_ends_the_bot_leg() {
    let mut h = Harness::default();
    let (caller, bot, targets) = redirected(&mut h, vec![user(1)], None);
    assert_eq!(h.state(bot), Some(LegState::Redirecting));
    assert_eq!(targets.len(), 1);
    h.advance(5 * SECOND);
    h.answer(targets[0]);
    assert_eq!(
        h.states(bot),
        vec![
            LegState::Redirecting,
            LegState::Terminated(EndReason::Redirected)
        ]
    );
    assert_eq!(h.state(caller), Some(LegState::Established));
    assert_eq!(h.state(targets[0]), Some(LegState::Established));
    assert_eq!(
        h.engine.poll_timeout(),
        None,
        "no answer deadline or redirect timer left"
    );
}

#[test]
fn simulring_first_answer_wins() {
    let mut h = Harness::default();
    let (caller, bot, targets) =
        redirected(&mut h, vec![user(1), user(2), phone("+14255550999")], None);
    assert_eq!(targets.len(), 3);
    h.answer(targets[1]);
    assert_eq!(
        h.disconnected(targets[0]),
        Some(EndReason::AnsweredElsewhere)
    );
    assert_eq!(
        h.disconnected(targets[2]),
        Some(EndReason::AnsweredElsewhere)
    );
    assert_eq!(h.disconnected(targets[1]), None);
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Redirected));
    assert_eq!(h.state(caller), Some(LegState::Established));
    // A late answer from a loser is refused.
    assert!(h
        .endpoint(ringside_engine::EndpointSignal::Answered { leg: targets[0] })
        .is_err());
}

#[test]
fn redirect_timeout_defaults_and_explicit_values() {
    let cases: [(usize, Option<Duration>, Duration); 3] = [
        (1, None, 55 * SECOND),
        (3, None, 60 * SECOND),
        (2, Some(20 * SECOND), 20 * SECOND),
    ];
    for (count, timeout, expected) in cases {
        let mut h = Harness::default();
        let parties = (0..count as u128).map(user).collect();
        let (caller, bot, targets) = redirected(&mut h, parties, timeout);
        h.advance(5 * MINUTE);
        let redirect_started = 2 * SECOND;
        assert_eq!(
            h.ended(bot),
            Some((redirect_started + expected, EndReason::RedirectTimeout)),
            "{count} {timeout:?}"
        );
        for target in targets {
            assert_eq!(h.disconnected(target), Some(EndReason::NotAnswered));
        }
        assert_eq!(h.ended(caller).map(|e| e.1), Some(EndReason::NotAnswered));
        assert_eq!(h.engine.conversation_count(), 0);
    }
}

#[test]
fn redirect_stops_the_answer_deadline() {
    let mut h = Harness::default();
    let (_, bot, _) = redirected(&mut h, vec![user(1)], Some(30 * SECOND));
    // The 15 s answer deadline would have fired at 15 s; the redirect timer is what ends it.
    h.advance(20 * SECOND);
    assert_eq!(h.state(bot), Some(LegState::Redirecting));
    h.advance(20 * SECOND);
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::RedirectTimeout));
}

#[test]
fn all_targets_refusing_fails_the_redirect() {
    let mut h = Harness::default();
    let (caller, bot, targets) = redirected(&mut h, vec![user(1), user(2)], None);
    h.refuse(targets[0], Refusal::Declined);
    assert_eq!(h.state(bot), Some(LegState::Redirecting));
    h.refuse(targets[1], Refusal::Busy);
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Busy));
    assert_eq!(h.ended(caller).map(|e| e.1), Some(EndReason::Busy));
    assert_eq!(h.engine.poll_timeout(), None);
}

#[test]
fn caller_hanging_up_during_redirect_cancels_the_targets() {
    let mut h = Harness::default();
    let (caller, bot, targets) = redirected(&mut h, vec![user(1), user(2)], None);
    h.hang_up(caller);
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Cancelled));
    for target in targets {
        assert_eq!(h.disconnected(target), Some(EndReason::Cancelled));
    }
    assert_eq!(h.engine.conversation_count(), 0);
}

#[test]
fn redirect_to_another_bot_offers_it_the_call() {
    let mut h = Harness::default();
    let (caller, bot, _) = redirected(&mut h, vec![app(OTHER_APP)], None);
    let (second_bot, _) = *h.offered().last().expect("offered to the second bot");
    assert_ne!(second_bot, bot);
    h.cmd(Command::Answer { leg: second_bot }).unwrap();
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Redirected));
    assert_eq!(h.state(caller), Some(LegState::Established));
    assert_eq!(h.state(second_bot), Some(LegState::Established));
}

#[test]
fn redirect_to_unroutable_targets_fails_at_once() {
    let mut h = Harness::default();
    let (caller, bot, _) = redirected(&mut h, vec![ghost()], None);
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::Unreachable));
    assert_eq!(h.ended(caller).map(|e| e.1), Some(EndReason::Unreachable));
}

#[test]
fn redirect_arguments_are_checked_and_change_nothing() {
    let mut h = Harness::default();
    let (_, _, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    let bad = [
        (vec![user(1)], Some(14 * SECOND)),
        (vec![user(1)], Some(91 * SECOND)),
        (vec![], None),
        ((0..26).map(user).collect(), None),
    ];
    for (targets, timeout) in bad {
        let result = h.cmd(Command::Redirect {
            leg: bot,
            targets,
            timeout,
        });
        assert!(
            matches!(result, Err(EngineError::InvalidArgument(_))),
            "{result:?}"
        );
    }
    assert_eq!(h.state(bot), Some(LegState::Incoming));
    assert!(h.rung().is_empty());
    assert!(!h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::DisconnectEndpoint { .. })));
}

#[test]
fn redirect_after_answer_is_refused() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let result = h.cmd(Command::Redirect {
        leg: bot,
        targets: vec![user(1)],
        timeout: None,
    });
    assert!(matches!(result, Err(EngineError::InvalidState { .. })));
}
