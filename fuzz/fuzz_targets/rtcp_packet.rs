//! Fuzz target: the RTCP compound parser and the SDES item reader never panic, and report blocks
//! of an accepted SR/RR write back to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_rtp::rtcp::{sdes_items, Compound, RtcpPacket, RtcpWriter};

fuzz_target!(|data: &[u8]| {
    let Ok(compound) = Compound::parse(data) else {
        return;
    };
    for packet in compound.packets() {
        match packet {
            RtcpPacket::ReceiverReport { ssrc, reports } => {
                let blocks: Vec<_> = reports.iter().collect();
                let mut out = vec![0u8; 8 + blocks.len() * 24];
                let mut writer = RtcpWriter::new(&mut out);
                writer.receiver_report(ssrc, &blocks).expect("fits");
                let again = Compound::parse(&out).expect("parses");
                let Some(RtcpPacket::ReceiverReport { reports: back, .. }) = again.packets().next() else {
                    panic!("not an RR");
                };
                assert!(back.iter().eq(blocks.iter().copied()));
            }
            RtcpPacket::SourceDescription { body, .. } => {
                for (_, _, value) in sdes_items(body) {
                    assert!(value.len() <= 255);
                }
            }
            _ => {}
        }
    }
});
