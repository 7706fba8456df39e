//! Fuzz target: SRTP and SRTCP unprotect never panic on any bytes, and never accept forged ones
//! (without the key a valid 80-bit tag is out of reach, so anything accepted is a bug).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_rtp::{MasterKey, SrtpContext};

fuzz_target!(|data: &[u8]| {
    let key = MasterKey { key: [0x42; 16], salt: [0x24; 14] };
    let mut context = SrtpContext::new(&key);
    let mut rtp = data.to_vec();
    assert!(context.unprotect_rtp(&mut rtp).is_err());
    let mut rtcp = data.to_vec();
    assert!(context.unprotect_rtcp(&mut rtcp).is_err());
    // What we protect ourselves always comes back.
    let mut sender = SrtpContext::new(&key);
    let mut buf = data.to_vec();
    let len = buf.len();
    buf.extend_from_slice(&[0; 10]);
    if let Ok(protected) = sender.protect_rtp(&mut buf, len) {
        let mut receiver = SrtpContext::new(&key);
        assert_eq!(receiver.unprotect_rtp(&mut buf[..protected]), Ok(len));
        assert_eq!(&buf[..len], data);
    }
});
