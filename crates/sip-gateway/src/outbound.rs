//! Calls to outside: the runtime rings a registered softphone (its bindings) or a PSTN number
//! (the caller's voice routing policy picks the trunks, in order, healthy ones first). We send
//! the INVITE with our offer, answer a carrier's 401/407 with the gateway's credentials, fail over
//! on the gateway's failover codes or a timeout, and tell the engine how it ended. Trunks that
//! ask for it are pinged with OPTIONS every minute; one that stops answering is tried last.

use std::net::SocketAddr;
use std::time::Instant;

use ringside_engine::{EndpointSignal, LegId, Refusal};
use ringside_model::{Party, TenantId};
use ringside_sip::auth::client::{authorize, Credentials};
use ringside_sip::dialog::Dialog;
use ringside_sip::sdp::SessionDescription;
use ringside_sip::transaction::{cancel_for, TxId};
use ringside_sip::{CSeq, Header, Host, Method, NameAddr, Request, Response, SipUri, Uri};

use crate::core::{caller_account, fresh_branch, fresh_tag, Core, Phase, Side, SipCall};
use crate::target::{Target, Trunk};

use crate::media::CallMedia;
use crate::transport::Peer;

impl Core {
    /// The runtime rings a party we reach.
    pub(crate) async fn ring(&mut self, leg: LegId, tenant: TenantId, party: Party, caller: Party) {
        let mut targets = self.targets(tenant, &party, &caller).await;
        if targets.is_empty() {
            let refusal = Refusal::Unavailable;
            self.signal(EndpointSignal::Refused { leg, refusal }).await;
            return;
        }
        let first = targets.remove(0);
        let Some(media) = CallMedia::new(&mut self.ports, self.config.media_ip, false) else {
            let refusal = Refusal::Unavailable;
            self.signal(EndpointSignal::Refused { leg, refusal }).await;
            return;
        };
        let from_user = self.caller_user(&caller);
        let invite = self.build_invite(&first, &from_user, &media);
        let call = SipCall {
            side: Side::Outgoing,
            phase: Phase::Early,
            leg: Some(leg),
            peer: first.peer.clone(),
            invite,
            invite_tx: None,
            local_tag: String::new(),
            dialog: None,
            media,
            answer: None,
            gateway: first.trunk.as_ref().map(|t| t.fqdn.clone()),
            next_targets: targets,
            target: Some(first),
            authenticated: false,
            held: false,
            tenant: Some(tenant),
            referral: None,
            reoffered: false,
        };
        let key = self.insert_call(call);
        self.send_invite(key);
        self.describe(key).await;
    }

    /// Where `party` is reached: a user's registered contacts, or the trunks of the caller's
    /// voice routing policy for a number (healthy first).
    async fn targets(&self, tenant: TenantId, party: &Party, caller: &Party) -> Vec<Target> {
        let now = Instant::now();
        let user = match party {
            Party::User { tenant, user } => Some((*tenant, *user)),
            Party::Phone(number) => self.directory.read(|d| match d.route_number(number) {
                Some((t, ringside_directory::Account::User(u))) => Some((t, u.id)),
                _ => None,
            }),
            _ => None,
        };
        if let Some((tenant, user)) = user {
            return self
                .shared
                .bindings_of(tenant, user, now)
                .into_iter()
                .map(|b| Target {
                    uri: b.contact,
                    peer: b.peer,
                    trunk: None,
                })
                .collect();
        }
        let Party::Phone(number) = party else {
            return Vec::new();
        };
        let gateways = self.directory.read(|d| {
            d.outbound_gateways(tenant, caller_account(caller), number)
                .into_iter()
                .map(GatewayView::of)
                .collect::<Vec<_>>()
        });
        let mut reachable = Vec::new();
        for gateway in gateways {
            if self.at_limit(&gateway.fqdn, gateway.max_sessions) {
                continue;
            }
            let Some(addr) = resolve(&gateway.fqdn, gateway.port).await else {
                continue;
            };
            let is_down = self.shared.is_down(&gateway.fqdn);
            reachable.push((gateway.target(number.as_str(), addr), is_down));
        }
        crate::health::healthy_first(reachable)
    }

    /// The From user of an outgoing call: the caller's number, else its SIP username.
    fn caller_user(&self, caller: &Party) -> String {
        self.directory.read(|d| match caller {
            Party::Phone(number) => number.as_str().to_string(),
            Party::User { tenant, user } => d
                .number_of(user.0)
                .map(|n| n.number.as_str().to_string())
                .or_else(|| d.sip_username_of(*tenant, *user).map(str::to_string))
                .unwrap_or_else(|| "anonymous".to_string()),
            Party::ApplicationInstance { instance, .. } => d.number_of(instance.0).map_or_else(
                || "anonymous".to_string(),
                |n| n.number.as_str().to_string(),
            ),
            _ => "anonymous".to_string(),
        })
    }

