//! ACS DTMF recognize scenarios on virtual time: prompt then collect, interrupt, max tones, stop
//! tone, initial-silence and inter-tone timeouts, other participants ignored, queueing, cancel.

mod common;

use std::time::Duration;

use common::*;
use ringside_engine::{
    Action, Audience, Command, EndpointSignal, EngineError, Event, LegId, MediaRef, MediaSignal,
    OperationId, OperationStatus, Outcome, RecognizeOptions,
};
use ringside_model::Tone;

/// An ACS bot (no keepAlive timer) answered a phone call; returns (caller, bot).
fn acs_call(h: &mut Harness) -> (LegId, LegId) {
    let (_, caller, bot) = h.dial(phone("+14255550123"), phone(ACS_NUMBER));
    h.cmd(Command::Answer { leg: bot }).unwrap();
    (caller, bot)
}

fn recognize(h: &mut Harness, bot: LegId, target: LegId, options: RecognizeOptions) -> OperationId {
    let ack = h
        .cmd(Command::Recognize {
            leg: bot,
            target,
            options,
            barge_in: false,
            client_context: "menu".into(),
        })
        .unwrap();
    op(&ack)
}

fn press(h: &mut Harness, leg: LegId, keys: &str) {
    let tones = Tone::parse_sequence(keys).expect("keys");
    h.endpoint(EndpointSignal::Digits { leg, tones }).unwrap();
}

/// (outcome, status, tones, when) of the operation's completion.
fn result(
    h: &Harness,
    operation: OperationId,
) -> Option<(Outcome, OperationStatus, Vec<Tone>, Duration)> {
    h.events.iter().find_map(|(at, e)| match e {
        Event::OperationCompleted {
            operation: o,
            outcome,
            status,
            tones,
            ..
        } if *o == operation => Some((*outcome, *status, tones.clone(), *at)),
        _ => None,
    })
}

fn with_prompt() -> RecognizeOptions {
    RecognizeOptions {
        prompts: vec![MediaRef::uri("menu.wav")],
        max_tones: 3,
        stop_tones: vec![Tone::Pound],
        ..RecognizeOptions::default()
    }
}

#[test]
fn prompt_plays_to_the_target_and_a_key_interrupts_it() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, with_prompt());
    assert!(h.actions.iter().any(|(_, a)| matches!(
        a, Action::StartPrompt { operation: o, audience: Audience::Legs(legs), .. } if *o == operation && *legs == vec![caller]
    )));
    press(&mut h, caller, "1");
    assert!(h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::StopPrompt { operation: o, .. } if *o == operation)));
    press(&mut h, caller, "23");
    let (outcome, status, tones, _) = result(&h, operation).expect("completed");
    assert_eq!(
        (outcome, status),
        (Outcome::RecognizeMaxTones, OperationStatus::Completed)
    );
    assert_eq!(tones, Tone::parse_sequence("123").unwrap());
}

#[test]
fn stop_tone_ends_collection_without_itself() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, with_prompt());
    h.media(MediaSignal::PromptFinished {
        operation,
        ok: true,
    })
    .unwrap();
    press(&mut h, caller, "4#");
    let (outcome, _, tones, _) = result(&h, operation).expect("completed");
    assert_eq!(outcome, Outcome::RecognizeStopTone);
    assert_eq!(tones, vec![Tone::Digit(4)]);
}

#[test]
fn initial_silence_starts_after_the_prompt() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, with_prompt());
    h.advance(20 * SECOND);
    assert!(
        result(&h, operation).is_none(),
        "no timer while the prompt plays"
    );
    h.media(MediaSignal::PromptFinished {
        operation,
        ok: true,
    })
    .unwrap();
    h.advance(MINUTE);
    let (outcome, status, tones, at) = result(&h, operation).expect("failed");
    assert_eq!(
        (outcome, status),
        (Outcome::RecognizeInitialSilence, OperationStatus::Failed)
    );
    assert!(tones.is_empty());
    assert_eq!(at, 25 * SECOND);
}

#[test]
fn without_a_prompt_the_initial_silence_starts_at_once() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let options = RecognizeOptions {
        initial_silence: 8 * SECOND,
        ..RecognizeOptions::default()
    };
    let operation = recognize(&mut h, bot, caller, options);
    h.advance(MINUTE);
    assert_eq!(
        result(&h, operation).map(|r| (r.0, r.3)),
        Some((Outcome::RecognizeInitialSilence, 8 * SECOND))
    );
}

