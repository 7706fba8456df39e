//! One simulated endpoint (a directory user's client or an external phone) as a sans-IO state
//! machine on explicit time: it rings and answers/refuses per its [`Answer`], runs its [`Timeline`]
//! relative to the moment the call connected, and keeps the detection log ([`Log`]) of what
//! happened and what it heard. The runtime feeds it `now` and engine/media news and carries out its
//! [`SimOutput`]s; tests drive it on virtual time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ringside_engine::Refusal;
use ringside_model::Tone;
use serde_json::{json, Value};

use crate::behaviour::{format_duration, Answer, StepKind, Timeline};

/// Something that happened on a leg, for its detection log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LogKind {
    /// The leg changed state (engine `LegStateChanged`), with the end reason once terminated.
    State {
        state: &'static str,
        reason: Option<String>,
    },
    /// The endpoint started ringing (incoming) or dialling (outgoing).
    Ringing,
    Dialing {
        to: String,
    },
    /// The endpoint picked up.
    Answered,
    /// The endpoint refused.
    Refused {
        how: &'static str,
    },
    /// The endpoint pressed keys.
    Pressed {
        digits: String,
        in_band: bool,
    },
    /// The endpoint started playing a WAV.
    Playing {
        media: String,
    },
    /// The endpoint started saying a text (synthesised speech).
    Saying {
        text: String,
    },
    /// The endpoint started the 1004 Hz test tone.
    TestTone {
        duration: Duration,
    },
    /// The endpoint stopped its audio and stays silent.
    Silence {
        duration: Duration,
    },
    /// Something the endpoint played finished.
    PlayFinished,
    /// The endpoint put the call on hold (until `duration` passes, if set).
    Held {
        duration: Option<Duration>,
    },
    /// The endpoint took the call off hold.
    Resumed,
    /// The endpoint hangs up.
    HangingUp,
    /// A DTMF key was heard in the audio reaching this endpoint.
    ToneDetected {
        tone: Tone,
    },
    /// A key reached a bot leg (built-in responder, engine `ToneReceived`).
    ToneReceived {
        tone: Tone,
        from: String,
    },
    /// Audio (a prompt, speech) started reaching this endpoint.
    AudioStarted,
    /// The audio reaching this endpoint stopped.
    AudioStopped,
    /// Its recording was stored.
    RecordingSaved {
        duration_ms: u64,
        bytes: usize,
    },
    /// A built-in responder note (answer, announcement, echo).
    Responder {
        what: &'static str,
    },
    /// A free-form note (a failed media operation, a refused signal).
    Note {
        message: String,
    },
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogEntry {
    /// Time since the leg was created.
    pub at: Duration,
    /// What.
    pub kind: LogKind,
}

impl LogEntry {
    pub(crate) fn to_json(&self) -> Value {
        let at_ms = u64::try_from(self.at.as_millis()).unwrap_or(u64::MAX);
        let mut value = match &self.kind {
            LogKind::State { state, reason } => {
                json!({"type": "stateChanged", "state": state, "reason": reason})
            }
            LogKind::Ringing => json!({"type": "ringing"}),
            LogKind::Dialing { to } => json!({"type": "dialing", "to": to}),
            LogKind::Answered => json!({"type": "answered"}),
            LogKind::Refused { how } => json!({"type": "refused", "how": how}),
            LogKind::Pressed { digits, in_band } => {
                json!({"type": "pressed", "digits": digits, "inBand": in_band})
            }
            LogKind::Playing { media } => json!({"type": "playing", "media": media}),
            LogKind::Saying { text } => json!({"type": "saying", "text": text}),
            LogKind::TestTone { duration } => json!({
                "type": "testTone",
                "frequencyHz": 1004,
                "duration": format_duration(*duration),
            }),
            LogKind::Silence { duration } => {
                json!({"type": "silence", "duration": format_duration(*duration)})
            }
            LogKind::PlayFinished => json!({"type": "playFinished"}),
            LogKind::Held { duration } => json!({
                "type": "held",
                "for": duration.map(format_duration),
            }),
            LogKind::Resumed => json!({"type": "resumed"}),
            LogKind::HangingUp => json!({"type": "hangingUp"}),
            LogKind::ToneDetected { tone } => {
                json!({"type": "toneDetected", "tone": tone.as_char().to_string()})
            }
            LogKind::ToneReceived { tone, from } => json!({
                "type": "toneReceived",
                "tone": tone.as_char().to_string(),
                "from": from,
            }),
            LogKind::AudioStarted => json!({"type": "audioStarted"}),
            LogKind::AudioStopped => json!({"type": "audioStopped"}),
            LogKind::RecordingSaved { duration_ms, bytes } => {
                json!({"type": "recordingSaved", "durationMs": duration_ms, "bytes": bytes})
            }
            LogKind::Responder { what } => json!({"type": "responder", "what": what}),
            LogKind::Note { message } => json!({"type": "note", "message": message}),
        };
        if let Value::Object(object) = &mut value {
            object.insert("atMs".into(), json!(at_ms));
            object.retain(|_, v| !v.is_null());
        }
        value
    }
}

