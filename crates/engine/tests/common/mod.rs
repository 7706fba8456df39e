//! The engine scenario harness, shared with the doors' tests (`ringside-testkit`).
#![allow(unused_imports, unreachable_pub)]

pub use ringside_testkit::engine::*;