#[test]
fn inter_tone_timeout_completes_with_what_was_collected() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let options = RecognizeOptions {
        max_tones: 4,
        inter_tone: 3 * SECOND,
        ..RecognizeOptions::default()
    };
    let operation = recognize(&mut h, bot, caller, options);
    h.advance(2 * SECOND);
    press(&mut h, caller, "5");
    h.advance(2 * SECOND);
    press(&mut h, caller, "6");
    h.advance(MINUTE);
    let (outcome, status, tones, at) = result(&h, operation).expect("completed");
    assert_eq!(
        (outcome, status),
        (
            Outcome::RecognizeInterToneTimeout,
            OperationStatus::Completed
        )
    );
    assert_eq!(tones, Tone::parse_sequence("56").unwrap());
    assert_eq!(at, 7 * SECOND);
}

#[test]
fn keys_from_other_participants_are_not_collected() {
    let mut h = Harness::default();
    let (_, bot, targets) = h.bot_calls_group(acs_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    let operation = recognize(&mut h, bot, targets[0], RecognizeOptions::default());
    press(&mut h, targets[1], "9");
    assert!(result(&h, operation).is_none());
    press(&mut h, targets[0], "1");
    assert_eq!(
        result(&h, operation).map(|r| r.2),
        Some(vec![Tone::Digit(1)])
    );
}

#[test]
fn recognize_waits_its_turn_and_can_be_cancelled() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let play = h
        .cmd(Command::PlayPrompt {
            leg: bot,
            prompts: vec![MediaRef::uri("welcome.wav")],
            audience: vec![],
            looped: false,
            barge_in: false,
            client_context: String::new(),
        })
        .unwrap();
    let play = op(&play);
    let ack = h
        .cmd(Command::Recognize {
            leg: bot,
            target: caller,
            options: RecognizeOptions::default(),
            barge_in: false,
            client_context: String::new(),
        })
        .unwrap();
    assert_eq!(
        ack.operation().map(|o| o.status),
        Some(OperationStatus::NotStarted)
    );
    let operation = op(&ack);
    press(&mut h, caller, "1");
    assert!(
        result(&h, operation).is_none(),
        "not collecting while queued"
    );
    h.media(MediaSignal::PromptFinished {
        operation: play,
        ok: true,
    })
    .unwrap();
    assert!(h.engine.poll_timeout().is_some(), "initial silence armed");
    h.cmd(Command::CancelMediaProcessing {
        leg: bot,
        client_context: String::new(),
    })
    .unwrap();
    assert_eq!(result(&h, operation).map(|r| r.0), Some(Outcome::Cancelled));
    assert_eq!(h.engine.poll_timeout(), None, "timer disarmed");
}

#[test]
fn recognize_arguments_are_checked() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let bad = [
        RecognizeOptions {
            max_tones: 0,
            ..RecognizeOptions::default()
        },
        RecognizeOptions {
            inter_tone: Duration::ZERO,
            ..RecognizeOptions::default()
        },
        RecognizeOptions {
            initial_silence: 301 * SECOND,
            ..RecognizeOptions::default()
        },
    ];
    for options in bad {
        let result = h.cmd(Command::Recognize {
            leg: bot,
            target: caller,
            options,
            barge_in: false,
            client_context: String::new(),
        });
        assert!(matches!(result, Err(EngineError::InvalidArgument(_))));
    }
    let result = h.cmd(Command::Recognize {
        leg: bot,
        target: bot,
        options: RecognizeOptions::default(),
        barge_in: false,
        client_context: String::new(),
    });
    assert!(matches!(result, Err(EngineError::InvalidState { .. })));
}

/// The tone-detection actions the bot leg got, in order: `true` for start, `false` for stop.
fn detection(h: &Harness, leg: LegId) -> Vec<bool> {
    h.actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::StartToneDetection { leg: l, .. } if *l == leg => Some(true),
            Action::StopToneDetection { leg: l, .. } if *l == leg => Some(false),
            _ => None,
        })
        .collect()
}

#[test]
fn the_plane_listens_for_keys_while_a_recognize_or_a_subscription_needs_them() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    assert_eq!(detection(&h, bot), Vec::<bool>::new(), "nobody listens yet");
    // A recognize listens while it runs.
    let operation = recognize(&mut h, bot, caller, with_prompt());
    assert_eq!(detection(&h, bot), vec![true]);
    press(&mut h, caller, "123");
    assert!(result(&h, operation).is_some());
    assert_eq!(detection(&h, bot), vec![true, false]);
    // A subscription outlasts a recognize that starts and ends under it.
    h.cmd(Command::SubscribeToTone {
        leg: bot,
        source: None,
        client_context: String::new(),
    })
    .unwrap();
    let operation = recognize(&mut h, bot, caller, with_prompt());
    press(&mut h, caller, "456");
    assert!(result(&h, operation).is_some());
    assert_eq!(detection(&h, bot), vec![true, false, true]);
    // The leg ending stops it.
    h.cmd(Command::HangUp { leg: bot }).unwrap();
    assert_eq!(detection(&h, bot), vec![true, false, true, false]);
}
