//! Repository-wide checks that keep the architecture honest: core crates stay free of IO frameworks, and
//! every Rust file opens with a `//!` line saying what it owns.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// Crates that must stay sans-IO, and what they must never reach, directly or transitively.
const CORE_CRATES: [&str; 4] = [
    "ringside-model",
    "ringside-engine",
    "ringside-audio",
    "ringside-directory",
];
const FORBIDDEN: [&str; 7] = [
    "tokio",
    "axum",
    "hyper",
    "reqwest",
    "rusqlite",
    "libsqlite3-sys",
    "mio",
];

#[test]
fn core_crates_do_not_depend_on_io_frameworks() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let names: HashMap<String, String> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Normal (non-dev, non-build) edges of the resolved graph.
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
    {
        let id = node["id"].as_str().unwrap().to_string();
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dep| {
                dep["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|kind| kind["kind"].is_null())
            })
            .map(|dep| dep["pkg"].as_str().unwrap().to_string())
            .collect();
        edges.insert(id, deps);
    }
    for core in CORE_CRATES {
        let root = names
            .iter()
            .find(|(_, name)| name.as_str() == core)
            .map(|(id, _)| id.clone())
            .expect(core);
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if seen.insert(id.clone()) {
                stack.extend(edges.get(&id).cloned().unwrap_or_default());
            }
        }
        let reached: BTreeSet<&str> = seen.iter().map(|id| names[id].as_str()).collect();
        for forbidden in FORBIDDEN {
            assert!(
                !reached.contains(forbidden),
                "{core} depends on {forbidden} (architecture invariant)"
            );
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut missing = Vec::new();
    let mut stack = vec![workspace_root().join("crates")];
    let fuzz = workspace_root().join("fuzz");
    if fuzz.exists() {
        stack.push(fuzz);
    }
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "target") {
                    continue;
                }
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable file");
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "files without a leading //! doc line: {missing:#?}"
    );
}
