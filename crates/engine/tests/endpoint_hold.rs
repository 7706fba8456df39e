//! Hold put on by a simulated endpoint itself: states, roster, who hears silence or music, and
//! how it ends — on virtual time.

mod common;

use common::*;
use ringside_engine::{Action, Command, EndpointSignal, EngineError, Event, LegState};

fn hold(h: &mut Harness, leg: ringside_engine::LegId, held: bool) -> Result<(), EngineError> {
    h.endpoint(EndpointSignal::Hold { leg, held })
}

/// Hold-media actions for `leg`, in order, as short names.
fn media_of(h: &Harness, leg: ringside_engine::LegId) -> Vec<&'static str> {
    h.actions
        .iter()
        .filter_map(|(_, action)| match action {
            Action::HoldSilence { leg: l, .. } if *l == leg => Some("silence"),
            Action::StartHoldMusic { leg: l, .. } if *l == leg => Some("music"),
            Action::StopHoldMusic { leg: l, .. } if *l == leg => Some("stop"),
            _ => None,
        })
        .collect()
}

#[test]
fn a_phone_holds_and_resumes_a_two_party_call() {
    let mut h = Harness::default();
    let (conversation, caller, callee) = h.dial(user(1), user(2));
    h.answer(callee);
    assert_eq!(h.state(caller), Some(LegState::Established));

    hold(&mut h, caller, true).unwrap();
    assert_eq!(h.state(caller), Some(LegState::OnHold));
    assert_eq!(h.state(callee), Some(LegState::Established));
    // The holder hears silence, the other side music.
    assert_eq!(media_of(&h, caller), vec!["silence"]);
    assert_eq!(media_of(&h, callee), vec!["music"]);
    let roster = h.engine.participants(conversation).unwrap();
    assert!(roster.iter().any(|p| p.leg == caller && p.on_hold));
    assert!(roster.iter().any(|p| p.leg == callee && !p.on_hold));
    assert!(h.events.iter().any(|(_, e)| matches!(e,
        Event::LegStateChanged { leg, state: LegState::OnHold, .. } if *leg == caller)));

    // Holding twice is refused and changes nothing.
    assert!(matches!(
        hold(&mut h, caller, true),
        Err(EngineError::InvalidState { .. })
    ));

    h.advance(std::time::Duration::from_secs(5));
    hold(&mut h, caller, false).unwrap();
    assert_eq!(h.state(caller), Some(LegState::Established));
    assert_eq!(media_of(&h, caller), vec!["silence", "stop"]);
    assert_eq!(media_of(&h, callee), vec!["music", "stop"]);
    assert!(!h
        .engine
        .participants(conversation)
        .unwrap()
        .iter()
        .any(|p| p.on_hold));
    // Resuming a call that is not held is refused.
    assert!(hold(&mut h, caller, false).is_err());
}

#[test]
fn hanging_up_while_held_stops_every_hold_media_before_the_mix_goes() {
    let mut h = Harness::default();
    let (conversation, caller, callee) = h.dial(user(1), user(2));
    h.answer(callee);
    hold(&mut h, callee, true).unwrap();
    h.hang_up(callee);
    assert!(h.ended(caller).is_some());
    assert_eq!(media_of(&h, callee), vec!["silence", "stop"]);
    assert_eq!(media_of(&h, caller), vec!["music", "stop"]);
    let destroy = h
        .actions
        .iter()
        .position(|(_, a)| *a == Action::DestroyMix { conversation })
        .expect("mix destroyed");
    let last_stop = h
        .actions
        .iter()
        .rposition(|(_, a)| matches!(a, Action::StopHoldMusic { .. }))
        .unwrap();
    assert!(last_stop < destroy);
}

#[test]
fn both_parties_holding_hear_silence_and_music_follows_the_one_still_holding() {
    let mut h = Harness::default();
    let (_, caller, callee) = h.dial(user(1), user(2));
    h.answer(callee);
    hold(&mut h, caller, true).unwrap();
    hold(&mut h, callee, true).unwrap();
    assert_eq!(media_of(&h, callee), vec!["music", "stop", "silence"]);
    hold(&mut h, caller, false).unwrap();
    // The caller is back and the callee still holds: the caller hears music.
    assert_eq!(media_of(&h, caller), vec!["silence", "stop", "music"]);
    assert_eq!(h.state(callee), Some(LegState::OnHold));
}

#[test]
fn hold_before_the_call_is_connected_is_refused() {
    let mut h = Harness::default();
    let (_, caller, callee) = h.dial(user(1), user(2));
    assert!(matches!(
        hold(&mut h, callee, true),
        Err(EngineError::InvalidState { .. })
    ));
    assert!(matches!(
        hold(&mut h, caller, true),
        Err(EngineError::InvalidState { .. })
    ));
    assert!(media_of(&h, caller).is_empty());
}

#[test]
fn in_a_group_the_others_just_stop_hearing_the_holder_and_a_bot_cannot_resume_it() {
    let mut h = Harness::default();
    let (_, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    hold(&mut h, targets[0], true).unwrap();
    assert_eq!(media_of(&h, targets[0]), vec!["silence"]);
    assert!(media_of(&h, targets[1]).is_empty());
    assert!(media_of(&h, bot).is_empty());
    // The bot did not put it on hold: stopHoldMusic/unhold is not the bot's to do.
    let unhold = h.cmd(Command::Unhold {
        leg: bot,
        participant: targets[0],
        client_context: String::new(),
    });
    assert!(matches!(unhold, Err(EngineError::InvalidState { .. })));
    // Nor can it hold a participant that is already holding.
    let held = h.cmd(Command::Hold {
        leg: bot,
        participant: targets[0],
        music: None,
        client_context: String::new(),
    });
    assert!(held.is_err());
}

#[test]
fn a_phone_holding_a_call_with_a_bot_plays_music_to_the_bot_leg() {
    let mut h = Harness::default();
    let (_, caller, bot) = h.answered_incoming();
    // The caller is a phone talking to the bot: the phone holds, the bot's leg hears music.
    hold(&mut h, caller, true).unwrap();
    assert_eq!(media_of(&h, bot), vec!["music"]);
    hold(&mut h, caller, false).unwrap();
    assert_eq!(media_of(&h, bot), vec!["music", "stop"]);
}
