//! Shared helpers for the graph-wire integration tests: fixture loading and the round-trip check.

#![allow(dead_code, unreachable_pub)]

use std::fmt::Debug;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The fixtures directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture's text.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Every fixture file name, sorted.
pub fn all_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .into_string()
                .expect("utf-8")
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Parses a fixture as `T`, then checks parse → serialize → parse gives an equal value and that the
/// second serialization is byte-identical to the first (the writer is a fixed point).
pub fn parse_round_trip<T>(name: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let text = fixture(name);
    let first: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_string(&first).expect("serialize");
    let second: T =
        serde_json::from_str(&written).unwrap_or_else(|e| panic!("{name} re-read: {e}\n{written}"));
    assert_eq!(
        first, second,
        "{name}: round trip changed the value\n{written}"
    );
    assert_eq!(written, serde_json::to_string(&second).expect("serialize"));
    first
}

/// Serializes to a JSON value.
pub fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serialize")
}
