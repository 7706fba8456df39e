//! Graph door scenarios: `graph-setup` (POST /communications/calls to a directory user →
//! `established` notification → DELETE) and `graph-incoming` (a simulated phone dials the bot's
//! number → `created` notification → answer → `established` → playPrompt → completed → DELETE).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use serde_json::json;

use super::fixtures::{beep, upload_wav, users_answer_at_once, users_default, wav_16k};
use super::measure::{self, CpuWindow, Latencies, Progress};
use super::plan::Plan;
use super::receiver::Receiver;
use super::report::Report;
use super::target::Server;

/// How long a scenario waits for one notification.
const NOTIFICATION_WAIT: Duration = Duration::from_secs(20);

/// Everything a call task needs, shared.
struct Ctx {
    http: reqwest::Client,
    graph: String,
    token: String,
    hook: String,
    receiver: Receiver,
    latencies: Latencies,
}

async fn context(server: &Server) -> Result<Arc<Ctx>> {
    let receiver = Receiver::start().await?;
    Ok(Arc::new(Ctx {
        http: server.http.clone(),
        graph: format!("{}/v1.0", server.base),
        token: server.graph_token().await?,
        hook: format!("{}/graph", receiver.url),
        receiver,
        latencies: Latencies::default(),
    }))
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
    let cpu = CpuWindow::start(server.pid);
    let outcome = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (ctx, users) = (ctx.clone(), users.clone());
            async move {
                let user = &users[i % users.len()];
                let t0 = Instant::now();
                let response = ctx
                    .http
                    .post(format!("{}/communications/calls", ctx.graph))
                    .bearer_auth(&ctx.token)
                    .json(&json!({
                        "@odata.type": "#microsoft.graph.call",
                        "callbackUri": ctx.hook,
                        "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo",
                                     "identity": {"@odata.type": "#microsoft.graph.identitySet",
                                                  "user": {"@odata.type": "#microsoft.graph.identity", "id": user}}}],
                        "requestedModalities": ["audio"],
                        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
                    }))
                    .send()
                    .await
                    .context("create call")?;
                let body = super::target::expect_status(response, 201, "create call").await?;
                let t1 = Instant::now();
                let id = body["id"]
                    .as_str()
                    .ok_or_else(|| anyhow!("create call: no id in {body}"))?
                    .to_string();
                let established = ctx
                    .receiver
                    .mailbox
                    .wait(&format!("graph-established:{id}"), NOTIFICATION_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no established notification for {id}"))?;
                let t2 = Instant::now();
                let response = ctx
                    .http
                    .delete(format!("{}/communications/calls/{id}", ctx.graph))
                    .bearer_auth(&ctx.token)
                    .send()
                    .await
                    .context("delete call")?;
                super::target::expect_status(response, 204, "delete call").await?;
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
        },
    )
    .await;
    let cpu = cpu.end();
    users_default(server).await;
    let mut report = Report::new(server.pid);
    report.calls = outcome.ok.len() + outcome.failed;
    report.completed = outcome.ok.len();
    report.failed = outcome.failed;
    report.errors(&outcome.errors);
    report.wall = outcome.wall;
    report.server_cpu_cores = cpu.cores;
    report.steal_cores = cpu.steal_cores;
    report.latencies(ctx.latencies.take());
    Ok(report)
}

