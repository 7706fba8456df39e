//! The bench's traffic: live calls of a bot answering PSTN callers, each producing the engine
//! events and webhook deliveries such a call produces, on a schedule (see [`Model`]); and what the
//! console's pumps do with each ([`publish`]), the fan-out path the bench measures.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_console::deliveries::{self, Legs};
use ringside_console::events;
use ringside_console::hub::{now_rfc3339, Hub};
use ringside_engine::{
    BotIdentity, ConversationId, EndReason, Endpoint, Event, LegId, LegState, OfferKind,
    OperationId, OperationStatus, Outcome, Participant,
};
use ringside_model::{AppId, Guid, Party, TenantId, Tone, E164};
use ringside_runtime::outbox::{AttemptRecord, DeliveryState};
use serde_json::{json, Value};

/// Mean call duration (uniform between half and one and a half of it).
pub(crate) const MEAN_CALL: Duration = Duration::from_secs(120);
/// A media operation (playPrompt or recognize) completes this often per call.
const OPERATION_EVERY: Duration = Duration::from_secs(15);
/// A DTMF key arrives this often per call.
const TONE_EVERY: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Operation,
    Tone,
    End,
}

struct Call {
    conversation: ConversationId,
    caller: LegId,
    bot: LegId,
    number: String,
    generation: u64,
    operations: u64,
    tones: u64,
}

/// Calls and what each does when: on start, call.offered, four leg.state, a roster and two
/// deliveries (the incoming-call and established notifications); every 15 s an
/// operation.completed (playPrompt and recognize alternate) and its delivery; every 20 s a tone
/// and its delivery; at the end three leg.state, a roster and a delivery — and a new call takes
/// its place. About 41 events per 120 s call: 0.34 events/s per call, 41 % of them deliveries
/// carrying a Graph notification of about 1 KB. `scale` multiplies every rate.
pub(crate) struct Model {
    out: Vec<Item>,
    calls: Vec<Call>,
    due: BinaryHeap<Reverse<(Duration, usize, u64, Due)>>,
    next_id: u128,
    seed: u64,
    scale: u32,
    app: AppId,
    tenant: TenantId,
}

/// One thing for the console: an engine event or a delivery attempt.
pub(crate) enum Item {
    Engine(Event),
    Delivery(AttemptRecord),
}

/// What the console's pumps do with `item` (`state.rs`: engine event → `events::map` → the hub;
/// `deliveries.rs`: attempt record → the hub).
pub(crate) fn publish(hub: &Hub, legs: &Legs, item: &Item) {
    match item {
        Item::Engine(event) => {
            let (kind, call, body) = events::map(event, &party_json);
            if let Some(leg) = body.get("leg").and_then(Value::as_str) {
                legs.learn(leg, &call);
            }
            hub.publish(kind, Some(&call), &now_rfc3339(), body);
        }
        Item::Delivery(record) => deliveries::publish(hub, legs, record),
    }
}

impl Model {
    /// `calls` calls already under way (at random points of their lives, so they end spread out).
    pub(crate) fn new(calls: usize, scale: u32) -> Model {
        let mut model = Model {
            out: Vec::new(),
            calls: Vec::with_capacity(calls),
            due: BinaryHeap::new(),
            next_id: 1,
            seed: 0x9e37_79b9_7f4a_7c15,
            scale: scale.max(1),
            app: AppId(Guid::from_u128(0xa99)),
            tenant: TenantId(Guid::from_u128(0x7e4)),
        };
        for index in 0..calls {
            let call = model.new_call(index);
            model.calls.push(call);
            // What is left of a call under way: uniform up to the mean duration, so calls end
            // (and new ones start) at the steady rate from the first second.
            let left = model.random(Duration::ZERO, MEAN_CALL);
            model.schedule(index, Duration::ZERO, left);
        }
        model
    }

    /// Everything due by `now` (time since the model started).
    pub(crate) fn advance(&mut self, now: Duration) -> Vec<Item> {
        while let Some(Reverse((at, index, generation, due))) = self.due.peek().copied() {
            if at > now {
                break;
            }
            self.due.pop();
            if generation != self.calls[index].generation {
                continue; // the call it was for has ended
            }
            match due {
                Due::Operation => self.operation(index, at),
                Due::Tone => self.tone(index, at),
                Due::End => self.end(index, at),
            }
        }
        std::mem::take(&mut self.out)
    }

