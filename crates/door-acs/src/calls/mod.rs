//! The ACS call-connection table and its callbacks: IncomingCall delivery to Event Grid
//! subscriptions, one [`AcsCall`] per bot leg the door answered, created or connected (its
//! callback, its pending operation contexts), and the rendering of engine events as Call
//! Automation CloudEvents (digest §4) through the persisted outbox.
//!
//! - An offer to an ACS bot (a resource account bound to an ACS resource, Teams Phone
//!   extensibility) is adopted when the resource has at least one event subscription that takes
//!   `Microsoft.Communication.IncomingCall` for the callee's rawId: each gets the event in its
//!   schema (Event Grid or CloudEvents) with `RetryPolicy::EventGrid`, no JWT, `aeg-*` headers.
//!   Without a subscription nobody hears of the call and it rings out (the engine's answer
//!   deadline ends it), as in ACS.
//! - Callbacks: one CloudEvent per POST, wrapped in an array (JS parses only `[0]`), to the
//!   connection's callbackUri or an operation's `operationCallbackUri`, with a JWT whose audience
//!   is the ACS resource id, ordered per connection.
//! - Ids: `callConnectionId` is the bot's leg id; `serverCallId` is derived from the conversation
//!   ([`server_call_id`]); `correlationId` is the conversation id.

mod events;
mod offer;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use ringside_acs_wire::CloudEvent;
use ringside_engine::{ConversationId, Event, LegId, LegState, OperationId, Participant};
use ringside_model::{AcsResourceId, Party, TenantId, Tone};
use ringside_store::{NewOutboxRow, RetryPolicy};
use serde_json::{json, Value};

use crate::incoming::{self, identifier, CallContext};
use crate::media_streaming::{AcsMedia, CallStreaming, StreamAt};
use crate::versions::EventShape;
use crate::wire::{now_rfc3339, result, server_call_id};
use ringside_runtime::call_records::CallRecords;
use ringside_runtime::door::{Adoption, Door, DoorEnv};
use ringside_runtime::outbox::{DeliveryProfile, Outbox, TokenSigner};
use ringside_runtime::streaming::StreamService;

/// Call Automation callbacks: a platform JWT whose audience is the ACS resource id.
pub const CALLBACKS: DeliveryProfile = DeliveryProfile {
    name: "acs",
    bearer_token: true,
    headers: &[],
    attempt_count_header: None,
};

/// Event Grid deliveries: no JWT (Event Grid authenticates by the validation handshake), and
/// `aeg-delivery-count` counts the attempts made before this one.
pub const EVENT_GRID: DeliveryProfile = DeliveryProfile {
    name: "eventgrid",
    bearer_token: false,
    headers: &[],
    attempt_count_header: Some("aeg-delivery-count"),
};

/// An Event Grid row is still wanted while its subscription exists with the same endpoint: a
/// deleted (or re-pointed) subscription gets no more retries, as on Event Grid. The row's audience
/// names the ACS resource and its ordering key ends with `/<subscription name>`.
pub fn event_grid_row_wanted(
    d: &ringside_directory::Directory,
    row: &ringside_store::NewOutboxRow,
) -> bool {
    if row.dialect != EVENT_GRID.name {
        return true;
    }
    let Ok(resource) =
        ringside_model::Guid::parse(&row.audience).map(ringside_model::AcsResourceId)
    else {
        return true;
    };
    let Some((_, name)) = row.ordering_key.rsplit_once('/') else {
        return true;
    };
    d.event_subscription(resource, name)
        .is_some_and(|s| s.endpoint == row.target_url)
}

/// How long an `incomingCallContext` stays valid (the engine's answer deadline is shorter).
const CONTEXT_TTL_SECS: i64 = 300;
/// Ended connections remembered for GET and precise errors.
const ENDED_KEPT: usize = 1_000;

/// An operation whose events need its context and callback.
#[derive(Debug, Clone)]
pub(crate) struct PendingOp {
    pub(crate) context: String,
    pub(crate) callback: Option<String>,
    /// The participant it concerns (add/remove), rendered.
    pub(crate) participant: Option<Value>,
    /// A choices recognize: each choice's tone and label (the key pressed picks one).
    pub(crate) choices: Option<Vec<(Tone, String)>>,
    /// A play: PlayStarted is sent when the media plane starts its audio.
    pub(crate) reports_start: bool,
}

