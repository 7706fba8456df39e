//! One simulated endpoint (a directory user's client or an external phone) as a sans-IO state
//! machine on explicit time: it rings and answers/refuses per its [`Answer`] (or when told to,
//! for a softphone's user), runs its [`Timeline`]
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
    /// The endpoint is not ringing (it dialled, or it already answered).
    NotRinging,
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

    /// Live control: a ringing endpoint picks up now (whatever its answer mode: a softphone's
    /// user answers when they press Answer).
    pub(crate) fn answer_now(&mut self, now: Instant) -> Result<(), SimRefusal> {
        self.require_ringing()?;
        self.answer_at = None;
        self.phase = Phase::Waiting;
        self.log.push(now, LogKind::Answered);
        self.outputs.push_back(SimOutput::Answer);
        Ok(())
    }

    /// Live control: a ringing endpoint declines now (or says it is busy).
    pub(crate) fn decline_now(&mut self, now: Instant, busy: bool) -> Result<(), SimRefusal> {
        self.require_ringing()?;
        self.answer_at = None;
        if busy {
            self.refuse(now, Refusal::Busy, "busy");
        } else {
            self.refuse(now, Refusal::Declined, "declined");
        }
        Ok(())
    }

    fn require_ringing(&self) -> Result<(), SimRefusal> {
        match self.phase {
            Phase::Ringing => Ok(()),
            Phase::Ended => Err(SimRefusal::Ended),
            Phase::Waiting | Phase::Connected => Err(SimRefusal::NotRinging),
        }
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
mod tests;
