//! Fuzz target: the RTP parser never panics, and what it accepts writes back byte for byte
//! (padding aside) through the builder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_rtp::{RtpBuilder, RtpPacket};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = RtpPacket::parse(data) else {
        return;
    };
    let csrcs: Vec<u32> = packet.csrcs().collect();
    let builder = RtpBuilder {
        header: packet.header,
        csrcs: &csrcs,
        extension: packet.extension,
        padding: 0,
    };
    let mut out = vec![0u8; data.len() + 16];
    let len = builder.write(packet.payload, &mut out).expect("a parsed packet rebuilds");
    let again = RtpPacket::parse(&out[..len]).expect("a rebuilt packet parses");
    assert_eq!(again.header, packet.header);
    assert_eq!(again.payload, packet.payload);
    assert_eq!(again.extension, packet.extension);
    assert!(again.csrcs().eq(packet.csrcs()));
});
