//! The Graph door's call table: one [`GraphCall`] per bot leg the door created or adopted (its
//! callback, the request fields it echoes, its operations), owned by the runtime task, and the
//! rendering of engine events for those legs into the notification outbox.

use std::collections::{HashMap, VecDeque};

use ringside_engine::{ConversationId, Direction, Event, LegId, LegState};
use ringside_graph_wire::{ChangeType, ResourceData, ToneInfo};
use ringside_store::{NewOutboxRow, RetryPolicy};

use super::call::GraphCall;
use super::completion::{carry_request_echo, complete, RecordingLinks};
use super::render;
use crate::raw_media::RawMedia;
use crate::GraphCaller;
use ringside_http::ApiError;
use ringside_runtime::call_records::CallRecords;
use ringside_runtime::door::{Adoption, Door, DoorEnv};
use ringside_runtime::outbox::{DeliveryProfile, Outbox};

/// `User-Agent` of Graph's calling notifications (digest §6.1).
const GRAPH_USER_AGENT: &str = "Microsoft-Skype/3.0,(Calling/1.0)";

/// How the door's notifications are delivered: signed with a platform JWT for the bot, with
/// Graph's calling user agent.
pub const DELIVERY: DeliveryProfile = DeliveryProfile {
    name: "graph",
    bearer_token: true,
    headers: &[("user-agent", GRAPH_USER_AGENT)],
    attempt_count_header: None,
};

/// Ended calls remembered (for a precise 404 and `GET`), oldest forgotten first.
const ENDED_KEPT: usize = 1_000;

/// Every Graph call, keyed by call id.
pub struct GraphCalls {
    outbox: Outbox,
    /// Where recordResponse recordings are served (see [`complete`]).
    recordings: Option<RecordingLinks>,
    /// App-hosted media connections (`None`: app-hosted calls get no media connection, as in
    /// unit tests).
    raw_media: Option<RawMedia>,
    calls: HashMap<LegId, GraphCall>,
    by_conversation: HashMap<ConversationId, Vec<LegId>>,
    ended: VecDeque<LegId>,
    /// The store's record of live calls (their epitaphs).
    records: CallRecords,
}

impl GraphCalls {
    /// An empty table delivering through `outbox`.
    pub fn new(outbox: Outbox) -> GraphCalls {
        GraphCalls {
            outbox,
            recordings: None,
            raw_media: None,
            calls: HashMap::new(),
            by_conversation: HashMap::new(),
            ended: VecDeque::new(),
            records: CallRecords::off(),
        }
    }

    /// Records every live call with its epitaph, so that its bot is told if this node dies.
    pub fn with_call_records(mut self, records: CallRecords) -> GraphCalls {
        self.records = records;
        self
    }

    /// Lets completed recordResponse operations carry their recording's location and token.
    pub fn with_recordings(mut self, links: RecordingLinks) -> GraphCalls {
        self.recordings = Some(links);
        self
    }

    /// Gives app-hosted calls their media connection.
    pub fn with_raw_media(mut self, raw_media: RawMedia) -> GraphCalls {
        self.raw_media = Some(raw_media);
        self
    }

    /// Adds a row (a call the door just created or adopted).
    pub(crate) fn insert(&mut self, call: GraphCall) {
        if let Some(epitaph) = epitaph(&call) {
            self.records.record(epitaph);
        }
        self.by_conversation
            .entry(call.conversation)
            .or_default()
            .push(call.id);
        self.calls.insert(call.id, call);
    }

    #[allow(dead_code)] // for sibling routes.
    /// A row, if the door knows the call.
    pub(crate) fn get(&self, id: LegId) -> Option<&GraphCall> {
        self.calls.get(&id)
    }

    /// A row, mutable.
    pub(crate) fn get_mut(&mut self, id: LegId) -> Option<&mut GraphCall> {
        self.calls.get_mut(&id)
    }

