//! Media operation scenarios: the per-leg playPrompt/recordResponse queue, cancelMediaProcessing,
//! barge-in, recording outcomes and stop tones, tone subscription outside the queue, sendDtmf,
//! and operations failing when the call ends.

mod common;

use common::*;
use ringside_engine::{
    Action, Audience, Command, EndpointSignal, EngineError, Event, LegId, MediaRef, MediaSignal,
    OperationId, OperationStatus, Outcome, RecordOptions, RecordingEnd,
};
use ringside_model::Tone;

fn play(h: &mut Harness, leg: LegId, uri: &str) -> (OperationId, OperationStatus) {
    let ack = h
        .cmd(Command::PlayPrompt {
            leg,
            prompts: vec![MediaRef::uri(uri)],
            audience: vec![],
            looped: false,
            barge_in: false,
            client_context: uri.into(),
        })
        .unwrap();
    let info = ack.operation().expect("operation").clone();
    (info.id, info.status)
}

fn record(h: &mut Harness, leg: LegId, options: RecordOptions) -> (OperationId, OperationStatus) {
    let ack = h
        .cmd(Command::RecordResponse {
            leg,
            options,
            client_context: "rec".into(),
        })
        .unwrap();
    let info = ack.operation().expect("operation").clone();
    (info.id, info.status)
}

/// Operations started by the shell, in order.
fn started(h: &Harness) -> Vec<OperationId> {
    h.actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::StartPrompt { operation, .. } | Action::StartRecording { operation, .. } => {
                Some(*operation)
            }
            _ => None,
        })
        .collect()
}

/// Completed operations, in order, with their outcome.
fn finished(h: &Harness) -> Vec<(OperationId, Outcome)> {
    h.events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::OperationCompleted {
                operation, outcome, ..
            } => Some((*operation, *outcome)),
            _ => None,
        })
        .collect()
}

#[test]
fn prompts_and_records_run_in_order() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (a, status_a) = play(&mut h, bot, "a.wav");
    let (b, status_b) = play(&mut h, bot, "b.wav");
    let (c, status_c) = record(&mut h, bot, RecordOptions::default());
    assert_eq!(
        (status_a, status_b, status_c),
        (
            OperationStatus::Running,
            OperationStatus::NotStarted,
            OperationStatus::NotStarted
        )
    );
    assert_eq!(started(&h), vec![a]);

    h.media(MediaSignal::PromptFinished {
        operation: a,
        ok: true,
    })
    .unwrap();
    assert_eq!(started(&h), vec![a, b]);
    h.media(MediaSignal::PromptFinished {
        operation: b,
        ok: true,
    })
    .unwrap();
    assert_eq!(started(&h), vec![a, b, c]);
    h.media(MediaSignal::RecordingEnded {
        operation: c,
        reason: RecordingEnd::MaxDuration,
        recording: Some("rec-1".into()),
    })
    .unwrap();
    assert_eq!(
        finished(&h),
        vec![
            (a, Outcome::Success),
            (b, Outcome::Success),
            (c, Outcome::RecordMaxDuration)
        ]
    );
    assert!(matches!(
        h.completions(c).as_slice(),
        [Event::OperationCompleted { recording: Some(r), client_context, status: OperationStatus::Completed, .. }]
            if r == "rec-1" && client_context == "rec"
    ));
    assert_eq!(
        h.engine.operation(c).map(|o| o.status),
        Some(OperationStatus::Completed)
    );
}

#[test]
fn the_prompt_plays_to_the_conversation_or_to_named_legs() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    h.cmd(Command::PlayPrompt {
        leg: bot,
        prompts: vec![MediaRef::uri("x.wav")],
        audience: vec![caller],
        looped: true,
        barge_in: false,
        client_context: String::new(),
    })
    .unwrap();
    assert!(h.actions.iter().any(|(_, a)| matches!(
        a, Action::StartPrompt { audience: Audience::Legs(legs), looped: true, .. } if *legs == vec![caller]
    )));
}

#[test]
fn cancel_media_processing_fails_running_and_queued_with_8508() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (rec, _) = record(&mut h, bot, RecordOptions::default());
    let (a, _) = play(&mut h, bot, "a.wav");
    let (b, _) = play(&mut h, bot, "b.wav");
    let ack = h
        .cmd(Command::CancelMediaProcessing {
            leg: bot,
            client_context: "stop".into(),
        })
        .unwrap();
    let cancel = ack.operation().expect("operation").clone();
    assert_eq!(cancel.status, OperationStatus::Completed);

    assert!(h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::StopRecording { operation, .. } if *operation == rec)));
    let outcomes = finished(&h);
    assert_eq!(
        outcomes,
        vec![
            (rec, Outcome::Cancelled),
            (a, Outcome::Cancelled),
            (b, Outcome::Cancelled),
            (cancel.id, Outcome::Success)
        ]
    );
    assert!(matches!(
        h.completions(rec).as_slice(),
        [Event::OperationCompleted {
            status: OperationStatus::Failed,
            recording: None,
            ..
        }]
    ));
    assert_eq!(started(&h), vec![rec], "queued prompts never started");

    // The recorder's late report for the cancelled operation is ignored.
    h.media(MediaSignal::RecordingEnded {
        operation: rec,
        reason: RecordingEnd::Stopped,
        recording: Some("x".into()),
    })
    .unwrap();
    assert_eq!(h.completions(rec).len(), 1);

    // The queue works again afterwards.
    let (c, status) = play(&mut h, bot, "c.wav");
    assert_eq!(status, OperationStatus::Running);
    assert_eq!(started(&h), vec![rec, c]);
}

