//! Plane-side cost of media stream taps: N two-party conversations with a talking phone, with and
//! without a stream on the bot leg, ticked on virtual time; prints the extra CPU per stream per
//! tick. `cargo run --release -p ringside-media --example stream_cost -- 2000 24000 unmixed`

use std::time::{Duration, Instant};

use ringside_engine::{ConversationId, LegId};
use ringside_media::{MediaCommand, MediaOutput, MediaPlane, StreamChannel, StreamId, StreamRate};
use ringside_model::Guid;

fn plane(n: u128, stream: Option<(StreamChannel, StreamRate)>) -> MediaPlane {
    let mut plane = MediaPlane::new();
    for i in 0..n {
        let conversation = ConversationId(Guid::from_u128(i * 4 + 1));
        let bot = LegId(Guid::from_u128(i * 4 + 2));
        let phone = LegId(Guid::from_u128(i * 4 + 3));
        plane.handle(MediaCommand::CreateMix { conversation });
        plane.handle(MediaCommand::ConnectMedia {
            conversation,
            leg: bot,
        });
        plane.handle(MediaCommand::ConnectMedia {
            conversation,
            leg: phone,
        });
        plane.handle(MediaCommand::EndpointTestTone {
            conversation,
            leg: phone,
            duration: Duration::from_secs(3600),
        });
        if let Some((channel, rate)) = stream {
            plane.handle(MediaCommand::StartStream {
                conversation,
                leg: bot,
                stream: StreamId(u64::try_from(i).unwrap_or(0)),
                channel,
                rate,
            });
        }
    }
    plane
}

fn per_tick(mut plane: MediaPlane, ticks: u32) -> (Duration, usize) {
    let mut frames = 0usize;
    let start = Instant::now();
    for _ in 0..ticks {
        plane.tick(&mut |o| {
            if let MediaOutput::StreamFrames(batch) = o {
                frames += batch.len();
            }
        });
    }
    (start.elapsed() / ticks, frames)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u128 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rate = match args.get(2).map(String::as_str) {
        Some("16000") => StreamRate::Khz16,
        _ => StreamRate::Khz24,
    };
    let channel = match args.get(3).map(String::as_str) {
        Some("mixed") => StreamChannel::Mixed,
        _ => StreamChannel::Unmixed,
    };
    let ticks = 250;
    let (base, _) = per_tick(plane(n, None), ticks);
    let (with, frames) = per_tick(plane(n, Some((channel, rate))), ticks);
    let extra = with.saturating_sub(base);
    println!(
        "{n} conversations, {channel:?} at {} Hz: tick {:?} without streams, {:?} with; \
         {:.2} µs extra per stream per tick; {} frames/tick; one shard's tick budget used {:.1}%",
        rate.hz(),
        base,
        with,
        extra.as_secs_f64() * 1e6 / n as f64,
        frames / ticks as usize,
        with.as_secs_f64() / 0.020 * 100.0,
    );
}