/// One call connection.
#[derive(Debug, Clone)]
pub(crate) struct AcsCall {
    pub(crate) id: LegId,
    pub(crate) conversation: ConversationId,
    pub(crate) resource: AcsResourceId,
    pub(crate) tenant: TenantId,
    pub(crate) callback_uri: String,
    pub(crate) state: LegState,
    pub(crate) source: Value,
    pub(crate) targets: Vec<Value>,
    pub(crate) source_caller_id: Option<String>,
    pub(crate) source_display_name: Option<String>,
    pub(crate) answered_for: Option<String>,
    /// `operationContext` of the request that set the call up (CallConnected echoes it).
    pub(crate) setup_context: Option<String>,
    pub(crate) connected: bool,
    pub(crate) ops: HashMap<OperationId, PendingOp>,
    /// Continuous DTMF recognition is on, started with this `operationContext` and
    /// `operationCallbackUri` (echoed by, and where to send, each
    /// ContinuousDtmfRecognitionToneReceived; the context is empty when the request gave none).
    pub(crate) continuous_dtmf: Option<PendingOp>,
    /// Media streaming options and state (`media_streaming.rs`).
    pub(crate) streaming: CallStreaming,
    /// Live transcription options and state (`transcription.rs`).
    pub(crate) transcription: crate::transcription::CallTranscription,
    /// The shape of its events, by the api-version that set it up.
    pub(crate) shape: EventShape,
}

impl AcsCall {
    /// A connection being set up (`Establishing`, no source or targets yet, no streaming).
    pub(crate) fn new(
        id: LegId,
        conversation: ConversationId,
        resource: AcsResourceId,
        tenant: TenantId,
        callback_uri: String,
    ) -> AcsCall {
        AcsCall {
            id,
            conversation,
            resource,
            tenant,
            callback_uri,
            state: LegState::Establishing,
            source: Value::Null,
            targets: Vec::new(),
            source_caller_id: None,
            source_display_name: None,
            answered_for: None,
            setup_context: None,
            connected: false,
            ops: HashMap::new(),
            continuous_dtmf: None,
            streaming: CallStreaming::default(),
            transcription: Default::default(),
            shape: EventShape::default(),
        }
    }

    /// `callConnectionState`.
    pub(crate) fn wire_state(&self) -> &'static str {
        crate::codes::call_connection_state(self.state)
    }

    /// CallConnectionProperties.
    pub(crate) fn properties(&self) -> Value {
        let mut value = json!({
            "callConnectionId": self.id.to_string(),
            "serverCallId": server_call_id(self.conversation),
            "targets": self.targets,
            "callConnectionState": self.wire_state(),
            "callbackUri": self.callback_uri,
            "source": self.source,
            "correlationId": self.conversation.to_string(),
            "mediaStreamingSubscription": {"id": self.id.to_string(), "state": if self.streaming.active { "active" } else { "inactive" }, "subscribedContentTypes": ["audio"]},
            "transcriptionSubscription": self.transcription.subscription(self.id),
        });
        if let Some(number) = &self.source_caller_id {
            value["sourceCallerIdNumber"] = json!({"value": number});
        }
        if let Some(name) = &self.source_display_name {
            value["sourceDisplayName"] = json!(name);
        }
        if let Some(number) = &self.answered_for {
            value["answeredFor"] = json!({"value": number});
        }
        value
    }

    /// Where the connection's media stream belongs.
    pub(crate) fn stream_at(&self) -> StreamAt {
        StreamAt {
            conversation: self.conversation,
            leg: self.id,
            resource: self.resource.to_string(),
            tenant: self.tenant.to_string(),
        }
    }
}

/// An offer waiting for answer/reject/redirect.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub(crate) conversation: ConversationId,
    pub(crate) resource: AcsResourceId,
    pub(crate) tenant: TenantId,
    pub(crate) caller: Party,
    pub(crate) callee: Party,
}

/// Every ACS call connection, owned by the call runtime.
pub struct AcsCalls {
    outbox: Outbox,
    key: Vec<u8>,
    pub(crate) calls: HashMap<LegId, AcsCall>,
    pub(crate) offers: HashMap<LegId, Offer>,
    by_conversation: HashMap<ConversationId, Vec<LegId>>,
    ended: VecDeque<LegId>,
    /// Media streaming (`None`: no streams, as in unit tests).
    pub(crate) media: Option<AcsMedia>,
    /// Call recordings (`recording.rs`).
    pub(crate) recordings: crate::recording::Recordings,
    /// Identifiers the app gave legs it added or called, where they differ from the party's own
    /// (Teams extension users).
    identities: HashMap<LegId, Value>,
    /// The store's record of live connections (their epitaphs).
    records: CallRecords,
}

