//! Participant scenarios: invite/add (success, failure, timeout, cancel, replaces), remove,
//! mute/unmute, hold/unhold with music (one at a time), roster sequence numbers.

mod common;

use std::time::Duration;

use common::*;
use ringside_engine::{
    Ack, Action, Command, EndReason, EngineError, Event, LegId, LegState, MediaRef, OperationKind,
    OperationStatus, Outcome, Refusal, Target,
};
use ringside_model::Party;

fn invite(
    h: &mut Harness,
    leg: LegId,
    parties: Vec<Party>,
    timeout: Option<Duration>,
) -> (ringside_engine::OperationId, Vec<LegId>) {
    let ack = h
        .cmd(Command::AddParticipants {
            leg,
            targets: parties.into_iter().map(Target::party).collect(),
            timeout,
            client_context: "invite".into(),
        })
        .unwrap();
    let Ack::Operation { operation, legs } = ack else {
        panic!("operation ack")
    };
    assert_eq!(operation.status, OperationStatus::Running);
    assert_eq!(operation.kind, OperationKind::AddParticipants);
    (operation.id, legs)
}

#[test]
fn invite_into_a_two_party_call_makes_a_group_call() {
    let mut h = Harness::default();
    let (conversation, caller, bot) = h.answered_incoming();
    let (operation, invitees) = invite(&mut h, bot, vec![user(5)], None);
    assert_eq!(
        h.engine.conversation(conversation).map(|c| c.group),
        Some(true)
    );
    h.answer(invitees[0]);
    assert!(h.events.iter().any(|(_, e)| matches!(
        e, Event::ParticipantAdded { participant, operation: o, .. } if *participant == invitees[0] && *o == operation
    )));
    assert!(matches!(
        h.completions(operation).as_slice(),
        [Event::OperationCompleted {
            status: OperationStatus::Completed,
            outcome: Outcome::Success,
            ..
        }]
    ));
    assert_eq!(
        h.rosters(conversation).last().map(|r| r.1.clone()),
        Some(vec![caller, bot, invitees[0]])
    );

    // Now a group call: the bot can leave and the two others stay.
    h.cmd(Command::HangUp { leg: bot }).unwrap();
    assert_eq!(h.state(caller), Some(LegState::Established));
    assert_eq!(h.state(invitees[0]), Some(LegState::Established));
}

#[test]
fn invite_completes_when_every_invitee_has_answered_or_failed() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (operation, invitees) = invite(
        &mut h,
        bot,
        vec![user(5), user(6), ghost()],
        Some(30 * SECOND),
    );
    // The unroutable invitee fails at once.
    assert!(h.events.iter().any(|(_, e)| matches!(
        e, Event::ParticipantAddFailed { participant, cause: EndReason::Unreachable, .. } if *participant == invitees[2]
    )));
    h.refuse(invitees[0], Refusal::Busy);
    assert!(
        h.completions(operation).is_empty(),
        "one invitee still ringing"
    );
    h.answer(invitees[1]);
    assert_eq!(h.completions(operation).len(), 1);
    assert!(matches!(
        h.completions(operation)[0],
        Event::OperationCompleted {
            status: OperationStatus::Completed,
            ..
        }
    ));
}

#[test]
fn invite_that_nobody_accepts_fails_after_the_invitation_timeout() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (operation, invitees) = invite(&mut h, bot, vec![phone("+14255550777")], Some(20 * SECOND));
    h.advance(MINUTE);
    assert_eq!(
        h.ended(invitees[0]),
        Some((20 * SECOND, EndReason::NotAnswered))
    );
    assert!(matches!(
        h.completions(operation).as_slice(),
        [Event::OperationCompleted {
            status: OperationStatus::Failed,
            outcome: Outcome::Participant(EndReason::NotAnswered),
            ..
        }]
    ));
    assert_eq!(
        h.state(bot),
        Some(LegState::Established),
        "the call goes on"
    );
}

#[test]
fn cancel_add_participant_withdraws_ringing_invitees() {
    let mut h = Harness::default();
    let (_, bot, _) = h.answered_outgoing(acs_bot(), user(1));
    let (operation, invitees) = invite(&mut h, bot, vec![phone("+14255550777")], None);
    let ack = h
        .cmd(Command::CancelAddParticipants {
            leg: bot,
            operation,
            client_context: "cancel".into(),
        })
        .unwrap();
    assert_eq!(
        ack.operation().map(|o| o.status),
        Some(OperationStatus::Completed)
    );
    assert_eq!(h.disconnected(invitees[0]), Some(EndReason::Cancelled));
    assert!(h.events.iter().any(|(_, e)| matches!(
        e,
        Event::ParticipantAddFailed {
            cause: EndReason::Cancelled,
            ..
        }
    )));
    assert!(matches!(
        h.completions(operation)[0],
        Event::OperationCompleted {
            outcome: Outcome::Participant(EndReason::Cancelled),
            ..
        }
    ));
    assert!(matches!(
        h.cmd(Command::CancelAddParticipants {
            leg: bot,
            operation,
            client_context: String::new()
        }),
        Err(EngineError::Conflict(_))
    ));
}

