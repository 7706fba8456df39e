//! Transactions on virtual time: every timer fires when RFC 3261 §17 / RFC 6026 say, request
//! and response retransmissions double (up to T2 where the RFC caps them), reliable transports
//! never retransmit, ACKs are absorbed or routed, CANCEL gets 200 + 487 or 481.

use ringside_sip::transaction::{
    cancel_for, ClientState, ServerState, TimerConfig, TransactionLayer, TxEvent, TxId,
};
use ringside_sip::{parse_message, Message, Request, Response};
use std::time::{Duration, Instant};

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.example.com>\r
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r
Call-ID: a84b4c76e66710\r
CSeq: 314159 INVITE\r
Contact: <sip:alice@pc33.atlanta.example.com>\r
Content-Length: 0\r
\r
";

fn request(text: &str) -> Request {
    match parse_message(text.as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn invite() -> Request {
    request(INVITE)
}

fn options() -> Request {
    request(&INVITE.replace("INVITE", "OPTIONS"))
}

/// The layer, a virtual clock, and what went out (ms since start, first line).
struct Harness {
    layer: TransactionLayer<&'static str>,
    start: Instant,
    now: Instant,
    sent: Vec<(u64, String)>,
    events: Vec<(u64, TxEvent)>,
}

impl Harness {
    fn new() -> Harness {
        Harness::with(TimerConfig::default())
    }

    fn with(cfg: TimerConfig) -> Harness {
        let start = Instant::now();
        Harness {
            layer: TransactionLayer::new(cfg),
            start,
            now: start,
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    fn ms(&self) -> u64 {
        self.now.duration_since(self.start).as_millis() as u64
    }

    fn drain(&mut self) {
        let ms = self.ms();
        while let Some(t) = self.layer.poll_transmit() {
            let bytes = t.message.to_bytes();
            let line = String::from_utf8_lossy(&bytes)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            self.sent.push((ms, line));
        }
        while let Some(e) = self.layer.poll_event() {
            self.events.push((ms, e));
        }
    }

    /// Fires every deadline up to `ms` in order.
    fn run_until(&mut self, ms: u64) {
        let end = self.start + Duration::from_millis(ms);
        while let Some(at) = self.layer.poll_timeout().filter(|at| *at <= end) {
            self.now = at.max(self.now);
            self.layer.handle_timeout(self.now);
            self.drain();
        }
        self.now = end;
    }

    fn times_of(&self, first_line: &str) -> Vec<u64> {
        self.sent
            .iter()
            .filter(|(_, l)| l.starts_with(first_line))
            .map(|(t, _)| *t)
            .collect()
    }

    fn respond_to_client(&mut self, req: &Request, status: u16, tag: &str) {
        let mut r = req.response(status);
        r.set_to_tag(tag);
        self.layer.handle_response(self.now, r);
        self.drain();
    }

    fn incoming(&mut self, req: Request, reliable: bool) -> Option<TxId> {
        self.layer.handle_request(self.now, req, "peer", reliable);
        self.drain();
        self.events.iter().rev().find_map(|(_, e)| match e {
            TxEvent::Request { tx, .. } => Some(*tx),
            _ => None,
        })
    }

    fn respond(&mut self, tx: TxId, resp: Response) {
        self.layer.respond(self.now, tx, resp);
        self.drain();
    }

    fn has(&self, f: impl Fn(&TxEvent) -> bool) -> Vec<u64> {
        self.events
            .iter()
            .filter(|(_, e)| f(e))
            .map(|(t, _)| *t)
            .collect()
    }
}

#[test]
fn client_invite_unreliable_timer_a_doubles_and_b_fires_at_64_t1() {
    let mut h = Harness::new();
    let tx = h
        .layer
        .send_request(h.now, invite(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.run_until(40_000);
    assert_eq!(
        h.times_of("INVITE"),
        [0, 500, 1500, 3500, 7500, 15500, 31500]
    );
    assert_eq!(
        h.has(|e| matches!(e, TxEvent::Timeout { tx: t } if *t == tx)),
        [32_000]
    );
    assert_eq!(h.has(|e| matches!(e, TxEvent::Terminated { .. })), [32_000]);
    assert_eq!(h.layer.len(), (0, 0));
}

#[test]
fn client_non_invite_timer_e_caps_at_t2_then_f() {
    let mut h = Harness::new();
    h.layer
        .send_request(h.now, options(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.run_until(40_000);
    assert_eq!(
        h.times_of("OPTIONS"),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(h.has(|e| matches!(e, TxEvent::Timeout { .. })), [32_000]);
}

#[test]
fn client_non_invite_in_proceeding_retransmits_every_t2() {
    let mut h = Harness::new();
    let req = options();
    let tx = h
        .layer
        .send_request(h.now, req.clone(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.run_until(600);
    h.respond_to_client(&req, 100, "b");
    assert_eq!(h.layer.client_state(tx), Some(ClientState::Proceeding));
    h.run_until(14_000);
    assert_eq!(h.times_of("OPTIONS"), [0, 500, 1500, 5500, 9500, 13500]);
    h.respond_to_client(&req, 200, "b");
    assert_eq!(h.layer.client_state(tx), Some(ClientState::Completed));
    h.run_until(18_999);
    assert!(
        h.layer.client_state(tx).is_some(),
        "timer K = T4 has not fired"
    );
    h.run_until(19_000);
    assert_eq!(h.layer.client_state(tx), None);
    assert_eq!(
        h.times_of("OPTIONS").len(),
        6,
        "no retransmission after the final response"
    );
}

#[test]
fn reliable_transport_never_retransmits_but_still_times_out() {
    let mut h = Harness::new();
    let tx = h
        .layer
        .send_request(h.now, invite(), "bob", true)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!h.layer.retransmits(tx));
    h.drain();
    h.run_until(40_000);
    assert_eq!(h.times_of("INVITE"), [0]);
    assert_eq!(h.has(|e| matches!(e, TxEvent::Timeout { .. })), [32_000]);
}

#[test]
fn configurable_t1_scales_every_timer() {
    let cfg = TimerConfig {
        t1: Duration::from_millis(100),
        ..TimerConfig::default()
    };
    let mut h = Harness::with(cfg);
    h.layer
        .send_request(h.now, invite(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.run_until(10_000);
    assert_eq!(h.times_of("INVITE"), [0, 100, 300, 700, 1500, 3100, 6300]);
    assert_eq!(h.has(|e| matches!(e, TxEvent::Timeout { .. })), [6_400]);
}

#[test]
fn client_invite_non_2xx_is_acked_and_retransmissions_absorbed_until_timer_d() {
    let mut h = Harness::new();
    let req = invite();
    let tx = h
        .layer
        .send_request(h.now, req.clone(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.run_until(100);
    h.respond_to_client(&req, 180, "b1");
    h.run_until(5_000);
    assert_eq!(h.times_of("INVITE"), [0], "no retransmission in Proceeding");
    h.respond_to_client(&req, 486, "b1");
    h.run_until(6_000);
    h.respond_to_client(&req, 486, "b1");
    assert_eq!(h.times_of("ACK"), [5_000, 6_000], "each 486 copy is ACKed");
    let delivered =
        h.has(|e| matches!(e, TxEvent::Response { response, .. } if response.status == 486));
    assert_eq!(delivered, [5_000], "the retransmission is not passed up");
    assert_eq!(h.layer.client_state(tx), Some(ClientState::Completed));
    h.run_until(36_999);
    assert!(h.layer.client_state(tx).is_some());
    h.run_until(37_000);
    assert_eq!(h.layer.client_state(tx), None, "timer D = 32 s");
    let ack = h
        .sent
        .iter()
        .find(|(_, l)| l.starts_with("ACK"))
        .map(|(_, l)| l.clone());
    assert_eq!(
        ack.as_deref(),
        Some("ACK sip:bob@biloxi.example.com SIP/2.0")
    );
}

#[test]
fn client_invite_2xx_goes_to_accepted_and_every_2xx_reaches_the_tu_until_timer_m() {
    let mut h = Harness::new();
    let req = invite();
    let tx = h
        .layer
        .send_request(h.now, req.clone(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.respond_to_client(&req, 200, "fork1");
    assert_eq!(h.layer.client_state(tx), Some(ClientState::Accepted));
    h.run_until(1_000);
    h.respond_to_client(&req, 200, "fork2");
    h.respond_to_client(&req, 200, "fork1");
    let oks = h.has(|e| matches!(e, TxEvent::Response { response, .. } if response.status == 200));
    assert_eq!(
        oks.len(),
        3,
        "RFC 6026: forked and retransmitted 2xx all reach the TU"
    );
    assert!(
        h.times_of("ACK").is_empty(),
        "the TU, not the transaction, ACKs a 2xx"
    );
    assert_eq!(h.times_of("INVITE"), [0]);
    h.run_until(32_000);
    assert_eq!(h.layer.client_state(tx), None, "timer M = 64*T1");
    h.respond_to_client(&req, 200, "fork1");
    assert_eq!(h.has(|e| matches!(e, TxEvent::StrayResponse(_))).len(), 1);
}

#[test]
fn server_invite_sends_100_after_200_ms_unless_the_tu_is_faster() {
    let mut h = Harness::new();
    let tx = h
        .incoming(invite(), false)
        .unwrap_or_else(|| panic!("a request event"));
    h.run_until(199);
    assert!(h.sent.is_empty());
    h.run_until(200);
    assert_eq!(h.times_of("SIP/2.0 100 Trying"), [200]);
    h.run_until(300);
    h.layer.handle_request(h.now, invite(), "peer", false);
    h.drain();
    assert_eq!(
        h.times_of("SIP/2.0 100"),
        [200, 300],
        "a retransmitted INVITE gets the last provisional"
    );
    assert_eq!(
        h.has(|e| matches!(e, TxEvent::Request { .. })).len(),
        1,
        "and is not passed up"
    );

    let mut fast = Harness::new();
    let tx2 = fast
        .incoming(invite(), false)
        .unwrap_or_else(|| panic!("a request event"));
    fast.run_until(150);
    let mut ringing = invite().response(180);
    ringing.set_to_tag("uas1");
    fast.respond(tx2, ringing);
    fast.run_until(1_000);
    assert!(fast.times_of("SIP/2.0 100").is_empty());
    assert_eq!(fast.times_of("SIP/2.0 180"), [150]);
    assert_eq!(h.layer.server_state(tx), Some(ServerState::Proceeding));
}

#[test]
fn server_invite_non_2xx_retransmits_with_g_until_ack_then_timer_i() {
    let mut h = Harness::new();
    let req = invite();
    let tx = h
        .incoming(req.clone(), false)
        .unwrap_or_else(|| panic!("a request event"));
    let mut busy = req.response(486);
    busy.set_to_tag("uas1");
    h.respond(tx, busy.clone());
    h.run_until(8_000);
    assert_eq!(h.times_of("SIP/2.0 486"), [0, 500, 1500, 3500, 7500]);
    h.run_until(12_000);
    assert_eq!(
        h.times_of("SIP/2.0 486").last(),
        Some(&11_500),
        "G capped at T2"
    );
    h.layer.handle_request(h.now, req.clone(), "peer", false);
    h.drain();
    assert_eq!(
        h.times_of("SIP/2.0 486").last(),
        Some(&12_000),
        "retransmitted INVITE gets the 486"
    );
    let ack = ringside_sip::transaction::ack_for_non_2xx(&req, &busy);
    h.layer.handle_request(h.now, ack.clone(), "peer", false);
    h.drain();
    assert_eq!(h.layer.server_state(tx), Some(ServerState::Confirmed));
    h.layer.handle_request(h.now, ack, "peer", false);
    h.drain();
    assert!(
        h.has(|e| matches!(e, TxEvent::StrayAck(_) | TxEvent::AckFor2xx { .. }))
            .is_empty(),
        "ACKs absorbed"
    );
    h.run_until(16_999);
    assert_eq!(
        h.times_of("SIP/2.0 486").len(),
        7,
        "no retransmission once confirmed"
    );
    assert!(h.layer.server_state(tx).is_some());
    h.run_until(17_000);
    assert_eq!(h.layer.server_state(tx), None, "timer I = T4");
}

#[test]
fn server_invite_without_ack_times_out_with_timer_h() {
    let mut h = Harness::new();
    let tx = h
        .incoming(invite(), true)
        .unwrap_or_else(|| panic!("a request event"));
    let mut busy = invite().response(603);
    busy.set_to_tag("t");
    h.respond(tx, busy);
    h.run_until(40_000);
    assert_eq!(
        h.times_of("SIP/2.0 603"),
        [0],
        "no G on a reliable transport"
    );
    assert_eq!(h.has(|e| matches!(e, TxEvent::Timeout { .. })), [32_000]);
}

#[test]
fn server_invite_2xx_is_retransmitted_until_its_ack_and_timer_l_ends_it() {
    let mut h = Harness::new();
    let req = invite();
    let tx = h
        .incoming(req.clone(), false)
        .unwrap_or_else(|| panic!("a request event"));
    let mut ok = req.response(200);
    ok.set_to_tag("uas1");
    h.respond(tx, ok);
    assert_eq!(h.layer.server_state(tx), Some(ServerState::Accepted));
    h.run_until(4_000);
    assert_eq!(h.times_of("SIP/2.0 200"), [0, 500, 1500, 3500]);
    h.layer.handle_request(h.now, req.clone(), "peer", false);
    h.drain();
    assert_eq!(
        h.times_of("SIP/2.0 200").len(),
        4,
        "INVITE retransmissions absorbed in Accepted"
    );
    let ack = request(
        &INVITE
            .replace("INVITE sip", "ACK sip")
            .replace("314159 INVITE", "314159 ACK")
            .replace("z9hG4bKnashds8", "z9hG4bKnashds9"),
    );
    h.layer.handle_request(h.now, ack.clone(), "peer", false);
    h.layer.handle_request(h.now, ack, "peer", false);
    h.drain();
    assert_eq!(
        h.has(|e| matches!(e, TxEvent::AckFor2xx { tx: t, .. } if *t == tx)),
        [4_000]
    );
    h.run_until(31_999);
    assert_eq!(
        h.times_of("SIP/2.0 200").len(),
        4,
        "retransmission stops at the ACK"
    );
    h.run_until(32_000);
    assert_eq!(h.layer.server_state(tx), None);
    assert!(h.has(|e| matches!(e, TxEvent::NoAck { .. })).is_empty());
}

#[test]
fn server_invite_2xx_without_ack_reports_no_ack() {
    let mut h = Harness::new();
    let tx = h
        .incoming(invite(), false)
        .unwrap_or_else(|| panic!("a request event"));
    let mut ok = invite().response(200);
    ok.set_to_tag("uas1");
    h.respond(tx, ok);
    h.run_until(40_000);
    assert_eq!(
        h.times_of("SIP/2.0 200"),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(h.has(|e| matches!(e, TxEvent::NoAck { .. })), [32_000]);
}

#[test]
fn server_non_invite_absorbs_and_answers_retransmissions_until_timer_j() {
    let mut h = Harness::new();
    let tx = h
        .incoming(options(), false)
        .unwrap_or_else(|| panic!("a request event"));
    h.run_until(1_000);
    assert!(
        h.sent.is_empty(),
        "no 100 for non-INVITE, retransmissions in Trying are dropped"
    );
    h.layer.handle_request(h.now, options(), "peer", false);
    h.drain();
    assert!(h.sent.is_empty());
    let mut ok = options().response(200);
    ok.set_to_tag("x");
    h.respond(tx, ok);
    h.run_until(2_000);
    h.layer.handle_request(h.now, options(), "peer", false);
    h.drain();
    assert_eq!(h.times_of("SIP/2.0 200"), [1_000, 2_000]);
    h.run_until(32_999);
    assert_eq!(h.layer.server_state(tx), Some(ServerState::Completed));
    h.run_until(33_000);
    assert_eq!(
        h.layer.server_state(tx),
        None,
        "timer J = 64*T1 after the final"
    );
    let mut tcp = Harness::new();
    let tx = tcp
        .incoming(options(), true)
        .unwrap_or_else(|| panic!("a request event"));
    tcp.respond(tx, options().response(200));
    tcp.run_until(0);
    assert_eq!(tcp.layer.server_state(tx), None, "timer J = 0 on TCP");
}

#[test]
fn cancel_gets_200_and_the_invite_487() {
    let mut h = Harness::new();
    let req = invite();
    let tx = h
        .incoming(req.clone(), false)
        .unwrap_or_else(|| panic!("a request event"));
    let mut ringing = req.response(180);
    ringing.set_to_tag("uas1");
    h.respond(tx, ringing);
    h.layer
        .handle_request(h.now, cancel_for(&req), "peer", false);
    h.drain();
    let lines: Vec<&str> = h.sent.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        lines,
        [
            "SIP/2.0 180 Ringing",
            "SIP/2.0 200 OK",
            "SIP/2.0 487 Request Terminated"
        ]
    );
    assert_eq!(
        h.has(|e| matches!(e, TxEvent::Cancelled { invite, .. } if *invite == tx))
            .len(),
        1
    );
    assert_eq!(h.layer.server_state(tx), Some(ServerState::Completed));
    assert!(
        h.has(|e| matches!(e, TxEvent::Request { .. })).len() == 1,
        "CANCEL is not a new request for the TU"
    );
}

#[test]
fn cancel_without_transaction_is_481_and_after_final_is_200_only() {
    let mut h = Harness::new();
    h.layer
        .handle_request(h.now, cancel_for(&invite()), "peer", false);
    h.drain();
    assert_eq!(h.times_of("SIP/2.0 481"), [0]);
    let mut h = Harness::new();
    let tx = h
        .incoming(invite(), false)
        .unwrap_or_else(|| panic!("a request event"));
    let mut ok = invite().response(200);
    ok.set_to_tag("t");
    h.respond(tx, ok);
    h.layer
        .handle_request(h.now, cancel_for(&invite()), "peer", false);
    h.drain();
    assert_eq!(
        h.times_of("SIP/2.0 200").len(),
        2,
        "the INVITE's 200 and the CANCEL's 200"
    );
    assert!(h.times_of("SIP/2.0 487").is_empty());
    assert!(h.has(|e| matches!(e, TxEvent::Cancelled { .. })).is_empty());
}

#[test]
fn responses_match_by_branch_and_cseq_method() {
    let mut h = Harness::new();
    let req = invite();
    let inv = h
        .layer
        .send_request(h.now, req.clone(), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let cancel = h
        .layer
        .send_request(h.now, cancel_for(&req), "bob", false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    h.drain();
    h.respond_to_client(&cancel_for(&req), 200, "t");
    assert!(
        h.has(|e| matches!(e, TxEvent::Response { tx, .. } if *tx == cancel))
            .len()
            == 1
    );
    assert_eq!(
        h.layer.client_state(inv),
        Some(ClientState::Calling),
        "the CANCEL's 200 is not the INVITE's"
    );
    let mut other = req.clone();
    other.headers.0.iter_mut().for_each(|hd| {
        if let ringside_sip::Header::Via(v) = hd {
            v.params.set("branch", Some("z9hG4bKother"));
        }
    });
    h.respond_to_client(&other, 180, "t");
    assert_eq!(h.has(|e| matches!(e, TxEvent::StrayResponse(_))).len(), 1);
    assert!(
        h.layer.send_request(h.now, req, "bob", false).is_err(),
        "duplicate branch refused"
    );
}

#[test]
fn rfc2543_requests_without_a_branch_still_match_their_retransmissions() {
    let old = INVITE.replace(";branch=z9hG4bKnashds8", "");
    let mut h = Harness::new();
    let tx = h
        .incoming(request(&old), false)
        .unwrap_or_else(|| panic!("a request event"));
    h.layer.handle_request(h.now, request(&old), "peer", false);
    h.drain();
    assert_eq!(h.has(|e| matches!(e, TxEvent::Request { .. })).len(), 1);
    assert_eq!(h.layer.server_state(tx), Some(ServerState::Proceeding));
}

#[test]
fn many_transactions_on_one_clock_all_end_on_time() {
    let mut h = Harness::new();
    let mut answered = Vec::new();
    for i in 0..2_000u32 {
        let text = INVITE.replace("z9hG4bKnashds8", &format!("z9hG4bKmany{i}"));
        let req = request(&text.replace("a84b4c76e66710", &format!("call{i}")));
        h.layer
            .send_request(h.now, req.clone(), "bob", i % 2 == 0)
            .unwrap_or_else(|e| panic!("{e:?}"));
        if i % 4 == 1 {
            answered.push(req);
        }
    }
    h.drain();
    h.run_until(1_000);
    for req in &answered {
        h.respond_to_client(req, 486, "busy");
    }
    h.run_until(60_000);
    let timeouts = h.has(|e| matches!(e, TxEvent::Timeout { .. }));
    assert_eq!(timeouts.len(), 2_000 - answered.len());
    assert!(
        timeouts.iter().all(|t| *t == 32_000),
        "timer B at 64*T1 for every one"
    );
    assert_eq!(
        h.has(|e| matches!(e, TxEvent::Terminated { .. })).len(),
        2_000
    );
    assert_eq!(h.layer.len(), (0, 0));
    assert_eq!(h.layer.poll_timeout(), None, "no stale deadline survives");
    assert_eq!(h.times_of("ACK").len(), answered.len());
}