    fn build_invite(&self, target: &Target, from_user: &str, media: &CallMedia) -> Request {
        let mut invite = Request::new(Method::Invite, target.uri.clone());
        invite.headers.push(Header::Via(self.via(&target.peer)));
        invite.headers.push(Header::MaxForwards(70));
        let local = self.local_addr(&target.peer);
        let mut from_uri = SipUri::new(Some(from_user), crate::core::host_of(local));
        if from_user.starts_with('+') {
            from_uri.params.set("user", Some("phone"));
        }
        let mut from = NameAddr::new(Uri::Sip(from_uri));
        from.params.set("tag", Some(&fresh_tag()));
        invite.headers.push(Header::From(from));
        invite
            .headers
            .push(Header::To(NameAddr::new(target.uri.clone())));
        let call_id = format!("{}@ringside", fresh_tag());
        invite.headers.push(Header::CallId(call_id));
        invite.headers.push(Header::CSeq(CSeq {
            seq: 1,
            method: Method::Invite,
        }));
        let contact = self.contact(&target.peer, Some("ringside"));
        invite
            .headers
            .push(Header::Contact(ringside_sip::Contact::Addr(contact)));
        if target.trunk.as_ref().is_some_and(|t| t.forward_pai) && from_user.starts_with('+') {
            let mut pai = SipUri::new(Some(from_user), crate::core::host_of(local));
            pai.params.set("user", Some("phone"));
            invite
                .headers
                .push(Header::PAssertedIdentity(NameAddr::new(Uri::Sip(pai))));
        }
        for method in crate::core::ALLOW {
            invite.headers.push(Header::Allow(method));
        }
        invite
            .headers
            .push(Header::ContentType("application/sdp".to_string()));
        invite.body = media.offer();
        invite
    }

