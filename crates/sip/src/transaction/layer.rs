//! The transaction layer: creates client transactions, matches responses to them (top Via
//! branch + CSeq method, §17.1.3) and requests to server transactions (branch + sent-by +
//! method, ACK to its INVITE, §17.2.3; RFC 2543 requests by Call-ID, From tag, CSeq and Via),
//! answers CANCEL (200 + 487, or 481 without a transaction) and PRACK (`reliable`), routes
//! ACKs, drives timers.

mod reliable;

use super::client::ClientTx;
use super::server::ServerTx;
use super::{Action, TimerConfig, Transmit, TxError, TxEvent, TxId};
use crate::headers::Method;
use crate::message::{Message, Request, Response};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    branch: String,
    method: Method,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ServerKey {
    id: String,
    method: Method,
}

#[derive(Debug)]
struct Entry<A, T> {
    tx: T,
    to: A,
    key_id: String,
}

/// All transactions of one UA, sans-IO. `A` is the caller's destination type (an address and
/// transport, a connection id, ...).
#[derive(Debug)]
pub struct TransactionLayer<A> {
    cfg: TimerConfig,
    next_id: u64,
    clients: HashMap<TxId, Entry<A, ClientTx>>,
    client_keys: HashMap<ClientKey, TxId>,
    servers: HashMap<TxId, Entry<A, ServerTx>>,
    server_keys: HashMap<ServerKey, TxId>,
    /// Accepted INVITE server transactions by Call-ID and CSeq number, for 2xx ACKs.
    accepted: HashMap<(String, u32), TxId>,
    /// Deadlines, earliest first; entries that no longer match their transaction are stale.
    deadlines: BinaryHeap<Reverse<(Instant, TxId)>>,
    transmits: VecDeque<Transmit<A>>,
    events: VecDeque<TxEvent>,
}

fn normalize(method: &Method) -> Method {
    match method {
        Method::Ack => Method::Invite,
        m => m.clone(),
    }
}

/// The server matching key of a request: the branch and sent-by for RFC 3261 branches, else
/// the RFC 2543 fields (Call-ID, From tag, CSeq number, top Via).
fn server_key(req: &Request) -> ServerKey {
    let via = req.headers.top_via();
    let id = match via {
        Some(v) if v.is_rfc3261_branch() => {
            let port = v.port.map(|p| p.to_string()).unwrap_or_default();
            format!("{}|{}:{}", v.branch().unwrap_or_default(), v.host, port)
        }
        _ => {
            let call_id = req.headers.call_id().map_or("", |s| s.as_str());
            let from_tag = req.headers.from().and_then(|f| f.tag()).unwrap_or_default();
            let seq = req.headers.cseq().map_or(0, |c| c.seq);
            let via = via.map(|v| v.to_string()).unwrap_or_default();
            format!("2543|{call_id}|{from_tag}|{seq}|{via}")
        }
    };
    ServerKey {
        id,
        method: normalize(&req.method),
    }
}