/// Uploads a short prompt (a 200 ms 440 Hz beep) and returns its `ringside-media:` URI.
async fn upload_beep(server: &Server) -> Result<String> {
    let value = upload_wav(server, wav_16k(&beep(Duration::from_millis(200)))).await?;
    value["uri"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the upload answer has no uri: {value}"))
}

/// `graph-incoming`.
pub(crate) async fn incoming(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let ctx = context(server).await?;
    let number = server.graph_bot_number()?;
    let prompt = upload_beep(server).await?;
    let app = format!("/applications/{}", server.dev.app.client_id);
    let before = server.admin(Method::GET, &app, None).await?;
    let previous = before["bot"]["callingWebhookUrl"].clone();
    server
        .admin(
            Method::PATCH,
            &app,
            Some(&json!({"bot": {"callingWebhookUrl": format!("{}/incoming", ctx.receiver.url)}})),
        )
        .await
        .context("pointing the bot's calling webhook at the receiver")?;
    let admin_token = server.dev.admin_token.clone();
    let base = server.base.clone();
    progress.phase("dial → notification → answer → prompt → delete", plan.calls);
    let cpu = CpuWindow::start(server.pid);
    let outcome = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (ctx, number, prompt, admin_token, base) = (
                ctx.clone(),
                number.clone(),
                prompt.clone(),
                admin_token.clone(),
                base.clone(),
            );
            async move {
                let from = format!("%2B1425{:07}", 6_000_000 + i % 4_000_000);
                let t0 = Instant::now();
                let response = ctx
                    .http
                    .post(format!("{base}/ringside/v1/phones/{from}/calls"))
                    .bearer_auth(&admin_token)
                    .json(&json!({"to": number, "hangupAfter": "60s"}))
                    .send()
                    .await
                    .context("dial")?;
                let dial = super::target::expect_status(response, 201, "dial").await?;
                let t1 = Instant::now();
                // The bot's leg is the dial's target leg: the incoming call's id.
                let id = dial["targetLegId"]
                    .as_str()
                    .ok_or_else(|| anyhow!("dial: no targetLegId in {dial}"))?
                    .to_string();
                let created = ctx
                    .receiver
                    .mailbox
                    .wait(&format!("graph-incoming:{id}"), NOTIFICATION_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no incoming-call notification for {id}"))?;
                let call = format!("{}/communications/calls/{id}", ctx.graph);
                let t2 = Instant::now();
                let response = ctx
                    .http
                    .post(format!("{call}/answer"))
                    .bearer_auth(&ctx.token)
                    .json(&json!({
                        "callbackUri": ctx.hook,
                        "acceptedModalities": ["audio"],
                        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
                    }))
                    .send()
                    .await
                    .context("answer")?;
                super::target::expect_status(response, 202, "answer").await?;
                let established = ctx
                    .receiver
                    .mailbox
                    .wait(&format!("graph-established:{id}"), NOTIFICATION_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no established notification for {id}"))?;
                let t3 = Instant::now();
                let response = ctx
                    .http
                    .post(format!("{call}/playPrompt"))
                    .bearer_auth(&ctx.token)
                    .json(&json!({
                        "clientContext": "bench",
                        "prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt",
                                     "mediaInfo": {"@odata.type": "#microsoft.graph.mediaInfo", "uri": prompt}}],
                    }))
                    .send()
                    .await
                    .context("playPrompt")?;
                let operation = super::target::expect_status(response, 200, "playPrompt").await?;
                let op = operation["id"]
                    .as_str()
                    .ok_or_else(|| anyhow!("playPrompt: no operation id in {operation}"))?
                    .to_string();
                let done = ctx
                    .receiver
                    .mailbox
                    .wait(&format!("graph-operation:{op}"), NOTIFICATION_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no playPrompt completion for {id}"))?;
                if done.body["status"] != "completed" {
                    bail!("playPrompt ended {}", done.body);
                }
                let t4 = Instant::now();
                let response = ctx
                    .http
                    .delete(&call)
                    .bearer_auth(&ctx.token)
                    .send()
                    .await
                    .context("delete call")?;
                super::target::expect_status(response, 204, "delete call").await?;
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
                ctx.latencies
                    .record("playPrompt (200 ms) → completed", done.at.saturating_duration_since(t3));
                ctx.latencies.record("delete (204)", t5 - t4);
                Ok(())
            }
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
    let mut report = Report::new(server.pid);
    report.calls = outcome.ok.len() + outcome.failed;
    report.completed = outcome.ok.len();
    report.failed = outcome.failed;
    report.errors(&outcome.errors);
    report.wall = outcome.wall;
    report.server_cpu_cores = cpu.cores;
    report.steal_cores = cpu.steal_cores;
    report.latencies(ctx.latencies.take());
    Ok(report)
}
