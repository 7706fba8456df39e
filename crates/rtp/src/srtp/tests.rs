//! SRTP/SRTCP against libsrtp's reference packets (`srtp_driver.c`, the RFC 3711 B.3 master key),
//! round trips, replay, tampering and the rollover counter.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn master() -> MasterKey {
    let bytes = hex("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6");
    MasterKey::from_bytes(&bytes.try_into().unwrap())
}

const RTP_PLAIN: &str = "800F1234 DECAFBAD CAFEBABE ABABABAB ABABABAB ABABABAB ABABABAB";
const RTP_PROTECTED: &str = "800F1234 DECAFBAD CAFEBABE 4E55DC4C E79978D8 8CA4D215 949D2402 \
                             B78D6ACC99EA179B8DBB";
const RTCP_PLAIN: &str = "81C8000B CAFEBABE ABABABAB ABABABAB ABABABAB ABABABAB";
const RTCP_PROTECTED: &str = "81C8000B CAFEBABE 7128035B E487B9BD BEF89041 F977A5A8 80000001 \
                              993E08CD54D6C1230798";

#[test]
fn rtp_protects_to_libsrtps_reference_packet_and_back() {
    let mut sender = SrtpContext::new(&master());
    let mut buf = [0u8; 64];
    let plain = hex(RTP_PLAIN);
    buf[..plain.len()].copy_from_slice(&plain);
    let len = sender.protect_rtp(&mut buf, plain.len()).unwrap();
    assert_eq!(buf[..len].to_vec(), hex(RTP_PROTECTED));
    let mut receiver = SrtpContext::new(&master());
    let len = receiver.unprotect_rtp(&mut buf[..len]).unwrap();
    assert_eq!(buf[..len].to_vec(), plain);
}

#[test]
fn rtcp_protects_to_libsrtps_reference_packet_and_back() {
    let mut sender = SrtpContext::new(&master());
    let mut buf = [0u8; 64];
    let plain = hex(RTCP_PLAIN);
    buf[..plain.len()].copy_from_slice(&plain);
    let len = sender.protect_rtcp(&mut buf, plain.len()).unwrap();
    assert_eq!(buf[..len].to_vec(), hex(RTCP_PROTECTED));
    let mut receiver = SrtpContext::new(&master());
    let mut wire = hex(RTCP_PROTECTED);
    let len = receiver.unprotect_rtcp(&mut wire).unwrap();
    assert_eq!(wire[..len].to_vec(), plain);
    // The same packet again is a replay.
    let mut again = hex(RTCP_PROTECTED);
    assert_eq!(receiver.unprotect_rtcp(&mut again), Err(SrtpError::Replay));
}

#[test]
fn tampering_and_replay_are_refused() {
    let mut receiver = SrtpContext::new(&master());
    let mut tampered = hex(RTP_PROTECTED);
    tampered[14] ^= 1;
    assert_eq!(
        receiver.unprotect_rtp(&mut tampered),
        Err(SrtpError::Authentication)
    );
    let mut good = hex(RTP_PROTECTED);
    assert!(receiver.unprotect_rtp(&mut good).is_ok());
    let mut again = hex(RTP_PROTECTED);
    assert_eq!(receiver.unprotect_rtp(&mut again), Err(SrtpError::Replay));
    let mut wrong_key = hex(RTP_PROTECTED);
    let other = MasterKey {
        key: [7; 16],
        salt: [7; 14],
    };
    assert_eq!(
        SrtpContext::new(&other).unprotect_rtp(&mut wrong_key),
        Err(SrtpError::Authentication)
    );
}

#[test]
fn short_and_odd_inputs_are_errors_not_panics() {
    let mut c = SrtpContext::new(&master());
    for len in 0..24 {
        let mut buf = vec![0x90u8; len];
        assert!(c.unprotect_rtp(&mut buf).is_err());
        assert!(c.unprotect_rtcp(&mut buf).is_err());
    }
    let mut small = [0x80u8; 20];
    assert_eq!(
        c.protect_rtp(&mut small, 20),
        Err(SrtpError::BufferTooSmall)
    );
    assert_eq!(c.protect_rtp(&mut small, 30), Err(SrtpError::TooShort));
    assert_eq!(
        c.protect_rtcp(&mut small, 20),
        Err(SrtpError::BufferTooSmall)
    );
}

