//! ACS speech recognize scenarios on virtual time: the recognizer starts after the prompt, what
//! it heard decides the outcome (speech, a choice, silence, no match), keys end it when they
//! count, are ignored when they do not, and every other end of the operation stops it.

mod common;

use std::time::Duration;

use common::*;
use ringside_engine::{
    Action, Command, EndpointSignal, Event, Heard, LegId, MediaRef, MediaSignal, OperationId,
    OperationStatus, Outcome, RecognizeOptions, SpeechChoice, SpeechOptions,
};
use ringside_model::Tone;

fn acs_call(h: &mut Harness) -> (LegId, LegId) {
    let (_, caller, bot) = h.dial(phone("+14255550123"), phone(ACS_NUMBER));
    h.cmd(Command::Answer { leg: bot }).unwrap();
    (caller, bot)
}

fn menu(tones: bool) -> SpeechOptions {
    SpeechOptions {
        choices: vec![
            SpeechChoice {
                label: "Billing".into(),
                phrases: vec!["billing".into()],
            },
            SpeechChoice {
                label: "Support".into(),
                phrases: vec!["support".into(), "help".into()],
            },
        ],
        language: None,
        end_silence: Duration::from_millis(800),
        tones,
    }
}

fn recognize(h: &mut Harness, bot: LegId, target: LegId, speech: SpeechOptions) -> OperationId {
    let options = RecognizeOptions {
        prompts: vec![MediaRef::uri("menu.wav")],
        speech: Some(speech),
        ..RecognizeOptions::default()
    };
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

fn prompt_done(h: &mut Harness, operation: OperationId) {
    h.media(MediaSignal::PromptFinished {
        operation,
        ok: true,
    })
    .unwrap();
}

fn listening(h: &Harness, operation: OperationId) -> usize {
    h.actions
        .iter()
        .filter(
            |(_, a)| matches!(a, Action::StartListening { operation: o, .. } if *o == operation),
        )
        .count()
}

fn stopped(h: &Harness, operation: OperationId) -> usize {
    h.actions
        .iter()
        .filter(|(_, a)| matches!(a, Action::StopListening { operation: o, .. } if *o == operation))
        .count()
}

fn completion(
    h: &Harness,
    operation: OperationId,
) -> Option<(Outcome, OperationStatus, Option<Heard>, Vec<Tone>)> {
    h.events.iter().find_map(|(_, e)| match e {
        Event::OperationCompleted {
            operation: o,
            outcome,
            status,
            heard,
            tones,
            ..
        } if *o == operation => Some((*outcome, *status, heard.clone(), tones.clone())),
        _ => None,
    })
}

#[test]
fn the_recognizer_starts_after_the_prompt_and_a_choice_completes_it() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, menu(false));
    assert_eq!(listening(&h, operation), 0, "not while the prompt plays");
    prompt_done(&mut h, operation);
    assert!(h.actions.iter().any(|(_, a)| matches!(
        a,
        Action::StartListening { operation: o, target, leg, initial_silence, .. }
            if *o == operation && *target == caller && *leg == bot
                && *initial_silence == Duration::from_secs(5)
    )));
    // No engine timer: the recognizer owns the silence timeouts.
    h.advance(MINUTE);
    assert!(completion(&h, operation).is_none());
    let heard = Heard::Choice {
        label: "Support".into(),
        phrase: "help".into(),
        confidence_permille: 870,
    };
    h.media(MediaSignal::Heard {
        operation,
        heard: heard.clone(),
    })
    .unwrap();
    let (outcome, status, got, _) = completion(&h, operation).expect("completed");
    assert_eq!(
        (outcome, status),
        (Outcome::RecognizeSpeech, OperationStatus::Completed)
    );
    assert_eq!(got, Some(heard));
    assert_eq!(
        stopped(&h, operation),
        0,
        "a recognizer that reported needs no stop"
    );
}

#[test]
fn silence_and_no_match_fail_the_recognize() {
    for (heard, outcome) in [
        (Heard::Silence, Outcome::RecognizeInitialSilence),
        (Heard::NoMatch, Outcome::RecognizeNoMatch),
        (Heard::Failed, Outcome::MediaFailed),
    ] {
        let mut h = Harness::default();
        let (caller, bot) = acs_call(&mut h);
        let operation = recognize(&mut h, bot, caller, menu(false));
        prompt_done(&mut h, operation);
        h.media(MediaSignal::Heard { operation, heard }).unwrap();
        let (got, status, _, _) = completion(&h, operation).expect("completed");
        assert_eq!((got, status), (outcome, OperationStatus::Failed));
    }
}

#[test]
fn keys_are_ignored_by_speech_only_and_end_listening_when_they_count() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, menu(false));
    prompt_done(&mut h, operation);
    h.endpoint(EndpointSignal::Digits {
        leg: caller,
        tones: vec![Tone::Digit(1)],
    })
    .unwrap();
    assert!(
        completion(&h, operation).is_none(),
        "speech only: a key is no answer"
    );
    assert_eq!(stopped(&h, operation), 0);

    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, menu(true));
    prompt_done(&mut h, operation);
    h.endpoint(EndpointSignal::Digits {
        leg: caller,
        tones: vec![Tone::Digit(2)],
    })
    .unwrap();
    assert_eq!(stopped(&h, operation), 1, "the key stops the recognizer");
    let (outcome, _, heard, tones) = completion(&h, operation).expect("completed by the key");
    assert_eq!(outcome, Outcome::RecognizeMaxTones);
    assert_eq!((heard, tones), (None, vec![Tone::Digit(2)]));
    // A late verdict from the stopped recognizer changes nothing.
    h.media(MediaSignal::Heard {
        operation,
        heard: Heard::NoMatch,
    })
    .unwrap();
    assert_eq!(
        h.events
            .iter()
            .filter(|(_, e)| matches!(e, Event::OperationCompleted { operation: o, .. } if *o == operation))
            .count(),
        1
    );
}

#[test]
fn cancelling_or_hanging_up_stops_the_recognizer() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, menu(false));
    prompt_done(&mut h, operation);
    h.cmd(Command::CancelMediaProcessing {
        leg: bot,
        client_context: String::new(),
    })
    .unwrap();
    assert_eq!(stopped(&h, operation), 1);
    assert_eq!(
        completion(&h, operation).map(|c| c.0),
        Some(Outcome::Cancelled)
    );

    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let operation = recognize(&mut h, bot, caller, menu(false));
    prompt_done(&mut h, operation);
    h.hang_up(caller);
    assert_eq!(stopped(&h, operation), 1);
}

#[test]
fn without_a_prompt_the_recognizer_starts_at_once() {
    let mut h = Harness::default();
    let (caller, bot) = acs_call(&mut h);
    let options = RecognizeOptions {
        speech: Some(SpeechOptions {
            choices: Vec::new(),
            ..menu(false)
        }),
        ..RecognizeOptions::default()
    };
    let ack = h
        .cmd(Command::Recognize {
            leg: bot,
            target: caller,
            options,
            barge_in: false,
            client_context: String::new(),
        })
        .unwrap();
    let operation = op(&ack);
    assert_eq!(listening(&h, operation), 1);
    h.media(MediaSignal::Heard {
        operation,
        heard: Heard::Speech {
            text: "i would like to pay my bill".into(),
            confidence_permille: 640,
        },
    })
    .unwrap();
    assert_eq!(
        completion(&h, operation).map(|c| c.0),
        Some(Outcome::RecognizeSpeech)
    );
}
