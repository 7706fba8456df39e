//! Criterion benchmark of the SIP parser and serializer on a typical trunk INVITE with an SDP
//! offer (G.711/G.722, telephone-event, SDES crypto), plus the SDP answer computed from it.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ringside_sip::sdp::{answer_offer, Codec, Direction, LocalAudio, SessionDescription};
use ringside_sip::{parse_message, Message};

const SDP: &str = "v=0\r
o=- 3868432411 3868432411 IN IP4 203.0.113.17\r
s=SBC\r
c=IN IP4 203.0.113.17\r
t=0 0\r
m=audio 49152 RTP/SAVP 9 0 8 101\r
a=rtpmap:9 G722/8000\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-16\r
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r
a=ptime:20\r
a=sendrecv\r
";

fn invite() -> Vec<u8> {
    let head =
        "INVITE sip:+14255550100@ringside.example.com:5061;transport=tls;user=phone SIP/2.0\r
Via: SIP/2.0/TLS sbc.contoso.example:5061;branch=z9hG4bK-524287-1---a1b2c3d4e5f60718;rport\r
Max-Forwards: 69\r
Record-Route: <sip:sbc.contoso.example:5061;transport=tls;lr>\r
From: \"Alice Contoso\" <sip:+14255550111@sbc.contoso.example;user=phone>;tag=7a8b9c0d\r
To: <sip:+14255550100@ringside.example.com;user=phone>\r
Call-ID: 3c26700a-5d8f-4b8e-9a41-0c1f1b7e6d2a\r
CSeq: 1 INVITE\r
Contact: <sip:+14255550111@sbc.contoso.example:5061;transport=tls>\r
P-Asserted-Identity: <sip:+14255550111@sbc.contoso.example;user=phone>\r
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, REFER, NOTIFY, INFO, PRACK\r
Supported: timer, replaces, 100rel\r
Session-Expires: 1800\r
Min-SE: 90\r
User-Agent: ContosoSBC/9.1\r
Content-Type: application/sdp\r
";
    format!("{head}Content-Length: {}\r\n\r\n{SDP}", SDP.len()).into_bytes()
}

fn local() -> LocalAudio {
    LocalAudio {
        address: "198.51.100.1".into(),
        port: 40000,
        codecs: vec![Codec::G722, Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        ptime: Some(20),
        direction: Direction::SendRecv,
        rtcp_mux: true,
        srtp_key: Some(vec![9; 30]),
        require_srtp: false,
        session_id: 1,
        session_version: 1,
    }
}

fn sip(c: &mut Criterion) {
    let bytes = invite();
    let parsed = parse_message(&bytes).expect("the benchmark INVITE parses");
    let Message::Request(req) = &parsed else {
        panic!("the benchmark message is a request");
    };
    let offer = SessionDescription::parse(&req.body).expect("the benchmark SDP parses");
    answer_offer(&offer, &local()).expect("the benchmark offer is answerable");
    let mut group = c.benchmark_group("sip");
    group.bench_function("parse_invite_with_sdp", |b| {
        b.iter(|| parse_message(black_box(&bytes)))
    });
    group.bench_function("serialize_invite_with_sdp", |b| {
        b.iter(|| black_box(&parsed).to_bytes())
    });
    group.bench_function("parse_and_serialize", |b| {
        b.iter(|| parse_message(black_box(&bytes)).map(|m| m.to_bytes()))
    });
    group.bench_function("sdp_parse_and_answer", |b| {
        let l = local();
        b.iter(|| {
            let sd = SessionDescription::parse(black_box(&req.body)).ok()?;
            answer_offer(&sd, &l).ok().map(|(a, _)| a.to_bytes())
        })
    });
    group.finish();
}

criterion_group!(benches, sip);
criterion_main!(benches);