    /// The caller's call: 404 when unknown, of another tenant or app, or already ended.
    pub(crate) fn owned(
        &mut self,
        caller: &GraphCaller,
        id: LegId,
    ) -> Result<&mut GraphCall, ApiError> {
        let call = self.visible(caller, id)?;
        if call.ended() {
            return Err(ApiError::not_found(format!(
                "Call {id} has already ended (state terminated)."
            )));
        }
        Ok(call)
    }

    /// The caller's call, ended or not: 404 when unknown or of another tenant or app.
    pub(crate) fn visible(
        &mut self,
        caller: &GraphCaller,
        id: LegId,
    ) -> Result<&mut GraphCall, ApiError> {
        match self.calls.get_mut(&id) {
            Some(call) if call.tenant == caller.tenant && call.app() == caller.app => Ok(call),
            _ => Err(ApiError::not_found(format!("Call {id} was not found."))),
        }
    }

    /// Graph calls of a conversation.
    pub(crate) fn in_conversation(&self, conversation: ConversationId) -> Vec<LegId> {
        self.by_conversation
            .get(&conversation)
            .cloned()
            .unwrap_or_default()
    }

    /// Queues one notification about `call` to its callback.
    pub(crate) fn notify(
        &mut self,
        id: LegId,
        change: ChangeType,
        resource_url: String,
        data: ResourceData,
    ) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.etag += 1;
        if let Some(row) = notification(call, change, resource_url, data) {
            self.outbox.enqueue(row);
        }
    }

    /// Queues a call-resource notification (`created`, `updated` or `deleted`).
    pub(crate) fn notify_call(&mut self, id: LegId, change: ChangeType) {
        self.notify_call_with(id, change, None);
    }

    /// A call notification; `tone` only on the one that reports a key (Graph's notifications carry
    /// `toneInfo` when they report a tone, never afterwards).
    fn notify_call_with(&mut self, id: LegId, change: ChangeType, tone: Option<ToneInfo>) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let mut resource = render::call_resource(call);
        resource.tone_info = tone;
        // The etag the notification carries is the one after the bump in `notify`.
        resource.odata_etag = Some(format!("W/\"{}\"", call.etag + 1));
        self.notify(
            id,
            change,
            render::call_url(id),
            ResourceData::Call(Box::new(resource)),
        );
    }

    /// A call is offered to a bot: adopt it when the bot is a Graph bot with a calling webhook
    /// (renders the `created` incoming-call notification).
    fn adopt(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
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
        let (webhook, source, target) = env.directory.read(|d| {
            // A resource account bound to an ACS resource takes its calls through ACS.
            let bound = bot
                .instance
                .and_then(|i| d.instance_by_id(i))
                .is_some_and(|i| i.acs_resource.is_some());
            let webhook = d
                .application(bot.app)
                .filter(|a| a.bot.calling_enabled && !bound)
                .and_then(|a| a.bot.calling_webhook.clone());
            // Without any calling role the caller stays encrypted (digest §2).
            let roles = d.roles_for(*tenant, bot.app);
            let source = if render::CALLER_VISIBLE_WITH
                .iter()
                .any(|role| roles.contains(role))
            {
                render::participant_info(d, caller)
            } else {
                render::encrypted_participant()
            };
            (webhook, source, render::offered_target(d, callee, bot))
        });
        let Some(webhook) = webhook else {
            return false;
        };
        let mut call = GraphCall::new(
            *leg,
            *conversation,
            *tenant,
            *bot,
            webhook,
            Direction::Incoming,
            LegState::Incoming,
        );
        call.source = Some(source);
        call.targets = vec![target];
        self.insert(call);
        self.notify_call(*leg, ChangeType::Created);
        true
    }

    /// Renders an engine event for the Graph calls it concerns; `true` when it concerned one.
    fn render_event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        match event {
            Event::LegMoved {
                conversation, leg, ..
            } => self.moved(*leg, *conversation),
            Event::LegStateChanged {
                leg,
                state,
                transfer_failed,
                ..
            } => {
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                if call.ended() {
                    return true;
                }
                call.state = *state;
                match state {
                    LegState::Established => call.media_active = Some(true),
                    LegState::Terminated(_) | LegState::TransferAccepted => {
                        call.media_active = Some(false)
                    }
                    _ => {}
                }
                // resultInfo says why a transfer just failed, or why the call ended.
                call.result_info = transfer_failed.map(|reason| {
                    crate::codes::transfer_failure(ringside_engine::TransferFailure(reason))
                });
                match state {
                    // The `created` notification already said `incoming`.
                    LegState::Incoming => {}
                    LegState::Terminated(reason) => {
                        call.result_info = Some(crate::codes::end_reason(*reason));
                        self.notify_call(*leg, ChangeType::Deleted);
                        self.ended(*leg);
                    }
                    _ => self.notify_call(*leg, ChangeType::Updated),
                }
                true
            }
            Event::RosterChanged {
                conversation,
                sequence,
                participants,
            } => {
                let legs = self.in_conversation(*conversation);
                if legs.is_empty() {
                    return false;
                }
                // P2P calls get call-state notifications only (digest §3.1).
                let group = env
                    .engine
                    .conversation(*conversation)
                    .is_some_and(|c| c.group);
                if !group {
                    return true;
                }
                let roster = env
                    .directory
                    .read(|d| render::participants(d, participants, Some(*sequence)));
                for leg in legs {
                    if self.calls.get(&leg).is_some_and(|c| !c.ended()) {
                        self.notify(
                            leg,
                            ChangeType::Updated,
                            format!("{}/participants", render::call_url(leg)),
                            ResourceData::Participants(roster.clone()),
                        );
                    }
                }
                true
            }
            Event::OperationCompleted {
                leg,
                operation,
                kind,
                client_context,
                status,
                outcome,
                recording,
                ..
            } => {
                let Some(call) = self.calls.get_mut(leg) else {
                    return false;
                };
                // Only operations the door handed to the bot are Graph resources (transfer, for
                // one, is reported through the call state).
                if !call.operations.contains_key(operation) {
                    return true;
                }
                let mut op = render::operation(
                    *kind,
                    *operation,
                    client_context,
                    *status,
                    Some(crate::codes::outcome(*outcome)),
                );
                if let Some(started) = call.operations.get(operation) {
                    carry_request_echo(&mut op, started);
                }
                complete(
                    &mut op,
                    *outcome,
                    recording.as_deref(),
                    self.recordings.as_ref(),
                );
                call.operations.insert(*operation, op.clone());
                if call.quiet.remove(operation) || call.ended() {
                    return true;
                }
                self.notify(
                    *leg,
                    ChangeType::Deleted,
                    render::operation_url(leg, operation),
                    ResourceData::Operation(Box::new(op)),
                );
                true
            }
            Event::ToneReceived {
                leg,
                tone,
                sequence_id,
                ..
            } => {
                if !self.calls.contains_key(leg) {
                    return false;
                }
                let Some(tone) = render::wire_tone(*tone) else {
                    return true;
                };
                let tone = ToneInfo {
                    sequence_id: i64::try_from(*sequence_id).unwrap_or(i64::MAX),
                    tone,
                    odata_type: ringside_graph_wire::ODataType::new(),
                };
                self.notify_call_with(*leg, ChangeType::Updated, Some(tone));
                true
            }
            Event::CallOffered { leg, .. }
            | Event::TransferAccepted { leg, .. }
            | Event::TransferFailed { leg, .. }
            | Event::ParticipantAdded { leg, .. }
            | Event::ParticipantAddFailed { leg, .. }
            | Event::ParticipantRemoved { leg, .. } => self.calls.contains_key(leg),
        }
    }

    /// A Graph call's leg moved into another conversation (the engine's `LegMoved`).
    fn moved(&mut self, leg: LegId, into: ConversationId) -> bool {
        let Some(call) = self.calls.get_mut(&leg) else {
            return false;
        };
        let from = std::mem::replace(&mut call.conversation, into);
        if let Some(legs) = self.by_conversation.get_mut(&from) {
            legs.retain(|l| *l != leg);
            if legs.is_empty() {
                self.by_conversation.remove(&from);
            }
        }
        self.by_conversation.entry(into).or_default().push(leg);
        true
    }

    /// Remembers an ended call for a while, then forgets it.
    fn ended(&mut self, leg: LegId) {
        self.records.forget(&leg.to_string());
        self.ended.push_back(leg);
        while self.ended.len() > ENDED_KEPT {
            let Some(old) = self.ended.pop_front() else {
                break;
            };
            if let Some(call) = self.calls.remove(&old) {
                if let Some(legs) = self.by_conversation.get_mut(&call.conversation) {
                    legs.retain(|l| *l != old);
                    if legs.is_empty() {
                        self.by_conversation.remove(&call.conversation);
                    }
                }
            }
        }
    }
}

