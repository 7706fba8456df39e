//! One two-party conversation's per-frame work: the bot's prompt player renders a frame, the caller's
//! frame comes in, the 2-leg mixer runs, and the bot's leg runs the DTMF detector on what it hears.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_audio::testsignal::speech_like;
use ringside_audio::{
    hold_music, DtmfDetector, Mixer, PlayOptions, Prompt, PromptPlayer, FRAME_SAMPLES, SILENT_FRAME,
};

fn conversation(c: &mut Criterion) {
    let prompt: Prompt = hold_music();
    let caller_audio = speech_like(5, 16_000, -20.0);
    let mut mixer = Mixer::new();
    let bot = mixer.add_leg();
    let caller = mixer.add_leg();
    let mut player = PromptPlayer::new();
    player.enqueue(
        prompt,
        PlayOptions {
            looped: true,
            barge_in: true,
        },
        1,
    );
    let mut detector = DtmfDetector::default();
    let mut caller_frames = caller_audio.chunks_exact(FRAME_SAMPLES).cycle();
    let mut caller_frame = SILENT_FRAME;
    let mut group = c.benchmark_group("player_and_detector");
    group.throughput(Throughput::Elements(1));
    group.bench_function("conversation_frame", |b| {
        b.iter(|| {
            if let Some(input) = mixer.input_mut(bot) {
                player.next_frame(input, |_| {});
            }
            caller_frame.copy_from_slice(caller_frames.next().unwrap_or(&SILENT_FRAME));
            mixer.set_input(caller, &caller_frame);
            mixer.mix();
            let mut events = 0u32;
            if let Some(heard) = mixer.output(bot) {
                detector.process(heard, |_| events += 1);
            }
            black_box(events)
        })
    });
    group.finish();
}

criterion_group!(benches, conversation);
criterion_main!(benches);
