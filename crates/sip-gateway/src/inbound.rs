//! Calls from outside: an INVITE from a trunk (a PSTN gateway of the directory, by source
//! address; the caller from P-Asserted-Identity or From) or from a softphone (digest as a
//! directory user) becomes a runtime call to the dialled number or user; the answer goes out when
//! the engine establishes the leg. In-dialog requests of every call: BYE, re-INVITE (hold,
//! resume, new address; an offerless one gets our offer in the 200 and answers in the ACK), INFO
//! digits, UPDATE; CANCEL and ACK.

use std::time::Instant;

use ringside_engine::{EndReason, EndpointSignal};
use ringside_media::MediaCommand;
use ringside_model::{Party, TenantId, E164};
use ringside_runtime::external::ExternalRequest;
use ringside_runtime::headers::CallHeaders;
use ringside_runtime::CallError;
use ringside_sip::auth::server::Verdict;
use ringside_sip::dialog::Dialog;
use ringside_sip::sdp::SessionDescription;
use ringside_sip::transaction::TxId;
use ringside_sip::{Header, Message, Method, Request, Uri};

use crate::core::{fresh_tag, Core, Phase, Side, SipCall};
use crate::media::{self, CallMedia};
use crate::numbers::{e164, user_of};
use crate::transport::Peer;

/// What a trunk's address makes of a call.
enum Trunked {
    Caller(Caller),
    Refused,
    NotATrunk,
}

/// Who is calling, once identified.
struct Caller {
    tenant: TenantId,
    party: Party,
    /// The trunk it came through.
    gateway: Option<String>,
}

impl Core {
    pub(crate) async fn on_invite(&mut self, now: Instant, tx: TxId, request: Request) {
        let peer = peer_of(&request, &self.transports_peer_hint(tx));
        let Some(caller) = self.identify(now, tx, &request) else {
            return;
        };
        let Some(target) = self.target_of(caller.tenant, &request.uri) else {
            let answer = self.plain(&request, 404);
            self.layer.respond(now, tx, answer);
            return;
        };
        let srtp = false;
        let Some(mut call_media) = CallMedia::new(&mut self.ports, self.config.media_ip, srtp)
        else {
            let mut answer = self.plain(&request, 503);
            answer.reason = "No media ports".into();
            self.layer.respond(now, tx, answer);
            return;
        };
        let answer_sdp = if request.body.is_empty() {
            None
        } else {
            let offer = match SessionDescription::parse(&request.body) {
                Ok(offer) => offer,
                Err(error) => {
                    let mut answer = self.plain(&request, 400);
                    answer.reason = format!("Bad SDP: {}", error.0);
                    self.layer.respond(now, tx, answer);
                    return;
                }
            };
            match call_media.answer(&offer) {
                Ok(sdp) => Some(sdp),
                Err(rejection) => {
                    let answer = ringside_sip::rejection_response(
                        &request,
                        &rejection.to_rejection(),
                        &fresh_tag(),
                    );
                    self.layer.respond(now, tx, answer);
                    return;
                }
            }
        };
        let trying = request.response(100);
        self.layer.respond(now, tx, trying);
        let custom = custom_headers(&request);
        let (reply, answer) = tokio::sync::oneshot::channel();
        let dial = ExternalRequest::Dial {
            tenant: caller.tenant,
            from: caller.party,
            to: target,
            custom,
            reply,
        };
        let placed = match self.calls_rt.external(dial).await {
            Ok(()) => answer.await.unwrap_or(Err(CallError::Unavailable)),
            Err(error) => Err(error),
        };
        let local_tag = fresh_tag();
        let (conversation_leg, status) = match placed {
            Ok((_, leg)) => (Some(leg), 180),
            Err(CallError::NotFound(_)) => (None, 404),
            Err(CallError::BadRequest(_)) => (None, 404),
            Err(CallError::Conflict(_)) => (None, 480),
            Err(CallError::Busy | CallError::Unavailable) => (None, 503),
        };
        let mut ringing = request.response(status);
        ringing.set_to_tag(&local_tag);
        if status == 180 {
            let contact = self.contact(&peer, None);
            ringing
                .headers
                .push(Header::Contact(ringside_sip::Contact::Addr(contact)));
        }
        if status == 180 && request.headers.supports("100rel") {
            // RFC 3262: the 180 goes reliably (RSeq, retransmitted until the PRACK).
            if let Err(error) = self.layer.respond_reliably(now, tx, ringing) {
                tracing::debug!(?error, "SIP: the 180 could not be sent reliably");
            }
        } else {
            self.layer.respond(now, tx, ringing);
        }
        let Some(leg) = conversation_leg else {
            return;
        };
        let call = SipCall {
            side: Side::Incoming,
            phase: Phase::Early,
            leg: Some(leg),
            peer,
            invite: request,
            invite_tx: Some(tx),
            local_tag,
            dialog: None,
            media: call_media,
            answer: answer_sdp,
            next_targets: Vec::new(),
            target: None,
            gateway: caller.gateway.clone(),
            authenticated: false,
            held: false,
            tenant: Some(caller.tenant),
            referral: None,
            reoffered: false,
        };
        let key = self.insert_call(call);
        self.describe(key).await;
    }