impl AcsCalls {
    /// Media streaming: streams start on `streams`, their upgrade requests signed by `signer`.
    pub fn with_media(mut self, streams: Arc<StreamService>, signer: TokenSigner) -> AcsCalls {
        self.media = Some(AcsMedia::new(streams, signer));
        self
    }

    /// Call recording: taps on `streams`, files in `<data_dir>/acs-recordings`, downloads under
    /// `base_url`'s port.
    pub fn with_recorder(
        mut self,
        streams: Arc<StreamService>,
        data_dir: &std::path::Path,
        base_url: &str,
    ) -> AcsCalls {
        self.recordings.recorder = Some(crate::recording::AcsRecorder::new(
            streams, data_dir, base_url,
        ));
        self
    }

    /// An empty table delivering through `outbox`; `incomingCallContext` tokens are sealed with a
    /// fresh random key (offers do not survive a restart anyway).
    pub fn new(outbox: Outbox) -> AcsCalls {
        let mut key = vec![0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        AcsCalls {
            outbox,
            key,
            calls: HashMap::new(),
            offers: HashMap::new(),
            by_conversation: HashMap::new(),
            ended: VecDeque::new(),
            media: None,
            recordings: Default::default(),
            identities: HashMap::new(),
            records: CallRecords::off(),
        }
    }

    /// Opens an `incomingCallContext` issued by this server.
    pub(crate) fn open_context(&self, token: &str, now: i64) -> Option<CallContext> {
        CallContext::open(token, &self.key, now).ok()
    }

    pub(crate) fn insert(&mut self, call: AcsCall) {
        let by = self.by_conversation.entry(call.conversation).or_default();
        if !by.contains(&call.id) {
            by.push(call.id);
        }
        let id = call.id;
        self.calls.insert(id, call);
        self.record(id);
    }

    /// Records every live connection with its epitaph, so that its service is told if this node
    /// dies.
    pub fn with_call_records(mut self, records: CallRecords) -> AcsCalls {
        self.records = records;
        self
    }

    /// The connection of `resource`, ended or not.
    pub(crate) fn visible(&mut self, resource: AcsResourceId, id: LegId) -> Option<&mut AcsCall> {
        self.calls.get_mut(&id).filter(|c| c.resource == resource)
    }

    fn in_conversation(&self, conversation: ConversationId) -> Vec<LegId> {
        self.by_conversation
            .get(&conversation)
            .cloned()
            .unwrap_or_default()
    }

    /// Queues one callback CloudEvent for a connection (to `callback` when given).
    pub(crate) fn callback(
        &mut self,
        id: LegId,
        event_type: &str,
        data: Value,
        callback: Option<&str>,
    ) {
        if let Some(call) = self.calls.get(&id) {
            self.outbox
                .enqueue(callback_row(call, event_type, data, callback));
        }
    }

    /// Records the connection with its epitaph (CallDisconnected with
    /// [`node_lost`](ringside_runtime::codes::node_lost)'s result), so that its service is told if
    /// this node dies with the call.
    pub(crate) fn record(&self, id: LegId) {
        if let Some(call) = self.calls.get(&id) {
            let (code, sub, message) = ringside_runtime::codes::node_lost();
            let data = json!({"resultInformation": result(code, sub, message)});
            self.records
                .record(callback_row(call, "CallDisconnected", data, None));
        }
    }

    /// `startMediaStreaming: true`: starts the stream when the call connects (a refusal becomes
    /// MediaStreamingFailed).
    fn auto_start_streaming(&mut self, env: &DoorEnv<'_>, leg: LegId) {
        let Some(conversation) = self.calls.get(&leg).map(|c| c.conversation) else {
            return;
        };
        let names = self.raw_names(&env.engine.participants(conversation).unwrap_or_default());
        let (Some(media), Some(call)) = (&self.media, self.calls.get_mut(&leg)) else {
            return;
        };
        if !call.streaming.options.as_ref().is_some_and(|o| o.start) {
            return;
        }
        let at = call.stream_at();
        if let Err(message) = media.start(&mut call.streaming, at, names.into_iter().collect()) {
            self.streaming_refused(leg, &message, None);
        }
    }

    /// `startTranscription: true`: transcription starts when the call connects (a refusal
    /// becomes TranscriptionFailed).
    fn auto_start_transcription(&mut self, env: &DoorEnv<'_>, leg: LegId) {
        let starts = self
            .calls
            .get(&leg)
            .is_some_and(|c| c.transcription.options.as_ref().is_some_and(|o| o.start));
        if starts {
            let names = self.call_names(env, leg);
            self.start_transcription(leg, names, String::new(), None);
        }
    }

    /// Each participant's rawId in the connection's call.
    pub(crate) fn call_names(&self, env: &DoorEnv<'_>, leg: LegId) -> HashMap<LegId, String> {
        let Some(conversation) = self.calls.get(&leg).map(|c| c.conversation) else {
            return HashMap::new();
        };
        let roster = env.engine.participants(conversation).unwrap_or_default();
        self.raw_names(&roster).into_iter().collect()
    }

    /// Starts the connection's transcription; its callback now (started or refused) or when the
    /// socket opens (a call without transcriptionOptions gets TranscriptionFailed).
    pub(crate) fn start_transcription(
        &mut self,
        leg: LegId,
        names: HashMap<LegId, String>,
        context: String,
        callback: Option<String>,
    ) {
        let bearer = match (&self.media, self.calls.get(&leg)) {
            (Some(media), Some(call)) => media.bearer(&call.stream_at()),
            _ => None,
        };
        let Some(call) = self.calls.get_mut(&leg) else {
            return;
        };
        let at = call.stream_at();
        let outcome =
            call.transcription
                .start(at, bearer, names, context.clone(), callback.clone());
        let send = match outcome {
            Ok(send) => send,
            Err(message) => Some(crate::transcription::refused(&message, context, callback)),
        };
        if let Some((kind, data, callback)) = send {
            self.callback(leg, kind, data, callback.as_deref());
        }
    }

    /// MediaStreamingFailed for a start that was refused before connecting.
    pub(crate) fn streaming_refused(&mut self, leg: LegId, message: &str, callback: Option<&str>) {
        let context = self
            .calls
            .get_mut(&leg)
            .and_then(|c| c.streaming.context.take());
        self.callback(
            leg,
            "MediaStreamingFailed",
            json!({
                "operationContext": context,
                "resultInformation": result(400, 8603, message),
                "mediaStreamingUpdate": {
                    "contentType": "Audio",
                    "mediaStreamingStatus": "mediaStreamingFailed",
                    "mediaStreamingStatusDetails": "initialWebSocketConnectionFailed",
                },
            }),
            callback,
        );
    }

    /// A key someone in `conversation` pressed (`from`): `DtmfData` on the media streams of the
    /// other connections that asked for DTMF (`enableDtmfTones`).
    fn tone_detected(&self, conversation: ConversationId, from: LegId, tone: Tone) {
        let Some(media) = &self.media else {
            return;
        };
        for leg in self
            .by_conversation
            .get(&conversation)
            .into_iter()
            .flatten()
        {
            if let Some(call) = self.calls.get(leg).filter(|c| c.id != from) {
                media.dtmf(&call.streaming, tone.as_char());
            }
        }
    }

    /// PlayStarted for a play of a connection in `conversation` whose audio just started.
    fn prompt_started(&mut self, conversation: ConversationId, operation: OperationId) {
        let started = self
            .in_conversation(conversation)
            .into_iter()
            .find_map(|leg| {
                let op = self.calls.get(&leg)?.ops.get(&operation)?;
                op.reports_start
                    .then(|| (leg, op.context.clone(), op.callback.clone()))
            });
        if let Some((leg, context, callback)) = started {
            let data = json!({"operationContext": context, "resultInformation": result(200, 0, "Action completed successfully.")});
            self.callback(leg, "PlayStarted", data, callback.as_deref());
        }
    }

    /// A participant's identifier: as the app named it when it added the leg (a Teams extension
    /// user), else from its party.
    pub(crate) fn identifier_of(&self, participant: &Participant) -> Value {
        self.identities
            .get(&participant.leg)
            .cloned()
            .unwrap_or_else(|| identifier(&participant.party))
    }

    /// Remembers how the app named a leg it added or called (Teams extension users).
    pub(crate) fn name_leg(&mut self, leg: LegId, identifier: Value) {
        if self.identities.len() >= 50_000 {
            self.identities.clear();
        }
        self.identities.insert(leg, identifier);
    }

    /// Each participant leg's rawId (ACS `participantRawID`, recording metadata).
    pub(crate) fn raw_names(&self, participants: &[Participant]) -> Vec<(LegId, String)> {
        participants
            .iter()
            .map(|p| (p.leg, incoming::raw_id(&self.identifier_of(p)).to_string()))
            .collect()
    }

    /// CallParticipant list.
    pub(crate) fn render_participants(&self, roster: &[Participant]) -> Vec<Value> {
        roster
            .iter()
            .map(|p| {
                json!({
                    "identifier": self.identifier_of(p),
                    "isMuted": p.muted,
                    "isOnHold": p.on_hold,
                })
            })
            .collect()
    }

    /// Queues a row on the outbox (Event Grid deliveries of sibling modules).
    pub(crate) fn outbox_enqueue(&self, row: NewOutboxRow) {
        self.outbox.enqueue(row);
    }

    /// A media stream's event: a recording tap's end (`recording.rs`), or
    /// MediaStreamingStarted/Stopped/Failed for its connection.
    fn on_stream_event(
        &mut self,
        env: &DoorEnv<'_>,
        event: &ringside_runtime::streaming::StreamEvent,
    ) {
        if event.owner != crate::OWNER {
            return;
        }
        if self.recording_stream_event(env, event) {
            return;
        }
        let Some(call) = self.calls.get_mut(&event.leg) else {
            return;
        };
        if let Some((kind, data, callback)) = call.transcription.on_socket(event) {
            self.callback(event.leg, kind, data, callback.as_deref());
            return;
        }
        let callback = call.streaming.callback.take();
        if let Some((kind, data)) = crate::media_streaming::render(&mut call.streaming, event) {
            self.callback(event.leg, kind, data, callback.as_deref());
        }
    }
}

impl Door for AcsCalls {
    fn offer(&mut self, env: &mut DoorEnv<'_>, event: &Event) -> Option<Adoption> {
        self.adopt(env, event).then_some(Adoption::default())
    }