#[test]
fn invite_with_replaces_moves_the_participant_in() {
    let mut h = Harness::default();
    let (call_a, caller, bot_a) = h.answered_incoming();
    let (call_b, bot_b, other) = h.answered_outgoing(graph_bot(), user(9));
    let ack = h
        .cmd(Command::AddParticipants {
            leg: bot_a,
            targets: vec![Target {
                party: user(9),
                replaces: Some(bot_b),
            }],
            timeout: None,
            client_context: String::new(),
        })
        .unwrap();
    assert_eq!(
        ack.operation().map(|o| o.status),
        Some(OperationStatus::Completed)
    );
    assert_eq!(h.ended(bot_b).map(|e| e.1), Some(EndReason::Replaced));
    assert!(h.engine.conversation(call_b).is_none());
    assert_eq!(
        h.rosters(call_a).last().map(|r| r.1.clone()),
        Some(vec![caller, bot_a, other])
    );
}

#[test]
fn invite_arguments_are_checked() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let cases: Vec<(Vec<Target>, Option<Duration>)> = vec![
        (vec![], None),
        ((0..6).map(|n| Target::party(user(n))).collect(), None),
        (vec![Target::party(user(1))], Some(181 * SECOND)),
        (
            vec![
                Target::party(user(1)),
                Target {
                    party: user(2),
                    replaces: Some(bot),
                },
            ],
            None,
        ),
    ];
    for (targets, timeout) in cases {
        let result = h.cmd(Command::AddParticipants {
            leg: bot,
            targets,
            timeout,
            client_context: String::new(),
        });
        assert!(
            matches!(result, Err(EngineError::InvalidArgument(_))),
            "{result:?}"
        );
    }
}

#[test]
fn remove_participant_drops_a_connected_leg() {
    let mut h = Harness::default();
    let (conversation, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    let ack = h
        .cmd(Command::RemoveParticipant {
            leg: bot,
            participant: targets[0],
            client_context: String::new(),
        })
        .unwrap();
    assert_eq!(
        ack.operation().map(|o| o.status),
        Some(OperationStatus::Completed)
    );
    assert_eq!(h.ended(targets[0]).map(|e| e.1), Some(EndReason::Removed));
    assert_eq!(h.disconnected(targets[0]), Some(EndReason::Removed));
    assert!(h.events.iter().any(|(_, e)| matches!(e, Event::ParticipantRemoved { participant, .. } if *participant == targets[0])));
    assert_eq!(
        h.rosters(conversation).last().map(|r| r.1.clone()),
        Some(vec![bot, targets[1]])
    );
    assert_eq!(h.state(bot), Some(LegState::Established));
}

#[test]
fn removing_a_ringing_invitee_cancels_the_invitation() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (operation, invitees) = invite(&mut h, bot, vec![user(5)], None);
    h.cmd(Command::RemoveParticipant {
        leg: bot,
        participant: invitees[0],
        client_context: String::new(),
    })
    .unwrap();
    assert_eq!(h.disconnected(invitees[0]), Some(EndReason::Cancelled));
    assert!(matches!(
        h.completions(operation)[0],
        Event::OperationCompleted {
            status: OperationStatus::Failed,
            ..
        }
    ));
}

#[test]
fn remove_checks_the_participant_belongs_to_the_call() {
    let mut h = Harness::default();
    let (_, _, bot_a) = h.answered_incoming();
    let (_, _, other_user) = h.answered_outgoing(graph_bot(), user(3));
    let result = h.cmd(Command::RemoveParticipant {
        leg: bot_a,
        participant: other_user,
        client_context: String::new(),
    });
    assert!(matches!(result, Err(EngineError::NotInConversation { .. })));
}

