//! The runtime task: owns the [`Engine`], the simulated endpoints and the responders; turns REST
//! requests, media news and timers into engine inputs, and engine outputs into media commands,
//! endpoint behaviour, logs and broadcast events.

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

/// Ended conversations kept for `GET /calls/{id}`, logs and recordings.
pub const HISTORY: usize = 100;
/// Capacity of the engine event broadcast.
const EVENT_CAPACITY: usize = 4_096;
/// Requests (API calls, door code) waiting for the runtime task at most; beyond it a request is
/// refused with [`CallError::Busy`] (the doors answer 429 with `Retry-After`) instead of queueing
/// without bound. Media news and stream messages have their own queue and are never refused.
pub const REQUEST_QUEUE: usize = 4_096;
/// Engine inputs processed in one burst before the loop looks at its mailbox again.
const MAX_CASCADE: usize = 10_000;

/// Why a runtime request failed (mapped to the Graph envelope by the API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// 404.
    NotFound(String),
    /// 400.
    BadRequest(String),
    /// 409.
    Conflict(String),
    /// 503: the runtime has stopped.
    Unavailable,
    /// 429: the runtime's request queue is full ([`REQUEST_QUEUE`]); retry after a second.
    Busy,
}

pub type Reply<T> = oneshot::Sender<Result<T, CallError>>;

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
    /// Door code to run inside the runtime (see [`crate::door`]).
    Exec(DoorJob),
}

pub(crate) enum Msg {
    Request(Request),
    Media(MediaOutput),
    /// From the streaming service: a media command or a stream event for a door.
    Stream(crate::streaming::ToRuntime),
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
    behaviours: Arc<Behaviours>,
    media: Arc<MediaStore>,
    services: MediaServices,
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
        let behaviours = Arc::new(Behaviours::default());
        let media = Arc::new(MediaStore::new(&data_dir));
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
        };
        tokio::spawn(runtime.run(request_rx, rx));
        Ok(CallRuntime {
            requests,
            tx,
            events,
            behaviours,
            media,
            services,
        })
    }

    /// Engine events, for the Graph and ACS doors.
    #[allow(dead_code)]
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
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

    /// Downloads (or finds cached) every prompt that is not an upload, all at once (so 20 prompts
    /// take no longer than the slowest); failures are logged and left for the engine to report
    /// when the prompt starts.
    pub async fn prefetch(&self, media: &[MediaRef]) {
        let mut unique: Vec<MediaRef> = Vec::new();
        for media in media {
            if crate::media_store::upload_id(&media.uri).is_none() && !unique.contains(media) {
                unique.push(media.clone());
            }
        }
        let downloads: Vec<_> = unique
            .into_iter()
            .map(|media| {
                let fetcher = self.services.fetcher.clone();
                tokio::spawn(async move {
                    if let Err(error) = fetcher.fetch(&media).await {
                        tracing::info!(uri = %media.uri, %error, "a prompt could not be fetched; its operation will fail");
                    }
                })
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

    /// Stops the runtime task and the media clock.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Msg::Shutdown);
    }
}

/// What a leg is driven by.
enum Driver {
    /// A simulated user or phone.
    Sim(Box<SimEndpoint>),
    /// A bot leg: the built-in responder when it has no webhook (today: always).
    Bot {
        log: Log,
        responder: Option<Responder>,
    },
}

/// The leg records, with an index of their drivers' deadlines (simulated endpoints' timelines,
/// built-in responders' answer delays) so that finding the next deadline and the due legs does
/// not visit every leg after every input: `get_mut` and `insert` mark a leg as touched, and the
/// touched legs' deadlines are recomputed before the index is read.
#[derive(Default)]
struct Legs {
    map: HashMap<LegId, LegRecord>,
    touched: HashSet<LegId>,
    index: BTreeSet<(Instant, LegId)>,
    indexed: HashMap<LegId, Instant>,
}

impl Legs {
    fn get(&self, leg: &LegId) -> Option<&LegRecord> {
        self.map.get(leg)
    }

    fn get_mut(&mut self, leg: &LegId) -> Option<&mut LegRecord> {
        self.touched.insert(*leg);
        self.map.get_mut(leg)
    }

    fn contains_key(&self, leg: &LegId) -> bool {
        self.map.contains_key(leg)
    }

    fn insert(&mut self, leg: LegId, record: LegRecord) {
        self.touched.insert(leg);
        self.map.insert(leg, record);
    }

    fn remove(&mut self, leg: &LegId) {
        self.map.remove(leg);
        self.touched.remove(leg);
        if let Some(at) = self.indexed.remove(leg) {
            self.index.remove(&(at, *leg));
        }
    }

    /// Recomputes the deadlines of the legs touched since the last call.
    fn reindex(&mut self) {
        for leg in std::mem::take(&mut self.touched) {
            if let Some(at) = self.indexed.remove(&leg) {
                self.index.remove(&(at, leg));
            }
            let at = self.map.get(&leg).and_then(|record| match &record.driver {
                Driver::Sim(sim) => sim.poll_timeout(),
                Driver::Bot { responder, .. } => {
                    responder.as_ref().and_then(Responder::poll_timeout)
                }
            });
            if let Some(at) = at {
                self.index.insert((at, leg));
                self.indexed.insert(leg, at);
            }
        }
    }

    /// The earliest driver deadline.
    fn first_deadline(&mut self) -> Option<Instant> {
        self.reindex();
        self.index.first().map(|(at, _)| *at)
    }

    /// The legs whose driver deadline is at or before `now`, earliest first.
    fn due(&mut self, now: Instant) -> Vec<LegId> {
        self.reindex();
        self.index
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, leg)| *leg)
            .collect()
    }
}

