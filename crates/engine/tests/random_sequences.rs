//! Property-style test: deterministic pseudo-random sequences of commands, endpoint and media
//! signals and time jumps never panic and keep the engine's output invariants.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::*;
use ringside_engine::{
    Ack, Action, Command, EndpointSignal, Event, LegId, MediaRef, MediaSignal, OperationId,
    RecordOptions, RecordingEnd, Refusal, RejectReason, Target, TransferScope,
};
use ringside_model::{Guid, Party, Tone};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())].clone())
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn parties() -> Vec<Party> {
    vec![
        user(1),
        user(2),
        user(3),
        ghost(),
        phone("+14255550123"),
        phone(GRAPH_NUMBER),
        phone(ACS_NUMBER),
        app(GRAPH_APP),
        app(OTHER_APP),
        app(ACS_APP),
    ]
}

struct World {
    h: Harness,
    rng: Rng,
    legs: Vec<LegId>,
    operations: Vec<OperationId>,
    conversations: Vec<ringside_engine::ConversationId>,
    seen_actions: usize,
    seen_events: usize,
}

impl World {
    /// Mostly a live leg (bots preferred when `bot`), sometimes any known or unknown id.
    fn pick_leg(&mut self, bot: bool) -> LegId {
        if self.rng.chance(3) {
            return LegId(Guid::from_u128(u128::from(self.rng.next())));
        }
        if self.rng.chance(85) {
            let live: Vec<LegId> = self
                .legs
                .iter()
                .copied()
                .filter(|leg| {
                    self.h.engine.leg(*leg).is_some_and(|l| {
                        !l.state.is_terminated()
                            && (!bot || matches!(l.endpoint, ringside_engine::Endpoint::Bot(_)))
                    })
                })
                .collect();
            if let Some(leg) = self.rng.pick(&live) {
                return leg;
            }
        }
        self.rng
            .pick(&self.legs)
            .unwrap_or(LegId(Guid::from_u128(1)))
    }

    fn leg(&mut self) -> LegId {
        self.pick_leg(true)
    }

    /// Mostly a ringing leg of the wanted kind.
    fn ringing_leg(&mut self, bot: bool) -> LegId {
        let ringing: Vec<LegId> = self
            .legs
            .iter()
            .copied()
            .filter(|leg| {
                self.h.engine.leg(*leg).is_some_and(|l| {
                    l.state == ringside_engine::LegState::Incoming
                        && bot == matches!(l.endpoint, ringside_engine::Endpoint::Bot(_))
                })
            })
            .collect();
        match self.rng.pick(&ringing) {
            Some(leg) if self.rng.chance(80) => leg,
            _ => self.pick_leg(bot),
        }
    }

    fn any_leg(&mut self) -> LegId {
        self.pick_leg(false)
    }

    fn operation(&mut self) -> OperationId {
        if self.rng.chance(3) {
            return OperationId(Guid::from_u128(u128::from(self.rng.next())));
        }
        self.rng
            .pick(&self.operations)
            .unwrap_or(OperationId(Guid::from_u128(1)))
    }

    fn party(&mut self) -> Party {
        let all = parties();
        self.rng.pick(&all).unwrap_or_else(|| user(1))
    }

    fn parties(&mut self, max: usize) -> Vec<Party> {
        let n = self.rng.below(max + 1);
        (0..n).map(|_| self.party()).collect()
    }

    fn duration(&mut self) -> Option<Duration> {
        if self.rng.chance(50) {
            None
        } else {
            Some(Duration::from_secs(self.rng.below(200) as u64))
        }
    }

    /// Learns legs the engine created on its own initiative (offers, rings).
    fn learn(&mut self) {
        let mut found = Vec::new();
        for (_, action) in &self.h.actions[self.seen_actions..] {
            if let Action::RingEndpoint { leg, .. } = action {
                found.push(*leg);
            }
        }
        for (_, event) in &self.h.events[self.seen_events..] {
            if let Event::CallOffered { leg, .. } = event {
                found.push(*leg);
            }
        }
        self.seen_actions = self.h.actions.len();
        self.seen_events = self.h.events.len();
        for leg in found {
            if !self.legs.contains(&leg) {
                self.legs.push(leg);
            }
        }
    }

