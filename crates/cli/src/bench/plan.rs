//! What a scenario is asked to do: the options every scenario takes (`LoadArgs`, with the server to
//! drive, `TargetArgs`), and the `Plan` they make with the scenario's defaults filled in.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Options every scenario takes.
#[derive(Args, Debug, Clone)]
pub(crate) struct LoadArgs {
    /// Calls to place (setup scenarios) or to hold at once (media-soak, acs-stream).
    #[arg(long)]
    pub(crate) calls: Option<usize>,
    /// Calls started per second (0 = as fast as --concurrency allows).
    #[arg(long)]
    pub(crate) rate: Option<f64>,
    /// Measured time (media-soak, acs-stream); for the setup scenarios, stop starting calls after
    /// this long. E.g. `20s`, `1500ms`, `2m`.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) duration: Option<Duration>,
    /// Requests in flight at most (calls being set up at once).
    #[arg(long)]
    pub(crate) concurrency: Option<usize>,
    /// Time between the last call being up and the start of measuring (media-soak, acs-stream).
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    pub(crate) warmup: Duration,
    /// Pairs of GETs (at the call's node, via another node) that measure the forwarding hop
    /// (graph-setup with --nodes > 1).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) hop_pairs: u32,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// Which server to drive.
#[derive(Args, Debug, Clone)]
pub(crate) struct TargetArgs {
    /// Drive the running dev-mode server whose data dir this is (dev.json gives the URL, admin
    /// token, CA, app credentials and ACS key). Without it (and without --url) the bench starts its
    /// own server: `ringside serve --listen 127.0.0.1:0` as a child process with a temporary data dir.
    #[arg(long, env = "RINGSIDE_BENCH_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Base URL of the running server (overrides dev.json's; dev.json is still read from
    /// --data-dir, default .ringside).
    #[arg(long)]
    pub(crate) url: Option<String>,
    /// Process id of the running server, to read its CPU and memory from /proc (known
    /// automatically for a self-started server).
    #[arg(long)]
    pub(crate) server_pid: Option<u32>,
    /// The `ringside` binary to start as the server (default: this executable).
    #[arg(long)]
    pub(crate) server_bin: Option<PathBuf>,
    /// Where a self-started server keeps its state: `sqlite` (a file in its data dir), or
    /// `postgres` (a throwaway PostgreSQL server the bench starts and stops: Debian's binaries,
    /// RINGSIDE_PG_BIN to pick others) or `postgres=URL` (an existing, empty database).
    #[arg(long, value_parser = parse_store, default_value = "sqlite")]
    pub(crate) store: Store,
    /// Self-started servers sharing one PostgreSQL database (graph-setup only): a cluster behind
    /// one public URL, requests spread round-robin over the nodes. More than 1 implies
    /// `--store postgres`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub(crate) nodes: u16,
}

/// Where a self-started server keeps its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Store {
    Sqlite,
    /// A throwaway PostgreSQL server (`None`), or the database at this URL.
    Postgres(Option<String>),
}

/// Parses `sqlite`, `postgres` or `postgres=URL`.
pub(crate) fn parse_store(text: &str) -> Result<Store, String> {
    match text.split_once('=') {
        None if text == "sqlite" => Ok(Store::Sqlite),
        None if text == "postgres" => Ok(Store::Postgres(None)),
        Some(("postgres", url))
            if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
        {
            Ok(Store::Postgres(Some(url.to_string())))
        }
        Some(("postgres", url)) => Err(format!(
            "'{url}' is not a PostgreSQL URL (postgres://user@host:port/database)"
        )),
        _ => Err(format!(
            "unknown store '{text}' (sqlite, postgres or postgres=URL)"
        )),
    }
}

/// What a scenario was asked to do, with its defaults filled in.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) calls: usize,
    /// Calls started per second; `None` = unpaced.
    pub(crate) rate: Option<f64>,
    pub(crate) duration: Option<Duration>,
    pub(crate) concurrency: usize,
    pub(crate) warmup: Duration,
    /// Forwarding-hop GET pairs (cluster graph-setup).
    pub(crate) hop_pairs: usize,
}

impl Plan {
    pub(crate) fn from_args(args: &LoadArgs, calls: usize, rate: f64, concurrency: usize) -> Plan {
        let rate = args.rate.unwrap_or(rate);
        Plan {
            calls: args.calls.unwrap_or(calls).max(1),
            rate: (rate > 0.0).then_some(rate),
            duration: args.duration,
            concurrency: args.concurrency.unwrap_or(concurrency).max(1),
            warmup: args.warmup,
            hop_pairs: args.hop_pairs as usize,
        }
    }
}

/// Parses `20s`, `1500ms`, `2m`, `1h` or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 20s, 1500ms, 2m)"))?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{text}' (ms, s, m, h)")),
    };
    if !value.is_finite() || value < 0.0 || value * scale > 86_400.0 {
        return Err(format!("'{text}' is out of range (0 to 24 h)"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("48h").is_err());
    }

    #[test]
    fn stores_parse() {
        assert_eq!(parse_store("sqlite"), Ok(Store::Sqlite));
        assert_eq!(parse_store("postgres"), Ok(Store::Postgres(None)));
        assert_eq!(
            parse_store("postgres=postgres://u@127.0.0.1:5432/r"),
            Ok(Store::Postgres(Some(
                "postgres://u@127.0.0.1:5432/r".into()
            )))
        );
        assert!(parse_store("postgres=mysql://x").is_err());
        assert!(parse_store("mysql").is_err());
    }
}
