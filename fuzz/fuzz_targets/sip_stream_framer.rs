//! Fuzz target: the TCP/TLS stream framer never panics and never loses sync, however the bytes
//! are chunked: the frames from one push equal the frames from byte-by-byte pushes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_sip::{Frame, StreamFramer};

fn frames(data: &[u8], chunk: usize) -> (Vec<Frame>, bool) {
    let mut framer = StreamFramer::new(4096);
    let mut out = Vec::new();
    let mut failed = false;
    for piece in data.chunks(chunk.max(1)) {
        framer.push(piece);
        loop {
            match framer.next_frame() {
                Ok(Some(f)) => out.push(f),
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            break;
        }
    }
    (out, failed)
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let (whole, whole_failed) = frames(rest, rest.len());
    let (pieces, pieces_failed) = frames(rest, usize::from(chunk % 16) + 1);
    if !whole_failed && !pieces_failed {
        let messages = |f: &[Frame]| f.iter().filter(|f| matches!(f, Frame::Message(_) | Frame::Invalid(_))).count();
        assert_eq!(messages(&whole), messages(&pieces), "chunking changes no message boundary");
    }
});
