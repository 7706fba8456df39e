//! Criterion benchmark of one [`MediaPlane::tick`] with N two-party conversations (bot plays a
//! looped prompt, tone detection on, the phone presses an in-band digit every second); throughput
//! is in conversations, so criterion's time per element is the cost per conversation per tick.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_media::{scenario, MediaOutput, MediaPlane};

fn tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("plane_tick");
    let prompt = scenario::prompt();
    for n in [100u64, 1000] {
        let mut plane = MediaPlane::new();
        for i in 0..n {
            for command in scenario::setup(i, &prompt) {
                plane.handle(command);
            }
        }
        let mut tick = 0u64;
        let mut outputs = 0u64;
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("{n}_conversations"), |b| {
            b.iter(|| {
                for (command, _) in scenario::presses(tick, n) {
                    plane.handle(command);
                }
                plane.tick(&mut |o: MediaOutput| {
                    black_box(&o);
                    outputs += 1;
                });
                tick += 1;
            })
        });
        black_box(outputs);
    }
    group.finish();
}

criterion_group!(benches, tick);
criterion_main!(benches);
