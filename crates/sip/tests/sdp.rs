//! SDP offer/answer: codec choice by our preference, telephone-event, hold in all its forms,
//! SDES-SRTP, rtcp-mux and `a=rtcp`, rejected streams, and 488 when nothing matches.

use ringside_sip::sdp::{
    answer_offer, build_offer, read_answer, Attributes, Codec, CryptoSuite, Direction, LocalAudio,
    SessionDescription,
};

fn local(codecs: &[Codec]) -> LocalAudio {
    LocalAudio {
        address: "192.0.2.10".into(),
        port: 40000,
        codecs: codecs.to_vec(),
        telephone_event_pt: 101,
        ptime: Some(20),
        direction: Direction::SendRecv,
        rtcp_mux: true,
        srtp_key: None,
        require_srtp: false,
        session_id: 7,
        session_version: 1,
    }
}

fn offer(media: &str) -> SessionDescription {
    let text = format!("v=0\r\no=user1 53655765 2353687637 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n{media}");
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

const SIPP_PCMA: &str = "m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

#[test]
fn sipp_pcma_offer_gets_pcma_and_telephone_event() {
    let (answer, neg) = answer_offer(
        &offer(SIPP_PCMA),
        &local(&[Codec::G722, Codec::Pcmu, Codec::Pcma]),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (neg.codec, neg.payload_type, neg.telephone_event),
        (Codec::Pcma, 8, Some(101))
    );
    assert_eq!(
        (
            neg.remote_address.as_str(),
            neg.remote_port,
            neg.remote_rtcp_port
        ),
        ("192.0.2.20", 6000, 6001)
    );
    assert!(!neg.rtcp_mux && !neg.remote_hold);
    let text = String::from_utf8_lossy(&answer.to_bytes()).into_owned();
    assert!(text.contains("m=audio 40000 RTP/AVP 8 101\r\n"), "{text}");
    assert!(
        text.contains("a=rtpmap:101 telephone-event/8000\r\n") && text.contains("a=sendrecv\r\n")
    );
    assert!(!text.contains("rtcp-mux"), "not offered, not answered");
}

#[test]
fn our_preference_wins_over_the_offer_order() {
    let o = offer("m=audio 6000 RTP/AVP 0 9 8\r\n");
    let (_, neg) =
        answer_offer(&o, &local(&[Codec::G722, Codec::Pcmu])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (neg.codec, neg.payload_type, neg.telephone_event),
        (Codec::G722, 9, None)
    );
    let dynamic = offer("m=audio 6000 RTP/AVP 96\r\na=rtpmap:96 pcmu/8000\r\n");
    let (_, neg) =
        answer_offer(&dynamic, &local(&[Codec::Pcmu])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        neg.payload_type, 96,
        "a dynamic PT mapped to PCMU is found by name"
    );
}

#[test]
fn nothing_in_common_is_488() {
    let o =
        offer("m=audio 6000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\nm=video 6002 RTP/AVP 31\r\n");
    let err = answer_offer(&o, &local(&[Codec::Pcmu, Codec::Pcma])).err();
    let rej = err.map(|e| e.to_rejection());
    assert_eq!(rej.as_ref().map(|r| r.status), Some(488));
    assert!(rej.is_some_and(|r| r.headers[0].to_string().contains("no common codec")));
}

#[test]
fn other_streams_are_declined_with_port_zero() {
    let o =
        offer("m=video 6002 RTP/AVP 31\r\nm=audio 6000 RTP/AVP 0\r\nm=audio 6004 RTP/AVP 0\r\n");
    let (answer, neg) =
        answer_offer(&o, &local(&[Codec::Pcmu])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(neg.media_index, 1);
    let ports: Vec<u16> = answer.media.iter().map(|m| m.port).collect();
    assert_eq!(ports, [0, 40000, 0], "one answer m-line per offer m-line");
}

#[test]
fn hold_is_detected_in_every_form() {
    let cases = [
        ("a=sendonly\r\n", "", Direction::RecvOnly, true),
        ("a=inactive\r\n", "", Direction::Inactive, true),
        ("a=recvonly\r\n", "", Direction::SendOnly, false),
        ("", "c=IN IP4 0.0.0.0\r\n", Direction::RecvOnly, true),
        ("", "", Direction::SendRecv, false),
    ];
    for (attr, conn, ours, hold) in cases {
        let o = offer(&format!("m=audio 6000 RTP/AVP 0\r\n{conn}{attr}"));
        let (answer, neg) =
            answer_offer(&o, &local(&[Codec::Pcmu])).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (neg.direction, neg.remote_hold),
            (ours, hold),
            "{attr}{conn}"
        );
        assert!(answer.media[0].attr(ours.attr()).is_some());
    }
    let mut holding = local(&[Codec::Pcmu]);
    holding.direction = Direction::SendOnly;
    let (_, neg) = answer_offer(&offer("m=audio 6000 RTP/AVP 0\r\n"), &holding)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        neg.direction,
        Direction::SendOnly,
        "our own hold is kept in the answer"
    );
}

