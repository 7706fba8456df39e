//! The runtime task: owns the [`Engine`], the simulated endpoints and the responders; turns REST
//! requests, media news and timers into engine inputs, and engine outputs into media commands,
//! endpoint behaviour, logs and broadcast events. This file holds the handle ([`CallRuntime`]), its
//! requests and options, and the task's state; the task's work lives in the submodules: the event
//! loop ([`event_loop`]), engine events and media news ([`events`]), engine actions and simulated
//! endpoints ([`drive`]), requests ([`requests`]), the leg records and their deadline index
//! ([`legs`]) and the JSON views of calls and legs ([`views`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ringside_engine::{
    Ack, Action, Command, ConversationId, Direction, EndReason, Endpoint, EndpointSignal, Engine,
    EngineError, Event, LegId, LegState, MediaRef, MediaSignal, OperationKind,
};
use ringside_media::{EndpointEvent, FromAction, MediaCommand, MediaOutput};
use ringside_model::{Party, TenantId, Tone};
use ringside_store::DirectoryStore;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::behaviour::{Behaviour, Timeline, PHONE_ANSWER_AFTER, USER_ANSWER_AFTER};
use crate::codes::ResultInfo;
use crate::door::{Door, DoorCtx, DoorEnv, DoorJob, Doors, Shared};
use crate::headers::CallHeaders;
use crate::media::MediaPort;
use crate::media_store::MediaStore;
use crate::responder::{self, Responder, ResponderOutput};
use crate::routing::{endpoint_key, party_json, NamedEndpoint, Routing};
use crate::services::MediaServices;
use crate::sim::{Log, LogKind, Role, SimEndpoint, SimOutput, SimRefusal};
use ringside_engine::IdSource;

mod census;
mod drive;
mod event_loop;
mod events;
mod external;
mod legs;
mod listen;
mod requests;
#[cfg(test)]
mod tests;
pub mod transcribe;
mod views;

use legs::{CallRecord, Driver, LegRecord, Legs};
pub use views::reason_name;

/// Ended conversations kept for `GET /calls/{id}`, logs and recordings.
pub const HISTORY: usize = 100;
/// Capacity of the engine event broadcast.
const EVENT_CAPACITY: usize = 4_096;
/// Capacity of the ring broadcast ([`CallRuntime::rings`]).
const RING_CAPACITY: usize = 256;
/// Requests (API calls, door code) waiting for the runtime task at most; beyond it a request is
/// refused with [`CallError::Busy`] (the doors answer 429 with `Retry-After`) instead of queueing
/// without bound. Media news and stream messages have their own queue and are never refused.
pub const REQUEST_QUEUE: usize = 4_096;
/// Engine inputs processed in one burst before the loop looks at its mailbox again.
const MAX_CASCADE: usize = 10_000;

pub use crate::reply::{CallError, Reply};

/// A simulated endpoint started ringing ([`CallRuntime::rings`]): the engine offers `party` a call
/// from `caller` (a bot calling, transferring, redirecting or inviting, or a simulated caller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rung {
    /// The conversation.
    pub conversation: ConversationId,
    /// The ringing leg.
    pub leg: LegId,
    /// Who is rung.
    pub party: Party,
    /// Who calls.
    pub caller: Party,
}