    /// Where an INVITE's responses and our in-dialog requests go: the transport peer.
    fn transports_peer_hint(&self, tx: TxId) -> Option<Peer> {
        self.layer.server_peer(tx)
    }

    /// The caller of an INVITE: a trunk's number, or a softphone's user after digest (a 407
    /// challenge is sent and `None` returned until it authenticates); 403 for strangers.
    fn identify(&mut self, now: Instant, tx: TxId, request: &Request) -> Option<Caller> {
        let source = self
            .layer
            .server_peer(tx)
            .map(|p| p.addr().ip().to_string());
        let from_user = request
            .headers
            .from()
            .and_then(|f| user_of(&f.uri))
            .unwrap_or_default();
        let asserted = request
            .headers
            .asserted_identities()
            .find_map(|a| user_of(&a.uri));
        let number = asserted
            .as_deref()
            .and_then(e164)
            .or_else(|| e164(&from_user));
        if let (Some(source), Some(number)) = (&source, &number) {
            match self.trunk_caller(now, tx, request, source, number) {
                Trunked::Caller(caller) => return Some(caller),
                Trunked::Refused => return None,
                Trunked::NotATrunk => {}
            }
        }
        let secs = Core::unix_now();
        let directory = self.directory.clone();
        let verdict = self.digest.verify(request, secs, true, |username| {
            directory.read(|d| d.sip_credential(username).map(|(_, _, p)| p.to_string()))
        });
        match verdict {
            Verdict::Ok(username) => {
                let found = self
                    .directory
                    .read(|d| d.sip_credential(&username).map(|(t, u, _)| (t, u)));
                found.map(|(tenant, user)| Caller {
                    tenant,
                    party: Party::User { tenant, user },
                    gateway: None,
                })
            }
            Verdict::Stale | Verdict::Rejected | Verdict::Missing => {
                let stale = verdict == Verdict::Stale;
                let challenge =
                    self.digest
                        .challenge_response(request, secs, stale, true, &fresh_tag());
                self.layer.respond(now, tx, challenge);
                None
            }
        }
    }

    /// A call from a trunk's address: its caller, or refused (503 at `maxConcurrentSessions`,
    /// 403 for a disabled gateway), or not a trunk at all.
    fn trunk_caller(
        &mut self,
        now: Instant,
        tx: TxId,
        request: &Request,
        source: &str,
        number: &E164,
    ) -> Trunked {
        let trunk = self.directory.read(|d| {
            d.pstn_gateway_for_host(source).map(|g| {
                (
                    g.tenant,
                    g.enabled,
                    g.fqdn.clone(),
                    g.max_concurrent_sessions,
                )
            })
        });
        let Some((tenant, enabled, fqdn, limit)) = trunk else {
            return Trunked::NotATrunk;
        };
        let refusal = if !enabled {
            Some((403, "Gateway disabled"))
        } else if self.at_limit(&fqdn, limit) {
            Some((503, "Gateway at its maximum concurrent sessions"))
        } else {
            None
        };
        if let Some((status, reason)) = refusal {
            let mut answer = self.plain(request, status);
            answer.reason = reason.into();
            self.layer.respond(now, tx, answer);
            return Trunked::Refused;
        }
        Trunked::Caller(Caller {
            tenant,
            party: Party::Phone(number.clone()),
            gateway: Some(fqdn),
        })
    }

