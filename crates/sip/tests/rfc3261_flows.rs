//! The RFC 3261 §24 examples (registration and the Alice→Bob call through two proxies) parse,
//! read back the values the RFC shows, and serialize to a fixed point; and the stream framer
//! splits them out of a TCP byte stream however it is chunked.

use ringside_sip::{parse_message, Frame, Message, Method, StreamFramer};

const REGISTER_F1: &str = "REGISTER sip:registrar.biloxi.com SIP/2.0\r
Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.com>\r
From: Bob <sip:bob@biloxi.com>;tag=456248\r
Call-ID: 843817637684230@998sdasdh09\r
CSeq: 1826 REGISTER\r
Contact: <sip:bob@192.0.2.4>\r
Expires: 7200\r
Content-Length: 0\r
\r
";

const INVITE_F1: &str = "INVITE sip:bob@biloxi.com SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.com>\r
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r
Call-ID: a84b4c76e66710\r
CSeq: 314159 INVITE\r
Contact: <sip:alice@pc33.atlanta.com>\r
Content-Type: application/sdp\r
Content-Length: 4\r
\r
v=0\n";

const RINGING_F8: &str = "SIP/2.0 180 Ringing\r
Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r
Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1\r
Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>\r
To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r
Call-ID: a84b4c76e66710@pc33.atlanta.com\r
Contact: <sip:bob@192.0.2.4>\r
CSeq: 314159 INVITE\r
Content-Length: 0\r
\r
";

const ACK_F12: &str = "ACK sip:bob@192.0.2.4 SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds9\r
Route: <sip:bigbox3.site3.atlanta.com;lr>, <sip:server10.biloxi.com;lr>\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r
Call-ID: a84b4c76e66710@pc33.atlanta.com\r
CSeq: 314159 ACK\r
Content-Length: 0\r
\r
";

const BYE_F13: &str = "BYE sip:alice@pc33.atlanta.com SIP/2.0\r
Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r
Max-Forwards: 70\r
From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r
To: Alice <sip:alice@atlanta.com>;tag=1928301774\r
Call-ID: a84b4c76e66710\r
CSeq: 231 BYE\r
Content-Length: 0\r
\r
";

fn fixed_point(text: &str) -> Message {
    let m = parse_message(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
    let once = m.to_bytes();
    let again = parse_message(&once).unwrap_or_else(|e| panic!("reparse {e}"));
    assert_eq!(again, m, "parse(serialize(m)) == m");
    assert_eq!(again.to_bytes(), once);
    m
}

#[test]
fn registration_and_call_flow_round_trip() {
    let Message::Request(reg) = fixed_point(REGISTER_F1) else {
        panic!("REGISTER is a request");
    };
    assert_eq!(reg.headers.expires(), Some(7200));
    assert_eq!(
        reg.to_bytes(),
        REGISTER_F1.as_bytes(),
        "canonical input serializes unchanged"
    );
    let Message::Request(inv) = fixed_point(INVITE_F1) else {
        panic!("INVITE is a request");
    };
    assert_eq!(inv.method, Method::Invite);
    assert_eq!(inv.body, b"v=0\n");
    assert_eq!(inv.branch(), Some("z9hG4bKnashds8"));
    let Message::Response(ringing) = fixed_point(RINGING_F8) else {
        panic!("180 is a response");
    };
    assert_eq!((ringing.status, ringing.reason.as_str()), (180, "Ringing"));
    assert_eq!(ringing.headers.vias().count(), 3);
    assert_eq!(ringing.headers.record_routes().count(), 2);
    assert_eq!(
        ringing.headers.top_via().and_then(|v| v.received()),
        Some("192.0.2.3")
    );
    fixed_point(ACK_F12);
    fixed_point(BYE_F13);
}

#[test]
fn framer_splits_a_stream_at_any_chunking() {
    let stream = [INVITE_F1, "\r\n\r\n", RINGING_F8, ACK_F12, "\r\n", BYE_F13].concat();
    let bytes = stream.as_bytes();
    for chunk in [1, 7, 64, bytes.len()] {
        let mut framer = StreamFramer::default();
        let mut frames = Vec::new();
        for piece in bytes.chunks(chunk) {
            framer.push(piece);
            while let Ok(Some(f)) = framer.next_frame() {
                frames.push(f);
            }
        }
        let kinds: Vec<&str> = frames
            .iter()
            .map(|f| match f {
                Frame::Message(Message::Request(_)) => "req",
                Frame::Message(Message::Response(_)) => "resp",
                Frame::Invalid(_) => "invalid",
                Frame::Ping => "ping",
                Frame::Pong => "pong",
            })
            .collect();
        assert_eq!(
            kinds,
            ["req", "ping", "resp", "req", "pong", "req"],
            "chunk {chunk}"
        );
        assert_eq!(framer.buffered(), 0);
    }
}

#[test]
fn framer_refuses_oversized_messages_and_keeps_failing() {
    let mut framer = StreamFramer::new(256);
    framer.push(
        INVITE_F1
            .replace("Content-Length: 4", "Content-Length: 100000")
            .as_bytes(),
    );
    assert!(framer.next_frame().is_err());
    framer.push(BYE_F13.as_bytes());
    assert!(framer.next_frame().is_err(), "a failed stream stays failed");
    let mut endless = StreamFramer::new(256);
    endless.push(&[b'a'; 300]);
    assert!(
        endless.next_frame().is_err(),
        "a header section without end is bounded"
    );
}

#[test]
fn framer_reports_bad_messages_and_stays_in_sync() {
    let bad = BYE_F13.replace("CSeq: 231 BYE", "CSeq: 231 INVITE");
    let mut framer = StreamFramer::default();
    framer.push([bad.as_str(), BYE_F13].concat().as_bytes());
    assert!(matches!(framer.next_frame(), Ok(Some(Frame::Invalid(_)))));
    assert!(matches!(framer.next_frame(), Ok(Some(Frame::Message(_)))));
    assert_eq!(framer.next_frame(), Ok(None));
}
