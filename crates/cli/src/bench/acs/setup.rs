//! `acs-setup`: createCall → CallConnected → hangUp per call, then incoming calls — a simulated
//! phone dials the CCaaS number → IncomingCall via an Event Grid subscription → answerCall →
//! CallConnected → hangUp.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use reqwest::Method;
use serde_json::json;

use super::client::{connection_id, targets_default, Calls};
use crate::bench::measure::{self, CpuFigures, CpuWindow, Outcome, Progress};
use crate::bench::plan::Plan;
use crate::bench::report::Report;
use crate::bench::target::Server;

/// The Event Grid subscription the bench creates (and removes) on the dev ACS resource.
const SUBSCRIPTION: &str = "ringside-bench";

/// How the simulated phones dial the CCaaS number: the platform API with the admin token.
struct Phones {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// `acs-setup`.
pub(crate) async fn setup(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let calls = Arc::new(Calls::start(server, false).await?);

    // createCall → CallConnected → hangUp.
    progress.phase("createCall → CallConnected → hangUp", plan.calls);
    let cpu = CpuWindow::start(server.pid);
    let created = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let calls = calls.clone();
            async move { create_call(&calls, i).await }
        },
    )
    .await;
    let create_cpu = cpu.end();

    // Incoming: a phone dials the CCaaS number → IncomingCall → answerCall → CallConnected → hangUp.
    let subscription = subscribe(server, &calls.receiver.url).await?;
    progress.phase(
        "dial → IncomingCall → answerCall → CallConnected → hangUp",
        plan.calls,
    );
    let phones = Arc::new(Phones {
        http: server.http.clone(),
        base: server.base.clone(),
        token: server.dev.admin_token.clone(),
    });
    let cpu = CpuWindow::start(server.pid);
    let answered = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (calls, phones) = (calls.clone(), phones.clone());
            async move { answer_call(&calls, &phones, i).await }
        },
    )
    .await;
    let answer_cpu = cpu.end();
    let _ = server.admin(Method::DELETE, &subscription, None).await;
    targets_default(server, &calls.targets).await;

    let mut report = Report::new(server.pid);
    report.calls = created.ok.len() + created.failed;
    report.completed = created.ok.len();
    report.failed = created.failed;
    report.wall = created.wall;
    report.errors(&created.errors);
    report.errors(&answered.errors);
    report.server_cpu_cores = create_cpu.cores;
    report.steal_cores = create_cpu.steal_cores;
    report.latencies(calls.latencies.take());
    setup_figures(&mut report, &created, &answered, answer_cpu);
    Ok(report)
}

/// One created call: createCall to target `i` → CallConnected → hangUp.
async fn create_call(calls: &Calls, i: usize) -> Result<()> {
    let created = calls.create(i, None).await?;
    let (t0, t1, id) = (created.sent, created.answered, created.id);
    let connected = calls
        .event(&format!("acs-connected:{id}"), || {
            format!("no CallConnected for {id}")
        })
        .await?;
    let t2 = Instant::now();
    calls.hang_up(&id).await?;
    let t3 = Instant::now();
    calls.latencies.record("createCall (201)", t1 - t0);
    calls.latencies.record(
        "createCall → CallConnected",
        connected.at.saturating_duration_since(t0),
    );
    calls.latencies.record("hangUp (204)", t3 - t2);
    Ok(())
}

/// (Re)creates the bench's Event Grid subscription for IncomingCall events to the receiver;
/// returns its admin path (to delete it afterwards).
async fn subscribe(server: &Server, receiver_url: &str) -> Result<String> {
    let subscriptions = format!(
        "/acsResources/{}/eventSubscriptions",
        server.dev.acs.resource_id
    );
    let subscription = format!("{subscriptions}/{SUBSCRIPTION}");
    let _ = server.admin(Method::DELETE, &subscription, None).await;
    server
        .admin(
            Method::POST,
            &subscriptions,
            Some(&json!({
                "name": SUBSCRIPTION,
                "endpoint": format!("{receiver_url}/acs/incoming"),
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
            })),
        )
        .await
        .context("creating the Event Grid subscription")?;
    Ok(subscription)
}

/// One incoming call: phone `i` dials the CCaaS number → IncomingCall → answerCall →
/// CallConnected → hangUp.
async fn answer_call(calls: &Calls, phones: &Phones, i: usize) -> Result<()> {
    let caller = format!("+1209{:07}", 5_000_000 + i % 4_000_000);
    let t0 = Instant::now();
    let response = phones
        .http
        .post(format!(
            "{}/ringside/v1/phones/{}/calls",
            phones.base,
            caller.replace('+', "%2B")
        ))
        .bearer_auth(&phones.token)
        .json(&json!({"to": calls.source, "hangupAfter": "60s"}))
        .send()
        .await
        .context("dial")?;
    crate::bench::replies::json_or_error(&Method::POST, "dial", response).await?;
    let incoming = calls
        .event(&format!("acs-incoming:4:{caller}"), || {
            format!("no IncomingCall from {caller}")
        })
        .await?;
    let context = incoming.body["incomingCallContext"]
        .as_str()
        .ok_or_else(|| anyhow!("IncomingCall without incomingCallContext"))?;
    let t1 = Instant::now();
    let props = calls.answer(context).await?;
    let t2 = Instant::now();
    let id = connection_id(&props)?;
    let connected = calls
        .event(&format!("acs-connected:{id}"), || {
            format!("no CallConnected for {id}")
        })
        .await?;
    let t3 = Instant::now();
    calls.hang_up(&id).await?;
    let t4 = Instant::now();
    calls.latencies.record(
        "dial → IncomingCall (Event Grid)",
        incoming.at.saturating_duration_since(t0),
    );
    calls.latencies.record("answerCall (200)", t2 - t1);
    calls.latencies.record(
        "answerCall → CallConnected",
        connected.at.saturating_duration_since(t1),
    );
    calls.latencies.record("hangUp (204) after answer", t4 - t3);
    Ok(())
}

/// Rates of both halves, the incoming calls answered and failed, and the CPU while answering.
fn setup_figures(
    report: &mut Report,
    created: &Outcome<()>,
    answered: &Outcome<()>,
    answer_cpu: CpuFigures,
) {
    let rate = |n: usize, wall: Duration| n as f64 / wall.as_secs_f64().max(1e-9);
    report.figure(
        "createCallsPerSec",
        "createCall → connected → hangUp",
        json!(rate(created.ok.len(), created.wall)),
        "calls/s",
    );
    report.figure(
        "answerCalls",
        "incoming calls answered",
        json!(answered.ok.len()),
        "",
    );
    report.figure(
        "answerFailed",
        "incoming calls failed",
        json!(answered.failed),
        "",
    );
    report.figure(
        "answerCallsPerSec",
        "dial → IncomingCall → answer → hangUp",
        json!(rate(answered.ok.len(), answered.wall)),
        "calls/s",
    );
    if let Some(cores) = answer_cpu.cores {
        report.figure(
            "answerCpuCores",
            "server cpu while answering",
            json!(cores),
            "cores",
        );
    }
}
