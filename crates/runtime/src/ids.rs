//! Fresh ids from the OS random generator, for the runtime and the doors (the engine takes its ids
//! from an [`IdSource`](ringside_engine::IdSource) the runtime is given).

use rand::RngCore;
use ringside_model::Guid;

/// A fresh random GUID.
pub fn new_guid() -> Guid {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Guid::from_random_bytes(bytes)
}