/// A request from the REST API.
pub enum Request {
    Dial {
        from: NamedEndpoint,
        to: NamedEndpoint,
        tenant: TenantId,
        timeline: Timeline,
        /// SIP/VoIP headers for an ACS IncomingCall (`customContext`).
        custom: CallHeaders,
        reply: Reply<Value>,
    },
    /// A simulated user or phone joins a meeting (`graph::meetings`).
    JoinMeeting {
        meeting: String,
        tenant: TenantId,
        who: NamedEndpoint,
        timeline: Timeline,
        reply: Reply<Value>,
    },
    List {
        reply: Reply<Value>,
    },
    /// How many calls are live (not ended): the node's load for heartbeats and placement.
    Count {
        reply: Reply<u64>,
    },
    Get {
        conversation: ConversationId,
        reply: Reply<Value>,
    },
    Press {
        conversation: ConversationId,
        leg: LegId,
        tones: Vec<Tone>,
        in_band: bool,
        reply: Reply<()>,
    },
    Play {
        conversation: ConversationId,
        leg: LegId,
        media: String,
        reply: Reply<()>,
    },
    HangUp {
        conversation: ConversationId,
        leg: LegId,
        reply: Reply<()>,
    },
    Hold {
        conversation: ConversationId,
        leg: LegId,
        duration: Option<Duration>,
        reply: Reply<()>,
    },
    Resume {
        conversation: ConversationId,
        leg: LegId,
        reply: Reply<()>,
    },
    /// A ringing simulated leg picks up now, whatever its behaviour (the softphone's Answer).
    Answer {
        conversation: ConversationId,
        leg: LegId,
        reply: Reply<()>,
    },
    /// A ringing simulated leg declines now (or answers busy).
    Decline {
        conversation: ConversationId,
        leg: LegId,
        busy: bool,
        reply: Reply<()>,
    },
    Recording {
        conversation: ConversationId,
        leg: LegId,
        reply: Reply<Arc<Vec<u8>>>,
    },
    Log {
        conversation: ConversationId,
        leg: LegId,
        reply: Reply<Value>,
    },
    /// The media clock's figures (`GET /stats/media`); with `reset`, cleared afterwards.
    MediaStats {
        reset: bool,
        reply: Reply<ringside_media::ClockStats>,
    },
    /// Live calls and legs by dialect and state, for `/metrics`.
    Census {
        reply: Reply<crate::metrics::Census>,
    },
    /// Door code to run inside the runtime (see [`crate::door`]).
    Exec(DoorJob),
    /// A gateway's request about its external legs (see [`crate::external`]).
    External(crate::external::ExternalRequest),
}

pub(crate) enum Msg {
    Request(Request),
    Media(MediaOutput),
    /// From the streaming service: a media command or a stream event for a door.
    Stream(crate::streaming::ToRuntime),
    /// A recordResponse recording was written to the recording store (off the runtime task): the
    /// recording's end goes to the engine now, so the door that renders the completion finds it.
    Stored(MediaSignal),
    Shutdown,
}

/// Behaviours per endpoint key (`+1425…` or a user id), in memory.
#[derive(Default)]
pub struct Behaviours(Mutex<HashMap<String, Behaviour>>);

impl Behaviours {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Behaviour>> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub fn get(&self, party: &Party) -> Option<Behaviour> {
        self.lock().get(&endpoint_key(party)).cloned()
    }

    pub fn set(&self, party: &Party, behaviour: Behaviour) {
        self.lock().insert(endpoint_key(party), behaviour);
    }

    pub fn remove(&self, party: &Party) -> bool {
        self.lock().remove(&endpoint_key(party)).is_some()
    }
}

/// How to start the runtime.
pub struct RuntimeOptions {
    /// The data directory (uploaded media live in `<data_dir>/media`).
    pub data_dir: std::path::PathBuf,
    /// How the media plane is ticked (real-time threads, or manually on tokio's clock in tests).
    pub media: crate::MediaMode,
    /// Where the engine's conversation, leg and operation ids come from (random GUIDs in
    /// production, [`ringside_engine::SequentialIds`] where a test wants them predictable).
    pub ids: Box<dyn IdSource + Send>,
    /// How the platform API reports why a leg ended (`resultInfo`): the composition root picks a
    /// dialect's codes.
    pub end_codes: fn(EndReason) -> ResultInfo,
}

/// The handle routes use. Cheap to clone.
#[derive(Clone)]
pub struct CallRuntime {
    requests: mpsc::Sender<Request>,
    tx: mpsc::UnboundedSender<Msg>,
    events: broadcast::Sender<Event>,
    rings: broadcast::Sender<Rung>,
    behaviours: Arc<Behaviours>,
    media: Arc<MediaStore>,
    services: MediaServices,
    metrics: crate::metrics::CallMetrics,
}

