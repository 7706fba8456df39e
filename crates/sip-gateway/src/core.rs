//! The gateway's one task: the transaction layer, the calls (by leg, Call-ID and transaction),
//! the registrar's bindings and the trunks' health, fed by the transports, the runtime's external
//! events and the earliest timer. What a request or response means lives in `inbound`,
//! `outbound` and `registrar`; this file holds the state, the loop and what they share.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use ringside_engine::{EndpointSignal, LegId};
use ringside_media::MediaCommand;
use ringside_model::{Party, TenantId, UserId};
use ringside_runtime::external::{ExternalEvent, ExternalRequest, Reach};
use ringside_runtime::CallRuntime;
use ringside_sip::auth::server::DigestServer;
use ringside_sip::dialog::Dialog;
use ringside_sip::transaction::{TimerConfig, TransactionLayer, TxEvent, TxId};
use ringside_sip::{
    check_request, parse_error_response, rejection_response, Header, Host, Message, Method,
    NameAddr, Request, Response, SipUri, UasPolicy, Uri, Via,
};
use ringside_store::DirectoryStore;
use tokio::sync::{mpsc, watch};

use crate::health::{Health, Pings};
use crate::media::{CallMedia, Ports};
use crate::transport::{Inbound, Peer, Transports};
use crate::GatewayConfig;

/// Methods we answer (the Allow header).
pub const ALLOW: [Method; 11] = [
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Options,
    Method::Info,
    Method::Update,
    Method::Register,
    Method::Refer,
    Method::Notify,
    Method::Prack,
];

pub use crate::health::OPTIONS_INTERVAL;

/// A registered contact of a softphone.
#[derive(Clone, Debug)]
pub struct Binding {
    /// Its Contact URI.
    pub contact: Uri,
    /// Where requests reach it (the connection or address it registered from).
    pub peer: Peer,
    /// When it lapses.
    pub expires: Instant,
}

/// Each user's registered contacts.
pub type Registrations = HashMap<(TenantId, UserId), Vec<Binding>>;

/// What the runtime's [`Reach`] reads on its own task: registrations and trunk health.
#[derive(Clone)]
pub struct Shared {
    pub(crate) directory: Arc<DirectoryStore>,
    pub(crate) bindings: Arc<RwLock<Registrations>>,
    pub(crate) down: Health,
}

impl Shared {
    /// Empty registrations.
    pub fn new(directory: Arc<DirectoryStore>) -> Shared {
        Shared {
            directory,
            bindings: Arc::default(),
            down: Health::default(),
        }
    }

    /// Whether a gateway stopped answering its OPTIONS pings.
    pub fn is_down(&self, fqdn: &str) -> bool {
        self.down.is_down(fqdn)
    }

    /// Marks a gateway down or up.
    pub fn set_down(&self, fqdn: &str, down: bool) {
        self.down.set_down(fqdn, down);
    }

    /// The live bindings of a user.
    pub fn bindings_of(&self, tenant: TenantId, user: UserId, now: Instant) -> Vec<Binding> {
        self.bindings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(tenant, user))
            .map(|b| b.iter().filter(|b| b.expires > now).cloned().collect())
            .unwrap_or_default()
    }
}

impl Reach for Shared {
    fn reaches(&self, tenant: TenantId, party: &Party, caller: &Party) -> bool {
        let now = Instant::now();
        match party {
            Party::User { tenant, user } => !self.bindings_of(*tenant, *user, now).is_empty(),
            Party::Phone(number) => self.directory.read(|d| match d.route_number(number) {
                Some((owner_tenant, ringside_directory::Account::User(user))) => {
                    !self.bindings_of(owner_tenant, user.id, now).is_empty()
                }
                Some(_) => false,
                None => !d
                    .outbound_gateways(tenant, caller_account(caller), number)
                    .is_empty(),
            }),
            _ => false,
        }
    }
}

/// The directory object whose voice routing policy applies to a caller.
pub fn caller_account(caller: &Party) -> Option<ringside_model::Guid> {
    match caller {
        Party::User { user, .. } => Some(user.0),
        Party::ApplicationInstance { instance, .. } => Some(instance.0),
        _ => None,
    }
}

