//! Fuzz target: the SIP parser never panics; whatever parses serializes to a fixed point, and a
//! parse error on a request always yields an answer or a reason not to answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_sip::{check_request, parse_error_response, parse_message, Message, UasPolicy};

fuzz_target!(|data: &[u8]| {
    match parse_message(data) {
        Ok(msg) => {
            let once = msg.to_bytes();
            let again = parse_message(&once).expect("a serialized message parses");
            assert_eq!(again.to_bytes(), once, "serialization is a fixed point");
            if let Message::Request(req) = &msg {
                let _ = check_request(req, &UasPolicy::default());
            }
        }
        Err(e) => {
            if let Some(resp) = parse_error_response(&e, "fz") {
                assert!(resp.status >= 400);
                let _ = resp.to_bytes();
            }
        }
    }
});
