//! The simulated endpoint's unit tests: answering and refusing, timelines on virtual time, live
//! controls, the safety hang-up.

use super::*;
use crate::behaviour::Step;

fn drain(sim: &mut SimEndpoint) -> Vec<SimOutput> {
    std::iter::from_fn(|| sim.poll_output()).collect()
}

/// Jumps virtual time to each timeout in turn, collecting (offset from `start`, output).
fn run(sim: &mut SimEndpoint, start: Instant, until: Duration) -> Vec<(u128, SimOutput)> {
    let mut out = Vec::new();
    while let Some(at) = sim.poll_timeout() {
        if at > start + until {
            break;
        }
        sim.handle_timeout(at);
        for output in drain(sim) {
            out.push(((at - start).as_millis(), output));
        }
    }
    out
}

fn timeline() -> Timeline {
    Timeline {
        steps: vec![
            Step {
                at: Duration::from_millis(1_500),
                kind: StepKind::Press {
                    tones: vec![Tone::Digit(1), Tone::Pound],
                    in_band: true,
                },
            },
            Step {
                at: Duration::from_secs(3),
                kind: StepKind::Play { media: "m1".into() },
            },
            Step {
                at: Duration::from_secs(4),
                kind: StepKind::Hold {
                    duration: Some(Duration::from_millis(2_500)),
                },
            },
        ],
        hangup_after: Some(Duration::from_secs(10)),
        record: true,
    }
}

#[test]
fn a_callee_answers_after_its_delay_and_runs_its_timeline_from_answer() {
    let t0 = Instant::now();
    let mut sim = SimEndpoint::ringing(t0, Answer::After(Duration::from_secs(1)), timeline());
    assert_eq!(sim.poll_timeout(), Some(t0 + Duration::from_secs(1)));
    sim.handle_timeout(t0 + Duration::from_millis(999));
    assert!(drain(&mut sim).is_empty());
    sim.handle_timeout(t0 + Duration::from_secs(1));
    assert_eq!(drain(&mut sim), vec![SimOutput::Answer]);
    // Waiting for the engine: no timers.
    assert_eq!(sim.poll_timeout(), None);
    let answered = t0 + Duration::from_secs(1);
    sim.connected(answered);
    assert_eq!(
        drain(&mut sim),
        vec![SimOutput::Listen, SimOutput::StartRecording]
    );
    let outputs = run(&mut sim, answered, Duration::from_secs(60));
    assert_eq!(
        outputs,
        vec![
            (
                1_500,
                SimOutput::Press {
                    tones: vec![Tone::Digit(1), Tone::Pound],
                    in_band: true
                }
            ),
            (3_000, SimOutput::Play { media: "m1".into() }),
            (4_000, SimOutput::Hold(true)),
            (6_500, SimOutput::Hold(false)),
            (10_000, SimOutput::StopRecording),
            (10_000, SimOutput::HangUp),
        ]
    );
    assert_eq!(sim.poll_timeout(), None);
    let kinds: Vec<&LogKind> = sim.log().entries().iter().map(|e| &e.kind).collect();
    assert!(kinds.contains(&&LogKind::Held {
        duration: Some(Duration::from_millis(2_500))
    }));
    assert!(kinds.contains(&&LogKind::Resumed));
    assert!(kinds.contains(&&LogKind::HangingUp));
    // Log times are from leg creation: the press ran 2.5 s after ringing began.
    let press = sim
        .log()
        .entries()
        .iter()
        .find(|e| matches!(e.kind, LogKind::Pressed { .. }))
        .expect("press logged");
    assert_eq!(press.at, Duration::from_millis(2_500));
    assert_eq!(press.to_json()["digits"], "1#");
}

#[test]
fn live_hold_lasts_until_resumed_and_a_second_hold_only_moves_the_resume() {
    let t0 = Instant::now();
    let mut sim = SimEndpoint::dialing(t0, "+1".into(), Timeline::default());
    assert_eq!(sim.hold_now(t0, None), Err(SimRefusal::NotConnected));
    sim.connected(t0);
    drain(&mut sim);
    sim.hold_now(t0, None).unwrap();
    assert_eq!(drain(&mut sim), vec![SimOutput::Hold(true)]);
    // Held with no end: only the safety hang-up is pending.
    assert_eq!(sim.poll_timeout(), Some(t0 + SAFETY_HANGUP));
    let later = t0 + Duration::from_secs(2);
    sim.hold_now(later, Some(Duration::from_secs(1))).unwrap();
    assert!(drain(&mut sim).is_empty(), "already held");
    assert_eq!(sim.poll_timeout(), Some(later + Duration::from_secs(1)));
    sim.handle_timeout(later + Duration::from_secs(1));
    assert_eq!(drain(&mut sim), vec![SimOutput::Hold(false)]);
    sim.resume_now(later + Duration::from_secs(2)).unwrap();
    assert!(drain(&mut sim).is_empty(), "resuming twice does nothing");
}

#[test]
fn refusals_happen_at_once_and_never_answer_never_times_out() {
    let t0 = Instant::now();
    let mut busy = SimEndpoint::ringing(t0, Answer::Busy, Timeline::default());
    assert_eq!(drain(&mut busy), vec![SimOutput::Refuse(Refusal::Busy)]);
    let mut reject = SimEndpoint::ringing(t0, Answer::Reject, Timeline::default());
    assert_eq!(
        drain(&mut reject),
        vec![SimOutput::Refuse(Refusal::Declined)]
    );
    let mut never = SimEndpoint::ringing(t0, Answer::Never, Timeline::default());
    assert_eq!(never.poll_timeout(), None);
    assert!(drain(&mut never).is_empty());
    assert_eq!(never.hang_up_now(t0), Ok(()));
    assert_eq!(drain(&mut never), vec![SimOutput::HangUp]);
    assert_eq!(never.hang_up_now(t0), Err(SimRefusal::Ended));
}