    fn event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        self.render_event(env, event)
    }

    fn stream_event(
        &mut self,
        env: &DoorEnv<'_>,
        event: &ringside_runtime::streaming::StreamEvent,
    ) {
        self.on_stream_event(env, event);
    }

    /// Media streams with DTMF get every key pressed in the call; a play whose audio starts gets
    /// its PlayStarted.
    fn media_signal(
        &mut self,
        _env: &DoorEnv<'_>,
        conversation: ConversationId,
        signal: &ringside_engine::MediaSignal,
    ) {
        match signal {
            ringside_engine::MediaSignal::ToneDetected { leg, tone } => {
                self.tone_detected(conversation, *leg, *tone);
            }
            ringside_engine::MediaSignal::PromptStarted { operation } => {
                self.prompt_started(conversation, *operation);
            }
            _ => {}
        }
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The outbox row of one callback CloudEvent about `call` (to `callback` when given).
fn callback_row(
    call: &AcsCall,
    event_type: &str,
    mut data: Value,
    callback: Option<&str>,
) -> NewOutboxRow {
    let id = call.id;
    if let Value::Object(map) = &mut data {
        map.insert("callConnectionId".into(), json!(id.to_string()));
        map.insert(
            "serverCallId".into(),
            json!(server_call_id(call.conversation)),
        );
        map.insert("correlationId".into(), json!(call.conversation.to_string()));
        map.insert(
            "publicEventType".into(),
            json!(format!("Microsoft.Communication.{event_type}")),
        );
    }
    let source = format!("calling/callConnections/{id}");
    let event = CloudEvent::new(
        &ringside_runtime::ids::new_guid().to_string(),
        &source,
        &source,
        &format!("Microsoft.Communication.{event_type}"),
        &now_rfc3339(),
        data,
    );
    // Through `Value`: members in the order the door has always written them.
    let event = json!([serde_json::to_value(event).unwrap_or_default()]);
    let body = serde_json::to_vec(&event).unwrap_or_default();
    NewOutboxRow {
        ordering_key: id.to_string(),
        target_url: callback.unwrap_or(&call.callback_uri).to_string(),
        dialect: CALLBACKS.name.into(),
        audience: call.resource.to_string(),
        tenant: call.tenant.to_string(),
        headers: vec![(
            "X-Microsoft-Skype-Chain-ID".into(),
            call.conversation.to_string(),
        )],
        body,
        retry_policy: RetryPolicy::Callback,
        created_at_ms: ringside_runtime::outbox::unix_ms(),
    }
}