    /// The dialled party: a `+E.164` number (or digits) in the Request-URI user part, or a
    /// softphone user's SIP username in the caller's tenant.
    pub(crate) fn target_of(&self, tenant: TenantId, uri: &Uri) -> Option<Party> {
        let user = user_of(uri)?;
        if let Some(number) = e164(&user) {
            return Some(Party::Phone(number));
        }
        self.directory.read(|d| {
            d.sip_credential(&user)
                .filter(|(t, _, _)| *t == tenant)
                .map(|(tenant, user, _)| Party::User { tenant, user })
        })
    }

    /// The engine established an incoming call's leg (the bot answered): 200 OK with our
    /// answer (or offer), media attached. For an outgoing call nothing is left to do.
    pub(crate) async fn established(&mut self, key: u64) {
        let now = Instant::now();
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if call.side != Side::Incoming || call.phase != Phase::Early {
            return;
        }
        let contact = self.contact(&call.peer.clone(), None);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let body = call.answer.clone().unwrap_or_else(|| call.media.offer());
        let mut ok = call.invite.response(200);
        ok.set_to_tag(&call.local_tag);
        ok.headers.push(Header::Contact(ringside_sip::Contact::Addr(
            contact.clone(),
        )));
        for method in crate::core::ALLOW {
            ok.headers.push(Header::Allow(method));
        }
        ok.headers
            .push(Header::ContentType("application/sdp".to_string()));
        ok.body = body;
        call.dialog = Dialog::uas(&call.invite, &call.local_tag, contact, true, 0);
        call.phase = Phase::Answered;
        if let Some(tx) = call.invite_tx {
            self.layer.respond(now, tx, ok);
        }
        if call.answer.is_some() {
            self.attach_media(key).await;
        }
    }