#[test]
fn a_caller_starts_its_timeline_when_connected_and_stops_when_ended_early() {
    let t0 = Instant::now();
    let mut sim = SimEndpoint::dialing(t0, "+14255550100".into(), timeline());
    assert_eq!(sim.poll_timeout(), None);
    assert_eq!(
        sim.press_now(t0, vec![Tone::Digit(5)], true),
        Err(SimRefusal::NotConnected)
    );
    let connected = t0 + Duration::from_secs(5);
    sim.connected(connected);
    sim.handle_timeout(connected + Duration::from_secs(2));
    let outputs = drain(&mut sim);
    assert_eq!(outputs.len(), 3, "{outputs:?}");
    // The far end hangs up at 2 s: nothing more runs, the recording stops.
    sim.ended(connected + Duration::from_secs(2));
    assert_eq!(drain(&mut sim), vec![SimOutput::StopRecording]);
    assert_eq!(sim.poll_timeout(), None);
    assert_eq!(sim.play_now(connected, "x".into()), Err(SimRefusal::Ended));
}

#[test]
fn steps_at_zero_run_on_connect_and_live_control_runs_immediately() {
    let t0 = Instant::now();
    let timeline = Timeline {
        steps: vec![Step {
            at: Duration::ZERO,
            kind: StepKind::Silence {
                duration: Duration::from_secs(1),
            },
        }],
        hangup_after: Some(Duration::ZERO),
        record: false,
    };
    let mut sim = SimEndpoint::dialing(t0, "x".into(), timeline);
    sim.connected(t0);
    assert_eq!(
        drain(&mut sim),
        vec![SimOutput::Listen, SimOutput::StopAudio, SimOutput::HangUp]
    );

    let mut sim = SimEndpoint::dialing(t0, "x".into(), Timeline::default());
    sim.connected(t0);
    assert_eq!(drain(&mut sim), vec![SimOutput::Listen]);
    assert_eq!(sim.press_now(t0, vec![Tone::Star], false), Ok(()));
    assert_eq!(
        drain(&mut sim),
        vec![SimOutput::Press {
            tones: vec![Tone::Star],
            in_band: false
        }]
    );
}

#[test]
fn an_endpoint_without_hangup_after_hangs_up_at_the_safety_limit() {
    let t0 = Instant::now();
    let mut sim = SimEndpoint::dialing(t0, "x".into(), Timeline::default());
    sim.connected(t0);
    assert_eq!(drain(&mut sim), vec![SimOutput::Listen]);
    assert_eq!(sim.poll_timeout(), Some(t0 + SAFETY_HANGUP));
    let outputs = run(&mut sim, t0, SAFETY_HANGUP);
    assert_eq!(
        outputs,
        vec![(SAFETY_HANGUP.as_millis(), SimOutput::HangUp)]
    );
    assert!(sim
        .log()
        .entries()
        .iter()
        .any(|e| matches!(&e.kind, LogKind::Note { message } if message.contains("safety"))));
}

#[test]
fn absurd_delays_do_not_overflow() {
    let t0 = Instant::now();
    let sim = SimEndpoint::ringing(t0, Answer::After(Duration::MAX), Timeline::default());
    assert!(sim.poll_timeout().is_some_and(|at| at > t0));
}

#[test]
fn a_ringing_endpoint_answers_or_declines_when_told_and_only_then() {
    let t0 = Instant::now();
    let mut sim = SimEndpoint::ringing(t0, Answer::Never, Timeline::default());
    assert_eq!(sim.poll_timeout(), None, "never answers by itself");
    let later = t0 + Duration::from_secs(7);
    assert_eq!(sim.answer_now(later), Ok(()));
    assert_eq!(drain(&mut sim), vec![SimOutput::Answer]);
    assert_eq!(sim.answer_now(later), Err(SimRefusal::NotRinging));
    assert_eq!(sim.decline_now(later, false), Err(SimRefusal::NotRinging));
    let answered = sim.log().entries().last().expect("logged");
    assert_eq!(
        (answered.at, &answered.kind),
        (Duration::from_secs(7), &LogKind::Answered)
    );
    sim.connected(later);
    assert_eq!(drain(&mut sim), vec![SimOutput::Listen]);

    // One that would answer after a second declines first; its answer timer is gone.
    let mut sim = SimEndpoint::ringing(
        t0,
        Answer::After(Duration::from_secs(1)),
        Timeline::default(),
    );
    assert_eq!(sim.decline_now(t0, false), Ok(()));
    assert_eq!(drain(&mut sim), vec![SimOutput::Refuse(Refusal::Declined)]);
    assert_eq!(sim.poll_timeout(), None);
    assert_eq!(sim.answer_now(t0), Err(SimRefusal::Ended));
    let mut sim = SimEndpoint::ringing(t0, Answer::Never, Timeline::default());
    assert_eq!(sim.decline_now(t0, true), Ok(()));
    assert_eq!(drain(&mut sim), vec![SimOutput::Refuse(Refusal::Busy)]);

    // A caller never rings.
    let mut sim = SimEndpoint::dialing(t0, "+1".into(), Timeline::default());
    assert_eq!(sim.answer_now(t0), Err(SimRefusal::NotRinging));
}