struct LegRecord {
    conversation: ConversationId,
    party: Party,
    kind: &'static str,
    direction: Direction,
    state: LegState,
    created_unix_ms: u64,
    driver: Driver,
    recording: Option<Arc<Vec<u8>>>,
}

impl LegRecord {
    fn log(&self) -> &Log {
        match &self.driver {
            Driver::Sim(sim) => sim.log(),
            Driver::Bot { log, .. } => log,
        }
    }

    fn note(&mut self, now: Instant, kind: LogKind) {
        match &mut self.driver {
            Driver::Sim(sim) => sim.note(now, kind),
            Driver::Bot { log, .. } => log.push(now, kind),
        }
    }
}

struct CallRecord {
    tenant: TenantId,
    created_unix_ms: u64,
    legs: Vec<LegId>,
    ended_unix_ms: Option<u64>,
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
    /// How leg views report why a leg ended.
    end_codes: fn(EndReason) -> ResultInfo,
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Runtime {
    /// The event loop: media news and stream messages first (they report what already happened),
    /// then requests, then the earliest deadline.
    async fn run(
        mut self,
        mut requests: mpsc::Receiver<Request>,
        mut rx: mpsc::UnboundedReceiver<Msg>,
    ) {
        loop {
            let deadline = self.next_deadline().map(tokio::time::Instant::from_std);
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let message = tokio::select! {
                biased;
                message = rx.recv() => message,
                request = requests.recv() => request.map(Msg::Request),
                () = sleep => {
                    self.timeout(crate::clock::now());
                    continue;
                }
            };
            match message {
                None | Some(Msg::Shutdown) => break,
                Some(Msg::Request(request)) => self.request(crate::clock::now(), request),
                Some(Msg::Media(news)) => self.media_news(crate::clock::now(), news),
                Some(Msg::Stream(message)) => self.stream_message(crate::clock::now(), message),
            }
        }
        self.media.shutdown();
    }

    fn next_deadline(&mut self) -> Option<Instant> {
        let engine = self.engine.poll_timeout();
        match (engine, self.legs.first_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn timeout(&mut self, now: Instant) {
        self.engine.handle_timeout(now);
        let mut due = Vec::new();
        for id in self.legs.due(now) {
            let Some(record) = self.legs.get_mut(&id) else {
                continue;
            };
            match &mut record.driver {
                Driver::Sim(sim) => {
                    if sim.poll_timeout().is_some_and(|at| at <= now) {
                        sim.handle_timeout(now);
                        due.push(id);
                    }
                }
                Driver::Bot {
                    responder: Some(responder),
                    log,
                } => {
                    if let Some(ResponderOutput::Answer) = responder.handle_timeout(now) {
                        log.push(now, LogKind::Responder { what: "answering" });
                        self.inputs
                            .push_back(Input::Command(Command::Answer { leg: id }, Some(id)));
                    }
                }
                Driver::Bot { .. } => {}
            }
        }
        self.dirty.extend(due);
        self.pump(now);
    }

    // ---- the engine loop ------------------------------------------------------------------

    /// Drains engine outputs and driver outputs, feeding resulting inputs back in, until quiet.
    fn pump(&mut self, now: Instant) {
        for _ in 0..MAX_CASCADE {
            while let Some(event) = self.engine.poll_event() {
                self.event(now, event);
            }
            while let Some(action) = self.engine.poll_action() {
                self.action(now, action);
            }
            for leg in std::mem::take(&mut self.dirty) {
                self.drive(now, leg);
            }
            let Some(input) = self.inputs.pop_front() else {
                return;
            };
            self.apply(now, input);
        }
        tracing::warn!("call runtime: input cascade cut short");
    }

    fn apply(&mut self, now: Instant, input: Input) {
        match input {
            Input::Endpoint(signal) => {
                let leg = match &signal {
                    EndpointSignal::Answered { leg }
                    | EndpointSignal::Refused { leg, .. }
                    | EndpointSignal::HungUp { leg }
                    | EndpointSignal::Hold { leg, .. }
                    | EndpointSignal::Digits { leg, .. } => *leg,
                };
                if let Err(error) = self.engine.handle_endpoint(now, signal) {
                    self.note(
                        now,
                        leg,
                        format!("engine refused the endpoint signal: {error}"),
                    );
                }
            }
            Input::Media(signal) => {
                if let Err(error) = self.engine.handle_media(now, signal) {
                    tracing::debug!(%error, "media signal refused");
                }
            }
            Input::Command(command, leg) => {
                let announce = matches!(
                    &command,
                    Command::PlayPrompt { client_context, .. } if client_context == responder::CONTEXT
                );
                let result = self.directory.read(|d| {
                    self.engine
                        .handle_command(now, command, &Routing(d), &mut *self.ids)
                });
                match result {
                    Ok(ack) => {
                        if announce {
                            if let (Some(leg), Some(op)) = (leg, ack.operation()) {
                                if let Some(Driver::Bot {
                                    responder: Some(r), ..
                                }) = self.legs.get_mut(&leg).map(|l| &mut l.driver)
                                {
                                    r.announcement_started(op.id);
                                }
                            }
                        }
                    }
                    Err(error) => {
                        if let Some(leg) = leg {
                            self.note(now, leg, format!("engine refused a command: {error}"));
                            if announce {
                                self.responder_fallback(now, leg);
                            }
                        }
                    }
                }
            }
        }
    }

    fn note(&mut self, now: Instant, leg: LegId, message: String) {
        if let Some(record) = self.legs.get_mut(&leg) {
            record.note(now, LogKind::Note { message });
        }
    }

    fn responder_fallback(&mut self, now: Instant, leg: LegId) {
        let echo = match self.legs.get_mut(&leg).map(|l| &mut l.driver) {
            Some(Driver::Bot {
                responder: Some(r), ..
            }) => r.announcement_failed(),
            _ => None,
        };
        if echo.is_some() {
            self.start_echo(now, leg);
        }
    }

    /// Makes sure a leg the engine mentions has a record.
    fn ensure_leg(&mut self, now: Instant, leg: LegId) {
        if self.legs.contains_key(&leg) {
            return;
        }
        let Some(info) = self.engine.leg(leg) else {
            return;
        };
        let kind = match info.endpoint {
            Endpoint::Bot(_) => "bot",
            Endpoint::SimulatedUser => "simulatedUser",
            Endpoint::ExternalPhone => "externalPhone",
        };
        let driver = match info.endpoint {
            Endpoint::Bot(_) => Driver::Bot {
                log: Log::new(now),
                responder: None,
            },
            // A simulated leg the runtime did not create itself (it placed no call and was not
            // rung): give it an idle endpoint so it can still be controlled and logged.
            _ => Driver::Sim(Box::new(SimEndpoint::dialing(
                now,
                String::new(),
                Timeline::default(),
            ))),
        };
        if let Some(call) = self.calls.get_mut(&info.conversation) {
            if !call.legs.contains(&leg) {
                call.legs.push(leg);
            }
        }
        self.legs.insert(
            leg,
            LegRecord {
                conversation: info.conversation,
                party: info.party,
                kind,
                direction: info.direction,
                state: info.state,
                created_unix_ms: unix_ms(),
                driver,
                recording: None,
            },
        );
    }

    /// A media command from a stream connection, or a stream event for the owning door.
    fn stream_message(&mut self, now: Instant, message: crate::streaming::ToRuntime) {
        match message {
            crate::streaming::ToRuntime::Media(command) => self.media.send(command),
            crate::streaming::ToRuntime::Event(event) => {
                let env = DoorEnv {
                    now,
                    engine: &self.engine,
                    directory: &self.directory,
                    headers: &mut self.headers,
                };
                self.doors.stream_event(&env, &event);
                self.pump(now);
            }
        }
    }

    fn ensure_call(&mut self, conversation: ConversationId) {
        if self.calls.contains_key(&conversation) {
            return;
        }
        let Some(info) = self.engine.conversation(conversation) else {
            return;
        };
        self.calls.insert(
            conversation,
            CallRecord {
                tenant: info.tenant,
                created_unix_ms: unix_ms(),
                legs: Vec::new(),
                ended_unix_ms: None,
            },
        );
    }

    fn event(&mut self, now: Instant, event: Event) {
        let mut env = DoorEnv {
            now,
            engine: &self.engine,
            directory: &self.directory,
            headers: &mut self.headers,
        };
        let adoption = match &event {
            Event::CallOffered { .. } => self.doors.offer(&mut env, &event),
            _ => {
                self.doors.event(&env, &event);
                None
            }
        };
        let adopted = adoption.is_some();
        match &event {
            Event::CallOffered {
                conversation, leg, ..
            } => {
                if adoption.is_some_and(|a| a.keep_alive) {
                    self.inputs.push_back(Input::Command(
                        Command::RequireKeepAlive { leg: *leg },
                        Some(*leg),
                    ));
                }
                self.ensure_call(*conversation);
                self.ensure_leg(now, *leg);
                if let Some(record) = self.legs.get_mut(leg) {
                    if let Driver::Bot { log, responder } = &mut record.driver {
                        if adopted {
                            // A front door delivers the call to the bot's webhook.
                            log.push(
                                now,
                                LogKind::Responder {
                                    what: "offeredToWebhook",
                                },
                            );
                        } else {
                            // No webhook behind the bot (or no door of its dialect yet): the
                            // built-in responder answers.
                            log.push(now, LogKind::Responder { what: "offered" });
                            *responder = Some(Responder::offered(now));
                        }
                    }
                }
            }
            Event::LegStateChanged {
                conversation,
                leg,
                state,
                ..
            } => {
                self.ensure_call(*conversation);
                self.ensure_leg(now, *leg);
                self.leg_state(now, *leg, *state);
            }
            Event::ToneReceived {
                leg, from, tone, ..
            } => {
                if let Some(record) = self.legs.get_mut(leg) {
                    record.note(
                        now,
                        LogKind::ToneReceived {
                            tone: *tone,
                            from: from.to_string(),
                        },
                    );
                }
            }
            Event::OperationCompleted {
                leg,
                operation,
                kind,
                outcome,
                recording,
                ..
            } => {
                if *kind == OperationKind::RecordResponse && recording.is_none() {
                    // Cancelled or failed: nobody may download what was recorded.
                    self.services.recordings.discard(&operation.to_string());
                }
                let mut echo = false;
                if let Some(record) = self.legs.get_mut(leg) {
                    if let Driver::Bot {
                        responder: Some(r),
                        log,
                    } = &mut record.driver
                    {
                        if *kind == OperationKind::PlayPrompt {
                            echo = r.operation_completed(*operation).is_some();
                            if echo {
                                log.push(
                                    now,
                                    LogKind::Responder {
                                        what: "announcementFinished",
                                    },
                                );
                            }
                        }
                    }
                    let _ = outcome;
                }
                if echo {
                    self.start_echo(now, *leg);
                }
            }
            _ => {}
        }
        let _ = self.events.send(event);
    }

    fn leg_state(&mut self, now: Instant, leg: LegId, state: LegState) {
        let mut announce = false;
        let Some(record) = self.legs.get_mut(&leg) else {
            return;
        };
        if state != LegState::Terminating {
            record.state = state;
        }
        let reason = state.end_reason().map(reason_name);
        record.note(
            now,
            LogKind::State {
                state: state.name(),
                reason,
            },
        );
        match &mut record.driver {
            Driver::Sim(sim) => {
                if state == LegState::Established {
                    sim.connected(now);
                } else if state.is_terminated() {
                    sim.ended(now);
                }
                self.dirty.insert(leg);
            }
            Driver::Bot { responder, log } => {
                if let Some(r) = responder {
                    if state == LegState::Established {
                        announce = r.established().is_some();
                        if announce {
                            log.push(now, LogKind::Responder { what: "announcing" });
                        }
                    } else if state.is_terminated() {
                        r.ended();
                    }
                }
            }
        }
        if announce {
            self.inputs.push_back(Input::Command(
                Command::SubscribeToTone {
                    leg,
                    source: None,
                    client_context: responder::CONTEXT.to_string(),
                },
                Some(leg),
            ));
            self.inputs.push_back(Input::Command(
                Command::PlayPrompt {
                    leg,
                    prompts: vec![MediaRef::uri(responder::ANNOUNCEMENT_URI)],
                    audience: Vec::new(),
                    looped: false,
                    barge_in: false,
                    client_context: responder::CONTEXT.to_string(),
                },
                Some(leg),
            ));
        }
    }

    fn start_echo(&mut self, now: Instant, leg: LegId) {
        let Some(record) = self.legs.get_mut(&leg) else {
            return;
        };
        record.note(now, LogKind::Responder { what: "echoing" });
        let conversation = record.conversation;
        self.media.send(MediaCommand::EndpointEcho {
            conversation,
            leg,
            enabled: true,
        });
    }

    fn resolve(&self, media: &MediaRef) -> Option<Arc<ringside_audio::Prompt>> {
        if media.uri == responder::ANNOUNCEMENT_URI {
            return Some(responder::announcement());
        }
        self.media_store
            .resolve(media)
            .or_else(|| self.services.fetcher.cache().get(media))
    }

    fn action(&mut self, now: Instant, action: Action) {
        match action {
            Action::RingEndpoint {
                conversation,
                leg,
                party,
                caller,
            } => {
                self.ensure_call(conversation);
                let default = match &party {
                    Party::Phone(number)
                        if self.directory.read(|d| d.route_number(number).is_none()) =>
                    {
                        PHONE_ANSWER_AFTER
                    }
                    Party::Phone(_) | Party::User { .. } | Party::AcsUser(_) => USER_ANSWER_AFTER,
                    _ => PHONE_ANSWER_AFTER,
                };
                let behaviour = self.behaviour_for(&party).unwrap_or_default();
                let sim =
                    SimEndpoint::ringing(now, behaviour.answer_or(default), behaviour.timeline);
                let _ = caller;
                self.ensure_leg(now, leg);
                if let Some(record) = self.legs.get_mut(&leg) {
                    record.driver = Driver::Sim(Box::new(sim));
                }
                self.dirty.insert(leg);
            }
            Action::DisconnectEndpoint { leg, .. } => {
                if let Some(LegRecord {
                    driver: Driver::Sim(sim),
                    ..
                }) = self.legs.get_mut(&leg)
                {
                    sim.ended(now);
                    self.dirty.insert(leg);
                }
            }
            Action::StartRecording {
                leg,
                operation,
                options,
                ..
            } if options
                .prompt
                .as_ref()
                .is_some_and(|prompt| self.resolve(prompt).is_none()) =>
            {
                // A recordResponse whose prompt cannot be played fails (Graph: playPromptFailed)
                // rather than recording without it.
                self.note(
                    now,
                    leg,
                    "a recording's prompt is neither an upload nor a fetched prompt: the recording fails"
                        .to_string(),
                );
                self.inputs
                    .push_back(Input::Media(MediaSignal::RecordingEnded {
                        operation,
                        reason: ringside_engine::RecordingEnd::Failed,
                        recording: None,
                    }));
            }
            other => {
                let destroyed = match &other {
                    Action::DestroyMix { conversation } => Some(*conversation),
                    _ => None,
                };
                let translated = MediaCommand::from_action(&other, |media| self.resolve(media));
                match translated {
                    FromAction::Command(command) => self.media.send(command),
                    FromAction::Signal { signal, .. } => {
                        if let Action::StartPrompt { leg, .. } = &other {
                            self.note(
                                now,
                                *leg,
                                "a prompt names media that is neither an upload nor a fetched \
                                 prompt: the prompt fails"
                                    .to_string(),
                            );
                        }
                        self.inputs.push_back(Input::Media(signal));
                    }
                    FromAction::NotMedia => {}
                }
                if let Some(conversation) = destroyed {
                    self.conversation_ended(conversation);
                }
            }
        }
    }

    fn behaviour_for(&self, party: &Party) -> Option<Behaviour> {
        if let Some(behaviour) = self.behaviours.get(party) {
            return Some(behaviour);
        }
        // A number assigned to a user answers like that user.
        if let Party::Phone(number) = party {
            let owner = self.directory.read(|d| match d.route_number(number) {
                Some((tenant, ringside_directory::Account::User(u))) => {
                    Some(Party::User { tenant, user: u.id })
                }
                _ => None,
            });
            return owner.and_then(|p| self.behaviours.get(&p));
        }
        None
    }

    fn conversation_ended(&mut self, conversation: ConversationId) {
        self.headers.remove(&conversation);
        let Some(call) = self.calls.get_mut(&conversation) else {
            return;
        };
        if call.ended_unix_ms.is_some() {
            return;
        }
        call.ended_unix_ms = Some(unix_ms());
        self.history.push_back(conversation);
        while self.history.len() > HISTORY {
            let Some(old) = self.history.pop_front() else {
                break;
            };
            if let Some(call) = self.calls.remove(&old) {
                for leg in call.legs {
                    self.legs.remove(&leg);
                    self.dirty.remove(&leg);
                }
            }
        }
    }

    /// Carries out a leg driver's outputs.
    fn drive(&mut self, now: Instant, leg: LegId) {
        loop {
            let Some(record) = self.legs.get_mut(&leg) else {
                return;
            };
            let conversation = record.conversation;
            let Driver::Sim(sim) = &mut record.driver else {
                return;
            };
            let Some(output) = sim.poll_output() else {
                return;
            };
            match output {
                SimOutput::Answer => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::Answered { leg })),
                SimOutput::Refuse(refusal) => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::Refused { leg, refusal })),
                SimOutput::HangUp => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::HungUp { leg })),
                SimOutput::Press { tones, in_band } => {
                    self.media.send(MediaCommand::EndpointPress {
                        conversation,
                        leg,
                        tones,
                        in_band,
                    })
                }
                SimOutput::Play { media } => match self.media_store.prompt(&media) {
                    Some(Ok(prompt)) => self.media.send(MediaCommand::EndpointPlay {
                        conversation,
                        leg,
                        prompt,
                    }),
                    Some(Err(error)) => {
                        self.note(now, leg, format!("media {media} cannot be played: {error}"))
                    }
                    None => self.note(now, leg, format!("media {media} does not exist")),
                },
                SimOutput::Tone { duration } => self.media.send(MediaCommand::EndpointTestTone {
                    conversation,
                    leg,
                    duration,
                }),
                SimOutput::StopAudio => self
                    .media
                    .send(MediaCommand::EndpointSilence { conversation, leg }),
                SimOutput::Hold(held) => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::Hold { leg, held })),
                SimOutput::Listen => self.media.send(MediaCommand::EndpointDetect {
                    conversation,
                    leg,
                    enabled: true,
                }),
                SimOutput::StartRecording => self.media.send(MediaCommand::EndpointRecord {
                    conversation,
                    leg,
                    enabled: true,
                }),
                SimOutput::StopRecording => self.media.send(MediaCommand::EndpointRecord {
                    conversation,
                    leg,
                    enabled: false,
                }),
            }
        }
    }

    // ---- media news -----------------------------------------------------------------------

    fn media_news(&mut self, now: Instant, output: MediaOutput) {
        match output {
            MediaOutput::Engine {
                conversation,
                signal,
            } => {
                let env = DoorEnv {
                    now,
                    engine: &self.engine,
                    directory: &self.directory,
                    headers: &mut self.headers,
                };
                self.doors.media_signal(&env, conversation, &signal);
                if let MediaSignal::RecordingEnded {
                    recording: Some(handle),
                    ..
                } = &signal
                {
                    self.keep_recording(handle);
                }
                self.inputs.push_back(Input::Media(signal));
            }
            MediaOutput::Endpoint { leg, event, .. } => {
                let Some(record) = self.legs.get_mut(&leg) else {
                    return;
                };
                let kind = match event {
                    EndpointEvent::ToneHeard { tone, .. } => Some(LogKind::ToneDetected { tone }),
                    EndpointEvent::AudioStarted { .. } => Some(LogKind::AudioStarted),
                    EndpointEvent::AudioStopped { .. } => Some(LogKind::AudioStopped),
                    EndpointEvent::PlayFinished => Some(LogKind::PlayFinished),
                    EndpointEvent::KeyPressed {
                        tone,
                        in_band: false,
                        ..
                    } => {
                        self.inputs
                            .push_back(Input::Endpoint(EndpointSignal::Digits {
                                leg,
                                tones: vec![tone],
                            }));
                        None
                    }
                    EndpointEvent::KeyPressed { .. } | EndpointEvent::PressFinished => None,
                    EndpointEvent::Recording { wav } => {
                        let duration_ms = wav_duration_ms(&wav);
                        let bytes = wav.len();
                        record.recording = Some(Arc::new(wav));
                        Some(LogKind::RecordingSaved { duration_ms, bytes })
                    }
                };
                if let Some(kind) = kind {
                    record.note(now, kind);
                }
            }
            // Frames are routed on the shard (see `start`); a stop tells the connection.
            MediaOutput::StreamFrames(frames) => self.services.streams.route(frames),
            MediaOutput::StreamStopped {
                stream, counters, ..
            } => self.services.streams.plane_stopped(stream, counters),
        }
        self.pump(now);
    }

    /// Moves a bot's recordResponse WAV from the media clock into the recording store, where the
    /// door that renders the operation's completion finds its ticket.
    fn keep_recording(&mut self, handle: &str) {
        let Some(wav) = self.media.take_recording(handle) else {
            return;
        };
        if let Err(error) = self.services.recordings.put(handle, &wav) {
            tracing::warn!(%error, "a recordResponse recording could not be stored");
        }
    }

    // ---- requests -------------------------------------------------------------------------

    fn request(&mut self, now: Instant, request: Request) {
        match request {
            Request::Dial {
                from,
                to,
                tenant,
                timeline,
                custom,
                reply,
            } => {
                let result = self.dial(now, from, to, tenant, timeline);
                if let Ok((conversation, ..)) = &result {
                    if !custom.is_empty() {
                        self.headers.insert(*conversation, custom);
                    }
                }
                self.pump(now);
                let result = result.map(|(conversation, leg, target)| {
                    let mut view = self.call_view(conversation).unwrap_or(Value::Null);
                    if let Value::Object(object) = &mut view {
                        object.insert("callId".into(), json!(conversation.to_string()));
                        object.insert("legId".into(), json!(leg.to_string()));
                        object.insert("targetLegId".into(), json!(target.to_string()));
                    }
                    view
                });
                let _ = reply.send(result);
            }
            Request::JoinMeeting {
                meeting,
                tenant,
                who,
                timeline,
                reply,
            } => {
                let result = self.join_meeting(now, &meeting, tenant, who, timeline);
                self.pump(now);
                let result = result.map(|(conversation, leg)| {
                    let mut view = self.call_view(conversation).unwrap_or(Value::Null);
                    if let Value::Object(object) = &mut view {
                        object.insert("callId".into(), json!(conversation.to_string()));
                        object.insert("legId".into(), json!(leg.to_string()));
                        object.insert("meetingId".into(), json!(meeting));
                    }
                    view
                });
                let _ = reply.send(result);
            }
            Request::List { reply } => {
                let live: Vec<Value> = self
                    .calls
                    .iter()
                    .filter(|(_, call)| call.ended_unix_ms.is_none())
                    .filter_map(|(id, _)| self.call_view(*id))
                    .collect();
                let _ = reply.send(Ok(json!({ "value": live })));
            }
            Request::Get {
                conversation,
                reply,
            } => {
                let _ = reply.send(self.call_view(conversation).ok_or_else(|| {
                    CallError::NotFound(format!("No call has the id {conversation}."))
                }));
            }
            Request::Press {
                conversation,
                leg,
                tones,
                in_band,
                reply,
            } => {
                let result = self
                    .sim_of(conversation, leg)
                    .and_then(|sim| sim.press_now(now, tones, in_band).map_err(refusal));
                self.dirty.insert(leg);
                self.pump(now);
                let _ = reply.send(result);
            }
            Request::Play {
                conversation,
                leg,
                media,
                reply,
            } => {
                let result = self
                    .sim_of(conversation, leg)
                    .and_then(|sim| sim.play_now(now, media).map_err(refusal));
                self.dirty.insert(leg);
                self.pump(now);
                let _ = reply.send(result);
            }
            Request::HangUp {
                conversation,
                leg,
                reply,
            } => {
                let result = self
                    .sim_of(conversation, leg)
                    .and_then(|sim| sim.hang_up_now(now).map_err(refusal));
                self.dirty.insert(leg);
                self.pump(now);
                let _ = reply.send(result);
            }
            Request::Hold {
                conversation,
                leg,
                duration,
                reply,
            } => {
                let result = self
                    .sim_of(conversation, leg)
                    .and_then(|sim| sim.hold_now(now, duration).map_err(refusal));
                self.dirty.insert(leg);
                self.pump(now);
                let _ = reply.send(result);
            }
            Request::Resume {
                conversation,
                leg,
                reply,
            } => {
                let result = self
                    .sim_of(conversation, leg)
                    .and_then(|sim| sim.resume_now(now).map_err(refusal));
                self.dirty.insert(leg);
                self.pump(now);
                let _ = reply.send(result);
            }
            Request::Recording {
                conversation,
                leg,
                reply,
            } => {
                let result = self.leg_of(conversation, leg).and_then(|record| {
                    record.recording.clone().ok_or_else(|| {
                        CallError::NotFound(format!(
                            "Leg {leg} has no recording (yet): it is available once the leg has \
                             ended, for legs that record."
                        ))
                    })
                });
                let _ = reply.send(result);
            }
            Request::Log {
                conversation,
                leg,
                reply,
            } => {
                let result = self
                    .leg_of(conversation, leg)
                    .map(|record| log_view(leg, record));
                let _ = reply.send(result);
            }
            Request::MediaStats { reset, reply } => {
                let stats = self.media.stats();
                if reset {
                    self.media.reset_stats();
                }
                let _ = reply.send(Ok(stats));
            }
            Request::Exec(job) => {
                let shared = Shared {
                    now,
                    engine: &mut self.engine,
                    directory: &self.directory,
                    named: &mut self.named,
                    headers: &mut self.headers,
                    ids: &mut *self.ids,
                };
                let doors = &mut self.doors;
                // A bug in door code must not take every call down with the runtime task: the
                // request fails (its reply is dropped: 503) and the runtime goes on.
                let ran =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(shared, doors)));
                if ran.is_err() {
                    tracing::error!("a door handler panicked inside the call runtime");
                }
                self.pump(now);
            }
        }
    }

    fn dial(
        &mut self,
        now: Instant,
        from: NamedEndpoint,
        to: NamedEndpoint,
        tenant: TenantId,
        timeline: Timeline,
    ) -> Result<(ConversationId, LegId, LegId), CallError> {
        let shown_to = describe(&to.party);
        let result = self.directory.read(|d| {
            self.engine.handle_command(
                now,
                Command::PlaceCall {
                    tenant,
                    caller: from.party.clone(),
                    target: to.party.clone(),
                },
                &Routing(d),
                &mut *self.ids,
            )
        });
        let (conversation, leg, target) = match result {
            Ok(Ack::Call {
                conversation,
                leg,
                targets,
            }) => (conversation, leg, targets.first().copied()),
            Ok(_) => {
                return Err(CallError::Conflict(
                    "the engine did not place a call".into(),
                ))
            }
            Err(error) => return Err(engine_error(error)),
        };
        self.ensure_call(conversation);
        self.ensure_leg(now, leg);
        if let Some(record) = self.legs.get_mut(&leg) {
            // Its first state change is still queued in the engine: it lands in this log.
            record.driver = Driver::Sim(Box::new(SimEndpoint::dialing(now, shown_to, timeline)));
        }
        self.dirty.insert(leg);
        let target = target.ok_or_else(|| CallError::Conflict("no target leg".into()))?;
        Ok((conversation, leg, target))
    }

    /// A simulated endpoint joins a meeting's conversation (opened if the meeting has none live).
    fn join_meeting(
        &mut self,
        now: Instant,
        meeting: &str,
        tenant: TenantId,
        who: NamedEndpoint,
        timeline: Timeline,
    ) -> Result<(ConversationId, LegId), CallError> {
        let live = self
            .named
            .get(meeting)
            .copied()
            .filter(|c| self.engine.conversation(*c).is_some());
        let conversation = match live {
            Some(conversation) => conversation,
            None => {
                let opened = self.directory.read(|d| {
                    self.engine.handle_command(
                        now,
                        Command::OpenConversation { tenant },
                        &Routing(d),
                        &mut *self.ids,
                    )
                });
                let Ok(Ack::Opened { conversation }) = opened else {
                    return Err(CallError::Conflict(
                        "the meeting could not be opened".into(),
                    ));
                };
                self.named.insert(meeting.to_string(), conversation);
                conversation
            }
        };
        let result = self.directory.read(|d| {
            self.engine.handle_command(
                now,
                Command::EndpointJoin {
                    conversation,
                    party: who.party.clone(),
                },
                &Routing(d),
                &mut *self.ids,
            )
        });
        let leg = match result {
            Ok(Ack::Call { leg, .. }) => leg,
            Ok(_) => return Err(CallError::Conflict("the engine did not join".into())),
            Err(error) => return Err(engine_error(error)),
        };
        self.ensure_call(conversation);
        self.ensure_leg(now, leg);
        if let Some(record) = self.legs.get_mut(&leg) {
            record.driver = Driver::Sim(Box::new(SimEndpoint::dialing(
                now,
                format!("meeting {meeting}"),
                timeline,
            )));
        }
        self.dirty.insert(leg);
        Ok((conversation, leg))
    }

    fn leg_of(&self, conversation: ConversationId, leg: LegId) -> Result<&LegRecord, CallError> {
        match self.legs.get(&leg) {
            Some(record) if record.conversation == conversation => Ok(record),
            _ => Err(CallError::NotFound(format!(
                "Call {conversation} has no leg {leg}."
            ))),
        }
    }

    fn sim_of(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Result<&mut SimEndpoint, CallError> {
        match self.legs.get_mut(&leg) {
            Some(record) if record.conversation == conversation => match &mut record.driver {
                Driver::Sim(sim) => Ok(sim),
                Driver::Bot { .. } => Err(CallError::BadRequest(format!(
                    "Leg {leg} is a bot's leg; only simulated users and phones can be controlled here."
                ))),
            },
            _ => Err(CallError::NotFound(format!(
                "Call {conversation} has no leg {leg}."
            ))),
        }
    }

    fn call_view(&self, conversation: ConversationId) -> Option<Value> {
        let call = self.calls.get(&conversation)?;
        let legs: Vec<Value> = self.directory.read(|d| {
            call.legs
                .iter()
                .filter_map(|leg| self.legs.get(leg).map(|record| (leg, record)))
                .map(|(leg, record)| leg_view(d, *leg, record, self.end_codes))
                .collect()
        });
        Some(json!({
            "id": conversation.to_string(),
            "tenantId": call.tenant.to_string(),
            "state": if call.ended_unix_ms.is_some() { "ended" } else { "active" },
            "createdAt": iso_ms(call.created_unix_ms),
            "endedAt": call.ended_unix_ms.map(iso_ms),
            "legs": legs,
        }))
    }
}

