//! Mixer benchmark: one N-1 mix tick for N = 2, 8, 32 legs (throughput is per participant per frame).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ringside_audio::testsignal::speech_like;
use ringside_audio::{Frame, Mixer, FRAME_SAMPLES, SILENT_FRAME};

fn mixer(c: &mut Criterion) {
    let mut group = c.benchmark_group("mixer");
    for n in [2usize, 8, 32] {
        let mut mixer = Mixer::new();
        let legs: Vec<_> = (0..n).map(|_| mixer.add_leg()).collect();
        let frames: Vec<Frame> = (0..n)
            .map(|i| {
                let audio = speech_like(i as u64, FRAME_SAMPLES, -20.0);
                let mut frame = SILENT_FRAME;
                frame.copy_from_slice(&audio);
                frame
            })
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("tick", n), &n, |b, _| {
            b.iter(|| {
                for (leg, frame) in legs.iter().zip(&frames) {
                    mixer.set_input(*leg, frame);
                }
                mixer.mix();
                black_box(mixer.output(legs[0]));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, mixer);
criterion_main!(benches);
