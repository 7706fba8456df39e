//! Resampler benchmark: one second of 48 kHz and 44.1 kHz audio to 16 kHz (filter design included,
//! as on prompt load, and processing alone).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringside_audio::Resampler;

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

criterion_group!(benches, resampler);
criterion_main!(benches);