#[test]
fn rtcp_mux_and_rtcp_attribute() {
    let o = offer("m=audio 6000 RTP/AVP 0\r\na=rtcp:6010 IN IP4 192.0.2.20\r\n");
    let (_, neg) = answer_offer(&o, &local(&[Codec::Pcmu])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((neg.rtcp_mux, neg.remote_rtcp_port), (false, 6010));
    let o = offer("m=audio 6000 RTP/AVP 0\r\na=rtcp-mux\r\n");
    let (answer, neg) =
        answer_offer(&o, &local(&[Codec::Pcmu])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((neg.rtcp_mux, neg.remote_rtcp_port), (true, 6000));
    assert!(answer.media[0].attr("rtcp-mux").is_some());
}

#[test]
fn sdes_srtp() {
    let crypto = "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n";
    let o = offer(&format!("m=audio 6000 RTP/SAVP 0\r\n{crypto}"));
    let mut l = local(&[Codec::Pcmu]);
    assert!(answer_offer(&o, &l).is_err(), "SAVP without our key is 488");
    l.srtp_key = Some(vec![5; 30]);
    let (answer, neg) = answer_offer(&o, &l).unwrap_or_else(|e| panic!("{e:?}"));
    let (remote, ours) = (neg.remote_crypto.clone(), neg.local_crypto.clone());
    assert_eq!(
        remote.map(|c| (c.tag, c.suite)),
        Some((3, CryptoSuite::AesCm128HmacSha1_32))
    );
    assert_eq!(ours.map(|c| (c.tag, c.key_salt)), Some((3, vec![5; 30])));
    assert_eq!(answer.media[0].protocol, "RTP/SAVP");
    l.require_srtp = true;
    assert!(
        answer_offer(&offer("m=audio 6000 RTP/AVP 0\r\n"), &l).is_err(),
        "plain RTP refused when SRTP is required"
    );
}

#[test]
fn our_offer_answered_by_a_peer_reads_back() {
    let mut us = local(&[Codec::G722, Codec::Pcma, Codec::Pcmu]);
    us.srtp_key = Some(vec![1; 30]);
    let o = build_offer(&us);
    let text = String::from_utf8_lossy(&o.to_bytes()).into_owned();
    assert!(
        text.contains("m=audio 40000 RTP/SAVP 9 8 0 101\r\n"),
        "{text}"
    );
    let reparsed = SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reparsed, o);
    let mut peer = local(&[Codec::Pcmu, Codec::Pcma]);
    peer.address = "198.51.100.7".into();
    peer.port = 5004;
    peer.rtcp_mux = false;
    peer.srtp_key = Some(vec![2; 30]);
    let (answer, theirs) = answer_offer(&reparsed, &peer).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(theirs.codec, Codec::Pcmu, "the answerer's preference picks");
    let ours = read_answer(&answer, &us).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (ours.codec, ours.payload_type, ours.telephone_event),
        (Codec::Pcmu, 0, Some(101))
    );
    assert_eq!(
        (
            ours.remote_address.as_str(),
            ours.remote_port,
            ours.rtcp_mux
        ),
        ("198.51.100.7", 5004, false)
    );
    assert_eq!(ours.remote_crypto.map(|c| c.key_salt), Some(vec![2; 30]));
    assert_eq!(ours.local_crypto.map(|c| c.key_salt), Some(vec![1; 30]));
}