    fn command(&mut self) -> Command {
        let context = String::from("ctx");
        match self.rng.below(22) {
            0 | 1 => Command::CreateCall {
                tenant: TENANT,
                bot: if self.rng.chance(50) {
                    graph_bot()
                } else {
                    acs_bot()
                },
                source: app(GRAPH_APP),
                targets: self.parties(6).into_iter().map(Target::party).collect(),
                group: self.rng.chance(30),
                ring_timeout: self.duration(),
            },
            2 if self.rng.chance(20) && !self.conversations.is_empty() => {
                let conversation = self
                    .rng
                    .pick(&self.conversations)
                    .unwrap_or(ringside_engine::ConversationId(Guid::from_u128(1)));
                Command::Join {
                    conversation,
                    bot: acs_bot(),
                    source: app(ACS_APP),
                }
            }
            3 if self.rng.chance(15) && !self.conversations.is_empty() => {
                let conversation = self
                    .rng
                    .pick(&self.conversations)
                    .unwrap_or(ringside_engine::ConversationId(Guid::from_u128(1)));
                Command::EndpointJoin {
                    conversation,
                    party: self.party(),
                }
            }
            2 | 3 => Command::PlaceCall {
                tenant: TENANT,
                caller: self.party(),
                target: self.party(),
            },
            4 => Command::Answer {
                leg: self.ringing_leg(true),
            },
            5 => Command::Reject {
                leg: self.ringing_leg(true),
                reason: RejectReason::Busy,
            },
            6 => Command::Redirect {
                leg: self.ringing_leg(true),
                targets: self.parties(4),
                timeout: self.duration(),
            },
            7 => {
                let replaces = if self.rng.chance(30) {
                    Some(self.leg())
                } else {
                    None
                };
                let transferee = if self.rng.chance(30) {
                    Some(self.any_leg())
                } else {
                    None
                };
                Command::Transfer {
                    leg: self.leg(),
                    target: Target {
                        party: self.party(),
                        replaces,
                    },
                    transferee,
                    scope: if self.rng.chance(50) {
                        TransferScope::Participant
                    } else {
                        TransferScope::Call
                    },
                    client_context: context,
                }
            }
            8 => {
                let mut targets: Vec<Target> =
                    self.parties(3).into_iter().map(Target::party).collect();
                if self.rng.chance(20) {
                    if let Some(first) = targets.first_mut() {
                        first.replaces = Some(self.leg());
                    }
                }
                Command::AddParticipants {
                    leg: self.leg(),
                    targets,
                    timeout: self.duration(),
                    client_context: context,
                }
            }
            9 => Command::CancelAddParticipants {
                leg: self.leg(),
                operation: self.operation(),
                client_context: context,
            },
            10 => Command::RemoveParticipant {
                leg: self.leg(),
                participant: self.any_leg(),
                client_context: context,
            },
            11 => Command::Mute {
                leg: self.leg(),
                participant: self.any_leg(),
                client_context: context,
            },
            12 => Command::Unmute {
                leg: self.leg(),
                participant: self.any_leg(),
                client_context: context,
            },
            13 => Command::Hold {
                leg: self.leg(),
                participant: self.any_leg(),
                music: None,
                client_context: context,
            },
            14 => Command::Unhold {
                leg: self.leg(),
                participant: self.any_leg(),
                client_context: context,
            },
            15 => Command::KeepAlive { leg: self.leg() },
            16 => Command::PlayPrompt {
                leg: self.leg(),
                prompts: vec![MediaRef::uri("p.wav"); self.rng.below(3)],
                audience: if self.rng.chance(20) {
                    vec![self.any_leg()]
                } else {
                    vec![]
                },
                looped: self.rng.chance(10),
                barge_in: self.rng.chance(20),
                client_context: context,
            },
            17 => Command::RecordResponse {
                leg: self.leg(),
                options: RecordOptions {
                    barge_in: self.rng.chance(20),
                    stop_tones: vec![Tone::Pound],
                    ..RecordOptions::default()
                },
                client_context: context,
            },
            18 if self.rng.chance(40) => Command::Recognize {
                leg: self.leg(),
                target: self.any_leg(),
                options: ringside_engine::RecognizeOptions {
                    prompts: vec![MediaRef::uri("menu.wav"); self.rng.below(2)],
                    interrupt_prompt: self.rng.chance(50),
                    max_tones: 1 + self.rng.below(3),
                    stop_tones: vec![Tone::Pound],
                    speech: self.rng.chance(40).then(|| ringside_engine::SpeechOptions {
                        tones: self.rng.chance(50),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                barge_in: self.rng.chance(20),
                client_context: context,
            },
            18 => Command::CancelMediaProcessing {
                leg: self.leg(),
                client_context: context,
            },
            19 => {
                if self.rng.chance(70) {
                    let source = if self.rng.chance(30) {
                        Some(self.any_leg())
                    } else {
                        None
                    };
                    Command::SubscribeToTone {
                        leg: self.leg(),
                        source,
                        client_context: context,
                    }
                } else {
                    Command::UnsubscribeFromTone {
                        leg: self.leg(),
                        client_context: context,
                    }
                }
            }
            20 => Command::SendDtmf {
                leg: self.leg(),
                tones: vec![Tone::Digit(1); self.rng.below(3)],
                delay_between: Duration::from_millis(50),
                client_context: context,
            },
            _ => {
                if self.rng.chance(50) {
                    Command::HangUp { leg: self.leg() }
                } else {
                    Command::Terminate { leg: self.leg() }
                }
            }
        }
    }

    fn step(&mut self) {
        self.learn();
        match self.rng.below(10) {
            0..=3 => {
                let command = self.command();
                if let Ok(ack) = self.h.cmd(command) {
                    match ack {
                        Ack::Call {
                            conversation,
                            leg,
                            targets,
                        } => {
                            self.conversations.push(conversation);
                            self.legs.push(leg);
                            self.legs.extend(targets);
                        }
                        Ack::Operation { operation, legs } => {
                            self.operations.push(operation.id);
                            self.legs.extend(legs);
                        }
                        Ack::Opened { conversation } => self.conversations.push(conversation),
                        Ack::Done => {}
                    }
                }
            }
            4 | 5 => {
                let leg = if self.rng.chance(50) {
                    self.ringing_leg(false)
                } else {
                    self.any_leg()
                };
                let signal = match self.rng.below(7) {
                    0 | 1 => EndpointSignal::Answered { leg },
                    5 => EndpointSignal::Hold { leg, held: true },
                    6 => EndpointSignal::Hold { leg, held: false },
                    2 => EndpointSignal::Refused {
                        leg,
                        refusal: Refusal::Busy,
                    },
                    3 => EndpointSignal::HungUp { leg },
                    _ => EndpointSignal::Digits {
                        leg,
                        tones: vec![Tone::Pound, Tone::Digit(3)],
                    },
                };
                let _ = self.h.endpoint(signal);
            }
            6 => {
                let operation = self.operation();
                let signal = match self.rng.below(5) {
                    4 => MediaSignal::Heard {
                        operation,
                        heard: if self.rng.chance(50) {
                            ringside_engine::Heard::NoMatch
                        } else {
                            ringside_engine::Heard::Speech {
                                text: "billing".into(),
                                confidence_permille: 900,
                            }
                        },
                    },
                    0 => MediaSignal::PromptFinished {
                        operation,
                        ok: self.rng.chance(80),
                    },
                    1 => MediaSignal::RecordingEnded {
                        operation,
                        reason: RecordingEnd::MaxSilence,
                        recording: Some("r".into()),
                    },
                    2 => MediaSignal::DtmfSent { operation },
                    _ => MediaSignal::ToneDetected {
                        leg: self.any_leg(),
                        tone: Tone::Star,
                    },
                };
                let _ = self.h.media(signal);
            }
            7 => {
                let by = Duration::from_secs(self.rng.below(120) as u64);
                self.h.advance(by);
            }
            8 => {
                self.h.next_timeout();
            }
            _ => {
                let operation = self.rng.pick(&self.operations);
                if let Some(info) = operation.and_then(|op| self.h.engine.operation(op)) {
                    let signal = match info.kind {
                        ringside_engine::OperationKind::PlayPrompt
                        | ringside_engine::OperationKind::Recognize => {
                            MediaSignal::PromptFinished {
                                operation: info.id,
                                ok: true,
                            }
                        }
                        ringside_engine::OperationKind::RecordResponse => {
                            MediaSignal::RecordingEnded {
                                operation: info.id,
                                reason: RecordingEnd::MaxDuration,
                                recording: Some("r".into()),
                            }
                        }
                        _ => MediaSignal::DtmfSent { operation: info.id },
                    };
                    let _ = self.h.media(signal);
                }
            }
        }
        if let Some(at) = self.h.engine.poll_timeout() {
            assert!(
                at > self.h.now,
                "a due timer must not be left behind by handle_*"
            );
        }
    }
}

fn check_invariants(h: &Harness, seed: u64) {
    let mut completed: BTreeSet<OperationId> = BTreeSet::new();
    let mut terminated: BTreeSet<LegId> = BTreeSet::new();
    let mut offered: BTreeSet<LegId> = BTreeSet::new();
    let mut sequences: BTreeMap<ringside_engine::ConversationId, u64> = BTreeMap::new();
    for (_, event) in &h.events {
        let bot_leg = match event {
            Event::OperationCompleted { leg, .. }
            | Event::ToneReceived { leg, .. }
            | Event::TransferAccepted { leg, .. }
            | Event::TransferFailed { leg, .. }
            | Event::ParticipantAdded { leg, .. }
            | Event::ParticipantAddFailed { leg, .. }
            | Event::ParticipantRemoved { leg, .. } => Some(*leg),
            _ => None,
        };
        if let Some(leg) = bot_leg {
            assert!(
                !terminated.contains(&leg),
                "seed {seed}: {event:?} names leg {leg} after it terminated"
            );
        }
        match event {
            Event::OperationCompleted {
                operation, status, ..
            } => {
                assert!(
                    completed.insert(*operation),
                    "seed {seed}: operation {operation} completed twice"
                );
                assert!(status.is_final(), "seed {seed}");
            }
            Event::LegStateChanged { leg, state, .. } => {
                assert!(
                    !terminated.contains(leg),
                    "seed {seed}: leg {leg} changed state after terminating"
                );
                if state.is_terminated() {
                    terminated.insert(*leg);
                }
            }
            Event::CallOffered { leg, .. } => {
                assert!(offered.insert(*leg), "seed {seed}: offered twice");
            }
            Event::RosterChanged {
                conversation,
                sequence,
                ..
            } => {
                let last = sequences.insert(*conversation, *sequence).unwrap_or(0);
                assert_eq!(*sequence, last + 1, "seed {seed}: roster sequence gap");
            }
            _ => {}
        }
    }
    // Media hygiene: every leg connected to a mix, and any hold music, is released before the
    // mix is destroyed.
    let mut connected: BTreeSet<(ringside_engine::ConversationId, LegId)> = BTreeSet::new();
    let mut music: BTreeSet<(ringside_engine::ConversationId, LegId)> = BTreeSet::new();
    for (_, action) in &h.actions {
        match action {
            Action::ConnectMedia { conversation, leg } => {
                assert!(
                    connected.insert((*conversation, *leg)),
                    "seed {seed}: connected twice"
                );
            }
            Action::DisconnectMedia { conversation, leg } => {
                assert!(
                    connected.remove(&(*conversation, *leg)),
                    "seed {seed}: disconnect without connect"
                );
            }
            Action::StartHoldMusic {
                conversation, leg, ..
            }
            | Action::HoldSilence { conversation, leg } => {
                assert!(
                    music.insert((*conversation, *leg)),
                    "seed {seed}: hold music started twice"
                );
            }
            Action::StopHoldMusic { conversation, leg } => {
                assert!(
                    music.remove(&(*conversation, *leg)),
                    "seed {seed}: hold music stopped twice"
                );
            }
            Action::DestroyMix { conversation } => {
                assert!(
                    !connected.iter().any(|(c, _)| c == conversation),
                    "seed {seed}: mix destroyed with legs on it"
                );
                assert!(
                    !music.iter().any(|(c, _)| c == conversation),
                    "seed {seed}: mix destroyed with music playing"
                );
            }
            _ => {}
        }
    }
    if h.engine.conversation_count() == 0 {
        assert_eq!(
            h.engine.leg_count(),
            0,
            "seed {seed}: legs outlive their conversations"
        );
        assert_eq!(
            h.engine.poll_timeout(),
            None,
            "seed {seed}: timers outlive their legs"
        );
    }
}

fn run(seed: u64, start: std::time::Instant, steps: usize) -> Harness {
    let mut world = World {
        h: Harness::starting_at(ringside_engine::Engine::default(), start),
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        legs: Vec::new(),
        operations: Vec::new(),
        conversations: Vec::new(),
        seen_actions: 0,
        seen_events: 0,
    };
    for _ in 0..steps {
        world.step();
    }
    world.h
}

#[test]
fn the_same_inputs_give_the_same_outputs() {
    let start = std::time::Instant::now();
    for seed in [3u64, 17, 99] {
        let first = run(seed, start, 300);
        let second = run(seed, start, 300);
        assert_eq!(first.events, second.events, "seed {seed}");
        assert_eq!(first.actions, second.actions, "seed {seed}");
        assert!(!first.events.is_empty());
    }
}

#[test]
fn random_sequences_never_panic_and_keep_invariants() {
    // RINGSIDE_ENGINE_SEEDS=5000 cargo test … runs a longer hunt.
    let seeds: u64 = std::env::var("RINGSIDE_ENGINE_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for seed in 1..=seeds {
        let mut world = World {
            h: Harness::default(),
            rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
            legs: Vec::new(),
            operations: Vec::new(),
            conversations: Vec::new(),
            seen_actions: 0,
            seen_events: 0,
        };
        for _ in 0..400 {
            world.step();
        }
        check_invariants(&world.h, seed);
        // Everything eventually ends: keepAlive, ring and answer timers bound every call that
        // is left alone, except ACS calls, which the test hangs up.
        let legs = world.legs.clone();
        for leg in legs {
            let _ = world.h.cmd(Command::Terminate { leg });
            let _ = world.h.endpoint(EndpointSignal::HungUp { leg });
        }
        world.h.advance(Duration::from_secs(3 * 60 * 60));
        check_invariants(&world.h, seed);
        assert_eq!(
            world.h.engine.conversation_count(),
            0,
            "seed {seed}: a conversation never ended"
        );
        assert_eq!(world.h.engine.poll_timeout(), None, "seed {seed}");
    }
}