/// Which side placed the INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// From outside to a bot/user: we are the UAS.
    Incoming,
    /// From the runtime to a phone or trunk: we are the UAC.
    Outgoing,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Ringing (no final response yet).
    Early,
    /// 2xx sent or received.
    Answered,
    /// Over.
    Ended,
}

/// One SIP call (one dialog and its leg).
#[derive(Debug)]
pub struct SipCall {
    pub(crate) side: Side,
    pub(crate) phase: Phase,
    pub(crate) leg: Option<LegId>,
    pub(crate) peer: Peer,
    pub(crate) invite: Request,
    pub(crate) invite_tx: Option<TxId>,
    pub(crate) local_tag: String,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) media: CallMedia,
    /// Incoming: our answer to their offer (`None`: offerless INVITE, we offer in the 200).
    pub(crate) answer: Option<Vec<u8>>,
    /// Outgoing: the targets still to try after this one, and credentials sent.
    pub(crate) next_targets: Vec<crate::target::Target>,
    pub(crate) target: Option<crate::target::Target>,
    /// The trunk carrying the call (its `maxConcurrentSessions` counts it).
    pub(crate) gateway: Option<String>,
    pub(crate) authenticated: bool,
    pub(crate) held: bool,
    /// The tenant of the call (whose numbers and users a REFER may name).
    pub(crate) tenant: Option<TenantId>,
    /// A phone's REFER being carried out.
    pub(crate) referral: Option<crate::referral::Referral>,
    /// Our offer went in the 2xx to an offerless re-INVITE: its ACK carries the answer.
    pub(crate) reoffered: bool,
}

/// The task's state.
pub struct Core {
    pub(crate) config: GatewayConfig,
    pub(crate) directory: Arc<DirectoryStore>,
    pub(crate) calls_rt: CallRuntime,
    pub(crate) transports: Transports,
    pub(crate) shared: Shared,
    pub(crate) layer: TransactionLayer<Peer>,
    pub(crate) digest: DigestServer,
    pub(crate) ports: Ports,
    pub(crate) calls: HashMap<u64, SipCall>,
    pub(crate) by_leg: HashMap<LegId, u64>,
    pub(crate) by_call_id: HashMap<String, u64>,
    pub(crate) by_tx: HashMap<TxId, u64>,
    /// Our OPTIONS pings: in flight, and the next round.
    pub(crate) pings: Pings,
    /// Outgoing calls' failover deadlines.
    pub(crate) failover_at: HashMap<u64, Instant>,
    next_call: u64,
}

impl Core {
    /// A core over bound transports.
    pub fn new(
        config: GatewayConfig,
        directory: Arc<DirectoryStore>,
        calls_rt: CallRuntime,
        transports: Transports,
        shared: Shared,
    ) -> Core {
        let digest = DigestServer::new(&config.secret, &config.domain, 300)
            .with_algorithms(config.digest_algorithms.clone());
        let ports = Ports::new(config.rtp_ports.clone());
        Core {
            config,
            directory,
            calls_rt,
            transports,
            shared,
            layer: TransactionLayer::new(TimerConfig::default()),
            digest,
            ports,
            calls: HashMap::new(),
            by_leg: HashMap::new(),
            by_call_id: HashMap::new(),
            by_tx: HashMap::new(),
            pings: Pings::new(Instant::now()),
            failover_at: HashMap::new(),
            next_call: 1,
        }
    }

