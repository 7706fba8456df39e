//! Fresh ids from the OS random generator, for the runtime and the doors (the engine takes its ids
//! from an [`IdSource`](ringside_engine::IdSource) the runtime is given). A node of a cluster tags
//! every id it mints with its number in the top 16 bits ([`set_node_tag`]), so any node can tell
//! from a call's, a leg's or a recording's id which node owns it ([`node_tag`]).

use std::sync::atomic::{AtomicU16, Ordering};

use rand::RngCore;
use ringside_model::Guid;

/// This process's node number; 0 outside a cluster (ids fully random).
static NODE_TAG: AtomicU16 = AtomicU16::new(0);

/// Tags the ids minted from now on with `number` (a cluster node's, 1…65535). Set once at start.
pub fn set_node_tag(number: u16) {
    NODE_TAG.store(number, Ordering::Relaxed);
}

/// A fresh random GUID (tagged with this node's number in a cluster).
pub fn new_guid() -> Guid {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    tagged(
        Guid::from_random_bytes(bytes),
        NODE_TAG.load(Ordering::Relaxed),
    )
}

/// `guid` with its top 16 bits replaced by `tag` (unchanged when `tag` is 0).
pub fn tagged(guid: Guid, tag: u16) -> Guid {
    if tag == 0 {
        return guid;
    }
    Guid::from_u128((guid.as_u128() & !(0xFFFF << 112)) | (u128::from(tag) << 112))
}

/// The node number an id minted in a cluster carries (the top 16 bits).
pub fn node_tag(guid: Guid) -> u16 {
    (guid.as_u128() >> 112) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_survives_the_text_form_and_leaves_the_rest_random() {
        let a = tagged(Guid::from_random_bytes([0xAB; 16]), 0x0102);
        assert_eq!(node_tag(a), 0x0102);
        assert!(a.to_string().starts_with("0102"), "{a}");
        let parsed = Guid::parse(&a.to_string()).expect("parse");
        assert_eq!(node_tag(parsed), 0x0102);
        let rest = |g: Guid| g.as_u128() & !(0xFFFF << 112);
        assert_eq!(rest(a), rest(Guid::from_random_bytes([0xAB; 16])));
        assert_eq!(tagged(a, 0), a);
    }
}