/// The outbox row of one notification about `call` to its callback.
fn notification(
    call: &GraphCall,
    change: ChangeType,
    resource_url: String,
    data: ResourceData,
) -> Option<NewOutboxRow> {
    let body = render::envelope(change, resource_url, data);
    let body = match serde_json::to_vec(&body) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "rendering a notification failed");
            return None;
        }
    };
    Some(NewOutboxRow {
        ordering_key: call.id.to_string(),
        target_url: call.callback_uri.clone(),
        dialect: DELIVERY.name.into(),
        audience: call.bot.app.to_string(),
        tenant: call.tenant.to_string(),
        headers: vec![
            ("Scenario-Id".into(), call.scenario_id.clone()),
            (
                "X-Microsoft-Skype-Chain-ID".into(),
                call.conversation.to_string(),
            ),
            (
                "X-Microsoft-Skype-Message-ID".into(),
                ringside_runtime::ids::new_guid().to_string(),
            ),
            (
                "Client-Request-Id".into(),
                ringside_runtime::ids::new_guid().to_string(),
            ),
        ],
        body,
        retry_policy: RetryPolicy::Standard,
        created_at_ms: ringside_runtime::outbox::unix_ms(),
    })
}

/// The `deleted` notification the bot gets if the node carrying `call` dies with it: the call
/// as it is now, `terminated`, with [`node_lost`](ringside_runtime::codes::node_lost)'s resultInfo.
fn epitaph(call: &GraphCall) -> Option<NewOutboxRow> {
    let mut last = call.clone();
    last.state = LegState::Terminated(ringside_engine::EndReason::EndedByOther);
    last.result_info = Some(ringside_runtime::codes::node_lost());
    last.media_active = Some(false);
    let mut resource = render::call_resource(&last);
    resource.odata_etag = Some(format!("W/\"{}\"", last.etag + 1));
    notification(
        &last,
        ChangeType::Deleted,
        render::call_url(last.id),
        ResourceData::Call(Box::new(resource)),
    )
}

impl Door for GraphCalls {
    /// Graph bots must keep their calls alive (keepAlive within 45 minutes).
    fn offer(&mut self, env: &mut DoorEnv<'_>, event: &Event) -> Option<Adoption> {
        self.adopt(env, event)
            .then_some(Adoption { keep_alive: true })
    }

    fn event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        let owned = self.render_event(env, event);
        if let (Event::LegStateChanged { leg, state, .. }, Some(raw)) = (event, &mut self.raw_media)
        {
            if let Some(call) = self.calls.get(leg) {
                raw.follow(call, *state);
            }
        }
        owned
    }

    fn stream_event(
        &mut self,
        _env: &DoorEnv<'_>,
        event: &ringside_runtime::streaming::StreamEvent,
    ) {
        if let Some(raw) = &mut self.raw_media {
            raw.stream_event(event);
        }
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