fn refusal(refusal: SimRefusal) -> CallError {
    match refusal {
        SimRefusal::NotConnected => {
            CallError::Conflict("The leg is not connected yet.".to_string())
        }
        SimRefusal::Ended => CallError::Conflict("The leg has ended.".to_string()),
    }
}

fn engine_error(error: EngineError) -> CallError {
    let message = format!("{error}.");
    match error {
        EngineError::UnknownConversation(_)
        | EngineError::UnknownLeg(_)
        | EngineError::UnknownOperation(_)
        | EngineError::LegTerminated(_) => CallError::NotFound(message),
        EngineError::InvalidState { .. } | EngineError::Conflict(_) => CallError::Conflict(message),
        _ => CallError::BadRequest(message),
    }
}

/// How a party is shown in a dialling log line.
fn describe(party: &Party) -> String {
    match party {
        Party::Phone(number) => number.as_str().to_string(),
        Party::User { user, .. } => user.to_string(),
        Party::Application { app } => app.to_string(),
        Party::ApplicationInstance { instance, .. } => instance.to_string(),
        Party::AcsUser(id) => id.clone(),
    }
}

/// `remoteHungUp`, `rejected`, … (lower camelCase of the engine's end reason).
pub fn reason_name(reason: EndReason) -> String {
    let debug = format!("{reason:?}");
    let head = debug.split('(').next().unwrap_or(&debug);
    let mut chars = head.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn leg_view(
    d: &ringside_directory::Directory,
    leg: LegId,
    record: &LegRecord,
    end_codes: fn(EndReason) -> ResultInfo,
) -> Value {
    let reason = record.state.end_reason();
    json!({
        "id": leg.to_string(),
        "kind": record.kind,
        "party": party_json(d, &record.party),
        "direction": record.direction.name(),
        "state": record.state.name(),
        "endReason": reason.map(reason_name),
        "resultInfo": reason.map(|r| {
            let (code, subcode, message) = end_codes(r);
            json!({"code": code, "subcode": subcode, "message": message})
        }),
        "createdAt": iso_ms(record.created_unix_ms),
        "hasRecording": record.recording.is_some(),
        "simulatedRole": match &record.driver {
            Driver::Sim(sim) => json!(match sim.role() {
                Role::Caller => "caller",
                Role::Callee => "callee",
            }),
            Driver::Bot { .. } => Value::Null,
        },
        "builtInResponder": matches!(record.driver, Driver::Bot { responder: Some(_), .. }),
    })
}

fn log_view(leg: LegId, record: &LegRecord) -> Value {
    let log = record.log();
    json!({
        "legId": leg.to_string(),
        "callId": record.conversation.to_string(),
        "state": record.state.name(),
        "endReason": record.state.end_reason().map(reason_name),
        "createdAt": iso_ms(record.created_unix_ms),
        "entries": log.entries().iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        "droppedEntries": log.dropped(),
    })
}

/// RFC 3339 with milliseconds.
fn iso_ms(unix_ms: u64) -> String {
    let nanos = i128::from(unix_ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Duration of a canonical 16-bit WAV (what the recorders write) from its header, best effort.
fn wav_duration_ms(wav: &[u8]) -> u64 {
    let u16_at = |at: usize| {
        wav.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        wav.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    match (u16_at(22), u32_at(24), u16_at(34)) {
        (Some(channels), Some(rate), Some(bits)) if channels > 0 && rate > 0 && bits >= 8 => {
            let bytes_per_ms = u64::from(rate) * u64::from(channels) * u64::from(bits / 8);
            (wav.len().saturating_sub(44) as u64 * 1000) / bytes_per_ms.max(1)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A door that adopts nothing.
    #[derive(Default)]
    struct CountingDoor {
        events: usize,
    }

    impl Door for CountingDoor {
        fn offer(&mut self, _: &mut DoorEnv<'_>, _: &Event) -> Option<crate::Adoption> {
            None
        }

        fn event(&mut self, _: &DoorEnv<'_>, _: &Event) -> bool {
            self.events += 1;
            false
        }

        fn as_any(&mut self) -> &mut dyn std::any::Any {
            self
        }
    }

    /// A door that is never registered.
    struct Absent;

    impl Door for Absent {
        fn offer(&mut self, _: &mut DoorEnv<'_>, _: &Event) -> Option<crate::Adoption> {
            None
        }

        fn event(&mut self, _: &DoorEnv<'_>, _: &Event) -> bool {
            false
        }

        fn as_any(&mut self) -> &mut dyn std::any::Any {
            self
        }
    }

    #[tokio::test]
    async fn door_code_runs_in_the_runtime_and_a_panic_does_not_stop_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("ringside.db");
        let directory = Arc::new(DirectoryStore::open(&db).expect("store"));
        let services = crate::services::MediaServices::new(
            &crate::config::MediaConfig::default(),
            true,
            dir.path(),
            None,
        )
        .expect("media services");
        let doors = Doors::default().with(CountingDoor::default());
        let options = RuntimeOptions {
            data_dir: dir.path().to_path_buf(),
            media: crate::MediaMode::Manual,
            ids: Box::new(ringside_engine::SequentialIds::new()),
            end_codes: |_| (0, 0, ""),
        };
        let runtime = CallRuntime::start(directory, options, services, doors).expect("runtime");
        let unknown = LegId(ringside_model::Guid::from_u128(7));
        let refused = runtime
            .exec(move |ctx: &mut DoorCtx<'_, CountingDoor>| {
                ctx.command(Command::KeepAlive { leg: unknown })
            })
            .await
            .expect("ran");
        assert_eq!(refused, Err(EngineError::UnknownLeg(unknown)));
        let failed = runtime
            .exec(|_: &mut DoorCtx<'_, CountingDoor>| -> u8 { panic!("door bug") })
            .await;
        assert_eq!(failed, Err(CallError::Unavailable));
        let after = runtime
            .exec(|ctx: &mut DoorCtx<'_, CountingDoor>| ctx.engine().conversation_count())
            .await;
        assert_eq!(after, Ok(0), "the runtime still answers");
        let absent = runtime.exec(|_: &mut DoorCtx<'_, Absent>| 1).await;
        assert_eq!(absent, Err(CallError::Unavailable), "an unregistered door");
        let opened = runtime
            .exec(|ctx: &mut DoorCtx<'_, CountingDoor>| {
                let tenant = ringside_model::TenantId(ringside_model::Guid::from_u128(1));
                let first = ctx.named_conversation("meeting-1", tenant);
                let again = ctx.named_conversation("meeting-1", tenant);
                (first, again)
            })
            .await
            .expect("ran");
        assert!(opened.0.is_ok());
        assert_eq!(opened.0, opened.1, "a name keeps its live conversation");
        runtime.shutdown();
    }

    #[tokio::test]
    async fn a_full_request_queue_refuses_with_busy_and_loses_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let directory =
            Arc::new(DirectoryStore::open(dir.path().join("ringside.db")).expect("store"));
        let services = crate::services::MediaServices::new(
            &crate::config::MediaConfig::default(),
            true,
            dir.path(),
            None,
        )
        .expect("media services");
        let options = RuntimeOptions {
            data_dir: dir.path().to_path_buf(),
            media: crate::MediaMode::Manual,
            ids: Box::new(ringside_engine::SequentialIds::new()),
            end_codes: |_| (0, 0, ""),
        };
        let runtime =
            CallRuntime::start(directory, options, services, Doors::default()).expect("runtime");
        // The runtime task cannot run while this test does not yield: the queue fills up.
        let mut answers = Vec::new();
        for _ in 0..REQUEST_QUEUE {
            let (reply, answer) = oneshot::channel();
            assert!(runtime.submit(Request::List { reply }).is_ok());
            answers.push(answer);
        }
        let (reply, _answer) = oneshot::channel();
        assert!(matches!(
            runtime.submit(Request::List { reply }),
            Err(CallError::Busy)
        ));
        // Every accepted request is answered.
        for answer in answers {
            assert!(answer.await.expect("answered").is_ok());
        }
        runtime.shutdown();
    }

    #[test]
    fn reasons_render_in_lower_camel_case() {
        assert_eq!(reason_name(EndReason::RemoteHungUp), "remoteHungUp");
        assert_eq!(
            reason_name(EndReason::Rejected(ringside_engine::RejectReason::Busy)),
            "rejected"
        );
    }
}
