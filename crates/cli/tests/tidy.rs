//! Repository-wide checks that keep the architecture honest (ARCHITECTURE.md, "Invariants"): the
//! crate layers and their one-way dependencies, sans-IO cores free of IO frameworks, doors that never
//! import each other, a runtime without an HTTP server framework, an engine that names no dialect,
//! and a `//!` line opening every Rust file. Each rule is a function over data read from
//! `cargo metadata` and the sources, so the tests below also show every rule failing on a deliberate
//! violation.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// Every workspace crate and the workspace crates it may use (normal dependencies). A crate not in
/// this table, or an edge not in it, is a violation: a new dependency is a decision, taken here.
const LAYERS: &[(&str, &[&str])] = &[
    ("ringside-model", &[]),
    ("ringside-graph-wire", &[]),
    ("ringside-acs-wire", &[]),
    ("ringside-sip", &[]),
    ("ringside-engine", &["ringside-model"]),
    ("ringside-audio", &["ringside-model"]),
    ("ringside-rtp", &["ringside-model", "ringside-audio"]),
    ("ringside-directory", &["ringside-model"]),
    ("ringside-identity", &["ringside-model"]),
    (
        "ringside-media",
        &[
            "ringside-model",
            "ringside-audio",
            "ringside-engine",
            "ringside-rtp",
        ],
    ),
    // Offline speech engines (espeak-ng, pocketsphinx) on worker threads; the runtime speaks text
    // prompts with it.
    ("ringside-speech", &["ringside-audio"]),
    ("ringside-store", &["ringside-model", "ringside-directory"]),
    ("ringside-http", &["ringside-model"]),
    (
        "ringside-runtime",
        &[
            "ringside-model",
            "ringside-directory",
            "ringside-identity",
            "ringside-store",
            "ringside-engine",
            "ringside-audio",
            "ringside-media",
            "ringside-speech",
        ],
    ),
    // The SIP gateway: a provider of external legs behind the runtime's seam (not a door: it
    // serves no HTTP and renders no dialect).
    (
        "ringside-sip-gateway",
        &[
            "ringside-model",
            "ringside-directory",
            "ringside-store",
            "ringside-engine",
            "ringside-media",
            "ringside-rtp",
            "ringside-runtime",
            "ringside-sip",
        ],
    ),
    (
        "ringside-door-graph",
        &[
            "ringside-model",
            "ringside-directory",
            "ringside-identity",
            "ringside-store",
            "ringside-engine",
            "ringside-graph-wire",
            "ringside-runtime",
            "ringside-http",
        ],
    ),
    (
        "ringside-door-acs",
        &[
            "ringside-model",
            "ringside-directory",
            "ringside-identity",
            "ringside-store",
            "ringside-engine",
            "ringside-audio",
            "ringside-media",
            "ringside-acs-wire",
            "ringside-runtime",
            "ringside-http",
        ],
    ),
    (
        "ringside-platform",
        &[
            "ringside-model",
            "ringside-directory",
            "ringside-identity",
            "ringside-store",
            "ringside-engine",
            "ringside-media",
            "ringside-runtime",
            "ringside-http",
        ],
    ),
    (
        "ringside-console",
        &[
            "ringside-model",
            "ringside-engine",
            "ringside-runtime",
            "ringside-http",
            "ringside-platform",
        ],
    ),
    (
        "ringside-server",
        &[
            "ringside-model",
            "ringside-identity",
            "ringside-store",
            "ringside-engine",
            "ringside-media",
            "ringside-runtime",
            "ringside-http",
            "ringside-door-graph",
            "ringside-door-acs",
            "ringside-platform",
            "ringside-console",
            "ringside-sip-gateway",
        ],
    ),
    // Test support only (a dev-dependency): the engine harness, and the server harness behind its
    // `server` feature.
    (
        "ringside-testkit",
        &[
            "ringside-model",
            "ringside-engine",
            "ringside-identity",
            "ringside-audio",
            "ringside-server",
        ],
    ),
    (
        "ringside-cli",
        &["ringside-model", "ringside-identity", "ringside-server"],
    ),
];

