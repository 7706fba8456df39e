//! Live transcription of a call: one message socket to the app per call (the streaming service's
//! [`MessageSink`]), a metadata message first, then a message per phrase. While transcribing, an
//! in-process unmixed tap of the bot leg's view at 16 kHz feeds one recognizer of the offline
//! engine (`ringside-speech`, continuous mode) per other participant, off the runtime task; the
//! service's own prompts are not in that view and are never transcribed. The wire format is the
//! door's [`TranscriptCodec`]; socket events reach the door as [`crate::streaming::StreamEvent`]s.

use std::collections::HashMap;
use std::sync::Arc;

use ringside_engine::{ConversationId, LegId};
use ringside_media::{StreamChannel, StreamRate};
use ringside_speech::{Event, Recognizer, SttEngine};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub use ringside_speech::{Phrase, Word};

use super::CallRuntime;
use crate::streaming::codec::WireMessage;
use crate::streaming::socket::{MessageSink, MessageSpec};
use crate::streaming::tap::{LocalTap, TapInput};
use crate::streaming::{StreamError, StreamFrame, StreamId, StreamService};

/// Silence that ends a phrase, ms.
const END_SILENCE_MS: u32 = 800;
/// Longest phrase before it is cut, ms.
const MAX_PHRASE_MS: u32 = 20_000;
/// Frames the transcription tap may queue (several participants' frames per tick).
const TAP_QUEUE: usize = 1_000;
/// Frames kept per participant while its recognizer is being created (10 s).
const PENDING_FRAMES: usize = 500;

/// A transcription's wire format, from the door that starts it.
pub trait TranscriptCodec: Send + Sync + 'static {
    /// The first message on the socket (what the transcription is), in `locale`.
    fn metadata(&self, locale: &str) -> WireMessage;
    /// One phrase said by `participant` (the door's name for the leg).
    fn phrase(&self, participant: &str, phrase: &Phrase) -> WireMessage;
}

/// What to transcribe, and where the transcript goes.
pub struct TranscriptionSpec {
    /// The socket: URL, upgrade token and headers, owner tag.
    pub socket: MessageSpec,
    /// The wire format.
    pub codec: Arc<dyn TranscriptCodec>,
    /// The transcription's locale (named in the metadata).
    pub locale: String,
    /// Send intermediate phrases too.
    pub intermediate: bool,
    /// The door's names of participant legs (a leg without one is named by its id).
    pub participants: HashMap<LegId, String>,
}

/// Starts transcriptions: the streaming service and the loaded recognition engine.
#[derive(Clone)]
pub struct Transcriber {
    streams: Arc<StreamService>,
    engine: SttEngine,
}

impl CallRuntime {
    /// A transcriber when the recognition engine is installed (loading it on first use).
    pub async fn transcriber(&self) -> Option<Transcriber> {
        let engine = self.services.recognition.engine().await?;
        Some(Transcriber {
            streams: self.services.streams.clone(),
            engine,
        })
    }
}

enum Cmd {
    Start,
    Stop,
    Name(LegId, String),
}

/// A call's transcription: its socket (opened at once) and the control of its recognizers.
/// Dropping it finishes the phrases in progress and closes the socket.
#[derive(Debug)]
pub struct Transcription {
    /// The socket's stream id (its events carry it).
    pub socket: StreamId,
    control: mpsc::UnboundedSender<Cmd>,
}

impl Transcriber {
    /// Opens the socket (metadata queued first) and the transcription task, not yet
    /// transcribing; a URL the address rules refuse is an error now.
    pub fn open(&self, spec: TranscriptionSpec) -> Result<Transcription, StreamError> {
        let sink = self.streams.start_messages(spec.socket.clone())?;
        sink.send(spec.codec.metadata(&spec.locale));
        let (control, commands) = mpsc::unbounded_channel();
        let task = Task {
            streams: self.streams.clone(),
            engine: self.engine.clone(),
            conversation: spec.socket.conversation,
            leg: spec.socket.leg,
            codec: spec.codec,
            intermediate: spec.intermediate,
            names: spec.participants,
            sink,
        };
        let socket = task.sink.id;
        tokio::spawn(task.run(commands));
        Ok(Transcription { socket, control })
    }
}

impl Transcription {
    /// Starts transcribing (again); nothing happens if it already is.
    pub fn start(&self) {
        let _ = self.control.send(Cmd::Start);
    }

    /// Stops transcribing after the phrases in progress; the socket stays open.
    pub fn stop(&self) {
        let _ = self.control.send(Cmd::Stop);
    }

    /// Names a participant leg (after a roster change).
    pub fn name(&self, leg: LegId, name: String) {
        let _ = self.control.send(Cmd::Name(leg, name));
    }
}

struct Task {
    streams: Arc<StreamService>,
    engine: SttEngine,
    conversation: ConversationId,
    leg: LegId,
    codec: Arc<dyn TranscriptCodec>,
    intermediate: bool,
    names: HashMap<LegId, String>,
    sink: MessageSink,
}

