//! Graph door scenarios: `graph-setup` (POST /communications/calls to a directory user →
//! `established` notification → DELETE) and `graph-incoming` (a simulated phone dials the bot's
//! number → `created` notification → answer → `established` → playPrompt → completed → DELETE).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use serde_json::{json, Value};

use super::fixtures::{beep, upload_wav, users_answer_at_once, users_default, wav_16k};
use super::graph_ctx::{context, Ctx};
use super::measure::{self, CpuFigures, CpuWindow, Outcome, Progress};
use super::plan::Plan;
use super::receiver::Arrival;
use super::report::{NodeFigures, Report};
use super::target::Server;

/// The report of a scenario whose calls each go through every step once.
fn call_report(server: &Server, outcome: &Outcome<()>, cpu: CpuFigures, ctx: &Ctx) -> Report {
    let mut report = Report::new(server.pid);
    report.calls = outcome.ok.len() + outcome.failed;
    report.completed = outcome.ok.len();
    report.failed = outcome.failed;
    report.errors(&outcome.errors);
    report.wall = outcome.wall;
    report.server_cpu_cores = cpu.cores;
    report.steal_cores = cpu.steal_cores;
    report.latencies(ctx.latencies.take());
    report
}

/// `graph-setup`.
pub(crate) async fn setup(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    users_answer_at_once(server).await?;
    let ctx = context(server).await?;
    let users: Arc<Vec<String>> = Arc::new(server.dev.users.iter().map(|u| u.id.clone()).collect());
    if users.is_empty() {
        bail!("dev.json lists no users to call");
    }
    progress.phase("create → established → delete", plan.calls);
    let nodes: Vec<CpuWindow> = server
        .nodes
        .iter()
        .map(|n| CpuWindow::start(n.pid))
        .collect();
    let database = CpuWindow::start_tree(server.postgres_pid());
    let generator = CpuWindow::start(Some(std::process::id()));
    let cpu = CpuWindow::start(server.pid);
    let outcome = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (ctx, users) = (ctx.clone(), users.clone());
            async move { setup_call(&ctx, &users[i % users.len()], i).await }
        },
    )
    .await;
    let cpu = cpu.end();
    let node_cpu: Vec<CpuFigures> = nodes.iter().map(CpuWindow::end).collect();
    let database = database.end();
    let generator = generator.end();
    let mut report = call_report(server, &outcome, cpu, &ctx);
    if let Some(cores) = generator.cores {
        let cores = json!((cores * 1000.0).round() / 1000.0);
        report.figure(
            "benchCpuCores",
            "load generator CPU (this process)",
            cores,
            "cores",
        );
    }
    cluster_figures(&mut report, server, &ctx, &node_cpu, database.cores);
    if server.nodes.len() > 1 {
        let hop = super::hop::measure(&ctx, &users, plan.hop_pairs, &mut report, progress).await;
        if let Err(error) = hop {
            report.errors(&[format!("forwarding hop: {error:#}")]);
        }
    }
    users_default(server).await;
    Ok(report)
}

/// Per node CPU, the database's, CPU per call, and (in a cluster) how many requests crossed nodes.
fn cluster_figures(
    report: &mut Report,
    server: &Server,
    ctx: &Ctx,
    node_cpu: &[CpuFigures],
    database_cores: Option<f64>,
) {
    report.nodes = server
        .nodes
        .iter()
        .zip(node_cpu)
        .map(|(n, cpu)| NodeFigures {
            name: n.name.clone(),
            number: n.number,
            pid: n.pid,
            cpu_cores: cpu.cores,
            rss: None,
        })
        .collect();
    if server.nodes.len() > 1 {
        report.server_cpu_cores = node_cpu.iter().map(|c| c.cores).sum();
    }
    report.database_cpu_cores = database_cores;
    let completed = report.completed.max(1) as f64;
    let secs = report.wall.as_secs_f64();
    let per_call = |cores: f64| json!((cores * secs * 1e6 / completed).round() / 1e3);
    if let Some(cores) = report.server_cpu_cores {
        report.figure(
            "serverCpuMsPerCall",
            "server CPU per call",
            per_call(cores),
            "ms",
        );
    }
    if let Some(cores) = database_cores {
        report.figure(
            "databaseCpuMsPerCall",
            "PostgreSQL CPU per call",
            per_call(cores),
            "ms",
        );
    }
    if server.nodes.len() > 1 {
        let placed = ctx.placed_elsewhere.load(Ordering::Relaxed);
        let forwarded = ctx.deletes_forwarded.load(Ordering::Relaxed);
        report.figure(
            "createsPlacedElsewhere",
            "creates placed on another node",
            json!(placed),
            "",
        );
        report.figure(
            "deletesForwarded",
            "deletes forwarded to the owner",
            json!(forwarded),
            "",
        );
    }
}