/// Sans-IO cores: no IO framework, directly or through anything they depend on.
const CORE_CRATES: &[&str] = &[
    "ringside-model",
    "ringside-engine",
    "ringside-audio",
    "ringside-rtp",
    "ringside-media",
    "ringside-directory",
    "ringside-identity",
    "ringside-graph-wire",
    "ringside-acs-wire",
    "ringside-sip",
];
/// Not sans-IO (worker threads, a cache directory, C libraries loaded at run time) but, like the
/// cores, free of every IO framework: it serves the media clock's threads without an async runtime.
const FRAMEWORK_FREE: &[&str] = &["ringside-speech"];
const IO_FRAMEWORKS: &[&str] = &[
    "tokio",
    "axum",
    "hyper",
    "reqwest",
    "rusqlite",
    "libsqlite3-sys",
    "mio",
];

/// Crates that serve HTTP must be the doors, the platform and the server: the runtime never
/// reaches an HTTP server framework.
const SERVER_FRAMEWORKS: &[&str] = &["axum"];

/// The workspace as the rules see it.
#[derive(Default)]
struct Workspace {
    /// Workspace crate → the workspace crates it depends on directly (normal dependencies).
    direct: BTreeMap<String, BTreeSet<String>>,
    /// Workspace crate → every package it reaches through normal dependencies.
    reach: BTreeMap<String, BTreeSet<String>>,
}

impl Workspace {
    fn read() -> Workspace {
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
        Workspace::from_metadata(&metadata)
    }

    fn from_metadata(metadata: &serde_json::Value) -> Workspace {
        let names: HashMap<String, String> = metadata["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| {
                let id = p["id"].as_str().expect("id").to_string();
                (id, p["name"].as_str().expect("name").to_string())
            })
            .collect();
        let members: BTreeSet<String> = metadata["workspace_members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|id| names[id.as_str().expect("member id")].clone())
            .collect();
        let edges = normal_edges(metadata, &names);
        let mut workspace = Workspace::default();
        for member in &members {
            let direct = edges.get(member).cloned().unwrap_or_default();
            let ours = direct.intersection(&members).cloned().collect();
            workspace.direct.insert(member.clone(), ours);
            workspace
                .reach
                .insert(member.clone(), reachable(member, &edges));
        }
        workspace
    }
}

/// Normal (non-dev, non-build) dependency edges between package names.
fn normal_edges(
    metadata: &serde_json::Value,
    names: &HashMap<String, String>,
) -> HashMap<String, BTreeSet<String>> {
    let mut edges: HashMap<String, BTreeSet<String>> = HashMap::new();
    for node in metadata["resolve"]["nodes"].as_array().expect("nodes") {
        let from = names[node["id"].as_str().expect("node id")].clone();
        let normal = node["deps"].as_array().expect("deps").iter().filter(|dep| {
            dep["dep_kinds"]
                .as_array()
                .expect("dep kinds")
                .iter()
                .any(|kind| kind["kind"].is_null())
        });
        let targets = normal.map(|dep| names[dep["pkg"].as_str().expect("pkg")].clone());
        edges.entry(from).or_default().extend(targets);
    }
    edges
}

fn reachable(root: &str, edges: &HashMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_string()];
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            stack.extend(edges.get(&name).into_iter().flatten().cloned());
        }
    }
    seen.remove(root);
    seen
}

/// Workspace edges the layer table does not allow, and crates it does not list.
fn layer_violations(workspace: &Workspace) -> Vec<String> {
    let layers: HashMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut violations = Vec::new();
    for (name, deps) in &workspace.direct {
        let Some(allowed) = layers.get(name.as_str()) else {
            violations.push(format!("{name} is not in the layer table (tidy.rs LAYERS)"));
            continue;
        };
        for dep in deps.iter().filter(|dep| !allowed.contains(&dep.as_str())) {
            violations.push(format!("{name} must not depend on {dep}"));
        }
    }
    violations
}

/// A door reaching another door (directly or through anything).
fn door_violations(workspace: &Workspace) -> Vec<String> {
    let doors: Vec<&String> = workspace
        .reach
        .keys()
        .filter(|name| name.starts_with("ringside-door-"))
        .collect();
    let mut violations = Vec::new();
    for door in &doors {
        for other in doors.iter().filter(|other| other != &door) {
            if workspace.reach[*door].contains(*other) {
                violations.push(format!("door {door} imports door {other}"));
            }
        }
    }
    violations
}

/// Packages a crate must never reach.
fn forbidden_reach(workspace: &Workspace, krate: &str, forbidden: &[&str]) -> Vec<String> {
    let Some(reach) = workspace.reach.get(krate) else {
        return vec![format!("{krate} is missing from the workspace")];
    };
    forbidden
        .iter()
        .filter(|name| reach.contains(**name))
        .map(|name| format!("{krate} depends on {name}"))
        .collect()
}

