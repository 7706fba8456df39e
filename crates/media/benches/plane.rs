//! Criterion benchmark of one media-plane tick (placeholder until the scenario lands).

use criterion::{criterion_group, criterion_main, Criterion};
use ringside_media::MediaPlane;

fn tick(c: &mut Criterion) {
    let mut plane = MediaPlane::new();
    c.bench_function("empty tick", |b| b.iter(|| plane.tick(&mut |_| {})));
}

criterion_group!(benches, tick);
criterion_main!(benches);