/// One `graph-setup` call (the `i`th): create a call to `user` through node `i` → `established`
/// notification → delete through node `i + 1` (round-robin: in a cluster most requests reach a
/// node that does not carry the call, and are forwarded).
async fn setup_call(ctx: &Ctx, user: &str, i: usize) -> Result<()> {
    let n = ctx.graphs.len().max(1);
    let (asked, deleter) = (i % n, (i + 1) % n);
    let t0 = Instant::now();
    let create = ctx.create_body(user);
    let calls = format!("{}/communications/calls", ctx.graphs[asked]);
    let body = ctx
        .send(Method::POST, &calls, Some(&create), 201, "create call")
        .await?;
    let t1 = Instant::now();
    let id = body["id"]
        .as_str()
        .ok_or_else(|| anyhow!("create call: no id in {body}"))?
        .to_string();
    if n > 1 {
        let owner = super::nodes::owner_of(&id);
        if owner != Some(ctx.numbers[asked]) {
            ctx.placed_elsewhere.fetch_add(1, Ordering::Relaxed);
        }
        if owner != Some(ctx.numbers[deleter]) {
            ctx.deletes_forwarded.fetch_add(1, Ordering::Relaxed);
        }
    }
    let established = ctx
        .notification(&format!("graph-established:{id}"), || {
            format!("no established notification for {id}")
        })
        .await?;
    let t2 = Instant::now();
    let call = format!("{}/communications/calls/{id}", ctx.graphs[deleter]);
    ctx.send(Method::DELETE, &call, None, 204, "delete call")
        .await?;
    let t3 = Instant::now();
    ctx.latencies.record("create (201)", t1 - t0);
    ctx.latencies.record(
        "create → established notification",
        established.at.saturating_duration_since(t0),
    );
    ctx.latencies.record("delete (204)", t3 - t2);
    ctx.latencies.record("whole call", t3 - t0);
    Ok(())
}

/// Uploads a short prompt (a 200 ms 440 Hz beep) and returns its `ringside-media:` URI.
async fn upload_beep(server: &Server) -> Result<String> {
    let value = upload_wav(server, wav_16k(&beep(Duration::from_millis(200)))).await?;
    value["uri"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the upload answer has no uri: {value}"))
}

/// What a `graph-incoming` call needs besides the shared context: the bot's number, the prompt,
/// and the platform API's base URL and admin token (the phones dial through it).
struct Incoming {
    number: String,
    prompt: String,
    base: String,
    admin_token: String,
}

/// `graph-incoming`.
pub(crate) async fn incoming(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let ctx = context(server).await?;
    let number = server.graph_bot_number()?;
    let prompt = upload_beep(server).await?;
    let app = format!("/applications/{}", server.dev.app.client_id);
    let previous = point_webhook(server, &app, &ctx.receiver.url).await?;
    let incoming = Arc::new(Incoming {
        number,
        prompt,
        base: server.base.clone(),
        admin_token: server.dev.admin_token.clone(),
    });
    progress.phase("dial → notification → answer → prompt → delete", plan.calls);
    let cpu = CpuWindow::start(server.pid);
    let outcome = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (ctx, incoming) = (ctx.clone(), incoming.clone());
            async move { incoming_call(&ctx, &incoming, i).await }
        },
    )
    .await;
    let cpu = cpu.end();
    let _ = server
        .admin(
            Method::PATCH,
            &app,
            Some(&json!({"bot": {"callingWebhookUrl": previous}})),
        )
        .await;
    Ok(call_report(server, &outcome, cpu, &ctx))
}

