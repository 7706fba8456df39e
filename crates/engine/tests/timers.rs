//! Timer scenarios on virtual time: keepAlive expiry and reset, bot answer deadline, ring
//! timeout, invitation timeout, and late timers firing before a command.

mod common;

use std::time::Duration;

use common::*;
use ringside_engine::{Command, EndReason, Engine, EngineConfig, EngineError, LegState, Target};

#[test]
fn keep_alive_expiry_after_45_minutes_runs_on_virtual_time() {
    let mut h = Harness::default();
    let (conversation, bot, user_leg) = h.answered_outgoing(graph_bot(), user(1));
    assert_eq!(h.engine.poll_timeout(), Some(h.start + 45 * MINUTE));

    let moved = h.next_timeout();
    assert_eq!(moved, Some(45 * MINUTE));
    assert_eq!(
        h.ended(bot),
        Some((45 * MINUTE, EndReason::KeepAliveTimeout))
    );
    assert_eq!(h.disconnected(user_leg), Some(EndReason::RemoteHungUp));
    assert!(h.engine.conversation(conversation).is_none());
    assert_eq!(
        h.cmd(Command::KeepAlive { leg: bot }),
        Err(EngineError::UnknownLeg(bot)),
        "404 after the end"
    );
}

#[test]
fn each_keep_alive_restarts_the_45_minutes() {
    let mut h = Harness::default();
    let (_, bot, _) = h.answered_outgoing(graph_bot(), user(1));
    for _ in 0..3 {
        h.advance(40 * MINUTE);
        h.cmd(Command::KeepAlive { leg: bot }).unwrap();
    }
    // 120 minutes in, alive; the last keepAlive was at 120 min.
    h.advance(44 * MINUTE);
    assert_eq!(h.state(bot), Some(LegState::Established));
    h.advance(2 * MINUTE);
    assert_eq!(
        h.ended(bot),
        Some((165 * MINUTE, EndReason::KeepAliveTimeout))
    );
}

#[test]
fn keep_alive_runs_from_the_start_of_an_incoming_call() {
    let mut h = Harness::default();
    h.advance(SECOND);
    let (_, _, bot) = h.answered_incoming();
    h.advance(2 * 60 * MINUTE);
    assert_eq!(
        h.ended(bot),
        Some((SECOND + 45 * MINUTE, EndReason::KeepAliveTimeout))
    );
}

#[test]
fn acs_legs_have_no_keep_alive() {
    let mut h = Harness::default();
    let (_, bot, _) = h.answered_outgoing(acs_bot(), user(1));
    assert_eq!(h.engine.poll_timeout(), None);
    h.advance(10 * 60 * MINUTE);
    assert_eq!(h.state(bot), Some(LegState::Established));
    assert!(matches!(
        h.cmd(Command::KeepAlive { leg: bot }),
        Err(EngineError::NotSupported(_))
    ));
}

#[test]
fn a_late_keep_alive_finds_the_call_already_gone() {
    let mut h = Harness::default();
    let (_, bot, _) = h.answered_outgoing(graph_bot(), user(1));
    // The shell missed the timer; the command itself arrives after the deadline.
    h.now += 46 * MINUTE;
    let result = h.cmd(Command::KeepAlive { leg: bot });
    assert_eq!(result, Err(EngineError::UnknownLeg(bot)));
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::KeepAliveTimeout));
}

#[test]
fn unanswered_offer_misses_the_15_second_answer_deadline() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    h.advance(14 * SECOND);
    assert_eq!(h.state(bot), Some(LegState::Incoming));
    h.advance(SECOND);
    assert_eq!(h.ended(bot), Some((15 * SECOND, EndReason::AnswerDeadline)));
    assert_eq!(h.ended(caller).map(|e| e.1), Some(EndReason::NotAnswered));
    assert_eq!(h.disconnected(caller), Some(EndReason::NotAnswered));
    assert!(matches!(
        h.cmd(Command::Answer { leg: bot }),
        Err(EngineError::UnknownLeg(_))
    ));
}