/// A connected endpoint without `hangupAfter` hangs up after this long, so that no conversation
/// between simulated endpoints (or with the echo responder) lasts for ever.
pub(crate) const SAFETY_HANGUP: Duration = Duration::from_secs(3600);

/// Most entries one log keeps (a stuck endpoint must not grow without bound).
pub(crate) const MAX_LOG_ENTRIES: usize = 2_000;

/// A leg's log, timed from the leg's creation.
#[derive(Clone, Debug)]
pub(crate) struct Log {
    created: Instant,
    entries: Vec<LogEntry>,
    dropped: usize,
}

impl Log {
    pub(crate) fn new(created: Instant) -> Log {
        Log {
            created,
            entries: Vec::new(),
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, now: Instant, kind: LogKind) {
        if self.entries.len() >= MAX_LOG_ENTRIES {
            self.dropped += 1;
            return;
        }
        self.entries.push(LogEntry {
            at: now.saturating_duration_since(self.created),
            kind,
        });
    }

    pub(crate) fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// Entries beyond [`MAX_LOG_ENTRIES`] that were not kept.
    pub(crate) fn dropped(&self) -> usize {
        self.dropped
    }
}

/// What the runtime must do for a simulated endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SimOutput {
    /// Tell the engine the endpoint answered.
    Answer,
    /// Tell the engine the endpoint refused.
    Refuse(Refusal),
    /// Tell the engine the endpoint hung up.
    HangUp,
    /// Press keys (in-band audio through the media plane, or out-of-band to the engine).
    Press { tones: Vec<Tone>, in_band: bool },
    /// Play an uploaded WAV into the call.
    Play { media: String },
    /// Play the test tone into the call.
    Tone { duration: Duration },
    /// Stop whatever the endpoint plays.
    StopAudio,
    /// Tell the engine the endpoint put the call on hold (`true`) or resumed it.
    Hold(bool),
    /// Start the detection log of what the endpoint hears (tones, audio start/stop).
    Listen,
    /// Start recording what the endpoint hears.
    StartRecording,
    /// Stop recording (the media plane delivers the WAV).
    StopRecording,
}

/// Which side of the call the endpoint is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// It was rung (`RingEndpoint`).
    Callee,
    /// It dialled (`POST /phones/{from}/calls`).
    Caller,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Ringing; answers at `answer_at` if set.
    Ringing,
    /// Answered (callee) or dialling (caller); waiting for the engine to connect the leg.
    Waiting,
    /// Connected since `connected_at`.
    Connected,
    /// Hung up, refused or ended.
    Ended,
}

/// Why a live-control request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SimRefusal {
    /// The endpoint is not connected (yet, or any more).
    NotConnected,
    /// The leg has already ended.
    Ended,
}

/// A simulated endpoint's state machine.
#[derive(Debug)]
pub(crate) struct SimEndpoint {
    role: Role,
    phase: Phase,
    timeline: Timeline,
    answer_at: Option<Instant>,
    connected_at: Option<Instant>,
    next_step: usize,
    hangup_at: Option<Instant>,
    /// A timed hold ends (resumes) then.
    resume_at: Option<Instant>,
    held: bool,
    recording: bool,
    outputs: VecDeque<SimOutput>,
    log: Log,
}