impl CallRuntime {
    /// Starts the runtime task and the media clock. Must run inside a tokio runtime.
    pub fn start(
        directory: Arc<DirectoryStore>,
        options: RuntimeOptions,
        services: MediaServices,
        doors: Doors,
    ) -> anyhow::Result<CallRuntime> {
        let RuntimeOptions {
            data_dir,
            media: mode,
            ids,
            end_codes,
        } = options;
        let (tx, rx) = mpsc::unbounded_channel();
        let (requests, request_rx) = mpsc::channel(REQUEST_QUEUE);
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let (rings, _) = broadcast::channel(RING_CAPACITY);
        let behaviours = Arc::new(Behaviours::default());
        let media = Arc::new(MediaStore::new(&data_dir));
        let metrics = crate::metrics::CallMetrics::default();
        for dialect in doors.dialects() {
            metrics.prepare(dialect);
        }
        metrics.prepare(crate::metrics::NO_DIALECT);
        let sink = tx.clone();
        let streams = services.streams.clone();
        let port = MediaPort::start(mode, move |output| match output {
            // Stream frames go straight from the shard thread to their connections' queues.
            MediaOutput::StreamFrames(frames) => streams.route(frames),
            other => {
                let _ = sink.send(Msg::Media(other));
            }
        });
        let stream_sink = tx.clone();
        services
            .streams
            .attach(Arc::new(move |message: crate::streaming::ToRuntime| {
                stream_sink.send(Msg::Stream(message)).is_ok()
            }));
        let runtime = Runtime {
            engine: Engine::default(),
            directory,
            media_store: media.clone(),
            services: services.clone(),
            behaviours: behaviours.clone(),
            events: events.clone(),
            rings: rings.clone(),
            media: port,
            calls: BTreeMap::new(),
            legs: Legs::default(),
            history: VecDeque::new(),
            inputs: VecDeque::new(),
            dirty: BTreeSet::new(),
            doors,
            named: HashMap::new(),
            headers: HashMap::new(),
            ids,
            end_codes,
            loopback: tx.clone(),
            listeners: listen::Listeners::default(),
            external: None,
            metrics: metrics.clone(),
        };
        tokio::spawn(runtime.run(request_rx, rx));
        Ok(CallRuntime {
            requests,
            tx,
            events,
            rings,
            behaviours,
            media,
            services,
            metrics,
        })
    }

    /// What the runtime records for `/metrics` (call set-up latency).
    pub fn metrics(&self) -> &crate::metrics::CallMetrics {
        &self.metrics
    }

    /// Live calls and legs by dialect and state, counted by the runtime task now.
    pub async fn census(&self) -> Result<crate::metrics::Census, CallError> {
        self.ask(|reply| Request::Census { reply }).await
    }

    /// Engine events, for the Graph and ACS doors.
    #[allow(dead_code)]
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Simulated endpoints starting to ring (the browser softphone rings for its user).
    pub fn rings(&self) -> broadcast::Receiver<Rung> {
        self.rings.subscribe()
    }

    pub fn behaviours(&self) -> &Behaviours {
        &self.behaviours
    }

    pub fn media(&self) -> &MediaStore {
        &self.media
    }

    /// The media streaming service.
    pub fn streams(&self) -> &Arc<crate::streaming::StreamService> {
        &self.services.streams
    }

    /// The prompt fetcher (https prompts, cached by resourceId and URI).
    pub fn prompts(&self) -> &crate::fetch::PromptFetcher {
        &self.services.fetcher
    }

    /// Whether speech can be recognized here (the recognition engine is installed; the first call
    /// loads it). Doors refuse speech with their own error otherwise.
    pub async fn recognizes_speech(&self) -> bool {
        self.services.recognition.engine().await.is_some()
    }

    /// A reference to a text prompt's audio, synthesised now unless cached ([`crate::speech`]).
    pub async fn text_prompt(
        &self,
        request: crate::speech::TextPrompt,
    ) -> Result<MediaRef, crate::speech::TextPromptError> {
        self.services.text.prompt(request).await
    }

    /// Synthesises what the `say` steps of `timeline` say into uploads (under
    /// [`crate::behaviour::say_media_id`]) unless they exist, so a simulated endpoint can play them.
    pub async fn prepare_speech(
        &self,
        timeline: &crate::behaviour::Timeline,
    ) -> Result<(), crate::speech::TextPromptError> {
        use crate::speech::{TextPrompt, TextPromptError};
        for step in &timeline.steps {
            let crate::behaviour::StepKind::Say { text } = &step.kind else {
                continue;
            };
            let id = crate::behaviour::say_media_id(text);
            if self.media.exists(&id) {
                continue;
            }
            let samples = self.services.text.samples(TextPrompt::text(text)).await?;
            let media = self.media.clone();
            tokio::task::spawn_blocking(move || media.store(&id, &samples))
                .await
                .map_err(|error| TextPromptError::Failed(error.to_string()))?
                .map_err(|error| TextPromptError::Failed(error.to_string()))?;
        }
        Ok(())
    }