    /// Hands the call's sockets to the media clock.
    pub(crate) async fn attach_media(&mut self, key: u64) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(leg) = call.leg else {
            return;
        };
        let ssrc = rand::random::<u32>();
        let Some(transport) = call.media.transport(ssrc) else {
            return;
        };
        call.media.attached = true;
        self.media(leg, move |conversation| MediaCommand::AttachRtp {
            conversation,
            leg,
            transport: Box::new(transport),
        })
        .await;
        self.describe(key).await;
    }

    /// An incoming call's leg ended before it was answered: the final response says why.
    pub(crate) fn reject_incoming(&mut self, key: u64, reason: EndReason) {
        let now = Instant::now();
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.phase = Phase::Ended;
        let (status, phrase) = crate::codes::unanswered_status(reason);
        let mut answer = call.invite.response(status);
        answer.reason = phrase.to_string();
        answer.set_to_tag(&call.local_tag);
        if let Some(tx) = call.invite_tx {
            self.layer.respond(now, tx, answer);
        }
        self.remove_call(key);
    }

    /// No PRACK came for our reliable 180 (RFC 3262 §3): the INVITE is rejected with 504 and
    /// the caller's leg ends.
    pub(crate) async fn on_no_prack(&mut self, invite: TxId) {
        let Some(key) = self.by_tx.get(&invite).copied() else {
            return;
        };
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if call.phase != Phase::Early {
            return;
        }
        let mut answer = call.invite.response(504);
        answer.reason = "No PRACK for the reliable provisional response".into();
        answer.set_to_tag(&call.local_tag);
        self.layer.respond(Instant::now(), invite, answer);
        self.hang_up_from_sip(key).await;
        self.remove_call(key);
    }

    /// CANCEL of a ringing incoming call (the layer answered 200 and 487).
    pub(crate) async fn on_cancelled(&mut self, invite: TxId) {
        if let Some(key) = self.by_tx.get(&invite).copied() {
            self.hang_up_from_sip(key).await;
            self.remove_call(key);
        }
    }

    /// ACK of our 2xx: an offerless INVITE's answer arrives here.
    pub(crate) async fn on_ack(&mut self, ack: &Request) {
        let Some(key) = ack
            .headers
            .call_id()
            .and_then(|id| self.by_call_id.get(id))
            .copied()
        else {
            return;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if std::mem::take(&mut call.reoffered) {
            let answer = SessionDescription::parse(&ack.body).ok();
            match answer.map(|a| call.media.read_answer(&a)) {
                Some(Ok(())) => self.apply_negotiation(key).await,
                _ => tracing::info!(
                    "SIP: no usable answer in the ACK of an offerless re-INVITE; media unchanged"
                ),
            }
            return;
        }
        if call.media.attached || call.side != Side::Incoming {
            return;
        }
        if call.answer.is_none() {
            let answer = SessionDescription::parse(&ack.body).ok();
            let read = answer.map(|a| call.media.read_answer(&a));
            if !matches!(read, Some(Ok(()))) {
                self.hang_up_from_sip(key).await;
                self.send_bye(key);
                return;
            }
        }
        self.attach_media(key).await;
    }

    /// A request inside a dialog.
    pub(crate) async fn on_in_dialog(&mut self, now: Instant, tx: TxId, request: Request) {
        let key = request
            .headers
            .call_id()
            .and_then(|id| self.by_call_id.get(id))
            .copied();
        let Some(key) = key else {
            let answer = self.plain(&request, 481);
            self.layer.respond(now, tx, answer);
            return;
        };
        match request.method {
            Method::Bye => {
                let ok = self.plain(&request, 200);
                self.layer.respond(now, tx, ok);
                if !self.bye_during_referral(key) {
                    self.hang_up_from_sip(key).await;
                    self.remove_call(key);
                }
            }
            Method::Invite => self.on_reinvite(now, tx, key, &request).await,
            Method::Info => self.on_info(now, tx, key, &request).await,
            Method::Refer => self.on_refer(now, tx, key, &request).await,
            Method::Update | Method::Options | Method::Notify => {
                let ok = self.ok_with_allow(&request);
                self.layer.respond(now, tx, ok);
            }
            _ => {
                let mut answer = self.plain(&request, 501);
                answer.reason = "Not Implemented in Ringside".into();
                self.layer.respond(now, tx, answer);
            }
        }
    }

    /// A re-INVITE: hold (sendonly/inactive), resume, or a new address; without a body, our
    /// offer goes in the 200 and the answer comes in the ACK.
    async fn on_reinvite(&mut self, now: Instant, tx: TxId, key: u64, request: &Request) {
        if request.body.is_empty() {
            return self.reoffer(now, tx, key, request);
        }
        let offer = SessionDescription::parse(&request.body).ok();
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let answered = offer.as_ref().map(|offer| call.media.reanswer(offer));
        let Some(Ok(body)) = answered else {
            let answer = self.plain(request, 488);
            self.layer.respond(now, tx, answer);
            return;
        };
        let mut ok = request.response(200);
        ok.headers
            .push(Header::ContentType("application/sdp".to_string()));
        ok.body = body;
        self.layer.respond(now, tx, ok);
        self.apply_negotiation(key).await;
    }

    /// An offerless re-INVITE: 200 with our offer; the ACK brings the answer.
    fn reoffer(&mut self, now: Instant, tx: TxId, key: u64, request: &Request) {
        let contact = self.calls.get(&key).map(|c| self.contact(&c.peer, None));
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.reoffered = true;
        let mut ok = request.response(200);
        if let Some(contact) = contact {
            ok.headers
                .push(Header::Contact(ringside_sip::Contact::Addr(contact)));
        }
        ok.headers
            .push(Header::ContentType("application/sdp".to_string()));
        ok.body = call.media.reoffer();
        self.layer.respond(now, tx, ok);
    }

    /// The media plane follows a new negotiation (address, direction, keys); the engine hears
    /// of hold and resume.
    async fn apply_negotiation(&mut self, key: u64) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let (Some(leg), Some(negotiated)) = (call.leg, call.media.negotiated.clone()) else {
            return;
        };
        let held = negotiated.remote_hold;
        let changed = held != call.held;
        call.held = held;
        if let Some(remote_rtp) = media::remote_rtp(&negotiated) {
            let remote_rtcp = Some(std::net::SocketAddr::new(
                remote_rtp.ip(),
                negotiated.remote_rtcp_port,
            ));
            let direction = media::direction(&negotiated);
            let srtp = media::keys(&negotiated);
            self.media(leg, move |conversation| MediaCommand::UpdateRtp {
                conversation,
                leg,
                remote_rtp,
                remote_rtcp,
                direction,
                srtp,
            })
            .await;
        }
        if changed {
            self.signal(EndpointSignal::Hold { leg, held }).await;
        }
    }

    /// SIP INFO with `application/dtmf-relay` (the RFC 4733 fallback).
    async fn on_info(&mut self, now: Instant, tx: TxId, key: u64, request: &Request) {
        let content_type = request.headers.content_type().cloned().unwrap_or_default();
        let body = String::from_utf8_lossy(&request.body);
        let key_pressed = ringside_rtp::parse_info_dtmf(&content_type, &body);
        let ok = self.plain(request, 200);
        self.layer.respond(now, tx, ok);
        let leg = self.calls.get(&key).and_then(|c| c.leg);
        if let (Some(leg), Some(pressed)) = (leg, key_pressed) {
            self.signal(EndpointSignal::Digits {
                leg,
                tones: vec![pressed.tone],
            })
            .await;
        }
    }

    /// Responses that match no transaction: a retransmitted 2xx to our INVITE gets its ACK again.
    pub(crate) fn on_stray_response(&mut self, response: &ringside_sip::Response) {
        let Some(key) = response
            .headers
            .call_id()
            .and_then(|id| self.by_call_id.get(id))
            .copied()
        else {
            return;
        };
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if let (Some(dialog), Some(cseq)) = (&call.dialog, response.headers.cseq()) {
            if cseq.method == Method::Invite && (200..300).contains(&response.status) {
                let ack = dialog.ack(cseq.seq, self.via(&call.peer));
                self.layer
                    .send_stateless(Message::Request(ack), call.peer.clone());
            }
        }
    }
}