impl SimEndpoint {
    /// An endpoint being rung at `now`.
    pub(crate) fn ringing(now: Instant, answer: Answer, timeline: Timeline) -> SimEndpoint {
        let mut sim = SimEndpoint::new(now, Role::Callee, timeline);
        sim.log.push(now, LogKind::Ringing);
        match answer {
            Answer::After(delay) => sim.answer_at = Some(deadline(now, delay)),
            Answer::Reject => sim.refuse(now, Refusal::Declined, "declined"),
            Answer::Busy => sim.refuse(now, Refusal::Busy, "busy"),
            Answer::Never => {}
        }
        sim
    }

    /// An endpoint that dialled `to` at `now`.
    pub(crate) fn dialing(now: Instant, to: String, timeline: Timeline) -> SimEndpoint {
        let mut sim = SimEndpoint::new(now, Role::Caller, timeline);
        sim.phase = Phase::Waiting;
        sim.log.push(now, LogKind::Dialing { to });
        sim
    }

    fn new(now: Instant, role: Role, timeline: Timeline) -> SimEndpoint {
        SimEndpoint {
            role,
            phase: Phase::Ringing,
            timeline,
            answer_at: None,
            connected_at: None,
            next_step: 0,
            hangup_at: None,
            resume_at: None,
            held: false,
            recording: false,
            outputs: VecDeque::new(),
            log: Log::new(now),
        }
    }

    fn refuse(&mut self, now: Instant, refusal: Refusal, how: &'static str) {
        self.phase = Phase::Ended;
        self.log.push(now, LogKind::Refused { how });
        self.outputs.push_back(SimOutput::Refuse(refusal));
    }

    pub(crate) fn role(&self) -> Role {
        self.role
    }

    pub(crate) fn log(&self) -> &Log {
        &self.log
    }

    /// Adds a log entry from outside (engine state changes, what the media plane heard).
    pub(crate) fn note(&mut self, now: Instant, kind: LogKind) {
        self.log.push(now, kind);
    }

