//! Fuzz target: the SDP parser and the offer/answer code never panic; whatever parses
//! serializes to something that parses again, and an answer to it parses too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_sip::sdp::{answer_offer, read_answer, Codec, Direction, LocalAudio, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse(data) else {
        return;
    };
    let again = SessionDescription::parse(&sd.to_bytes()).expect("a serialized SDP parses");
    assert_eq!(again.to_bytes(), sd.to_bytes());
    let local = LocalAudio {
        address: "192.0.2.1".into(),
        port: 4000,
        codecs: vec![Codec::G722, Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        ptime: Some(20),
        direction: Direction::SendRecv,
        rtcp_mux: true,
        srtp_key: Some(vec![1; 30]),
        require_srtp: false,
        session_id: 1,
        session_version: 1,
    };
    if let Ok((answer, _)) = answer_offer(&sd, &local) {
        SessionDescription::parse(&answer.to_bytes()).expect("our answer parses");
    }
    let _ = read_answer(&sd, &local);
});
