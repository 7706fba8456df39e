//! Deterministic robustness: every fixture, truncated at every byte and with bytes flipped by a seeded
//! generator, is fed to every top-level parser. Errors are fine; panics are not; and whatever parses
//! must serialize and read back equal.

mod common;

use common::{all_fixtures, fixture};
use ringside_graph_wire::*;

/// Parses `bytes` as every top-level DTO and serializes whatever parsed.
fn parse_all(bytes: &[u8]) {
    /// Whatever parses must serialize, and what we write must read back as the same value.
    fn one<T>(bytes: &[u8])
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        if let Ok(v) = serde_json::from_slice::<T>(bytes) {
            let written = serde_json::to_vec(&v).expect("a parsed value serializes");
            let back: T = serde_json::from_slice(&written).unwrap_or_else(|e| {
                panic!(
                    "we cannot read what we wrote: {e}\n{}",
                    String::from_utf8_lossy(&written)
                )
            });
            assert_eq!(back, v, "{}", String::from_utf8_lossy(&written));
        }
    }
    one::<Call>(bytes);
    one::<CommsNotifications>(bytes);
    one::<CommsOperation>(bytes);
    one::<Participant>(bytes);
    one::<GraphError>(bytes);
    one::<AnswerRequest>(bytes);
    one::<RejectRequest>(bytes);
    one::<RedirectRequest>(bytes);
    one::<TransferRequest>(bytes);
    one::<PlayPromptRequest>(bytes);
    one::<RecordResponseRequest>(bytes);
    one::<SendDtmfTonesRequest>(bytes);
    one::<InviteParticipantsRequest>(bytes);
    one::<StartHoldMusicRequest>(bytes);
    one::<ChangeScreenSharingRoleRequest>(bytes);
    one::<UpdateRecordingStatusRequest>(bytes);
    one::<ClientContextRequest>(bytes);
    one::<AudioRoutingGroup>(bytes);
    one::<OnlineMeeting>(bytes);
    if let Ok(call) = serde_json::from_slice::<Call>(bytes) {
        let _ = serde_json::to_vec(&CallCreatedResponse(&call));
    }
}

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const INTERESTING: &[u8] = b"{}[]\",:0-9.eE\\ntfu#@ \x00\xff";

#[test]
fn truncations_never_panic() {
    for name in all_fixtures() {
        let text = fixture(&name);
        let bytes = text.as_bytes();
        // Every prefix of the small ones; a stride through the big ones.
        let step = (bytes.len() / 400).max(1);
        for end in (0..bytes.len()).step_by(step) {
            parse_all(&bytes[..end]);
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for name in all_fixtures() {
        let original = fixture(&name).into_bytes();
        parse_all(&original);
        for _ in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(4) {
                let i = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[i] ^= 1 << rng.below(8),
                    1 => bytes[i] = INTERESTING[rng.below(INTERESTING.len())],
                    2 => {
                        bytes.remove(i);
                    }
                    _ => {
                        let j = rng.below(bytes.len());
                        let (a, b) = (i.min(j), i.max(j));
                        let chunk = bytes[a..b].to_vec();
                        bytes.splice(a..a, chunk);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            parse_all(&bytes);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    parse_all(deep.as_bytes());
    let deep_obj = "{\"resourceData\":".repeat(10_000);
    parse_all(deep_obj.as_bytes());
}