#[test]
fn answering_just_before_the_deadline_wins() {
    let mut h = Harness::default();
    let (_, _, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    h.advance(15 * SECOND - Duration::from_millis(1));
    h.cmd(Command::Answer { leg: bot }).unwrap();
    h.advance(MINUTE);
    assert_eq!(h.state(bot), Some(LegState::Established));
}

#[test]
fn ring_timeout_ends_an_unanswered_outgoing_call() {
    let cases: [(Option<Duration>, Duration); 2] =
        [(None, 60 * SECOND), (Some(20 * SECOND), 20 * SECOND)];
    for (ring_timeout, expected) in cases {
        let mut h = Harness::default();
        let ack = h
            .cmd(Command::CreateCall {
                tenant: TENANT,
                bot: acs_bot(),
                source: app(ACS_APP),
                targets: vec![Target::party(phone("+14255550123"))],
                group: false,
                ring_timeout,
            })
            .unwrap();
        let ringside_engine::Ack::Call {
            leg: bot, targets, ..
        } = ack
        else {
            panic!("call ack")
        };
        h.advance(5 * MINUTE);
        assert_eq!(h.ended(bot), Some((expected, EndReason::NotAnswered)));
        assert_eq!(h.disconnected(targets[0]), Some(EndReason::NotAnswered));
    }
}

#[test]
fn configured_timers_are_honoured() {
    let config = EngineConfig {
        ring_timeout: 10 * SECOND,
        bot_answer_deadline: 5 * SECOND,
        keep_alive_interval: 30 * MINUTE,
        ..EngineConfig::default()
    };
    let mut h = Harness::new(Engine::new(config));
    let (_, _, bot) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    h.advance(MINUTE);
    assert_eq!(h.ended(bot), Some((5 * SECOND, EndReason::AnswerDeadline)));

    let (_, bot, _) = h.bot_calls(graph_bot(), user(1));
    h.advance(MINUTE);
    assert_eq!(
        h.ended(bot),
        Some((MINUTE + 10 * SECOND, EndReason::NotAnswered))
    );
}

#[test]
fn timers_fire_in_deadline_order_across_many_calls() {
    let mut h = Harness::default();
    let mut bots = Vec::new();
    for n in 0..50u32 {
        h.advance(SECOND);
        let (_, bot, _) = h.answered_outgoing(graph_bot(), user(u128::from(n)));
        bots.push(bot);
    }
    h.advance(2 * 60 * MINUTE);
    let ends: Vec<Duration> = bots
        .iter()
        .map(|bot| h.ended(*bot).expect("ended").0)
        .collect();
    let mut sorted = ends.clone();
    sorted.sort();
    assert_eq!(ends, sorted);
    assert_eq!(ends[0], SECOND + 45 * MINUTE);
    assert_eq!(h.engine.conversation_count(), 0);
}

#[test]
fn five_thousand_calls_expire_on_virtual_time() {
    let mut h = Harness::default();
    for n in 0..5_000u32 {
        let (_, _, target) = h.bot_calls(graph_bot(), user(10_000 + u128::from(n)));
        h.answer(target);
    }
    assert_eq!(h.engine.conversation_count(), 5_000);
    h.advance(45 * MINUTE);
    assert_eq!(h.engine.conversation_count(), 0);
    assert_eq!(h.engine.leg_count(), 0);
    let expired = h
        .events
        .iter()
        .filter(|(at, e)| {
            *at == 45 * MINUTE
                && matches!(
                    e,
                    ringside_engine::Event::LegStateChanged {
                        state: LegState::Terminated(EndReason::KeepAliveTimeout),
                        ..
                    }
                )
        })
        .count();
    assert_eq!(expired, 5_000);
}

#[test]
fn absurd_durations_are_refused_or_survived_without_panicking() {
    let mut h = Harness::default();
    let result = h.cmd(Command::CreateCall {
        tenant: TENANT,
        bot: graph_bot(),
        source: app(GRAPH_APP),
        targets: vec![Target::party(user(1))],
        group: false,
        ring_timeout: Some(Duration::MAX),
    });
    assert!(matches!(result, Err(EngineError::InvalidArgument(_))));

    let config = EngineConfig {
        ring_timeout: Duration::MAX,
        bot_answer_deadline: Duration::MAX,
        keep_alive_interval: Duration::MAX,
        invitation_timeout: Duration::MAX,
        ..EngineConfig::default()
    };
    let mut h = Harness::new(Engine::new(config));
    let (_, bot, user_leg) = h.bot_calls(graph_bot(), user(1));
    h.advance(SECOND);
    h.answer(user_leg);
    h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    h.advance(SECOND);
    assert!(h.engine.leg(bot).is_some() || h.ended(bot).is_some());
}