#[test]
fn cancel_does_not_touch_the_tone_subscription() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    h.cmd(Command::SubscribeToTone {
        leg: bot,
        source: None,
        client_context: String::new(),
    })
    .unwrap();
    play(&mut h, bot, "menu.wav");
    h.cmd(Command::CancelMediaProcessing {
        leg: bot,
        client_context: String::new(),
    })
    .unwrap();
    h.endpoint(EndpointSignal::Digits {
        leg: caller,
        tones: vec![Tone::Digit(1)],
    })
    .unwrap();
    assert!(h.events.iter().any(|(_, e)| matches!(
        e,
        Event::ToneReceived {
            tone: Tone::Digit(1),
            ..
        }
    )));
}

#[test]
fn barge_in_cancels_what_is_playing() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (a, _) = play(&mut h, bot, "a.wav");
    let (b, _) = play(&mut h, bot, "b.wav");
    let options = RecordOptions {
        barge_in: true,
        ..RecordOptions::default()
    };
    let (rec, status) = record(&mut h, bot, options);
    assert_eq!(status, OperationStatus::Running);
    assert_eq!(
        finished(&h),
        vec![(a, Outcome::Cancelled), (b, Outcome::Cancelled)]
    );
    assert_eq!(started(&h), vec![a, rec]);
}

#[test]
fn stop_tone_ends_a_recording() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    let options = RecordOptions {
        stop_tones: vec![Tone::Pound],
        ..RecordOptions::default()
    };
    let (rec, _) = record(&mut h, bot, options);
    h.endpoint(EndpointSignal::Digits {
        leg: caller,
        tones: vec![Tone::Digit(4)],
    })
    .unwrap();
    assert!(!h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::StopRecording { .. })));
    h.endpoint(EndpointSignal::Digits {
        leg: caller,
        tones: vec![Tone::Pound],
    })
    .unwrap();
    assert!(h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::StopRecording { operation, .. } if *operation == rec)));
    h.media(MediaSignal::RecordingEnded {
        operation: rec,
        reason: RecordingEnd::Stopped,
        recording: Some("r".into()),
    })
    .unwrap();
    assert_eq!(finished(&h), vec![(rec, Outcome::RecordStopTone)]);
}

#[test]
fn recording_outcomes_map_from_the_recorder() {
    let cases = [
        (
            RecordingEnd::MaxDuration,
            Outcome::RecordMaxDuration,
            OperationStatus::Completed,
        ),
        (
            RecordingEnd::InitialSilence,
            Outcome::RecordInitialSilence,
            OperationStatus::Completed,
        ),
        (
            RecordingEnd::MaxSilence,
            Outcome::RecordMaxSilence,
            OperationStatus::Completed,
        ),
        (
            RecordingEnd::Failed,
            Outcome::MediaFailed,
            OperationStatus::Failed,
        ),
    ];
    for (end, outcome, status) in cases {
        let mut h = Harness::default();
        let (_, _, bot) = h.answered_incoming();
        let (rec, _) = record(&mut h, bot, RecordOptions::default());
        h.media(MediaSignal::RecordingEnded {
            operation: rec,
            reason: end,
            recording: Some("r".into()),
        })
        .unwrap();
        assert!(
            matches!(h.completions(rec).as_slice(), [Event::OperationCompleted { outcome: o, status: s, .. }] if *o == outcome && *s == status),
            "{end:?}"
        );
    }
}

#[test]
fn tones_reach_subscribers_with_sequence_ids() {
    let mut h = Harness::default();
    let (_, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    // No subscription yet: nothing is reported.
    h.endpoint(EndpointSignal::Digits {
        leg: targets[0],
        tones: vec![Tone::Digit(9)],
    })
    .unwrap();
    assert!(!h
        .events
        .iter()
        .any(|(_, e)| matches!(e, Event::ToneReceived { .. })));

    let ack = h
        .cmd(Command::SubscribeToTone {
            leg: bot,
            source: Some(targets[0]),
            client_context: String::new(),
        })
        .unwrap();
    assert_eq!(
        ack.operation().map(|o| o.status),
        Some(OperationStatus::Completed)
    );
    assert!(h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::StartToneDetection { leg, .. } if *leg == bot)));
    h.endpoint(EndpointSignal::Digits {
        leg: targets[0],
        tones: vec![Tone::Digit(1), Tone::Star],
    })
    .unwrap();
    h.endpoint(EndpointSignal::Digits {
        leg: targets[1],
        tones: vec![Tone::Digit(2)],
    })
    .unwrap(); // filtered out
    h.media(MediaSignal::ToneDetected {
        leg: targets[0],
        tone: Tone::Pound,
    })
    .unwrap();
    let tones: Vec<(u64, Tone)> = h
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::ToneReceived {
                sequence_id,
                tone,
                leg,
                ..
            } if *leg == bot => Some((*sequence_id, *tone)),
            _ => None,
        })
        .collect();
    assert_eq!(
        tones,
        vec![(1, Tone::Digit(1)), (2, Tone::Star), (3, Tone::Pound)]
    );

    h.cmd(Command::UnsubscribeFromTone {
        leg: bot,
        client_context: String::new(),
    })
    .unwrap();
    h.endpoint(EndpointSignal::Digits {
        leg: targets[0],
        tones: vec![Tone::Digit(5)],
    })
    .unwrap();
    assert_eq!(
        h.events
            .iter()
            .filter(|(_, e)| matches!(e, Event::ToneReceived { .. }))
            .count(),
        3
    );
}

