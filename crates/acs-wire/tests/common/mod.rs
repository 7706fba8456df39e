//! Shared helpers for the acs-wire integration tests: fixture loading and the round-trip checks.

#![allow(dead_code, unreachable_pub)]

use std::fmt::Debug;
use std::path::PathBuf;

use ringside_acs_wire::RequestBody;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The fixtures directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture's text.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A fixture as a JSON value.
pub fn fixture_value(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
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

/// Parses `text` as `T`, then checks parse → serialize → parse gives an equal value and that the
/// second serialization is byte-identical to the first (the writer is a fixed point).
pub fn round_trip<T>(name: &str, text: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let first: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
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

/// A fixture through [`round_trip`].
pub fn parse_round_trip<T>(name: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    round_trip(name, &fixture(name))
}

/// A request fixture read as the door reads it ([`RequestBody::from_json`]), which must agree with
/// plain serde, and round-tripped.
pub fn request<T>(name: &str) -> T
where
    T: RequestBody + Serialize + PartialEq + Debug,
{
    let text = fixture(name);
    let read = T::from_json(text.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let plain: T = round_trip(name, &text);
    assert_eq!(read, plain, "{name}: from_json and serde disagree");
    read
}

/// Serializes to a JSON value.
pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialize")
}

/// Asserts that `value` serializes to exactly the fixture (as JSON values: member order aside).
pub fn assert_writes<T: Serialize>(value: &T, name: &str) {
    let written = to_json(value);
    let expected = fixture_value(name);
    assert_eq!(
        written,
        expected,
        "{name}: written\n{}\nexpected\n{}",
        serde_json::to_string_pretty(&written).unwrap_or_default(),
        serde_json::to_string_pretty(&expected).unwrap_or_default()
    );
}