    /// Starts (or restarts) the call's INVITE transaction.
    fn send_invite(&mut self, key: u64) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let peer = call.peer.clone();
        let reliable = peer.reliable();
        match self
            .layer
            .send_request(Instant::now(), call.invite.clone(), peer, reliable)
        {
            Ok(tx) => {
                call.invite_tx = Some(tx);
                self.by_tx.insert(tx, key);
                if let Some(trunk) = call.target.as_ref().and_then(|t| t.trunk.as_ref()) {
                    let at = Instant::now() + trunk.failover_time;
                    self.failover_at.insert(key, at);
                }
            }
            Err(error) => {
                tracing::warn!(?error, "SIP: the INVITE could not be sent")
            }
        }
    }

    /// A response to one of our requests.
    pub(crate) async fn on_response(&mut self, tx: TxId, response: Response) {
        if self.pings.answered(tx, &self.shared.down) {
            return;
        }
        if self.on_notify_response(tx, &response) {
            return;
        }
        let Some(key) = self.by_tx.get(&tx).copied() else {
            return;
        };
        let is_invite = response
            .headers
            .cseq()
            .is_some_and(|c| c.method == Method::Invite);
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if !is_invite || call.side != Side::Outgoing || call.invite_tx != Some(tx) {
            return;
        }
        if call.phase == Phase::Ended {
            // Cancelled while ringing: a late 2xx is acknowledged and hung up; either way the
            // call is over.
            if (200..300).contains(&response.status) {
                self.acknowledge(key, &response);
                self.send_bye(key);
            }
            if response.status >= 200 {
                self.remove_call(key);
            }
            return;
        }
        if response.status > 100 {
            self.failover_at.remove(&key);
        }
        match response.status {
            100..=199 => {}
            200..=299 => self.answered(key, &response).await,
            401 | 407 => self.challenged(key, &response).await,
            status => self.failed(key, status).await,
        }
    }

    /// Our INVITE was answered: ACK, media, the engine told.
    async fn answered(&mut self, key: u64, response: &Response) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.phase != Phase::Early {
            return;
        }
        call.phase = Phase::Answered;
        let answer = SessionDescription::parse(&response.body).ok();
        let read = answer.map(|a| call.media.read_answer(&a));
        self.acknowledge(key, response);
        let Some(leg) = self.calls.get(&key).and_then(|c| c.leg) else {
            return;
        };
        if !matches!(read, Some(Ok(()))) {
            // No usable answer: the call cannot carry audio.
            self.send_bye(key);
            let refusal = Refusal::Unavailable;
            self.signal(EndpointSignal::Refused { leg, refusal }).await;
            return;
        }
        self.attach_media(key).await;
        self.signal(EndpointSignal::Answered { leg }).await;
    }

    /// The dialog of a 2xx to our INVITE, and its ACK.
    fn acknowledge(&mut self, key: u64, response: &Response) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.dialog = Dialog::uac(&call.invite, response);
        let seq = call.invite.headers.cseq().map_or(1, |c| c.seq);
        let peer = call.peer.clone();
        let dialog = call.dialog.clone();
        if let Some(dialog) = dialog {
            let ack = dialog.ack(seq, self.via(&peer));
            self.layer
                .send_stateless(ringside_sip::Message::Request(ack), peer);
        }
    }

    /// A carrier's digest challenge: answered once with the gateway's credentials.
    async fn challenged(&mut self, key: u64, response: &Response) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let credentials = call
            .target
            .as_ref()
            .and_then(|t| t.trunk.as_ref())
            .and_then(|t| t.credentials.clone());
        let retry = match credentials {
            Some(credentials) if !call.authenticated => authorize(
                &call.invite,
                response,
                &credentials,
                &fresh_tag(),
                &fresh_branch(),
            )
            .ok(),
            _ => None,
        };
        match retry {
            Some(invite) => {
                call.invite = invite;
                call.authenticated = true;
                self.send_invite(key);
            }
            None => self.failed(key, response.status).await,
        }
    }

    /// A final failure (or timeout, as 408): the next target, or the engine told why.
    async fn failed(&mut self, key: u64, status: u16) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.phase != Phase::Early {
            return;
        }
        let fails_over = call.target.as_ref().is_some_and(|t| match &t.trunk {
            Some(trunk) => crate::codes::fails_over(status, &trunk.failover),
            None => true,
        });
        if fails_over && !call.next_targets.is_empty() {
            let next = call.next_targets.remove(0);
            let from_user = call
                .invite
                .headers
                .from()
                .and_then(|f| crate::numbers::user_of(&f.uri))
                .unwrap_or_default();
            let invite = self.build_invite(&next, &from_user, &self.calls[&key].media);
            if let Some(call) = self.calls.get_mut(&key) {
                if let Some(id) = call.invite.headers.call_id() {
                    self.by_call_id.remove(id);
                }
                if let Some(id) = invite.headers.call_id() {
                    self.by_call_id.insert(id.clone(), key);
                }
                call.invite = invite;
                call.peer = next.peer.clone();
                call.gateway = next.trunk.as_ref().map(|t| t.fqdn.clone());
                call.target = Some(next);
                call.authenticated = false;
            }
            self.send_invite(key);
            return;
        }
        let leg = call.leg;
        call.phase = Phase::Ended;
        self.remove_call(key);
        if let Some(leg) = leg {
            let refusal = crate::codes::refusal_of(status);
            self.signal(EndpointSignal::Refused { leg, refusal }).await;
        }
    }

    /// A transaction timed out or its transport failed.
    pub(crate) async fn on_tx_failed(&mut self, tx: TxId) {
        if self.pings.failed(tx, &self.shared.down) {
            return;
        }
        let Some(key) = self.by_tx.get(&tx).copied() else {
            return;
        };
        if self
            .calls
            .get(&key)
            .and_then(|c| c.referral.as_ref())
            .is_some_and(|r| r.awaits(tx))
        {
            return self.release_transferor(key);
        }
        let outgoing_early = self
            .calls
            .get(&key)
            .is_some_and(|c| c.side == Side::Outgoing && c.phase == Phase::Early);
        if outgoing_early {
            if let Some(fqdn) = self.calls[&key]
                .target
                .as_ref()
                .and_then(|t| t.trunk.as_ref())
                .map(|t| t.fqdn.clone())
            {
                self.shared.set_down(&fqdn, true);
            }
            self.failed(key, 408).await;
        }
    }

    /// Outgoing calls whose gateway gave no response beyond 100 within its failover time: the
    /// INVITE is cancelled and the next gateway tried (as a 408).
    pub(crate) async fn failover_due(&mut self, now: Instant) {
        let due: Vec<u64> = self
            .failover_at
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(key, _)| *key)
            .collect();
        for key in due {
            self.failover_at.remove(&key);
            let Some(call) = self.calls.get(&key) else {
                continue;
            };
            if call.phase != Phase::Early {
                continue;
            }
            let cancel = cancel_for(&call.invite);
            let peer = call.peer.clone();
            let reliable = peer.reliable();
            let _ = self.layer.send_request(now, cancel, peer, reliable);
            self.failed(key, 408).await;
        }
    }

    /// Whether a gateway carries its `maxConcurrentSessions` already.
    pub(crate) fn at_limit(&self, fqdn: &str, limit: Option<u32>) -> bool {
        limit.is_some_and(|limit| {
            let active = self
                .calls
                .values()
                .filter(|c| c.phase != Phase::Ended && c.gateway.as_deref() == Some(fqdn))
                .count();
            active >= limit as usize
        })
    }

    /// The engine ended a ringing outgoing leg: CANCEL.
    pub(crate) fn cancel_outgoing(&mut self, key: u64) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.phase = Phase::Ended;
        let cancel = cancel_for(&call.invite);
        let peer = call.peer.clone();
        let reliable = peer.reliable();
        let _ = self
            .layer
            .send_request(Instant::now(), cancel, peer, reliable);
    }

    /// OPTIONS to every enabled gateway that asks for pings.
    pub(crate) async fn ping_trunks(&mut self, now: Instant) {
        let gateways = self.directory.read(|d| {
            d.tenants()
                .flat_map(|t| d.pstn_gateways(t.id))
                .filter(|g| g.enabled && g.send_sip_options)
                .map(GatewayView::of)
                .collect::<Vec<_>>()
        });
        for gateway in gateways {
            if self.at_limit(&gateway.fqdn, gateway.max_sessions) {
                continue;
            }
            let Some(addr) = resolve(&gateway.fqdn, gateway.port).await else {
                continue;
            };
            let target = gateway.target("ping", addr);
            let mut options = Request::new(Method::Options, target.uri.clone());
            options.headers.push(Header::Via(self.via(&target.peer)));
            options.headers.push(Header::MaxForwards(70));
            let local = self.local_addr(&target.peer);
            let mut from = NameAddr::new(Uri::Sip(SipUri::new(
                Some("ringside"),
                crate::core::host_of(local),
            )));
            from.params.set("tag", Some(&fresh_tag()));
            options.headers.push(Header::From(from));
            options
                .headers
                .push(Header::To(NameAddr::new(target.uri.clone())));
            options
                .headers
                .push(Header::CallId(format!("{}@ringside", fresh_tag())));
            options.headers.push(Header::CSeq(CSeq {
                seq: 1,
                method: Method::Options,
            }));
            let reliable = target.peer.reliable();
            if let Ok(tx) = self.layer.send_request(now, options, target.peer, reliable) {
                self.pings.sent(tx, gateway.fqdn);
            }
        }
    }
}