    /// The loop: messages, runtime events, timers, until stopped.
    pub async fn run(
        mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut events: mpsc::UnboundedReceiver<ExternalEvent>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            let deadline = self.deadline();
            tokio::select! {
                message = inbound.recv() => match message {
                    Some(message) => self.on_inbound(message).await,
                    None => return,
                },
                event = events.recv() => match event {
                    Some(event) => self.on_event(event).await,
                    None => return,
                },
                () = tokio::time::sleep_until(deadline.into()) => self.on_timer().await,
                _ = stop.changed() => return,
            }
            self.flush().await;
        }
    }

    fn deadline(&mut self) -> Instant {
        let ping = self.pings.next();
        let failover = self.failover_at.values().min().copied().unwrap_or(ping);
        let own = ping.min(failover);
        self.layer.poll_timeout().map_or(own, |at| at.min(own))
    }

    async fn on_timer(&mut self) {
        let now = Instant::now();
        self.layer.handle_timeout(now);
        self.failover_due(now).await;
        if self.pings.due(now) {
            self.ping_trunks(now).await;
        }
    }

    async fn on_inbound(&mut self, inbound: Inbound) {
        let now = Instant::now();
        let peer = inbound.peer;
        match inbound.message {
            Ok(Message::Request(mut request)) => {
                stamp_via(&mut request, &peer);
                if let Err(rejection) = check_request(&request, &policy()) {
                    if request.method != Method::Ack {
                        let tag = fresh_tag();
                        let answer = rejection_response(&request, &rejection, &tag);
                        self.layer.send_stateless(Message::Response(answer), peer);
                    }
                    return;
                }
                let reliable = peer.reliable();
                self.layer.handle_request(now, request, peer, reliable);
            }
            Ok(Message::Response(response)) => self.layer.handle_response(now, response),
            Err(error) => {
                if let Some(answer) = parse_error_response(&error, &fresh_tag()) {
                    self.layer.send_stateless(Message::Response(answer), peer);
                }
            }
        }
    }

    /// Drains the transaction layer: events to their handlers, messages to the wire.
    pub(crate) async fn flush(&mut self) {
        loop {
            while let Some(transmit) = self.layer.poll_transmit() {
                let bytes = transmit.message.to_bytes();
                if let Err(error) = self.transports.send(&transmit.to, bytes) {
                    tracing::debug!(peer = ?transmit.to, %error, "SIP: send failed");
                }
            }
            let Some(event) = self.layer.poll_event() else {
                return;
            };
            self.on_tx_event(event).await;
        }
    }

    async fn on_tx_event(&mut self, event: TxEvent) {
        let now = Instant::now();
        match event {
            TxEvent::Request { tx, request } => self.on_request(now, tx, request).await,
            TxEvent::Response { tx, response } => self.on_response(tx, response).await,
            TxEvent::Cancelled { invite, .. } => self.on_cancelled(invite).await,
            TxEvent::AckFor2xx { ack, .. } | TxEvent::StrayAck(ack) => self.on_ack(&ack).await,
            TxEvent::StrayResponse(response) => self.on_stray_response(&response),
            TxEvent::Timeout { tx } | TxEvent::TransportError { tx } => self.on_tx_failed(tx).await,
            TxEvent::Pracked { .. } => {}
            TxEvent::NoPrack { tx } => self.on_no_prack(tx).await,
            TxEvent::NoAck { tx } => {
                if let Some(key) = self.by_tx.get(&tx).copied() {
                    self.hang_up_from_sip(key).await;
                    self.send_bye(key);
                    self.remove_call(key);
                }
            }
            TxEvent::Terminated { tx } => {
                self.by_tx.remove(&tx);
                self.pings.forget(tx);
            }
        }
    }

    async fn on_request(&mut self, now: Instant, tx: TxId, request: Request) {
        let in_dialog = request.headers.to().and_then(NameAddr::tag).is_some();
        match request.method {
            Method::Register => self.on_register(now, tx, &request),
            Method::Options if !in_dialog => {
                let ok = self.ok_with_allow(&request);
                self.layer.respond(now, tx, ok);
            }
            Method::Invite if !in_dialog => self.on_invite(now, tx, request).await,
            _ if in_dialog => self.on_in_dialog(now, tx, request).await,
            Method::Bye | Method::Info | Method::Update => {
                let answer = self.plain(&request, 481);
                self.layer.respond(now, tx, answer);
            }
            _ => {
                let mut answer = self.plain(&request, 405);
                for method in ALLOW {
                    answer.headers.push(Header::Allow(method));
                }
                self.layer.respond(now, tx, answer);
            }
        }
    }

    /// A response stamped with a To tag (ours for the call, or a fresh one).
    pub(crate) fn plain(&self, request: &Request, status: u16) -> Response {
        let mut response = request.response(status);
        let tag = request
            .headers
            .call_id()
            .and_then(|id| self.by_call_id.get(id))
            .and_then(|key| self.calls.get(key))
            .map_or_else(fresh_tag, |call| call.local_tag.clone());
        if request.headers.to().and_then(NameAddr::tag).is_none() {
            response.set_to_tag(&tag);
        }
        response
    }

    pub(crate) fn ok_with_allow(&self, request: &Request) -> Response {
        let mut ok = self.plain(request, 200);
        for method in ALLOW {
            ok.headers.push(Header::Allow(method));
        }
        ok.headers.push_other("Accept", "application/sdp");
        ok.headers.push(Header::Supported("replaces".into()));
        ok.headers.push(Header::Supported("100rel".into()));
        ok
    }

    /// A new call record.
    pub(crate) fn insert_call(&mut self, call: SipCall) -> u64 {
        let key = self.next_call;
        self.next_call += 1;
        if let Some(id) = call.invite.headers.call_id() {
            self.by_call_id.insert(id.clone(), key);
        }
        if let Some(tx) = call.invite_tx {
            self.by_tx.insert(tx, key);
        }
        if let Some(leg) = call.leg {
            self.by_leg.insert(leg, key);
        }
        self.calls.insert(key, call);
        key
    }

    /// Forgets a call.
    pub(crate) fn remove_call(&mut self, key: u64) {
        self.failover_at.remove(&key);
        if let Some(call) = self.calls.remove(&key) {
            if let Some(id) = call.invite.headers.call_id() {
                self.by_call_id.remove(id);
            }
            if let Some(leg) = call.leg {
                self.by_leg.remove(&leg);
            }
        }
    }

    /// Tells the runtime that a SIP call's leg hung up.
    pub(crate) async fn hang_up_from_sip(&mut self, key: u64) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.phase = Phase::Ended;
        if let Some(leg) = call.leg {
            self.signal(EndpointSignal::HungUp { leg }).await;
        }
    }

    /// An endpoint signal for the engine.
    pub(crate) async fn signal(&self, signal: EndpointSignal) {
        let _ = self
            .calls_rt
            .external(ExternalRequest::Signal(signal))
            .await;
    }

    /// A media command for a leg.
    pub(crate) async fn media(
        &self,
        leg: LegId,
        command: impl FnOnce(ringside_engine::ConversationId) -> MediaCommand + Send + 'static,
    ) {
        let request = ExternalRequest::Media {
            leg,
            command: Box::new(command),
        };
        let _ = self.calls_rt.external(request).await;
    }

    /// Sends BYE on an answered call's dialog.
    pub(crate) fn send_bye(&mut self, key: u64) {
        let via = self.via_for(key);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let (Some(dialog), Some(via)) = (call.dialog.as_mut(), via) else {
            return;
        };
        let bye = dialog.request(Method::Bye, via);
        let peer = call.peer.clone();
        let reliable = peer.reliable();
        if let Ok(tx) = self.layer.send_request(Instant::now(), bye, peer, reliable) {
            self.by_tx.insert(tx, key);
        }
        call.phase = Phase::Ended;
    }

    /// A Via for a new request of call `key` (toward its peer).
    fn via_for(&self, key: u64) -> Option<Via> {
        let peer = &self.calls.get(&key)?.peer;
        Some(self.via(peer))
    }

    /// Our Via toward `peer` with a fresh branch.
    pub(crate) fn via(&self, peer: &Peer) -> Via {
        let local = self.local_addr(peer);
        Via::new(
            peer.via_transport(),
            host_of(local),
            Some(local.port()),
            &fresh_branch(),
        )
    }

    /// Our address on `peer`'s transport.
    pub(crate) fn local_addr(&self, peer: &Peer) -> SocketAddr {
        let bound = self.transports.bound();
        let fallback = SocketAddr::new(self.config.media_ip, 5060);
        match peer {
            Peer::Udp(_) => bound.udp,
            Peer::Stream { tls: false, .. } => bound.tcp,
            Peer::Stream { tls: true, .. } => bound.tls,
        }
        .or(bound.udp)
        .unwrap_or(fallback)
    }

    /// Our Contact toward `peer`.
    pub(crate) fn contact(&self, peer: &Peer, user: Option<&str>) -> NameAddr {
        let local = self.local_addr(peer);
        let mut uri = SipUri::new(user, host_of(local));
        uri.port = Some(local.port());
        match peer {
            Peer::Stream { tls: false, .. } => uri.params.set("transport", Some("tcp")),
            Peer::Stream { tls: true, .. } => uri.params.set("transport", Some("tls")),
            Peer::Udp(_) => {}
        }
        NameAddr::new(Uri::Sip(uri))
    }

    /// Tells the platform what this leg is on the wire.
    pub(crate) async fn describe(&self, key: u64) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let Some(leg) = call.leg else {
            return;
        };
        let mut facts = vec![
            (
                "sipCallId".to_string(),
                call.invite.headers.call_id().cloned().unwrap_or_default(),
            ),
            ("remoteAddress".to_string(), call.peer.addr().to_string()),
            (
                "transport".to_string(),
                call.peer.via_transport().to_ascii_lowercase(),
            ),
        ];
        if let Some(negotiated) = &call.media.negotiated {
            facts.push(("codec".to_string(), negotiated.codec.name().to_string()));
            facts.push(("srtp".to_string(), call.media.is_srtp().to_string()));
        }
        let request = ExternalRequest::Describe { leg, facts };
        let _ = self.calls_rt.external(request).await;
    }

    async fn on_event(&mut self, event: ExternalEvent) {
        match event {
            ExternalEvent::Ring {
                leg,
                tenant,
                party,
                caller,
                ..
            } => self.ring(leg, tenant, party, caller).await,
            ExternalEvent::State {
                leg, state, reason, ..
            } => {
                let Some(key) = self.by_leg.get(&leg).copied() else {
                    return;
                };
                if state == ringside_engine::LegState::Established {
                    self.established(key).await;
                } else if reason == Some(ringside_engine::EndReason::Transferred)
                    && self.referral_done(key, None).await
                {
                    // The final NOTIFY went out; BYE follows its answer.
                } else if let Some(reason) = reason {
                    self.ended_by_engine(key, reason).await;
                }
            }
            ExternalEvent::Moved { .. } => {}
            ExternalEvent::TransferFailed { leg, cause } => {
                if let Some(key) = self.by_leg.get(&leg).copied() {
                    self.referral_done(key, Some(cause)).await;
                }
            }
            ExternalEvent::Media { leg, event } => self.on_media_event(leg, event).await,
        }
    }

    async fn on_media_event(&mut self, leg: LegId, event: ringside_media::EndpointEvent) {
        use ringside_media::EndpointEvent;
        let Some(key) = self.by_leg.get(&leg).copied() else {
            return;
        };
        match event {
            EndpointEvent::RtpTimeout { .. } | EndpointEvent::RtpBye => {
                tracing::info!(%leg, "SIP: the phone's RTP stopped; hanging up");
                self.hang_up_from_sip(key).await;
                self.send_bye(key);
                self.remove_call(key);
            }
            _ => {}
        }
    }

    /// The engine ended a leg of ours: BYE if answered, the right final response if ringing in,
    /// CANCEL if ringing out.
    async fn ended_by_engine(&mut self, key: u64, reason: ringside_engine::EndReason) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        match (call.side, call.phase) {
            (_, Phase::Ended) => self.remove_call(key),
            (_, Phase::Answered) => {
                self.send_bye(key);
                self.remove_call(key);
            }
            (Side::Incoming, Phase::Early) => self.reject_incoming(key, reason),
            (Side::Outgoing, Phase::Early) => self.cancel_outgoing(key),
        }
    }

    /// Unix seconds (digest nonces).
    pub(crate) fn unix_now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// The checks every request passes before the transaction layer.
fn policy() -> UasPolicy {
    let mut policy = UasPolicy::default();
    policy.supported.push("100rel".into());
    policy
}

/// RFC 3581/3261 §18.2.1: the top Via gets `received` (and `rport`'s value) from the source.
fn stamp_via(request: &mut Request, peer: &Peer) {
    let addr = peer.addr();
    for header in &mut request.headers.0 {
        if let Header::Via(via) = header {
            via.stamp_received(addr.ip(), addr.port());
            break;
        }
    }
}

/// The host part for an address.
pub(crate) fn host_of(addr: SocketAddr) -> Host {
    match addr.ip() {
        std::net::IpAddr::V4(ip) => Host::V4(ip),
        std::net::IpAddr::V6(ip) => Host::V6(ip),
    }
}

/// A fresh tag.
pub(crate) fn fresh_tag() -> String {
    format!("rs{:016x}", rand::thread_rng().gen::<u64>())
}

/// A fresh RFC 3261 branch.
pub(crate) fn fresh_branch() -> String {
    format!("z9hG4bK{:016x}", rand::thread_rng().gen::<u64>())
}