fn rtp(seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44];
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    p.extend_from_slice(&[0; TAG_LEN]);
    p
}

#[test]
fn the_rollover_counter_follows_the_sequence_wrap_on_both_sides() {
    let mut sender = SrtpContext::new(&master());
    let mut receiver = SrtpContext::new(&master());
    let payload = [0x5Au8; 20];
    // Cross the wrap, with one packet reordered across it.
    let order: Vec<u16> = vec![65530, 65531, 65532, 65533, 65535, 65534, 0, 1, 2, 3];
    let mut protected = std::collections::HashMap::new();
    for seq in 65530..=65535u16 {
        let mut p = rtp(seq, &payload);
        let len = p.len() - TAG_LEN;
        sender.protect_rtp(&mut p, len).unwrap();
        protected.insert(seq, p);
    }
    for seq in 0..4u16 {
        let mut p = rtp(seq, &payload);
        let len = p.len() - TAG_LEN;
        sender.protect_rtp(&mut p, len).unwrap();
        protected.insert(seq, p);
    }
    assert_eq!(sender.rtp_index, Some(0x1_0003));
    for seq in order {
        let mut p = protected[&seq].clone();
        let len = receiver.unprotect_rtp(&mut p).unwrap();
        assert_eq!(&p[12..len], &payload, "seq {seq}");
    }
    assert_eq!(receiver.rtp_index, Some(0x1_0003));
}

#[test]
fn the_window_accepts_late_packets_once_and_refuses_older_ones() {
    let mut w = ReplayWindow::default();
    w.accept(100);
    assert!(w.check(99).is_ok());
    w.accept(99);
    assert_eq!(w.check(99), Err(SrtpError::Replay));
    assert!(w.check(37).is_ok());
    assert_eq!(
        w.check(36),
        Err(SrtpError::Replay),
        "outside the 64-packet window"
    );
    w.accept(300);
    assert_eq!(w.check(100), Err(SrtpError::Replay));
    assert!(w.check(299).is_ok());
}

#[test]
fn index_estimation_follows_rfc_3711_section_3_3_1() {
    assert_eq!(estimate_index(None, 7), 7);
    assert_eq!(
        estimate_index(Some(0x1_0005), 65530),
        0xFFFA,
        "from before the wrap"
    );
    assert_eq!(
        estimate_index(Some(0x0_FFF0), 3),
        0x1_0003,
        "after the wrap"
    );
    assert_eq!(estimate_index(Some(0x2_8000), 0x8001), 0x2_8001);
    assert_eq!(estimate_index(Some(5), 65000), 65000, "no ROC below zero");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn protect_then_unprotect_is_the_identity(
            payload in prop::collection::vec(any::<u8>(), 0..300),
            seq in any::<u16>(),
            csrcs in 0usize..4,
        ) {
            let mut packet = vec![0x80 | csrcs as u8, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9, 9];
            packet[2..4].copy_from_slice(&seq.to_be_bytes());
            packet.extend(std::iter::repeat_n(0xCC, csrcs * 4));
            packet.extend_from_slice(&payload);
            let len = packet.len();
            let mut buf = packet.clone();
            buf.extend_from_slice(&[0; TAG_LEN]);
            let mut sender = SrtpContext::new(&master());
            let mut receiver = SrtpContext::new(&master());
            prop_assert_eq!(sender.protect_rtp(&mut buf, len), Ok(len + TAG_LEN));
            prop_assert_eq!(&buf[..12 + csrcs * 4], &packet[..12 + csrcs * 4]);
            if payload.len() >= 4 {
                prop_assert_ne!(&buf[12 + csrcs * 4..len], &packet[12 + csrcs * 4..]);
            }
            prop_assert_eq!(receiver.unprotect_rtp(&mut buf), Ok(len));
            prop_assert_eq!(&buf[..len], &packet[..]);
        }

        #[test]
        fn unprotect_never_panics(mut bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut c = SrtpContext::new(&master());
            let mut copy = bytes.clone();
            let _ = c.unprotect_rtp(&mut bytes);
            let _ = c.unprotect_rtcp(&mut copy);
        }
    }
}