/// The peer a request came from (the transaction layer's record), or its top Via.
fn peer_of(request: &Request, hint: &Option<Peer>) -> Peer {
    if let Some(peer) = hint {
        return peer.clone();
    }
    let (host, port) = request
        .headers
        .top_via()
        .map(|v| v.response_target())
        .unwrap_or_else(|| ("127.0.0.1".to_string(), 5060));
    let addr = format!("{host}:{port}")
        .parse()
        .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 5060)));
    Peer::Udp(addr)
}

/// The INVITE's custom headers for the ACS IncomingCall's `customContext`: `X-…` headers and
/// User-to-User, as ACS forwards them.
fn custom_headers(request: &Request) -> CallHeaders {
    let mut custom = CallHeaders::default();
    for header in &request.headers.0 {
        if let Header::Other { name, value } = header {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("x-") {
                custom.sip.push((name.clone(), value.clone()));
            } else if lower == "user-to-user" {
                custom.sip.push(("userToUser".to_string(), value.clone()));
            }
        }
    }
    custom.sip.truncate(10);
    custom
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_headers_carry_x_headers_and_uui() {
        let raw = b"INVITE sip:+14255550100@127.0.0.1 SIP/2.0\r\n\
            Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n\
            From: <sip:+12065550123@127.0.0.1>;tag=a\r\nTo: <sip:+14255550100@127.0.0.1>\r\n\
            Call-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n\
            X-Account: 42\r\nUser-to-User: 3132;encoding=hex\r\nContent-Length: 0\r\n\r\n";
        let Ok(Message::Request(request)) = ringside_sip::parse_message(raw) else {
            panic!("the INVITE parses");
        };
        let custom = custom_headers(&request);
        assert_eq!(
            custom.sip,
            vec![
                ("X-Account".to_string(), "42".to_string()),
                ("userToUser".to_string(), "3132;encoding=hex".to_string())
            ]
        );
    }
}