/// What the gateway needs of a directory gateway record.
struct GatewayView {
    fqdn: String,
    port: u16,
    transport: String,
    credentials: Option<Credentials>,
    failover: String,
    failover_time: std::time::Duration,
    forward_pai: bool,
    max_sessions: Option<u32>,
}

impl GatewayView {
    fn of(g: &ringside_directory::PstnGateway) -> GatewayView {
        GatewayView {
            fqdn: g.fqdn.clone(),
            port: g.sip_signaling_port,
            transport: g.transport.as_str().to_string(),
            credentials: g.credentials.as_ref().map(|c| Credentials {
                username: c.username.clone(),
                password: c.password.clone(),
            }),
            failover: g.failover_codes_text(),
            failover_time: std::time::Duration::from_secs(u64::from(g.failover_time_seconds)),
            forward_pai: g.forward_pai,
            max_sessions: g.max_concurrent_sessions,
        }
    }

    fn target(&self, user: &str, addr: SocketAddr) -> Target {
        let host = Host::parse(&self.fqdn).unwrap_or(Host::Domain(self.fqdn.clone()));
        let mut uri = SipUri::new(Some(user), host);
        uri.port = Some(self.port);
        uri.params.set("user", Some("phone"));
        let peer = match self.transport.as_str() {
            "tcp" => {
                uri.params.set("transport", Some("tcp"));
                Peer::Stream {
                    conn: 0,
                    addr,
                    tls: false,
                }
            }
            "tls" => {
                uri.params.set("transport", Some("tls"));
                Peer::Stream {
                    conn: 0,
                    addr,
                    tls: true,
                }
            }
            _ => Peer::Udp(addr),
        };
        Target {
            uri: Uri::Sip(uri),
            peer,
            trunk: Some(Trunk {
                fqdn: self.fqdn.clone(),
                credentials: self.credentials.clone(),
                failover: self.failover.clone(),
                failover_time: self.failover_time,
                forward_pai: self.forward_pai,
            }),
        }
    }
}

/// An fqdn or address literal and port to a socket address.
async fn resolve(fqdn: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(ip) = fqdn.parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((fqdn, port)).await.ok()?.next()
}