#[test]
fn mute_and_unmute_update_the_roster_and_the_mix() {
    let mut h = Harness::default();
    let (conversation, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1)]);
    h.answer(targets[0]);
    let before = h.rosters(conversation).len();
    h.cmd(Command::Mute {
        leg: bot,
        participant: bot,
        client_context: "m".into(),
    })
    .unwrap();
    h.cmd(Command::Mute {
        leg: bot,
        participant: targets[0],
        client_context: "m".into(),
    })
    .unwrap();
    h.cmd(Command::Unmute {
        leg: bot,
        participant: bot,
        client_context: "u".into(),
    })
    .unwrap();
    let muted_flags: Vec<Vec<bool>> = h
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RosterChanged { participants, .. } => {
                Some(participants.iter().map(|p| p.muted).collect())
            }
            _ => None,
        })
        .skip(before)
        .collect();
    assert_eq!(
        muted_flags,
        vec![vec![true, false], vec![true, true], vec![false, true]]
    );
    assert!(h.actions.iter().any(|(_, a)| *a
        == Action::SetMuted {
            conversation,
            leg: targets[0],
            muted: true
        }));
}

#[test]
fn roster_sequence_numbers_increase_by_one() {
    let mut h = Harness::default();
    let (conversation, bot, targets) =
        h.bot_calls_group(graph_bot(), vec![user(1), user(2), user(3)]);
    for leg in &targets {
        h.answer(*leg);
    }
    h.cmd(Command::Mute {
        leg: bot,
        participant: targets[0],
        client_context: String::new(),
    })
    .unwrap();
    h.hang_up(targets[2]);
    let sequences: Vec<u64> = h.rosters(conversation).into_iter().map(|r| r.0).collect();
    let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
    assert_eq!(sequences, expected);
    assert!(sequences.len() >= 5);
}

