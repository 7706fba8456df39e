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

use std::collections::{HashMap, VecDeque};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_directory::EventDeliverySchema;
use ringside_engine::{
    ConversationId, Event, LegId, LegState, OperationId, OperationKind, Outcome, Participant,
};
use ringside_model::{AcsResourceId, Party, TenantId, Tone};
use ringside_store::{NewOutboxRow, RetryPolicy};
use serde_json::{json, Value};

use super::eventgrid::{delivery_headers, EventSchema};
use super::incoming::{self, identifier, CallContext, IncomingCall};
use ringside_runtime::door::{Adoption, Door, DoorEnv};
use std::sync::Arc;

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

/// How long an `incomingCallContext` stays valid (the engine's answer deadline is shorter).
const CONTEXT_TTL_SECS: i64 = 300;
/// Ended connections remembered for GET and precise errors.
const ENDED_KEPT: usize = 1_000;

/// The `serverCallId` of a conversation (opaque base64, like ACS's).
pub(crate) fn server_call_id(conversation: ConversationId) -> String {
    URL_SAFE_NO_PAD.encode(format!("ringside:conversation:{conversation}"))
}

/// The conversation a `serverCallId` names.
pub(crate) fn conversation_of(server_call_id: &str) -> Option<ConversationId> {
    let bytes = URL_SAFE_NO_PAD.decode(server_call_id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let id = text.strip_prefix("ringside:conversation:")?;
    ringside_model::Guid::parse(id).ok().map(ConversationId)
}

/// An operation whose events need its context and callback.
#[derive(Debug, Clone)]
pub(crate) struct PendingOp {
    pub(crate) context: String,
    pub(crate) callback: Option<String>,
    /// The participant it concerns (add/remove), rendered.
    pub(crate) participant: Option<Value>,
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
    /// Continuous DTMF recognition is on.
    pub(crate) continuous_dtmf: bool,
    /// Media streaming options and state (`media_streaming.rs`).
    pub(crate) streaming: super::media_streaming::CallStreaming,
}

impl AcsCall {
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
            "transcriptionSubscription": {"id": self.id.to_string(), "state": "disabled", "subscribedResultTypes": ["final"]},
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
    pub(crate) media: Option<super::media_streaming::AcsMedia>,
    /// Call recordings (`recording.rs`).
    pub(crate) recordings: super::recording::Recordings,
    /// Identifiers the app gave legs it added or called, where they differ from the party's own
    /// (Teams extension users).
    identities: HashMap<LegId, Value>,
}

impl AcsCalls {
    /// Media streaming: streams start on `streams`, their upgrade requests signed by `signer`.
    pub fn with_media(mut self, streams: Arc<StreamService>, signer: TokenSigner) -> AcsCalls {
        self.media = Some(super::media_streaming::AcsMedia::new(streams, signer));
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
        self.recordings.recorder = Some(super::recording::AcsRecorder::new(
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
        self.calls.insert(call.id, call);
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
        mut data: Value,
        callback: Option<&str>,
    ) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
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
        let event = json!([{
            "id": ringside_runtime::ids::new_guid().to_string(),
            "source": source,
            "subject": source,
            "type": format!("Microsoft.Communication.{event_type}"),
            "data": data,
            "time": now_rfc3339(),
            "specversion": "1.0",
            "datacontenttype": "application/json",
        }]);
        let body = serde_json::to_vec(&event).unwrap_or_default();
        self.outbox.enqueue(NewOutboxRow {
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
            retry_policy: RetryPolicy::Standard,
            created_at_ms: ringside_runtime::outbox::unix_ms(),
        });
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
        if let Err(message) = media.start(call, names.into_iter().collect()) {
            self.streaming_refused(leg, &message, None);
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
                media.dtmf(call, tone.as_char());
            }
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
        if event.owner != super::OWNER {
            return;
        }
        if self.recording_stream_event(env, event) {
            return;
        }
        let Some(call) = self.calls.get_mut(&event.leg) else {
            return;
        };
        let callback = call.streaming.callback.take();
        if let Some((kind, data)) = super::media_streaming::render(call, event) {
            self.callback(event.leg, kind, data, callback.as_deref());
        }
    }

    /// An offer to an ACS bot: deliver IncomingCall to the resource's subscriptions.
    fn adopt(&mut self, env: &mut DoorEnv<'_>, event: &Event) -> bool {
        let Event::CallOffered {
            conversation,
            leg,
            tenant,
            caller,
            callee,
            bot,
            ..
        } = event
        else {
            return false;
        };
        // Calls to a resource account bound to an ACS resource are Teams Phone extensibility calls.
        let bound = bot.instance.and_then(|instance| {
            env.directory
                .read(|d| d.instance_by_id(instance).and_then(|i| i.acs_resource))
        });
        let Some(resource) = bound else {
            return false;
        };
        // A call to a resource account's number is a call to the resource account (seed 004:
        // `to` is `28:orgid:<account id>`).
        let callee = &env.directory.read(|d| match callee {
            Party::Phone(number) => match d.number_owner(number) {
                Some(ringside_directory::Account::Instance(i)) => Party::ApplicationInstance {
                    tenant: i.tenant,
                    instance: i.id,
                },
                _ => callee.clone(),
            },
            other => other.clone(),
        });
        let to = identifier(callee);
        let to_raw = incoming::raw_id(&to).to_string();
        let (subscriptions, topic, display) = env.directory.read(|d| {
            let subscriptions: Vec<(String, String, EventDeliverySchema)> = d
                .event_subscriptions(resource)
                .filter(|s| {
                    s.event_types
                        .contains("Microsoft.Communication.IncomingCall")
                })
                .filter(|s| s.to_raw_ids.is_empty() || s.to_raw_ids.contains(&to_raw))
                .map(|s| (s.name.clone(), s.endpoint.clone(), s.schema))
                .collect();
            let topic = d
                .acs_resource(resource)
                .map(|r| incoming::topic(&r.tenant.to_string(), "ringside", &r.name))
                .unwrap_or_default();
            let display = match caller {
                Party::User { tenant, user } => d
                    .user(*tenant, *user)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                Party::Phone(number) => number.as_str().to_string(),
                _ => String::new(),
            };
            (subscriptions, topic, display)
        });
        if subscriptions.is_empty() {
            return false;
        }
        let context = CallContext {
            resource: resource.to_string(),
            conversation: conversation.to_string(),
            leg: leg.to_string(),
            expires_at: ringside_runtime::node::unix_now() + CONTEXT_TTL_SECS,
        }
        .seal(&self.key);
        let custom = env.take_call_headers(*conversation);
        let call = IncomingCall {
            to: callee.clone(),
            from: caller.clone(),
            caller_display_name: display,
            server_call_id: server_call_id(*conversation),
            correlation_id: conversation.to_string(),
            incoming_call_context: context,
            sip_headers: custom.sip,
            voip_headers: custom.voip,
        };
        let time = now_rfc3339();
        for (name, endpoint, schema) in subscriptions {
            let id = ringside_runtime::ids::new_guid().to_string();
            let (event, schema) = match schema {
                EventDeliverySchema::CloudEvents => (
                    incoming::cloud_event(
                        &id,
                        &topic,
                        &call.subject(),
                        "Microsoft.Communication.IncomingCall",
                        &time,
                        call.data(),
                    ),
                    EventSchema::CloudEvents,
                ),
                _ => (
                    incoming::event_grid_event(
                        &id,
                        &topic,
                        &call.subject(),
                        "Microsoft.Communication.IncomingCall",
                        &time,
                        call.data(),
                    ),
                    EventSchema::EventGrid,
                ),
            };
            let mut headers = delivery_headers(schema, &name, &id);
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("aeg-delivery-count"));
            self.outbox.enqueue(NewOutboxRow {
                ordering_key: leg.to_string(),
                target_url: endpoint,
                dialect: EVENT_GRID.name.into(),
                audience: String::new(),
                tenant: tenant.to_string(),
                headers,
                body: serde_json::to_vec(&json!([event])).unwrap_or_default(),
                retry_policy: RetryPolicy::EventGrid,
                created_at_ms: ringside_runtime::outbox::unix_ms(),
            });
        }
        self.offers.insert(
            *leg,
            Offer {
                conversation: *conversation,
                resource,
                tenant: *tenant,
                caller: caller.clone(),
                callee: callee.clone(),
            },
        );
        true
    }

    /// Renders an engine event for the connections it concerns; `true` when one did.
    fn render_event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        match event {
            Event::LegStateChanged { leg, state, .. } => {
                if state.is_terminated() {
                    self.offers.remove(leg);
                }
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                call.state = *state;
                match state {
                    LegState::Established if !call.connected => {
                        call.connected = true;
                        let context = call.setup_context.clone();
                        self.callback(
                            *leg,
                            "CallConnected",
                            json!({"operationContext": context, "resultInformation": result(200, 0, "")}),
                            None,
                        );
                        self.auto_start_streaming(env, *leg);
                    }
                    LegState::Terminated(reason) => {
                        if let (Some(media), Some(call)) = (&self.media, self.calls.get(leg)) {
                            media.stop(call, "callEnded");
                        }
                        let (code, sub, message) = crate::codes::end_reason(*reason);
                        self.callback(
                            *leg,
                            "CallDisconnected",
                            json!({"resultInformation": result(code, sub, message)}),
                            None,
                        );
                        self.ended.push_back(*leg);
                        while self.ended.len() > ENDED_KEPT {
                            if let Some(old) = self.ended.pop_front() {
                                if let Some(call) = self.calls.remove(&old) {
                                    if let Some(v) =
                                        self.by_conversation.get_mut(&call.conversation)
                                    {
                                        v.retain(|l| *l != old);
                                        if v.is_empty() {
                                            self.by_conversation.remove(&call.conversation);
                                        }
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
                true
            }
            Event::RosterChanged {
                conversation,
                sequence,
                participants,
            } => {
                let legs = self.in_conversation(*conversation);
                self.recording_roster(*conversation, participants);
                if let Some(media) = &self.media {
                    let names = self.raw_names(participants);
                    for leg in &legs {
                        if let Some(call) = self.calls.get(leg) {
                            media.name_participants(call, &names);
                        }
                    }
                }
                let mut any = false;
                for leg in legs {
                    if self
                        .calls
                        .get(&leg)
                        .is_some_and(|c| c.connected && !c.state.is_terminated())
                    {
                        any = true;
                        // The connection's own leg is not a participant of it (as in the
                        // participants list).
                        let others: Vec<Participant> = participants
                            .iter()
                            .filter(|p| p.leg != leg)
                            .cloned()
                            .collect();
                        self.callback(
                            leg,
                            "ParticipantsUpdated",
                            json!({"sequenceNumber": sequence, "participants": self.render_participants(&others)}),
                            None,
                        );
                    }
                }
                any
            }
            Event::OperationCompleted {
                leg,
                operation,
                kind,
                outcome,
                tones,
                ..
            } => {
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                let Some(op) = call.ops.remove(operation) else {
                    return true;
                };
                let (code, sub, message) = crate::codes::outcome(*outcome);
                let info = result(code, sub, message);
                let ok = matches!(
                    outcome,
                    Outcome::Success
                        | Outcome::RecognizeMaxTones
                        | Outcome::RecognizeStopTone
                        | Outcome::RecognizeInterToneTimeout
                ) && !(*kind == OperationKind::Recognize && tones.is_empty());
                let cancelled = matches!(outcome, Outcome::Cancelled);
                let base = json!({"operationContext": op.context, "resultInformation": info});
                let with = |mut v: Value, key: &str, extra: Value| {
                    v[key] = extra;
                    v
                };
                let (event_type, data) = match kind {
                    OperationKind::PlayPrompt => (
                        if ok {
                            "PlayCompleted"
                        } else if cancelled {
                            "PlayCanceled"
                        } else {
                            "PlayFailed"
                        },
                        if ok || cancelled {
                            base
                        } else {
                            with(base, "failedPlaySourceIndex", json!(0))
                        },
                    ),
                    OperationKind::Recognize => {
                        if ok {
                            let names: Vec<&str> = tones.iter().map(|t| tone_name(*t)).collect();
                            let mut data = with(base, "recognitionType", json!("dtmf"));
                            data["dtmfResult"] = json!({"tones": names});
                            ("RecognizeCompleted", data)
                        } else if cancelled {
                            ("RecognizeCanceled", base)
                        } else {
                            ("RecognizeFailed", base)
                        }
                    }
                    OperationKind::SendDtmf => (
                        if ok {
                            "SendDtmfTonesCompleted"
                        } else {
                            "SendDtmfTonesFailed"
                        },
                        base,
                    ),
                    OperationKind::AddParticipants => (
                        if ok {
                            "AddParticipantSucceeded"
                        } else {
                            "AddParticipantFailed"
                        },
                        with(
                            base,
                            "participant",
                            op.participant.clone().unwrap_or(Value::Null),
                        ),
                    ),
                    OperationKind::RemoveParticipant => (
                        if ok {
                            "RemoveParticipantSucceeded"
                        } else {
                            "RemoveParticipantFailed"
                        },
                        with(
                            base,
                            "participant",
                            op.participant.clone().unwrap_or(Value::Null),
                        ),
                    ),
                    OperationKind::CancelAddParticipants => (
                        if ok {
                            "CancelAddParticipantSucceeded"
                        } else {
                            "CancelAddParticipantFailed"
                        },
                        with(
                            base,
                            "invitationId",
                            op.participant.clone().unwrap_or(Value::Null),
                        ),
                    ),
                    OperationKind::UnsubscribeFromTone => {
                        ("ContinuousDtmfRecognitionStopped", base)
                    }
                    OperationKind::Hold | OperationKind::Unhold if !ok => ("HoldFailed", base),
                    _ => return true,
                };
                let callback = op.callback.clone();
                self.callback(*leg, event_type, data, callback.as_deref());
                true
            }
            Event::ToneReceived {
                leg,
                tone,
                sequence_id,
                ..
            } => {
                let Some(call) = self.calls.get(leg) else {
                    return false;
                };
                if call.continuous_dtmf {
                    self.callback(
                        *leg,
                        "ContinuousDtmfRecognitionToneReceived",
                        json!({"sequenceId": sequence_id, "tone": tone_name(*tone), "resultInformation": result(200, 0, "")}),
                        None,
                    );
                }
                true
            }
            Event::TransferAccepted {
                conversation,
                leg,
                operation,
                target,
                transferee,
            } => {
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                let op = call.ops.remove(operation);
                let identify = |id: Option<LegId>| -> Value {
                    id.and_then(|l| env.engine.leg(l))
                        .map(|info| identifier(&info.party))
                        .unwrap_or(Value::Null)
                };
                let _ = conversation;
                let data = json!({
                    "operationContext": op.as_ref().map(|o| o.context.clone()),
                    "resultInformation": result(200, 7015, "The transfer completed successfully."),
                    "transferTarget": identify(Some(*target)),
                    "transferee": identify(*transferee),
                });
                let callback = op.and_then(|o| o.callback);
                self.callback(*leg, "CallTransferAccepted", data, callback.as_deref());
                true
            }
            Event::TransferFailed {
                leg,
                operation,
                cause,
                ..
            } => {
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                let op = call.ops.remove(operation);
                let (code, sub, message) = crate::codes::end_reason(*cause);
                let data = json!({
                    "operationContext": op.as_ref().map(|o| o.context.clone()),
                    "resultInformation": result(code, sub, message),
                });
                let callback = op.and_then(|o| o.callback);
                self.callback(*leg, "CallTransferFailed", data, callback.as_deref());
                true
            }
            _ => event_leg(event).is_some_and(|leg| self.calls.contains_key(&leg)),
        }
    }
}

fn event_leg(event: &Event) -> Option<LegId> {
    match event {
        Event::ParticipantAdded { leg, .. }
        | Event::ParticipantAddFailed { leg, .. }
        | Event::ParticipantRemoved { leg, .. } => Some(*leg),
        _ => None,
    }
}

/// The identifier of a party, for sources, targets and events.
pub(crate) fn render_source(party: &Party) -> Value {
    identifier(party)
}

/// `resultInformation`.
pub(crate) fn result(code: u16, sub: u32, message: &str) -> Value {
    json!({"code": code, "subCode": sub, "message": message})
}

/// The identifier of a Teams extension user (Teams Phone extensibility: a Teams user reached
/// through an ACS resource), from its rawId `8:acs:<resource>_<tenant>_<user>` or its
/// `teamsExtensionUser` sub-object; `None` for any other identifier.
pub(crate) fn teams_extension_identifier(raw: &str, value: &Value) -> Option<Value> {
    let sub = value.get("teamsExtensionUser");
    let lower = if raw.is_empty() && sub.is_some() {
        // No rawId: the cloud of the sub-object picks the prefix.
        match sub
            .and_then(|s| s.get("cloud"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("gcch") => "8:gcch-acs:".to_string(),
            Some("dod") => "8:dod-acs:".to_string(),
            _ => "8:acs:".to_string(),
        }
    } else {
        raw.to_ascii_lowercase()
    };
    let (prefix, cloud) = [
        ("8:acs:", "public"),
        ("8:gcch-acs:", "gcch"),
        ("8:dod-acs:", "dod"),
    ]
    .into_iter()
    .find(|(p, _)| lower.starts_with(p))?;
    let text = |name: &str| sub.and_then(|s| s.get(name)).and_then(Value::as_str);
    let parts: Vec<&str> = raw.get(prefix.len()..).unwrap_or("").split('_').collect();
    let (resource, tenant, user) = match (text("resourceId"), text("tenantId"), text("userId")) {
        (Some(r), Some(t), Some(u)) => (r.to_string(), t.to_string(), u.to_string()),
        _ if parts.len() == 3 => (
            parts[0].to_string(),
            parts[1].to_string(),
            parts[2].to_string(),
        ),
        _ => return None,
    };
    Some(json!({
        "kind": "teamsExtensionUser",
        "rawId": format!("{prefix}{resource}_{tenant}_{user}"),
        "teamsExtensionUser": {"userId": user, "tenantId": tenant, "resourceId": resource, "cloud": cloud},
    }))
}

/// ACS's DtmfTone names.
pub(crate) fn tone_name(tone: Tone) -> &'static str {
    match tone.as_char() {
        '0' => "zero",
        '1' => "one",
        '2' => "two",
        '3' => "three",
        '4' => "four",
        '5' => "five",
        '6' => "six",
        '7' => "seven",
        '8' => "eight",
        '9' => "nine",
        '#' => "pound",
        '*' => "asterisk",
        'A' => "a",
        'B' => "b",
        'C' => "c",
        'D' => "d",
        _ => "flash",
    }
}

/// A DtmfTone name (case-insensitive) or a single key.
pub(crate) fn tone_from_name(name: &str) -> Option<Tone> {
    let c = match name.trim().to_ascii_lowercase().as_str() {
        "zero" | "0" => '0',
        "one" | "1" => '1',
        "two" | "2" => '2',
        "three" | "3" => '3',
        "four" | "4" => '4',
        "five" | "5" => '5',
        "six" | "6" => '6',
        "seven" | "7" => '7',
        "eight" | "8" => '8',
        "nine" | "9" => '9',
        "pound" | "#" => '#',
        "asterisk" | "*" => '*',
        "a" => 'A',
        "b" => 'B',
        "c" => 'C',
        "d" => 'D',
        _ => return None,
    };
    Tone::from_char(c).ok()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
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

    /// Media streams with DTMF get every key pressed in the call.
    fn media_signal(
        &mut self,
        _env: &DoorEnv<'_>,
        conversation: ConversationId,
        signal: &ringside_engine::MediaSignal,
    ) {
        if let ringside_engine::MediaSignal::ToneDetected { leg, tone } = signal {
            self.tone_detected(conversation, *leg, *tone);
        }
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_extension_users_keep_their_identifier() {
        let user = "8:acs:res_ten_usr";
        let id = teams_extension_identifier(user, &json!({"rawId": user})).expect("from rawId");
        assert_eq!(id["kind"], "teamsExtensionUser");
        assert_eq!(id["rawId"], user);
        assert_eq!(id["teamsExtensionUser"]["userId"], "usr");
        let from_sub = teams_extension_identifier(
            "",
            &json!({"teamsExtensionUser": {"userId": "u", "tenantId": "t", "resourceId": "r", "cloud": "PUBLIC"}}),
        )
        .expect("from the sub-object");
        assert_eq!(from_sub["rawId"], "8:acs:r_t_u");
        assert!(
            teams_extension_identifier("8:acs:res_guid", &Value::Null).is_none(),
            "an ACS user"
        );
        assert!(teams_extension_identifier("4:+14255550100", &Value::Null).is_none());
    }

    #[test]
    fn server_call_ids_round_trip_and_tones_have_acs_names() {
        let conversation = ConversationId(ringside_model::Guid::from_u128(42));
        assert_eq!(
            conversation_of(&server_call_id(conversation)),
            Some(conversation)
        );
        assert_eq!(conversation_of("bm90IG91cnM"), None);
        assert_eq!(conversation_of("%%%"), None);
        for c in "0123456789#*ABCD".chars() {
            let tone = Tone::from_char(c).unwrap();
            assert_eq!(tone_from_name(tone_name(tone)), Some(tone));
        }
        assert_eq!(tone_from_name("Pound"), Tone::from_char('#').ok());
        assert_eq!(tone_from_name("eleven"), None);
    }
}
