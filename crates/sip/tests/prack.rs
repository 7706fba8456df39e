//! Reliable provisional responses (RFC 3262) on virtual time: a reliable 180 carries
//! `Require: 100rel` and `RSeq`, is retransmitted at T1, 2T1, 4T1, … until its PRACK (answered
//! 200) or the final response, and 64×T1 without a PRACK is reported; a PRACK naming nothing
//! gets 481; a second reliable 1xx waits for the first one's PRACK.

use ringside_sip::transaction::{ReliableError, TimerConfig, TransactionLayer, TxEvent, TxId};
use ringside_sip::{parse_message, Message, Request, Response};
use std::time::{Duration, Instant};

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.example.com>\r
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r
Call-ID: a84b4c76e66710\r
CSeq: 314159 INVITE\r
Require: 100rel\r
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

/// A PRACK for RSeq `rseq` of the INVITE above, with its own branch.
fn prack(rseq: u32, branch: &str) -> Request {
    request(&format!(
        "PRACK sip:bob@192.0.2.4 SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch={branch}\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.example.com>;tag=b0b\r
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r
Call-ID: a84b4c76e66710\r
CSeq: 314160 PRACK\r
RAck: {rseq} 314159 INVITE\r
Content-Length: 0\r
\r
"
    ))
}

struct Harness {
    layer: TransactionLayer<&'static str>,
    start: Instant,
    now: Instant,
    /// (ms, whole message text)
    sent: Vec<(u64, String)>,
    events: Vec<(u64, TxEvent)>,
}

impl Harness {
    fn new() -> Harness {
        let start = Instant::now();
        Harness {
            layer: TransactionLayer::new(TimerConfig::default()),
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
            let text = String::from_utf8_lossy(&t.message.to_bytes()).to_string();
            self.sent.push((ms, text));
        }
        while let Some(e) = self.layer.poll_event() {
            self.events.push((ms, e));
        }
    }

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
            .filter(|(_, m)| m.starts_with(first_line))
            .map(|(t, _)| *t)
            .collect()
    }

    /// The INVITE arrives over UDP; its transaction.
    fn invite(&mut self) -> TxId {
        self.layer
            .handle_request(self.now, request(INVITE), "alice", false);
        self.drain();
        self.events
            .iter()
            .find_map(|(_, e)| match e {
                TxEvent::Request { tx, .. } => Some(*tx),
                _ => None,
            })
            .expect("the INVITE reaches the TU")
    }

    fn ringing(&self, tx: TxId) -> Response {
        let _ = tx;
        let mut r = request(INVITE).response(180);
        r.set_to_tag("b0b");
        r
    }

    fn reliably(&mut self, tx: TxId, resp: Response) -> Result<u32, ReliableError> {
        let result = self.layer.respond_reliably(self.now, tx, resp);
        self.drain();
        result
    }

    fn incoming(&mut self, req: Request) {
        self.layer.handle_request(self.now, req, "alice", false);
        self.drain();
    }

    fn pracked(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter(|(_, e)| matches!(e, TxEvent::Pracked { .. }))
            .map(|(t, _)| *t)
            .collect()
    }
}

#[test]
fn a_reliable_180_carries_rseq_and_is_retransmitted_until_its_prack() {
    let mut h = Harness::new();
    let tx = h.invite();
    let ringing = h.ringing(tx);
    assert_eq!(h.reliably(tx, ringing), Ok(1));
    let first = h.sent.last().map(|(_, m)| m.clone()).unwrap_or_default();
    assert!(first.contains("Require: 100rel\r\n"), "{first}");
    assert!(first.contains("RSeq: 1\r\n"), "{first}");
    h.run_until(4_000);
    assert_eq!(h.times_of("SIP/2.0 180"), vec![0, 500, 1_500, 3_500]);
    h.incoming(prack(1, "z9hG4bKprack1"));
    let ok = h.sent.last().map(|(_, m)| m.clone()).unwrap_or_default();
    assert!(
        ok.starts_with("SIP/2.0 200") && ok.contains("PRACK"),
        "the PRACK is answered 200: {ok}"
    );
    assert_eq!(h.pracked(), vec![4_000]);
    h.run_until(40_000);
    assert_eq!(
        h.times_of("SIP/2.0 180"),
        vec![0, 500, 1_500, 3_500],
        "no retransmission after the PRACK"
    );
    assert!(!h
        .events
        .iter()
        .any(|(_, e)| matches!(e, TxEvent::NoPrack { .. })));
}

#[test]
fn no_prack_within_64_t1_is_reported_and_retransmission_stops() {
    let mut h = Harness::new();
    let tx = h.invite();
    let ringing = h.ringing(tx);
    h.reliably(tx, ringing).expect("sent");
    h.run_until(60_000);
    assert_eq!(
        h.times_of("SIP/2.0 180"),
        vec![0, 500, 1_500, 3_500, 7_500, 15_500, 31_500]
    );
    let no_prack: Vec<u64> = h
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TxEvent::NoPrack { tx: t } if *t == tx))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(no_prack, vec![32_000]);
    // The TU rejects the INVITE with a 5xx, as §3 says.
    let mut reject = request(INVITE).response(504);
    reject.set_to_tag("b0b");
    h.layer.respond(h.now, tx, reject);
    h.drain();
    assert_eq!(h.times_of("SIP/2.0 504"), vec![60_000]);
}

#[test]
fn a_prack_naming_nothing_gets_481_and_the_180_keeps_going() {
    let mut h = Harness::new();
    let tx = h.invite();
    let ringing = h.ringing(tx);
    h.reliably(tx, ringing).expect("sent");
    h.run_until(600);
    h.incoming(prack(7, "z9hG4bKwrong"));
    assert_eq!(h.times_of("SIP/2.0 481"), vec![600]);
    assert!(h.pracked().is_empty());
    h.run_until(1_600);
    assert_eq!(h.times_of("SIP/2.0 180"), vec![0, 500, 1_500]);
}

#[test]
fn the_final_response_stops_retransmission() {
    let mut h = Harness::new();
    let tx = h.invite();
    let ringing = h.ringing(tx);
    h.reliably(tx, ringing).expect("sent");
    h.run_until(1_000);
    let mut ok = request(INVITE).response(200);
    ok.set_to_tag("b0b");
    h.layer.respond(h.now, tx, ok);
    h.drain();
    h.run_until(40_000);
    assert_eq!(h.times_of("SIP/2.0 180"), vec![0, 500]);
    assert!(!h
        .events
        .iter()
        .any(|(_, e)| matches!(e, TxEvent::NoPrack { .. })));
}

#[test]
fn a_second_reliable_1xx_waits_for_the_first_prack_and_takes_the_next_rseq() {
    let mut h = Harness::new();
    let tx = h.invite();
    let ringing = h.ringing(tx);
    h.reliably(tx, ringing.clone()).expect("sent");
    let mut progress = ringing.clone();
    progress.status = 183;
    assert_eq!(
        h.reliably(tx, progress.clone()),
        Err(ReliableError::Unacknowledged)
    );
    let mut ok = ringing.clone();
    ok.status = 200;
    assert_eq!(h.reliably(tx, ok), Err(ReliableError::NotProvisional));
    h.incoming(prack(1, "z9hG4bKprack1"));
    assert_eq!(h.reliably(tx, progress), Ok(2));
    let sent = h.sent.last().map(|(_, m)| m.clone()).unwrap_or_default();
    assert!(sent.contains("RSeq: 2\r\n"), "{sent}");
}