impl<A: Clone> TransactionLayer<A> {
    /// An empty layer with timer values `cfg`.
    pub fn new(cfg: TimerConfig) -> Self {
        TransactionLayer {
            cfg,
            next_id: 1,
            clients: HashMap::new(),
            client_keys: HashMap::new(),
            servers: HashMap::new(),
            server_keys: HashMap::new(),
            accepted: HashMap::new(),
            deadlines: BinaryHeap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    fn new_id(&mut self) -> TxId {
        self.next_id += 1;
        TxId(self.next_id - 1)
    }

    /// Starts a client transaction for `req` towards `to`. `reliable` (TCP/TLS) disables the
    /// retransmission timers.
    pub fn send_request(
        &mut self,
        now: Instant,
        req: Request,
        to: A,
        reliable: bool,
    ) -> Result<TxId, TxError> {
        if req.method == Method::Ack {
            return Err(TxError::AckHasNoTransaction);
        }
        let branch = req
            .headers
            .top_via()
            .filter(|v| v.is_rfc3261_branch())
            .and_then(|v| v.branch());
        let key = ClientKey {
            branch: branch.ok_or(TxError::NoBranch)?.to_string(),
            method: req.method.clone(),
        };
        if self.client_keys.contains_key(&key) {
            return Err(TxError::Duplicate);
        }
        let id = self.new_id();
        let (tx, actions) = ClientTx::start(now, req, reliable, self.cfg);
        self.client_keys.insert(key.clone(), id);
        let key_id = key.branch;
        self.clients.insert(
            id,
            Entry {
                tx,
                to: to.clone(),
                key_id,
            },
        );
        self.apply(id, &to, actions);
        Ok(id)
    }

    /// Sends a message outside any transaction (the ACK for a 2xx, a stateless response).
    pub fn send_stateless(&mut self, message: Message, to: A) {
        self.transmits.push_back(Transmit { to, message });
    }

    /// Sends `resp` on server transaction `tx`. Ignored when the transaction is gone or the
    /// response is not allowed in its state.
    pub fn respond(&mut self, now: Instant, tx: TxId, resp: Response) {
        let Some(entry) = self.servers.get_mut(&tx) else {
            return;
        };
        let actions = entry.tx.respond(now, resp);
        let to = entry.to.clone();
        if entry.tx.state == super::ServerState::Accepted {
            let r = &entry.tx.request;
            if let (Some(call_id), Some(cseq)) = (r.headers.call_id(), r.headers.cseq()) {
                self.accepted.insert((call_id.clone(), cseq.seq), tx);
            }
        }
        self.apply(tx, &to, actions);
    }

    /// A response arrived.
    pub fn handle_response(&mut self, now: Instant, resp: Response) {
        let key = resp
            .headers
            .top_via()
            .and_then(|v| v.branch())
            .zip(resp.headers.cseq());
        let id = key.and_then(|(b, c)| {
            self.client_keys.get(&ClientKey {
                branch: b.to_string(),
                method: c.method.clone(),
            })
        });
        let Some(&id) = id else {
            self.events.push_back(TxEvent::StrayResponse(resp));
            return;
        };
        if let Some(entry) = self.clients.get_mut(&id) {
            let actions = entry.tx.on_response(now, resp);
            let to = entry.to.clone();
            self.apply(id, &to, actions);
        }
    }

    /// A request arrived from `from` (`reliable` for TCP/TLS).
    pub fn handle_request(&mut self, now: Instant, req: Request, from: A, reliable: bool) {
        let key = server_key(&req);
        let existing = self.server_keys.get(&key).copied();
        match (&req.method, existing) {
            (Method::Ack, Some(id)) => self.ack_matched(now, id, req),
            (Method::Ack, None) => self.ack_unmatched(req),
            (_, Some(id)) => self.retransmission(id),
            (Method::Cancel, None) => self.cancel(now, req, from, reliable),
            (Method::Prack, None) => self.prack(now, key, req, from, reliable),
            (_, None) => {
                let id = self.create_server(now, key, req.clone(), from, reliable);
                self.events.push_back(TxEvent::Request {
                    tx: id,
                    request: req,
                });
            }
        }
    }

    fn create_server(
        &mut self,
        now: Instant,
        key: ServerKey,
        req: Request,
        from: A,
        reliable: bool,
    ) -> TxId {
        let id = self.new_id();
        let tx = ServerTx::new(now, req, reliable, self.cfg);
        let key_id = key.id.clone();
        self.server_keys.insert(key, id);
        self.servers.insert(
            id,
            Entry {
                tx,
                to: from,
                key_id,
            },
        );
        self.rearm(id);
        id
    }

    fn retransmission(&mut self, id: TxId) {
        if let Some(entry) = self.servers.get_mut(&id) {
            let actions = entry.tx.on_retransmit();
            let to = entry.to.clone();
            self.apply(id, &to, actions);
        }
    }

    fn ack_matched(&mut self, now: Instant, id: TxId, ack: Request) {
        let Some(entry) = self.servers.get_mut(&id) else {
            return;
        };
        if entry.tx.state == super::ServerState::Accepted {
            if entry.tx.on_2xx_ack() {
                self.events.push_back(TxEvent::AckFor2xx { tx: id, ack });
            }
            self.rearm(id);
            return;
        }
        let actions = entry.tx.on_ack(now);
        let to = entry.to.clone();
        self.apply(id, &to, actions);
    }

    /// An ACK with its own branch: the ACK for a 2xx. Matched to an Accepted INVITE by Call-ID
    /// and CSeq number, else handed on as stray.
    fn ack_unmatched(&mut self, ack: Request) {
        let key = ack
            .headers
            .call_id()
            .cloned()
            .zip(ack.headers.cseq().map(|c| c.seq));
        let found = key.and_then(|k| self.accepted.get(&k).copied());
        let entry = found.and_then(|id| self.servers.get_mut(&id).map(|e| (id, e)));
        match entry {
            Some((id, entry)) => {
                if entry.tx.on_2xx_ack() {
                    self.events.push_back(TxEvent::AckFor2xx { tx: id, ack });
                }
                self.rearm(id);
            }
            None => self.events.push_back(TxEvent::StrayAck(ack)),
        }
    }

    fn cancel(&mut self, now: Instant, cancel: Request, from: A, reliable: bool) {
        let mut invite_key = server_key(&cancel);
        invite_key.method = Method::Invite;
        let invite = self.server_keys.get(&invite_key).copied();
        let cancel_key = server_key(&cancel);
        let cancel_tx = self.create_server(now, cancel_key, cancel.clone(), from, reliable);
        let Some(invite) = invite else {
            let mut r = cancel.response(481);
            r.set_to_tag(&derived_tag(&cancel));
            self.respond(now, cancel_tx, r);
            return;
        };
        let pending = self
            .servers
            .get(&invite)
            .map(|e| (e.tx.is_pending(), to_tag_of(&e.tx)));
        let (is_pending, tag) = pending.unwrap_or((false, None));
        let tag = tag.unwrap_or_else(|| derived_tag(&cancel));
        let mut ok = cancel.response(200);
        ok.set_to_tag(&tag);
        self.respond(now, cancel_tx, ok);
        if is_pending {
            let terminated = self
                .servers
                .get(&invite)
                .map(|e| e.tx.request.response(487));
            if let Some(mut r) = terminated {
                r.set_to_tag(&tag);
                self.respond(now, invite, r);
            }
            self.events.push_back(TxEvent::Cancelled { invite, cancel });
        }
    }

    /// Fires the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            if self.deadline_of(id) != Some(at) {
                continue;
            }
            if let Some(entry) = self.clients.get_mut(&id) {
                let actions = entry.tx.on_timeout(now);
                let to = entry.to.clone();
                self.apply(id, &to, actions);
            } else if let Some(entry) = self.servers.get_mut(&id) {
                let actions = entry.tx.on_timeout(now);
                let to = entry.to.clone();
                self.apply(id, &to, actions);
            }
        }
    }

    fn deadline_of(&self, id: TxId) -> Option<Instant> {
        match self.clients.get(&id) {
            Some(e) => e.tx.next_timeout(),
            None => self.servers.get(&id).and_then(|e| e.tx.next_timeout()),
        }
    }

    fn rearm(&mut self, id: TxId) {
        if let Some(at) = self.deadline_of(id) {
            self.deadlines.push(Reverse((at, id)));
        }
    }

    /// The transport could not deliver for client transaction `tx`.
    pub fn transport_error(&mut self, tx: TxId) {
        if let Some(entry) = self.clients.get_mut(&tx) {
            let actions = entry.tx.transport_error();
            let to = entry.to.clone();
            self.apply(tx, &to, actions);
        }
    }

    /// The earliest deadline of any transaction.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if self.deadline_of(id) == Some(at) {
                return Some(at);
            }
            self.deadlines.pop();
        }
        None
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit<A>> {
        self.transmits.pop_front()
    }

    /// The next event for the UA core.
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }

    /// Number of live transactions (client, server).
    pub fn len(&self) -> (usize, usize) {
        (self.clients.len(), self.servers.len())
    }

    /// The state of client transaction `tx`, if alive.
    pub fn client_state(&self, tx: TxId) -> Option<super::ClientState> {
        self.clients.get(&tx).map(|e| e.tx.state)
    }

    /// Where server transaction `tx`'s request came from (its responses go there), if alive.
    pub fn server_peer(&self, tx: TxId) -> Option<A> {
        self.servers.get(&tx).map(|e| e.to.clone())
    }

    /// The state of server transaction `tx`, if alive.
    pub fn server_state(&self, tx: TxId) -> Option<super::ServerState> {
        self.servers.get(&tx).map(|e| e.tx.state)
    }

    /// True when client transaction `tx` has a retransmission timer armed (never on TCP/TLS).
    pub fn retransmits(&self, tx: TxId) -> bool {
        self.clients
            .get(&tx)
            .is_some_and(|e| e.tx.has_retransmit_timer())
    }

    fn apply(&mut self, id: TxId, to: &A, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Send(message) => self.transmits.push_back(Transmit {
                    to: to.clone(),
                    message,
                }),
                Action::Deliver(response) => self
                    .events
                    .push_back(TxEvent::Response { tx: id, response }),
                Action::Timeout => self.events.push_back(TxEvent::Timeout { tx: id }),
                Action::NoAck => self.events.push_back(TxEvent::NoAck { tx: id }),
                Action::NoPrack => self.events.push_back(TxEvent::NoPrack { tx: id }),
                Action::TransportError => self.events.push_back(TxEvent::TransportError { tx: id }),
                Action::Terminated => self.forget(id),
            }
        }
        self.rearm(id);
    }

    fn forget(&mut self, id: TxId) {
        if let Some(e) = self.clients.remove(&id) {
            let method = e.tx.request.method.clone();
            self.client_keys.remove(&ClientKey {
                branch: e.key_id,
                method,
            });
        }
        if let Some(e) = self.servers.remove(&id) {
            let r = &e.tx.request;
            if let (Some(call_id), Some(cseq)) = (r.headers.call_id(), r.headers.cseq()) {
                let key = (call_id.clone(), cseq.seq);
                if self.accepted.get(&key) == Some(&id) {
                    self.accepted.remove(&key);
                }
            }
            let method = normalize(&e.tx.request.method);
            self.server_keys.remove(&ServerKey {
                id: e.key_id,
                method,
            });
        }
        self.events.push_back(TxEvent::Terminated { tx: id });
    }
}

fn to_tag_of(tx: &ServerTx) -> Option<String> {
    tx.last_response()
        .and_then(|r| r.headers.to())
        .and_then(|t| t.tag())
        .map(str::to_string)
}

/// A To tag derived from the request's branch, for answers the TU never tagged.
fn derived_tag(req: &Request) -> String {
    let seed = req.branch().unwrap_or_default();
    let hash = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("rs{hash:x}")
}