/// Words of code identifiers (comments and string literals removed, identifiers split at `_` and
/// at lower-to-upper case changes) that name a dialect.
fn dialect_words(source: &str) -> Vec<String> {
    let code = strip_comments_and_strings(source);
    let mut found = Vec::new();
    for ident in code.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        for word in identifier_words(ident) {
            if matches!(word.as_str(), "graph" | "acs") {
                found.push(ident.to_string());
                break;
            }
        }
    }
    found
}

fn identifier_words(ident: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in ident.split('_') {
        let mut word = String::new();
        let mut previous_lower = false;
        for c in part.chars() {
            if c.is_uppercase() && previous_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            word.extend(c.to_lowercase());
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// Source text with `//` and `/* */` comments and string/char literals blanked out.
fn strip_comments_and_strings(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().copied()) {
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            ('"', _) => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                if path.file_name().is_none_or(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn crates_depend_only_along_their_layers() {
    let workspace = Workspace::read();
    assert_eq!(layer_violations(&workspace), Vec::<String>::new());
    assert_eq!(door_violations(&workspace), Vec::<String>::new());
}

#[test]
fn cores_reach_no_io_framework_and_the_runtime_no_http_server() {
    let workspace = Workspace::read();
    for core in CORE_CRATES.iter().chain(FRAMEWORK_FREE) {
        assert_eq!(
            forbidden_reach(&workspace, core, IO_FRAMEWORKS),
            Vec::<String>::new()
        );
    }
    assert_eq!(
        forbidden_reach(&workspace, "ringside-runtime", SERVER_FRAMEWORKS),
        Vec::<String>::new()
    );
}

#[test]
fn the_engine_names_no_dialect() {
    let engine = workspace_root().join("crates/engine/src");
    let mut found = Vec::new();
    for file in rust_files(&engine) {
        let source = std::fs::read_to_string(&file).expect("readable file");
        for word in dialect_words(&source) {
            found.push(format!("{}: {word}", file.display()));
        }
    }
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let root = workspace_root();
    let mut files = rust_files(&root.join("crates"));
    files.extend(rust_files(&root.join("fuzz")));
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).expect("readable file");
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc line: {missing:#?}"
    );
}

/// The rules fail on deliberate violations: a door importing another door, a runtime reaching
/// axum, a core reaching tokio, an edge outside the table, an unlisted crate, an engine naming a
/// dialect.
#[test]
fn every_rule_fails_on_a_deliberate_violation() {
    let mut workspace = Workspace::default();
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    workspace.direct.insert(
        "ringside-door-graph".into(),
        set(&["ringside-runtime", "ringside-door-acs"]),
    );
    workspace
        .reach
        .insert("ringside-door-graph".into(), set(&["ringside-door-acs"]));
    workspace
        .direct
        .insert("ringside-door-acs".into(), set(&[]));
    workspace.reach.insert("ringside-door-acs".into(), set(&[]));
    workspace
        .reach
        .insert("ringside-runtime".into(), set(&["axum", "tokio"]));
    workspace
        .reach
        .insert("ringside-engine".into(), set(&["tokio"]));
    workspace.direct.insert("ringside-bogus".into(), set(&[]));

    assert_eq!(
        layer_violations(&workspace),
        vec![
            "ringside-bogus is not in the layer table (tidy.rs LAYERS)".to_string(),
            "ringside-door-graph must not depend on ringside-door-acs".to_string(),
        ]
    );
    assert_eq!(
        door_violations(&workspace),
        vec!["door ringside-door-graph imports door ringside-door-acs".to_string()]
    );
    assert_eq!(
        forbidden_reach(&workspace, "ringside-runtime", SERVER_FRAMEWORKS),
        vec!["ringside-runtime depends on axum".to_string()]
    );
    assert_eq!(
        forbidden_reach(&workspace, "ringside-engine", IO_FRAMEWORKS),
        vec!["ringside-engine depends on tokio".to_string()]
    );
    let source = "//! doc, Graph in a comment\nfn graph_result_info() {}\nstruct AcsCall;\n\
                  fn ok() { let s = \"acs graph\"; } // acs\nfn paragraph() {}\n";
    assert_eq!(
        dialect_words(source),
        vec!["graph_result_info".to_string(), "AcsCall".to_string()]
    );
}