    /// The engine connected the leg (an answered callee, or the callee answered a caller): the
    /// timeline starts now.
    pub(crate) fn connected(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Connected | Phase::Ended) {
            return;
        }
        self.phase = Phase::Connected;
        self.answer_at = None;
        self.connected_at = Some(now);
        self.hangup_at = Some(deadline(
            now,
            self.timeline.hangup_after.unwrap_or(SAFETY_HANGUP),
        ));
        self.outputs.push_back(SimOutput::Listen);
        if self.timeline.record {
            self.recording = true;
            self.outputs.push_back(SimOutput::StartRecording);
        }
        self.run_due(now);
    }

    /// The engine ended the leg (or acknowledged our hang-up).
    pub(crate) fn ended(&mut self, now: Instant) {
        let _ = now;
        self.phase = Phase::Ended;
        self.answer_at = None;
        self.hangup_at = None;
        if self.recording {
            self.recording = false;
            self.outputs.push_back(SimOutput::StopRecording);
        }
    }

    /// Runs whatever is due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Ringing => {
                if self.answer_at.is_some_and(|at| at <= now) {
                    self.answer_at = None;
                    self.phase = Phase::Waiting;
                    self.log.push(now, LogKind::Answered);
                    self.outputs.push_back(SimOutput::Answer);
                }
            }
            Phase::Connected => self.run_due(now),
            Phase::Waiting | Phase::Ended => {}
        }
    }

    fn run_due(&mut self, now: Instant) {
        let Some(connected_at) = self.connected_at else {
            return;
        };
        while let Some(step) = self.timeline.steps.get(self.next_step) {
            if deadline(connected_at, step.at) > now {
                break;
            }
            self.next_step += 1;
            let kind = step.kind.clone();
            self.run_step(now, kind);
        }
        if self.resume_at.is_some_and(|at| at <= now) {
            self.resume(now);
        }
        if self.hangup_at.is_some_and(|at| at <= now) {
            if self.timeline.hangup_after.is_none() {
                self.log.push(
                    now,
                    LogKind::Note {
                        message: format!(
                            "safety limit: hanging up after {} without a hangupAfter",
                            format_duration(SAFETY_HANGUP)
                        ),
                    },
                );
            }
            self.hang_up(now);
        }
    }

    fn run_step(&mut self, now: Instant, kind: StepKind) {
        match kind {
            StepKind::Press { tones, in_band } => {
                self.log.push(
                    now,
                    LogKind::Pressed {
                        digits: tones.iter().map(|t| t.as_char()).collect(),
                        in_band,
                    },
                );
                self.outputs.push_back(SimOutput::Press { tones, in_band });
            }
            StepKind::Play { media } => {
                self.log.push(
                    now,
                    LogKind::Playing {
                        media: media.clone(),
                    },
                );
                self.outputs.push_back(SimOutput::Play { media });
            }
            StepKind::Say { text } => {
                let media = crate::behaviour::say_media_id(&text);
                self.log.push(now, LogKind::Saying { text });
                self.outputs.push_back(SimOutput::Play { media });
            }
            StepKind::Tone { duration } => {
                self.log.push(now, LogKind::TestTone { duration });
                self.outputs.push_back(SimOutput::Tone { duration });
            }
            StepKind::Silence { duration } => {
                self.log.push(now, LogKind::Silence { duration });
                self.outputs.push_back(SimOutput::StopAudio);
            }
            StepKind::Hold { duration } => {
                self.resume_at = duration.map(|d| deadline(now, d));
                if self.held {
                    return;
                }
                self.held = true;
                self.log.push(now, LogKind::Held { duration });
                self.outputs.push_back(SimOutput::Hold(true));
            }
        }
    }

    fn resume(&mut self, now: Instant) {
        self.resume_at = None;
        if !self.held {
            return;
        }
        self.held = false;
        self.log.push(now, LogKind::Resumed);
        self.outputs.push_back(SimOutput::Hold(false));
    }

    fn hang_up(&mut self, now: Instant) {
        if self.phase == Phase::Ended {
            return;
        }
        self.log.push(now, LogKind::HangingUp);
        self.ended(now);
        self.outputs.push_back(SimOutput::HangUp);
    }

    /// Live control: press keys now.
    pub(crate) fn press_now(
        &mut self,
        now: Instant,
        tones: Vec<Tone>,
        in_band: bool,
    ) -> Result<(), SimRefusal> {
        self.require_connected()?;
        self.run_step(now, StepKind::Press { tones, in_band });
        Ok(())
    }

    /// Live control: play an uploaded WAV now.
    pub(crate) fn play_now(&mut self, now: Instant, media: String) -> Result<(), SimRefusal> {
        self.require_connected()?;
        self.run_step(now, StepKind::Play { media });
        Ok(())
    }

    /// Live control: put the call on hold now, for `duration` or until resumed.
    pub(crate) fn hold_now(
        &mut self,
        now: Instant,
        duration: Option<Duration>,
    ) -> Result<(), SimRefusal> {
        self.require_connected()?;
        self.run_step(now, StepKind::Hold { duration });
        Ok(())
    }

    /// Live control: take the call off hold now (nothing happens if it is not held).
    pub(crate) fn resume_now(&mut self, now: Instant) -> Result<(), SimRefusal> {
        self.require_connected()?;
        self.resume(now);
        Ok(())
    }

    /// Live control: hang up now (also while ringing or dialling).
    pub(crate) fn hang_up_now(&mut self, now: Instant) -> Result<(), SimRefusal> {
        if self.phase == Phase::Ended {
            return Err(SimRefusal::Ended);
        }
        self.hang_up(now);
        Ok(())
    }

    fn require_connected(&self) -> Result<(), SimRefusal> {
        match self.phase {
            Phase::Connected => Ok(()),
            Phase::Ended => Err(SimRefusal::Ended),
            Phase::Ringing | Phase::Waiting => Err(SimRefusal::NotConnected),
        }
    }

    /// The next thing to do.
    pub(crate) fn poll_output(&mut self) -> Option<SimOutput> {
        self.outputs.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next run.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Ringing => self.answer_at,
            Phase::Connected => {
                let step = self
                    .timeline
                    .steps
                    .get(self.next_step)
                    .zip(self.connected_at)
                    .map(|(step, at)| deadline(at, step.at));
                [step, self.hangup_at, self.resume_at]
                    .into_iter()
                    .flatten()
                    .min()
            }
            Phase::Waiting | Phase::Ended => None,
        }
    }
}

/// `now + after`, saturating far in the future rather than overflowing.
pub(crate) fn deadline(now: Instant, after: Duration) -> Instant {
    now.checked_add(after)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
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
}
