//! Resampler benchmark: one second of 48 kHz and 44.1 kHz audio to 16 kHz (filter design included,
//! as on prompt load, and processing alone); and one 20 ms frame of a media stream through the
//! streaming resampler: 16 → 24 kHz (320 → 480 samples) and 24 → 16 kHz (480 → 320), the ACS
//! stream path; 8 → 16 kHz (160 → 320) and 16 → 8 kHz (320 → 160), the G.711 RTP path.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringside_audio::{testsignal, Resampler, StreamResampler};

fn resampler(c: &mut Criterion) {
    let mut group = c.benchmark_group("resampler");
    group.sample_size(20);
    for rate in [48_000u32, 44_100] {
        let input: Vec<f32> = (0..rate)
            .map(|n| {
                (0.5 * (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / f64::from(rate)).sin())
                    as f32
            })
            .collect();
        group.bench_with_input(
            BenchmarkId::new("load_1s_to_16k", rate),
            &rate,
            |b, &rate| {
                b.iter(|| match Resampler::new(rate, 16_000) {
                    Ok(r) => black_box(r.process(black_box(&input))).len(),
                    Err(_) => 0,
                })
            },
        );
        if let Ok(r) = Resampler::new(rate, 16_000) {
            group.bench_with_input(
                BenchmarkId::new("process_1s_to_16k", rate),
                &rate,
                |b, _| b.iter(|| black_box(r.process(black_box(&input))).len()),
            );
        }
    }
    group.finish();
}

fn stream_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("stream_resampler");
    let speech16 = testsignal::speech_like(1, 16_000, -18.0);
    let speech24 = testsignal::speech_like(2, 24_000, -18.0);
    let speech8 = testsignal::speech_like(3, 8_000, -18.0);
    for (from, to, input) in [
        (16_000u32, 24_000u32, &speech16),
        (24_000, 16_000, &speech24),
        (8_000, 16_000, &speech8),
        (16_000, 8_000, &speech16),
    ] {
        let Ok(mut stream) = StreamResampler::new(from, to) else {
            continue;
        };
        let block = from as usize / 50;
        let mut out = vec![0i16; to as usize / 50];
        let mut frames = input.chunks_exact(block).cycle();
        group.bench_function(format!("frame_{}k_to_{}k", from / 1000, to / 1000), |b| {
            b.iter(|| {
                let frame = frames.next().unwrap_or_default();
                black_box(stream.process(black_box(frame), &mut out))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, resampler, stream_frame);
criterion_main!(benches);
