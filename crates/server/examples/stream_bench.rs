//! Media streaming load benchmark: N calls, one ACS media stream each to a local WebSocket sink,
//! per-frame lateness in an HDR histogram, CPU and memory per stream (see
//! `ringside_server::stream_bench`).
//! `cargo run --release -p ringside-server --example stream_bench -- [streams] [seconds] [16000|24000]`

use ringside_server::stream_bench::{run, BenchOptions};
use ringside_server::streaming::StreamRate;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = BenchOptions::default();
    if let Some(n) = args.first() {
        options.streams = n.parse()?;
    }
    if let Some(s) = args.get(1) {
        options.seconds = s.parse()?;
    }
    if let Some(hz) = args.get(2) {
        options.rate = StreamRate::from_hz(hz.parse()?)
            .ok_or_else(|| anyhow::anyhow!("the rate must be 16000 or 24000"))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(options))?;
    println!("{report}");
    Ok(())
}