    /// Makes every prompt ready before the runtime needs it, all at once (so 20 prompts take no
    /// longer than the slowest): https prompts are downloaded (or found cached), uploads are read
    /// and decoded into the upload cache on a blocking thread, so the runtime task never waits on
    /// the network or the disk for them. Failures are logged and left for the engine to report
    /// when the prompt starts.
    pub async fn prefetch(&self, media: &[MediaRef]) {
        let mut unique: Vec<MediaRef> = Vec::new();
        for media in media {
            if !unique.contains(media) {
                unique.push(media.clone());
            }
        }
        let downloads: Vec<_> = unique
            .into_iter()
            .map(|media| match crate::media_store::upload_id(&media.uri) {
                Some(id) => {
                    let store = self.media.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = store.prompt(&id);
                    })
                }
                None => {
                    let fetcher = self.services.fetcher.clone();
                    tokio::spawn(async move {
                        if let Err(error) = fetcher.fetch(&media).await {
                            tracing::info!(uri = %media.uri, %error, "a prompt could not be fetched; its operation will fail");
                        }
                    })
                }
            })
            .collect();
        for download in downloads {
            let _ = download.await;
        }
    }

    /// recordResponse recordings.
    pub fn recordings(&self) -> &crate::recordings::RecordingStore {
        &self.services.recordings
    }

    /// Sends a request and waits for its answer; `Busy` when the request queue is full.
    pub async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, CallError> {
        let (reply, answer) = oneshot::channel();
        self.submit(make(reply))?;
        answer.await.map_err(|_| CallError::Unavailable)?
    }

    /// Queues a request without waiting for room.
    fn submit(&self, request: Request) -> Result<(), CallError> {
        self.requests
            .try_send(request)
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => CallError::Busy,
                mpsc::error::TrySendError::Closed(_) => CallError::Unavailable,
            })
    }

    /// Runs door code inside the runtime task (see [`crate::door`]): the closure sees the engine
    /// and the state of door `D` through a [`DoorCtx`]; the outputs of its commands are drained
    /// after it returns. `Unavailable` when the runtime has stopped (or `D` is not registered).
    pub async fn exec<D: Door, R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DoorCtx<'_, D>) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        let (reply, answer) = oneshot::channel();
        let job: DoorJob = Box::new(move |shared: Shared<'_>, doors: &mut Doors| {
            let Some(door) = doors.get_mut::<D>() else {
                // The door is not registered: the reply is dropped (503).
                return;
            };
            let _ = reply.send(f(&mut DoorCtx { shared, door }));
        });
        self.submit(Request::Exec(job))?;
        answer.await.map_err(|_| CallError::Unavailable)
    }

    /// A gateway's request (see [`crate::external`]). Waits for room in the request queue rather
    /// than refusing: a phone's hang-up or key must not be lost to a busy moment.
    pub async fn external(
        &self,
        request: crate::external::ExternalRequest,
    ) -> Result<(), CallError> {
        self.requests
            .send(Request::External(request))
            .await
            .map_err(|_| CallError::Unavailable)
    }

    /// Stops the runtime task and the media clock.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Msg::Shutdown);
    }
}

enum Input {
    Endpoint(EndpointSignal),
    Media(MediaSignal),
    Command(Command, Option<LegId>),
}

struct Runtime {
    engine: Engine,
    directory: Arc<DirectoryStore>,
    media_store: Arc<MediaStore>,
    services: MediaServices,
    behaviours: Arc<Behaviours>,
    events: broadcast::Sender<Event>,
    /// Simulated endpoints starting to ring.
    rings: broadcast::Sender<Rung>,
    media: MediaPort,
    calls: BTreeMap<ConversationId, CallRecord>,
    legs: Legs,
    history: VecDeque<ConversationId>,
    inputs: VecDeque<Input>,
    /// Legs whose driver may have outputs.
    dirty: BTreeSet<LegId>,
    /// The front doors' call state.
    doors: Doors,
    /// Live conversations opened for a name (meetings), shared by every door.
    named: HashMap<String, ConversationId>,
    /// Signalling headers of calls being placed, by conversation, until a door takes them.
    headers: HashMap<ConversationId, CallHeaders>,
    /// Where engine ids come from.
    ids: Box<dyn IdSource + Send>,
    /// The task's own mailbox, for work finished off the task (recordings written, speech heard).
    loopback: mpsc::UnboundedSender<Msg>,
    /// Speech recognizers of running recognize operations.
    listeners: listen::Listeners,
    /// How leg views report why a leg ended.
    end_codes: fn(EndReason) -> ResultInfo,
    /// The gateway driving external (SIP) legs, once attached.
    external: Option<external::Attached>,
    /// What the task records for `/metrics`.
    metrics: crate::metrics::CallMetrics,
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
