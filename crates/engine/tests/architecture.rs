//! Architecture invariant: the engine is a sans-IO core and depends on `ringside-model` only
//! (no tokio, axum, hyper, reqwest, rusqlite, serde).

#[test]
fn engine_depends_only_on_the_model_crate() {
    let manifest = include_str!("../Cargo.toml");
    let mut section = String::new();
    let mut dependencies = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        let is_dependency_section =
            section == "[dependencies]" || section.starts_with("[dependencies.");
        if is_dependency_section && !line.is_empty() && !line.starts_with('#') {
            if let Some(name) = line.split(['=', '.', ' ']).next() {
                dependencies.push(name.trim().to_string());
            }
        }
        assert!(
            !section.starts_with("[target"),
            "no platform-specific dependencies in a sans-IO core"
        );
    }
    assert_eq!(dependencies, vec!["ringside-model".to_string()]);
}

#[test]
fn engine_sources_never_read_the_clock_or_randomness() {
    let sources = [
        include_str!("../src/lib.rs"),
        include_str!("../src/command.rs"),
        include_str!("../src/config.rs"),
        include_str!("../src/directory.rs"),
        include_str!("../src/error.rs"),
        include_str!("../src/ids.rs"),
        include_str!("../src/output.rs"),
        include_str!("../src/reason.rs"),
        include_str!("../src/signal.rs"),
        include_str!("../src/state.rs"),
        include_str!("../src/engine/mod.rs"),
        include_str!("../src/engine/commands.rs"),
        include_str!("../src/engine/flow.rs"),
        include_str!("../src/engine/hold.rs"),
        include_str!("../src/engine/media.rs"),
        include_str!("../src/engine/participants.rs"),
        include_str!("../src/engine/timers.rs"),
    ];
    for source in sources {
        assert!(
            source.starts_with("//!"),
            "every file opens with a //! line"
        );
        for forbidden in [
            "Instant::now",
            "SystemTime",
            "thread_rng",
            "HashMap",
            "HashSet",
        ] {
            assert!(
                !source.contains(forbidden),
                "{forbidden} in an engine source"
            );
        }
    }
}