#[test]
fn hold_music_one_participant_at_a_time() {
    let mut h = Harness::default();
    let (conversation, bot, targets) = h.bot_calls_group(graph_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    let music = Some(MediaRef::uri("https://cdn.example/hold.wav"));
    let ack = h
        .cmd(Command::Hold {
            leg: bot,
            participant: targets[0],
            music: music.clone(),
            client_context: "h".into(),
        })
        .unwrap();
    assert_eq!(ack.operation().map(|o| o.kind), Some(OperationKind::Hold));
    assert_eq!(h.state(targets[0]), Some(LegState::OnHold));
    assert!(h.actions.iter().any(|(_, a)| *a
        == Action::StartHoldMusic {
            conversation,
            leg: targets[0],
            music: music.clone()
        }));
    let on_hold = h
        .engine
        .participants(conversation)
        .unwrap()
        .iter()
        .filter(|p| p.on_hold)
        .count();
    assert_eq!(on_hold, 1);

    let second = h.cmd(Command::Hold {
        leg: bot,
        participant: targets[1],
        music: None,
        client_context: String::new(),
    });
    assert!(matches!(second, Err(EngineError::Conflict(_))));

    h.cmd(Command::Unhold {
        leg: bot,
        participant: targets[0],
        client_context: String::new(),
    })
    .unwrap();
    assert_eq!(h.state(targets[0]), Some(LegState::Established));
    assert!(h.actions.iter().any(|(_, a)| *a
        == Action::StopHoldMusic {
            conversation,
            leg: targets[0]
        }));
    h.cmd(Command::Hold {
        leg: bot,
        participant: targets[1],
        music: None,
        client_context: String::new(),
    })
    .unwrap();
    assert_eq!(h.state(targets[1]), Some(LegState::OnHold));
}

#[test]
fn a_held_participant_hanging_up_stops_the_music() {
    let mut h = Harness::default();
    let (conversation, bot, targets) = h.bot_calls_group(acs_bot(), vec![user(1), user(2)]);
    h.answer(targets[0]);
    h.answer(targets[1]);
    h.cmd(Command::Hold {
        leg: bot,
        participant: targets[0],
        music: None,
        client_context: String::new(),
    })
    .unwrap();
    h.hang_up(targets[0]);
    assert!(h.actions.iter().any(|(_, a)| *a
        == Action::StopHoldMusic {
            conversation,
            leg: targets[0]
        }));
    h.cmd(Command::Hold {
        leg: bot,
        participant: targets[1],
        music: None,
        client_context: String::new(),
    })
    .unwrap();
}

#[test]
fn unhold_of_a_participant_not_on_hold_is_refused() {
    let mut h = Harness::default();
    let (_, bot, user_leg) = h.answered_outgoing(graph_bot(), user(1));
    let result = h.cmd(Command::Unhold {
        leg: bot,
        participant: user_leg,
        client_context: String::new(),
    });
    assert!(matches!(
        result,
        Err(EngineError::InvalidState {
            state: LegState::Established,
            ..
        })
    ));
}

#[test]
fn invitee_can_be_a_bot() {
    let mut h = Harness::default();
    let (_, _, bot) = h.answered_incoming();
    let (operation, invitees) = invite(&mut h, bot, vec![app(OTHER_APP)], None);
    assert_eq!(h.offered().last().map(|o| o.0), Some(invitees[0]));
    h.advance(16 * SECOND);
    assert_eq!(
        h.ended(invitees[0]).map(|e| e.1),
        Some(EndReason::AnswerDeadline)
    );
    assert!(matches!(
        h.completions(operation)[0],
        Event::OperationCompleted {
            outcome: Outcome::Participant(EndReason::NotAnswered),
            ..
        }
    ));
}

#[test]
fn a_second_bot_joins_an_existing_conversation() {
    let mut h = Harness::default();
    let (conversation, caller, bot) = h.answered_incoming();
    let ack = h
        .cmd(Command::Join {
            conversation,
            bot: acs_bot(),
            source: app(ACS_APP),
        })
        .unwrap();
    let Ack::Call {
        leg: joined,
        targets,
        ..
    } = ack
    else {
        panic!("call ack")
    };
    assert!(targets.is_empty());
    assert_eq!(
        h.states(joined),
        vec![LegState::Establishing, LegState::Established]
    );
    assert_eq!(
        h.rosters(conversation).last().map(|r| r.1.clone()),
        Some(vec![caller, bot, joined])
    );
    assert_eq!(
        h.engine.conversation(conversation).map(|c| c.group),
        Some(true)
    );
    // The first bot leaves; the caller and the joined bot stay.
    h.cmd(Command::HangUp { leg: bot }).unwrap();
    assert_eq!(h.state(joined), Some(LegState::Established));
    let stranger = ringside_engine::ConversationId(ringside_model::Guid::from_u128(5));
    assert_eq!(
        h.cmd(Command::Join {
            conversation: stranger,
            bot: acs_bot(),
            source: app(ACS_APP)
        }),
        Err(EngineError::UnknownConversation(stranger))
    );
}

#[test]
fn a_bot_left_alone_ends_when_its_last_invitation_fails() {
    let mut h = Harness::default();
    let (_, bot, targets) = h.bot_calls_group(acs_bot(), vec![user(1)]);
    h.answer(targets[0]);
    let (operation, invitees) = invite(&mut h, bot, vec![user(2)], None);
    h.hang_up(targets[0]);
    assert_eq!(
        h.state(bot),
        Some(LegState::Established),
        "an invitation is still ringing"
    );
    h.refuse(invitees[0], Refusal::Declined);
    assert!(matches!(
        h.completions(operation)[0],
        Event::OperationCompleted {
            status: OperationStatus::Failed,
            ..
        }
    ));
    assert_eq!(h.ended(bot).map(|e| e.1), Some(EndReason::AllOthersLeft));
    assert_eq!(h.engine.conversation_count(), 0);
}

#[test]
fn a_meeting_is_opened_joined_by_a_bot_and_a_user_and_ends_when_they_leave() {
    let mut h = Harness::default();
    let conversation = match h.cmd(Command::OpenConversation { tenant: TENANT }).unwrap() {
        ringside_engine::Ack::Opened { conversation } => conversation,
        other => panic!("unexpected ack {other:?}"),
    };
    let bot = match h
        .cmd(Command::Join {
            conversation,
            bot: graph_bot(),
            source: app(GRAPH_APP),
        })
        .unwrap()
    {
        ringside_engine::Ack::Call { leg, .. } => leg,
        other => panic!("unexpected ack {other:?}"),
    };
    assert_eq!(h.state(bot), Some(LegState::Established));
    let user_leg = match h
        .cmd(Command::EndpointJoin {
            conversation,
            party: user(1),
        })
        .unwrap()
    {
        ringside_engine::Ack::Call { leg, targets, .. } => {
            assert!(targets.is_empty());
            leg
        }
        other => panic!("unexpected ack {other:?}"),
    };
    assert_eq!(h.state(user_leg), Some(LegState::Established));
    assert!(h.actions.iter().any(|(_, a)| *a
        == Action::ConnectMedia {
            conversation,
            leg: user_leg
        }));
    let roster = h.engine.participants(conversation).unwrap();
    assert_eq!(roster.len(), 2);
    assert!(h.engine.conversation(conversation).unwrap().group);
    // Bots cannot join as endpoints; unknown parties are refused.
    assert!(h
        .cmd(Command::EndpointJoin {
            conversation,
            party: app(GRAPH_APP),
        })
        .is_err());
    h.hang_up(user_leg);
    assert!(
        h.ended(bot).is_some(),
        "alone in the meeting, the bot's leg ends"
    );
    assert!(h
        .cmd(Command::EndpointJoin {
            conversation,
            party: user(2),
        })
        .is_err());
}
