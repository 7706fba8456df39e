//! Per-conversation memory budget: the state one two-party conversation needs (two mixer slots, a
//! prompt player, a DTMF detector, a DTMF generator) stays far below the 64 KiB target, and prompts
//! are shared rather than copied.

use std::mem::size_of;

use ringside_audio::{
    hold_music, DtmfDetector, DtmfGenerator, Frame, Mixer, PlayOptions, PromptPlayer, ToneGenerator,
};

#[test]
fn per_leg_state_is_small() {
    assert!(
        size_of::<DtmfDetector>() <= 256,
        "detector {} bytes",
        size_of::<DtmfDetector>()
    );
    assert!(
        size_of::<PromptPlayer>() <= 64,
        "player {} bytes",
        size_of::<PromptPlayer>()
    );
    assert!(
        size_of::<DtmfGenerator>() <= 128,
        "generator {} bytes",
        size_of::<DtmfGenerator>()
    );
    assert!(
        size_of::<ToneGenerator>() <= 128,
        "tone generator {} bytes",
        size_of::<ToneGenerator>()
    );
}

#[test]
fn a_two_party_conversation_fits_in_a_few_kib() {
    // A mixer slot holds an input and an output frame plus a few flags.
    let mixer_slots = 2 * (2 * size_of::<Frame>() + 16);
    let player_queue = 4 * 64; // a handful of queued prompts
    let total = mixer_slots
        + size_of::<Mixer>()
        + size_of::<PromptPlayer>()
        + player_queue
        + 2 * size_of::<DtmfDetector>()
        + size_of::<DtmfGenerator>();
    assert!(total < 8 * 1024, "{total} bytes per conversation");
}

#[test]
fn players_share_one_decoded_prompt() {
    let music = hold_music();
    let before = std::sync::Arc::strong_count(music.shared());
    let players: Vec<PromptPlayer> = (0..1000)
        .map(|i| {
            let mut p = PromptPlayer::new();
            p.enqueue(
                music.clone(),
                PlayOptions {
                    looped: true,
                    barge_in: false,
                },
                i,
            );
            p
        })
        .collect();
    assert_eq!(std::sync::Arc::strong_count(music.shared()), before + 1000);
    drop(players);
    assert_eq!(std::sync::Arc::strong_count(music.shared()), before);
}