/// Points the bot's calling webhook (of application path `app`) at the receiver; returns the
/// webhook it had.
async fn point_webhook(server: &Server, app: &str, receiver_url: &str) -> Result<Value> {
    let before = server.admin(Method::GET, app, None).await?;
    let previous = before["bot"]["callingWebhookUrl"].clone();
    server
        .admin(
            Method::PATCH,
            app,
            Some(&json!({"bot": {"callingWebhookUrl": format!("{receiver_url}/incoming")}})),
        )
        .await
        .context("pointing the bot's calling webhook at the receiver")?;
    Ok(previous)
}

/// One `graph-incoming` call: phone `i` dials the bot → `created` notification → answer →
/// `established` → playPrompt → completed → delete.
async fn incoming_call(ctx: &Ctx, incoming: &Incoming, i: usize) -> Result<()> {
    let from = format!("%2B1425{:07}", 6_000_000 + i % 4_000_000);
    let t0 = Instant::now();
    let response = ctx
        .http
        .post(format!("{}/ringside/v1/phones/{from}/calls", incoming.base))
        .bearer_auth(&incoming.admin_token)
        .json(&json!({"to": incoming.number, "hangupAfter": "60s"}))
        .send()
        .await
        .context("dial")?;
    let dial = super::replies::expect_status(response, 201, "dial").await?;
    let t1 = Instant::now();
    // The bot's leg is the dial's target leg: the incoming call's id.
    let id = dial["targetLegId"]
        .as_str()
        .ok_or_else(|| anyhow!("dial: no targetLegId in {dial}"))?
        .to_string();
    let created = ctx
        .notification(&format!("graph-incoming:{id}"), || {
            format!("no incoming-call notification for {id}")
        })
        .await?;
    let call = format!("{}/communications/calls/{id}", ctx.graph);
    let t2 = Instant::now();
    let answer = json!({
        "callbackUri": ctx.hook,
        "acceptedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    });
    ctx.send(
        Method::POST,
        &format!("{call}/answer"),
        Some(&answer),
        202,
        "answer",
    )
    .await?;
    let established = ctx
        .notification(&format!("graph-established:{id}"), || {
            format!("no established notification for {id}")
        })
        .await?;
    let t3 = Instant::now();
    let done = play_prompt(ctx, &call, &id, &incoming.prompt).await?;
    let t4 = Instant::now();
    ctx.send(Method::DELETE, &call, None, 204, "delete call")
        .await?;
    let t5 = Instant::now();
    ctx.latencies.record(
        "dial → incoming notification",
        created.at.saturating_duration_since(t0),
    );
    ctx.latencies.record("dial request (201)", t1 - t0);
    ctx.latencies.record(
        "answer → established notification",
        established.at.saturating_duration_since(t2),
    );
    ctx.latencies.record(
        "playPrompt (200 ms) → completed",
        done.at.saturating_duration_since(t3),
    );
    ctx.latencies.record("delete (204)", t5 - t4);
    Ok(())
}

/// Plays `prompt` on call `id` (at URL `call`) and waits for the operation to complete.
async fn play_prompt(ctx: &Ctx, call: &str, id: &str, prompt: &str) -> Result<Arrival> {
    let body = json!({
        "clientContext": "bench",
        "prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt",
                     "mediaInfo": {"@odata.type": "#microsoft.graph.mediaInfo", "uri": prompt}}],
    });
    let operation = ctx
        .send(
            Method::POST,
            &format!("{call}/playPrompt"),
            Some(&body),
            200,
            "playPrompt",
        )
        .await?;
    let op = operation["id"]
        .as_str()
        .ok_or_else(|| anyhow!("playPrompt: no operation id in {operation}"))?
        .to_string();
    let done = ctx
        .notification(&format!("graph-operation:{op}"), || {
            format!("no playPrompt completion for {id}")
        })
        .await?;
    if done.body["status"] != "completed" {
        bail!("playPrompt ended {}", done.body);
    }
    Ok(done)
}
