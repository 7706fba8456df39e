//! DTMF detector benchmark: one 20 ms frame of keys over speech.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_audio::testsignal::speech_like;
use ringside_audio::{DtmfDetector, DtmfGenerator, Tone, FRAME_SAMPLES};

fn dtmf_detector(c: &mut Criterion) {
    let mut audio = speech_like(1, 16_000, -20.0);
    let mut generator = DtmfGenerator::default();
    generator.send(&Tone::parse_sequence("0123456").unwrap_or_default());
    for frame in audio.chunks_mut(FRAME_SAMPLES) {
        generator.mix_into(frame, |_| {});
    }
    let mut detector = DtmfDetector::default();
    let mut frames = audio.chunks_exact(FRAME_SAMPLES).cycle();
    let mut group = c.benchmark_group("dtmf_detector");
    group.throughput(Throughput::Elements(1));
    group.bench_function("frame_20ms", |b| {
        b.iter(|| {
            let frame = frames.next().unwrap_or(&[]);
            let mut events = 0u32;
            detector.process(black_box(frame), |_| events += 1);
            black_box(events)
        })
    });
    group.finish();
}

criterion_group!(benches, dtmf_detector);
criterion_main!(benches);