/// The recognizers while transcribing.
struct Active {
    tap: LocalTap,
    recognizers: HashMap<LegId, Recognizer>,
    /// Frames of participants whose recognizer is being created.
    pending: HashMap<LegId, Vec<Vec<i16>>>,
    creating: JoinSet<(LegId, Option<Recognizer>)>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Cmd>) {
        let mut active: Option<Active> = None;
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Cmd::Start) if active.is_none() => active = self.start(),
                    Some(Cmd::Start) => {}
                    Some(Cmd::Stop) => {
                        if let Some(done) = active.take() {
                            self.finish(done).await;
                        }
                    }
                    Some(Cmd::Name(leg, name)) => {
                        self.names.insert(leg, name);
                    }
                    None => break,
                },
                input = next_input(&mut active) => {
                    if let Some(Some((leg, recognizer))) = input.created {
                        self.created(&mut active, leg, recognizer);
                    }
                    match input.tap {
                        Some(TapInput::Frame(frame)) => self.frame(&mut active, frame),
                        Some(TapInput::Name(leg, name)) => {
                            self.names.insert(leg, name);
                        }
                        Some(TapInput::Stop | TapInput::PlaneStopped) => {
                            // The call ended: its last phrases, then the socket closes.
                            if let Some(done) = active.take() {
                                self.finish(done).await;
                            }
                            break;
                        }
                        Some(TapInput::Pause(_)) | None => {}
                    }
                }
            }
        }
        if let Some(done) = active.take() {
            self.finish(done).await;
        }
        self.streams.stop(self.sink.id, "transcriptionEnded");
    }

    fn start(&self) -> Option<Active> {
        let tap = self
            .streams
            .start_local(
                self.conversation,
                self.leg,
                StreamChannel::Unmixed,
                StreamRate::Khz16,
                "transcription",
                TAP_QUEUE,
            )
            .ok()?;
        Some(Active {
            tap,
            recognizers: HashMap::new(),
            pending: HashMap::new(),
            creating: JoinSet::new(),
        })
    }

    /// A participant's frame: to its recognizer (created on its first frame), then every phrase
    /// that is ready goes out.
    fn frame(&self, active: &mut Option<Active>, frame: StreamFrame) {
        let (Some(active), Some(leg)) = (active.as_mut(), frame.participant) else {
            return;
        };
        match active.recognizers.get(&leg) {
            Some(recognizer) => recognizer.push(&frame.samples),
            None => {
                if !active.pending.contains_key(&leg) {
                    let engine = self.engine.clone();
                    active.creating.spawn_blocking(move || {
                        let recognizer = engine.transcribe(END_SILENCE_MS, MAX_PHRASE_MS);
                        if let Err(error) = &recognizer {
                            tracing::info!(%error, "a transcription recognizer could not start");
                        }
                        (leg, recognizer.ok())
                    });
                }
                let queued = active.pending.entry(leg).or_default();
                if queued.len() < PENDING_FRAMES {
                    queued.push(frame.samples.to_vec());
                }
            }
        }
        self.drain(active);
    }

    fn created(&self, active: &mut Option<Active>, leg: LegId, recognizer: Option<Recognizer>) {
        let Some(active) = active.as_mut() else {
            return;
        };
        let frames = active.pending.remove(&leg).unwrap_or_default();
        if let Some(recognizer) = recognizer {
            frames.iter().for_each(|f| recognizer.push(f));
            active.recognizers.insert(leg, recognizer);
        }
    }

    /// Sends the phrases the recognizers have ready.
    fn drain(&self, active: &mut Active) {
        for (leg, recognizer) in &mut active.recognizers {
            while let Some(event) = recognizer.try_event() {
                self.event(*leg, event);
            }
        }
    }

    fn event(&self, leg: LegId, event: Event) {
        let Event::Phrase(phrase) = event else {
            return;
        };
        if (!phrase.is_final && !self.intermediate) || phrase.text.trim().is_empty() {
            return;
        }
        let fallback;
        let name = match self.names.get(&leg) {
            Some(name) => name.as_str(),
            None => {
                fallback = leg.to_string();
                fallback.as_str()
            }
        };
        if !self.sink.send(self.codec.phrase(name, &phrase)) {
            tracing::info!("a transcription socket fell behind; a phrase was dropped");
        }
    }

    /// Stops the tap and every recognizer: their last phrases go out.
    async fn finish(&self, mut active: Active) {
        let mut frames = Vec::new();
        active.tap.stop_plane(|frame| frames.push(frame)).await;
        let mut some = Some(active);
        for frame in frames {
            self.frame(&mut some, frame);
        }
        let Some(mut active) = some else {
            return;
        };
        active.creating.abort_all();
        let recognizers: Vec<(LegId, Recognizer)> = active.recognizers.drain().collect();
        let finished = tokio::task::spawn_blocking(move || {
            let mut events = Vec::new();
            for (leg, mut recognizer) in recognizers {
                recognizer.finish();
                while let Some(event) = recognizer.wait_event(std::time::Duration::from_secs(5)) {
                    let last = matches!(event, Event::Stopped | Event::Failed(_));
                    events.push((leg, event));
                    if last {
                        break;
                    }
                }
            }
            events
        })
        .await
        .unwrap_or_default();
        for (leg, event) in finished {
            self.event(leg, event);
        }
    }
}

/// What the transcription's tap and recognizer creation produced next.
struct NextInput {
    tap: Option<TapInput>,
    created: Option<Option<(LegId, Option<Recognizer>)>>,
}

/// Waits for the tap or a created recognizer; forever when not transcribing.
async fn next_input(active: &mut Option<Active>) -> NextInput {
    let Some(active) = active.as_mut() else {
        return std::future::pending().await;
    };
    tokio::select! {
        Some(created) = active.creating.join_next(), if !active.creating.is_empty() => NextInput {
            tap: None,
            created: Some(created.ok()),
        },
        input = active.tap.next() => NextInput {
            tap: Some(input.unwrap_or(TapInput::PlaneStopped)),
            created: None,
        },
    }
}
