//! The cluster's forwarding hop, measured directly (graph-setup with `--nodes` > 1, after the
//! load): one call carried by each node, then many pairs of the same `GET /communications/calls/{id}`
//! — once to the node that carries the call, once to another node, which forwards it — one request
//! at a time on the idle cluster, the order within a pair alternating. The hop's added latency is
//! the per-pair difference (forwarded − direct), whose percentiles are reported beside each side's.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use reqwest::Method;
use serde_json::json;

use super::graph_ctx::Ctx;
use super::measure::{self, Progress};
use super::nodes::owner_of;
use super::report::Report;

/// Pairs first sent and not counted (connections and TLS sessions, client → node and node → node).
const WARMUP_PAIRS: usize = 50;

/// Measures the hop and adds its figures to `report`.
pub(crate) async fn measure(
    ctx: &Ctx,
    users: &[String],
    pairs: usize,
    report: &mut Report,
    progress: &Progress,
) -> Result<()> {
    progress.phase("forwarding hop: a call on each node", 0);
    let calls = one_call_per_node(ctx, users).await?;
    progress.phase(
        "forwarding hop: GET at the owner vs via another node",
        pairs,
    );
    let pairs = sample(ctx, &calls, pairs, progress).await;
    for (id, owner) in &calls {
        let url = format!("{}/communications/calls/{id}", ctx.graphs[*owner]);
        let _ = ctx
            .send(Method::DELETE, &url, None, 204, "delete call")
            .await;
    }
    let pairs = pairs?;
    let (mut direct, mut forwarded) = (measure::histogram(), measure::histogram());
    let mut added: Vec<f64> = Vec::with_capacity(pairs.len());
    for (d, f) in &pairs {
        let _ = direct.record(measure::micros(*d));
        let _ = forwarded.record(measure::micros(*f));
        added.push(f.as_secs_f64() * 1e3 - d.as_secs_f64() * 1e3);
    }
    report.latencies(vec![
        ("hop: GET call at its owner".into(), direct),
        ("hop: GET call via another node".into(), forwarded),
    ]);
    added.sort_by(f64::total_cmp);
    let round = |v: f64| json!((v * 1000.0).round() / 1000.0);
    for (key, label, q) in [
        ("hopAddedP50Ms", "hop added latency p50 (per pair)", 0.5),
        ("hopAddedP90Ms", "hop added latency p90 (per pair)", 0.9),
        ("hopAddedP99Ms", "hop added latency p99 (per pair)", 0.99),
    ] {
        report.figure(key, label, round(quantile(&added, q)), "ms");
    }
    report.figure("hopPairs", "hop pairs measured", json!(added.len()), "");
    Ok(())
}

/// The `q` quantile of sorted values (nearest rank); 0 when there are none.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Creates calls (through each node in turn; placement puts each on the least-loaded node) until
/// every node carries one; returns `(id, index of its node)` per node. Extra calls are deleted.
async fn one_call_per_node(ctx: &Ctx, users: &[String]) -> Result<Vec<(String, usize)>> {
    let n = ctx.graphs.len();
    let mut kept: Vec<Option<String>> = vec![None; n];
    for attempt in 0..4 * n {
        if kept.iter().all(Option::is_some) {
            break;
        }
        let url = format!("{}/communications/calls", ctx.graphs[attempt % n]);
        let body = ctx.create_body(&users[attempt % users.len()]);
        let call = ctx
            .send(Method::POST, &url, Some(&body), 201, "create call")
            .await?;
        let id = call["id"]
            .as_str()
            .ok_or_else(|| anyhow!("create call: no id in {call}"))?
            .to_string();
        let owner = owner_of(&id).and_then(|tag| ctx.numbers.iter().position(|&m| m == tag));
        match owner {
            Some(at) if kept[at].is_none() => kept[at] = Some(id),
            _ => {
                let url = format!("{}/communications/calls/{id}", ctx.graphs[attempt % n]);
                ctx.send(Method::DELETE, &url, None, 204, "delete call")
                    .await?;
            }
        }
    }
    let calls: Vec<(String, usize)> = kept
        .into_iter()
        .enumerate()
        .filter_map(|(at, id)| Some((id?, at)))
        .collect();
    if calls.is_empty() {
        bail!("forwarding hop: no call landed on a known node");
    }
    Ok(calls)
}

/// `(direct, forwarded)` durations of `count` pairs after [`WARMUP_PAIRS`] uncounted ones.
async fn sample(
    ctx: &Ctx,
    calls: &[(String, usize)],
    count: usize,
    progress: &Progress,
) -> Result<Vec<(Duration, Duration)>> {
    let n = ctx.graphs.len();
    let mut pairs = Vec::with_capacity(count);
    for j in 0..WARMUP_PAIRS + count {
        let (id, owner) = &calls[j % calls.len()];
        // Every other node in turn forwards.
        let other = (owner + 1 + (j / calls.len()) % (n - 1)) % n;
        let direct = format!("{}/communications/calls/{id}", ctx.graphs[*owner]);
        let via = format!("{}/communications/calls/{id}", ctx.graphs[other]);
        let pair = if j % 2 == 0 {
            let d = timed_get(ctx, &direct).await?;
            (d, timed_get(ctx, &via).await?)
        } else {
            let f = timed_get(ctx, &via).await?;
            (timed_get(ctx, &direct).await?, f)
        };
        if j >= WARMUP_PAIRS {
            pairs.push(pair);
            progress.step(true);
        }
    }
    Ok(pairs)
}

async fn timed_get(ctx: &Ctx, url: &str) -> Result<Duration> {
    let started = Instant::now();
    ctx.send(Method::GET, url, None, 200, "get call").await?;
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.5), 50.0);
        assert_eq!(quantile(&values, 0.99), 99.0);
        assert_eq!(quantile(&values, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[-0.2, 0.1], 0.5), -0.2);
    }
}