    fn schedule(&mut self, index: usize, now: Duration, life: Duration) {
        let (scale, generation) = (self.scale, self.calls[index].generation);
        let op = now + self.random(Duration::ZERO, OPERATION_EVERY / scale);
        let tone = now + self.random(Duration::ZERO, TONE_EVERY / scale);
        self.due
            .push(Reverse((op, index, generation, Due::Operation)));
        self.due.push(Reverse((tone, index, generation, Due::Tone)));
        self.due
            .push(Reverse((now + life / scale, index, generation, Due::End)));
    }

    fn new_call(&mut self, index: usize) -> Call {
        let id = self.id();
        let generation = self.calls.get(index).map_or(0, |c| c.generation + 1);
        Call {
            generation,
            conversation: ConversationId(id),
            caller: LegId(self.id()),
            bot: LegId(self.id()),
            number: format!("+1425{:07}", index % 10_000_000),
            operations: 0,
            tones: 0,
        }
    }

    fn start(&mut self, index: usize, now: Duration) {
        let call = self.new_call(index);
        let (conversation, caller, bot) = (call.conversation, call.caller, call.bot);
        let phone = self.phone(&call.number);
        self.calls[index] = call;
        let identity = BotIdentity {
            app: self.app,
            instance: None,
            keep_alive: false,
        };
        self.engine(Event::CallOffered {
            conversation,
            leg: bot,
            tenant: self.tenant,
            caller: phone.clone(),
            callee: Party::Application { app: self.app },
            bot: identity,
            kind: OfferKind::Call,
            deadline: Instant::now() + Duration::from_secs(30),
        });
        self.delivery(index, "incoming");
        for (leg, state) in [
            (caller, LegState::Established),
            (bot, LegState::Incoming),
            (bot, LegState::Establishing),
            (bot, LegState::Established),
        ] {
            self.leg_state(conversation, leg, state);
        }
        let participants = vec![
            participant(caller, phone, Endpoint::ExternalPhone),
            participant(
                bot,
                Party::Application { app: self.app },
                Endpoint::Bot(identity),
            ),
        ];
        self.engine(Event::RosterChanged {
            conversation,
            sequence: 1,
            participants,
        });
        self.delivery(index, "established");
        let life = self.random(MEAN_CALL / 2, MEAN_CALL * 3 / 2);
        self.schedule(index, now, life);
    }

    fn operation(&mut self, index: usize, now: Duration) {
        let call = &mut self.calls[index];
        call.operations += 1;
        let recognize = call.operations.is_multiple_of(2);
        let (conversation, bot) = (call.conversation, call.bot);
        let operation = OperationId(self.id());
        let (kind, outcome) = if recognize {
            (
                ringside_engine::OperationKind::Recognize,
                Outcome::RecognizeMaxTones,
            )
        } else {
            (ringside_engine::OperationKind::PlayPrompt, Outcome::Success)
        };
        self.engine(Event::OperationCompleted {
            conversation,
            leg: bot,
            operation,
            kind,
            client_context: format!("op-{index}"),
            status: OperationStatus::Completed,
            outcome,
            recording: None,
            tones: if recognize {
                vec![Tone::Digit(1)]
            } else {
                Vec::new()
            },
            heard: None,
        });
        self.delivery(index, "operation");
        let next = now + OPERATION_EVERY / self.scale;
        let generation = self.calls[index].generation;
        self.due
            .push(Reverse((next, index, generation, Due::Operation)));
    }

    fn tone(&mut self, index: usize, now: Duration) {
        let call = &mut self.calls[index];
        call.tones += 1;
        let (conversation, bot, caller, sequence) =
            (call.conversation, call.bot, call.caller, call.tones);
        self.engine(Event::ToneReceived {
            conversation,
            leg: bot,
            from: caller,
            tone: Tone::Digit((sequence % 10) as u8),
            sequence_id: sequence,
        });
        self.delivery(index, "tone");
        let next = now + TONE_EVERY / self.scale;
        let generation = self.calls[index].generation;
        self.due.push(Reverse((next, index, generation, Due::Tone)));
    }