#[test]
fn send_dtmf_runs_until_the_media_engine_reports() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let tones = vec![Tone::Digit(1), Tone::Pound];
    let ack = h
        .cmd(Command::SendDtmf {
            leg: bot,
            tones: tones.clone(),
            delay_between: 100 * std::time::Duration::from_millis(1),
            client_context: String::new(),
        })
        .unwrap();
    let info = ack.operation().expect("operation").clone();
    assert_eq!(info.status, OperationStatus::Running);
    assert!(h
        .actions
        .iter()
        .any(|(_, a)| matches!(a, Action::SendDtmf { tones: t, .. } if *t == tones)));
    h.media(MediaSignal::DtmfSent { operation: info.id })
        .unwrap();
    assert_eq!(finished(&h), vec![(info.id, Outcome::Success)]);
}

#[test]
fn send_dtmf_to_a_participant_names_it_as_the_audience() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    let send = |target| Command::SendDtmfTo {
        leg: bot,
        target,
        tones: vec![Tone::Digit(5)],
        delay_between: std::time::Duration::from_millis(100),
        client_context: String::new(),
    };
    // The bot itself, or a leg of no call, is no target.
    assert!(matches!(
        h.cmd(send(bot)),
        Err(EngineError::InvalidArgument(_))
    ));
    let stranger = ringside_engine::LegId(ringside_model::Guid::from_u128(0xdead));
    assert!(matches!(
        h.cmd(send(stranger)),
        Err(EngineError::InvalidArgument(_))
    ));
    let ack = h.cmd(send(caller)).unwrap();
    assert!(ack.operation().is_some());
    assert!(h.actions.iter().any(|(_, a)| matches!(
        a,
        Action::SendDtmf { audience: Some(to), .. } if *to == caller
    )));
}

#[test]
fn open_operations_fail_when_the_call_ends() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    let (a, _) = play(&mut h, bot, "a.wav");
    let (b, _) = play(&mut h, bot, "b.wav");
    h.hang_up(caller);
    assert_eq!(
        finished(&h),
        vec![(a, Outcome::CallEnded), (b, Outcome::CallEnded)]
    );
    assert!(h
        .actions
        .iter()
        .any(|(_, act)| matches!(act, Action::StopPrompt { operation, .. } if *operation == a)));
    // Completions come before the leg's terminated event.
    let position = |pred: &dyn Fn(&Event) -> bool| {
        h.events.iter().position(|(_, e)| pred(e)).expect("present")
    };
    let completion =
        position(&|e| matches!(e, Event::OperationCompleted { operation, .. } if *operation == a));
    let terminated = position(
        &|e| matches!(e, Event::LegStateChanged { leg, state, .. } if *leg == bot && state.is_terminated()),
    );
    assert!(completion < terminated);
}

#[test]
fn media_commands_are_checked() {
    let mut h = Harness::default();
    let (_, _, offered) = h.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
    let result = h.cmd(Command::PlayPrompt {
        leg: offered,
        prompts: vec![MediaRef::uri("a.wav")],
        audience: vec![],
        looped: false,
        barge_in: false,
        client_context: String::new(),
    });
    assert!(
        matches!(result, Err(EngineError::InvalidState { .. })),
        "not before answer"
    );

    let (_, _, bot) = h.answered_incoming();
    let too_many = (0..21).map(|n| MediaRef::uri(format!("{n}.wav"))).collect();
    let result = h.cmd(Command::PlayPrompt {
        leg: bot,
        prompts: too_many,
        audience: vec![],
        looped: false,
        barge_in: false,
        client_context: String::new(),
    });
    assert!(matches!(result, Err(EngineError::InvalidArgument(_))));
    let bad = RecordOptions {
        max_duration_secs: 121,
        ..RecordOptions::default()
    };
    let result = h.cmd(Command::RecordResponse {
        leg: bot,
        options: bad,
        client_context: String::new(),
    });
    assert!(matches!(result, Err(EngineError::InvalidArgument(_))));
    let stranger = OperationId(ringside_model::Guid::from_u128(77));
    assert_eq!(
        h.media(MediaSignal::PromptFinished {
            operation: stranger,
            ok: true
        }),
        Err(EngineError::UnknownOperation(stranger))
    );
}