    fn end(&mut self, index: usize, now: Duration) {
        let call = &self.calls[index];
        let (conversation, caller, bot) = (call.conversation, call.caller, call.bot);
        self.leg_state(
            conversation,
            caller,
            LegState::Terminated(EndReason::HungUp),
        );
        self.leg_state(conversation, bot, LegState::Terminating);
        self.leg_state(
            conversation,
            bot,
            LegState::Terminated(EndReason::RemoteHungUp),
        );
        self.engine(Event::RosterChanged {
            conversation,
            sequence: 2,
            participants: Vec::new(),
        });
        self.delivery(index, "terminated");
        // The ended call's pending operation and tone are skipped: the new call is a new
        // generation.
        self.start(index, now);
    }

    fn engine(&mut self, event: Event) {
        self.out.push(Item::Engine(event));
    }

    /// A delivered notification about the call.
    fn delivery(&mut self, index: usize, what: &str) {
        let call = &self.calls[index];
        let body = notification(call, what);
        let record = AttemptRecord {
            row: self.out.len() as i64,
            ordering_key: format!("{}/calls", call.bot),
            dialect: "graph".into(),
            row_headers: Vec::new(),
            attempt: 1,
            url: "https://bot.example.test/api/calling".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("authorization".into(), "Bearer eyJ0eXAiOiJKV1Qi…".into()),
            ],
            body: Arc::new(body.into_bytes()),
            status: Some(202),
            response: String::new(),
            error: None,
            latency: Duration::from_millis(12),
            ahead: Vec::new(),
            state: DeliveryState::Delivered,
        };
        self.out.push(Item::Delivery(record));
    }

    fn leg_state(&mut self, conversation: ConversationId, leg: LegId, state: LegState) {
        self.engine(Event::LegStateChanged {
            conversation,
            leg,
            state,
            transfer_failed: None,
        });
    }

    fn phone(&self, number: &str) -> Party {
        E164::parse(number)
            .map(Party::Phone)
            .unwrap_or(Party::Application { app: self.app })
    }

    fn id(&mut self) -> Guid {
        self.next_id += 1;
        Guid::from_u128(
            self.next_id
                .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
        )
    }

    /// Uniform in `[low, high)` (xorshift64*).
    fn random(&mut self, low: Duration, high: Duration) -> Duration {
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        let x = self.seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let span = high.saturating_sub(low).as_micros().max(1) as u64;
        low + Duration::from_micros(x % span)
    }
}

fn participant(leg: LegId, party: Party, endpoint: Endpoint) -> Participant {
    Participant {
        leg,
        party,
        endpoint,
        muted: false,
        on_hold: false,
    }
}

/// A party as the platform API renders one (the shape, without a directory behind it).
fn party_json(party: &Party) -> Value {
    match party {
        Party::Phone(number) => json!({ "kind": "phone", "number": number.to_string() }),
        Party::Application { app } => {
            json!({ "kind": "application", "id": app.to_string(), "displayName": "Bench bot" })
        }
        other => json!({ "kind": "other", "id": format!("{other:?}") }),
    }
}

/// A Graph notification about the call, of the size the Graph door sends (about 1 KB).
fn notification(call: &Call, what: &str) -> String {
    json!({ "value": [{
        "@odata.type": "#microsoft.graph.commsNotification",
        "changeType": "updated",
        "resource": format!("/app/calls/{}", call.bot),
        "resourceUrl": format!("/communications/calls/{}", call.bot),
        "resourceData": {
            "@odata.type": "#microsoft.graph.call",
            "state": what,
            "direction": "incoming",
            "callChainId": call.conversation.to_string(),
            "source": { "identity": { "phone": { "id": call.number } } },
            "targets": [{ "identity": { "application": { "id": "00000000-0000-0000-0000-000000000a99",
                                                          "displayName": "Bench bot" } } }],
            "requestedModalities": ["audio"],
            "mediaConfig": { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
            "resultInfo": { "code": 200, "subcode": 0, "message": "The operation completed." },
            "operations": call.operations,
            "tones": call.tones,
        },
    }]})
    .to_string()
}
