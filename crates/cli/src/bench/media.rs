//! `media-soak`: N concurrent two-party calls through the platform API — a simulated phone dials a
//! directory user; the user plays a looped 4 s speech-like prompt, the phone presses one in-band
//! DTMF key per second — held for the measured time. Figures: the server process's CPU (cores)
//! and RSS per call, the media clock's tick lateness (`GET /ringside/v1/stats/media`, reset after
//! the warm-up), and the keys the users' legs detected against the keys pressed (the legs' logs).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use serde_json::{json, Value};

use super::fixtures::{speech_like, upload_wav, users_default, wav_16k};
use super::measure::{self, CpuWindow, Latencies, Progress};
use super::plan::Plan;
use super::report::Report;
use super::target::Server;

/// The keys the phones press, in turn.
const KEYS: &[u8] = b"0123456789*#";
/// Length of the looped prompt.
const PROMPT: Duration = Duration::from_secs(4);
/// The most timeline steps a behaviour takes (the server's `MAX_STEPS`).
const MAX_STEPS: usize = 100;

/// Uploads WAV bytes; returns the media id.
async fn upload(server: &Server, wav: Vec<u8>) -> Result<String> {
    let value = upload_wav(server, wav).await?;
    value["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the upload answer has no id: {value}"))
}

/// One soak call as dialled.
struct Call {
    call: String,
    phone_leg: String,
    user_leg: String,
}

/// The keys of a log's entries of `kind` (`pressed` → `digits`, `toneDetected` → `tone`).
fn log_keys(log: &Value, kind: &str, field: &str) -> String {
    log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == kind)
        .filter_map(|e| e[field].as_str())
        .collect()
}

/// How the keys a user heard compare with the keys its caller pressed: (matched in order, false).
pub(crate) fn score_digits(pressed: &str, heard: &str) -> (usize, usize) {
    // Longest common subsequence: a missed key does not shift the rest into misses.
    let (p, h) = (pressed.as_bytes(), heard.as_bytes());
    let mut row = vec![0usize; h.len() + 1];
    for &pk in p {
        let mut diagonal = 0;
        for (j, &hk) in h.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if pk == hk {
                diagonal + 1
            } else {
                row[j + 1].max(row[j])
            };
            diagonal = up;
        }
    }
    let matched = row[h.len()];
    (matched, h.len() - matched)
}

/// `media-soak`.
pub(crate) async fn soak(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let measured = plan.duration.unwrap_or(Duration::from_secs(20));
    let users: Vec<String> = server.dev.users.iter().map(|u| u.id.clone()).collect();
    if users.is_empty() {
        bail!("dev.json lists no users to call");
    }
    // Keys from 1 s after answer, one per second, all pressed before the logs are read (every call
    // is answered before the warm-up starts, and the logs are read after the measured time).
    let keys =
        ((plan.warmup + measured).as_secs().saturating_sub(1) as usize).clamp(1, MAX_STEPS - 1);
    let pressed: String = (0..keys).map(|k| KEYS[k % KEYS.len()] as char).collect();
    let prompt = upload(server, wav_16k(&speech_like(PROMPT))).await?;
    // The users answer at once and loop the prompt for as long as a call can last.
    let loops = MAX_STEPS;
    let play: Vec<Value> = (0..loops)
        .map(|k| json!({"at": format!("{}ms", k as u128 * PROMPT.as_millis()), "media": prompt}))
        .collect();
    for user in &users {
        server
            .admin(
                Method::PUT,
                &format!("/phones/{user}/behaviour"),
                Some(&json!({"answerAfter": "0ms", "play": play})),
            )
            .await
            .context("setting a user's behaviour")?;
    }
    let press: Vec<Value> = pressed
        .chars()
        .enumerate()
        .map(|(k, key)| json!({"at": format!("{}s", k + 1), "digits": key.to_string()}))
        .collect();
    let lifetime =
        Duration::from_secs(loops as u64 * PROMPT.as_secs()).min(Duration::from_secs(3_600));
    let dial_body =
        Arc::new(json!({"press": press, "hangupAfter": format!("{}s", lifetime.as_secs())}));

    let rss_before = server.pid.and_then(measure::process_rss);
    let latencies = Arc::new(Latencies::default());
    progress.phase("dialling", plan.calls);
    let (http, base, token) = (
        server.http.clone(),
        server.base.clone(),
        server.dev.admin_token.clone(),
    );
    let users = Arc::new(users);
    let dialled = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        None,
        progress,
        |i| {
            let (http, base, token, users, body, latencies) = (
                http.clone(),
                base.clone(),
                token.clone(),
                users.clone(),
                dial_body.clone(),
                latencies.clone(),
            );
            async move {
                let from = format!("%2B1207{:07}", 5_000_000 + i % 4_000_000);
                let mut body = (*body).clone();
                body["to"] = json!(users[i % users.len()]);
                let t0 = Instant::now();
                let response = http
                    .post(format!("{base}/ringside/v1/phones/{from}/calls"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .context("dial")?;
                let reply = super::target::json_or_error(&Method::POST, "dial", response).await?;
                latencies.record("dial request (201)", t0.elapsed());
                let field = |name: &str| {
                    reply[name]
                        .as_str()
                        .map(str::to_string)
                        .ok_or_else(|| anyhow!("dial: no {name} in {reply}"))
                };
                Ok(Call {
                    call: field("callId")?,
                    phone_leg: field("legId")?,
                    user_leg: field("targetLegId")?,
                })
            }
        },
    )
    .await;
    let calls = dialled.ok;

    progress.phase("warming up", 0);
    tokio::time::sleep(plan.warmup).await;
    server
        .admin(Method::POST, "/stats/media/reset", None)
        .await
        .context("resetting the media clock's figures (POST /ringside/v1/stats/media/reset)")?;
    let rss_during = server.pid.and_then(measure::process_rss);
    progress.phase("measuring", 0);
    let cpu = CpuWindow::start(server.pid);
    tokio::time::sleep(measured).await;
    let cpu = cpu.end();
    let clock = server
        .admin(Method::GET, "/stats/media", None)
        .await
        .context("reading the media clock's figures")?;
    let rss_end = server.pid.and_then(measure::process_rss);

    // Keys: every user leg's detections against its caller's presses, and anything the phones
    // detected (they heard only the prompt: false detections).
    progress.phase("reading logs", calls.len());
    let calls = Arc::new(calls);
    let logs = measure::drive(calls.len(), None, plan.concurrency, None, progress, |i| {
        let (calls, server_http, base, token) = (
            calls.clone(),
            server.http.clone(),
            server.base.clone(),
            server.dev.admin_token.clone(),
        );
        async move {
            let call = &calls[i];
            let get = |leg: String| {
                let (http, base, token, id) = (
                    server_http.clone(),
                    base.clone(),
                    token.clone(),
                    call.call.clone(),
                );
                async move {
                    let url = format!("{base}/ringside/v1/calls/{id}/legs/{leg}/log");
                    let response = http.get(&url).bearer_auth(&token).send().await?;
                    super::target::json_or_error(&Method::GET, &url, response).await
                }
            };
            let phone = get(call.phone_leg.clone()).await?;
            let user = get(call.user_leg.clone()).await?;
            Ok((
                log_keys(&phone, "pressed", "digits"),
                log_keys(&user, "toneDetected", "tone"),
                log_keys(&phone, "toneDetected", "tone").len(),
            ))
        }
    })
    .await;
    progress.phase("hanging up", calls.len());
    let hung = measure::drive(calls.len(), None, plan.concurrency, None, progress, |i| {
        let (calls, http, base, token) = (
            calls.clone(),
            server.http.clone(),
            server.base.clone(),
            server.dev.admin_token.clone(),
        );
        async move {
            let call = &calls[i];
            let url = format!(
                "{base}/ringside/v1/calls/{}/legs/{}/hangup",
                call.call, call.phone_leg
            );
            let response = http.post(&url).bearer_auth(&token).send().await?;
            super::target::json_or_error(&Method::POST, &url, response).await?;
            Ok(())
        }
    })
    .await;
    users_default(server).await;

    let (mut sent, mut matched, mut false_detections, mut logged_presses) = (0, 0, 0, 0);
    for (phone_pressed, user_heard, phone_heard) in &logs.ok {
        sent += pressed.len();
        logged_presses += phone_pressed.len();
        let (ok, extra) = score_digits(&pressed, user_heard);
        matched += ok;
        false_detections += extra + phone_heard;
    }
    let mut report = Report::new(server.pid);
    report.calls = plan.calls;
    report.completed = calls.len().min(logs.ok.len());
    report.failed = plan.calls - report.completed;
    report.errors(&dialled.errors);
    report.errors(&logs.errors);
    report.errors(&hung.errors);
    report.wall = dialled.wall;
    report.server_cpu_cores = cpu.cores;
    report.steal_cores = cpu.steal_cores;
    report.server_rss = rss_end;
    report.latencies(latencies.take());
    let n = calls.len().max(1) as f64;
    let us_ms = |key: &str| clock[key].as_f64().map(|us| us / 1000.0);
    report.figure(
        "concurrentCalls",
        "concurrent calls",
        json!(calls.len()),
        "",
    );
    report.figure(
        "measuredSecs",
        "measured",
        json!(cpu.wall.as_secs_f64()),
        "s",
    );
    if let Some(cores) = cpu.cores {
        report.figure("cpuCores", "server cpu", json!(cores), "cores");
        report.figure(
            "cpuUsPerCallSec",
            "server cpu per call",
            json!(cores * 1e6 / n),
            "µs per call-second",
        );
    }
    if let (Some(before), Some(during)) = (rss_before, rss_during) {
        report.figure(
            "rssPerCallBytes",
            "server rss per call",
            json!(during.saturating_sub(before) / calls.len().max(1) as u64),
            "bytes",
        );
    }
    report.figure(
        "latenessP50Ms",
        "media tick lateness p50",
        json!(us_ms("latenessP50Us")),
        "ms",
    );
    report.figure(
        "latenessP99Ms",
        "media tick lateness p99",
        json!(us_ms("latenessP99Us")),
        "ms",
    );
    report.figure(
        "latenessMaxMs",
        "media tick lateness max",
        json!(us_ms("latenessMaxUs")),
        "ms",
    );
    report.figure(
        "workP99Ms",
        "media work per tick p99",
        json!(us_ms("workP99Us")),
        "ms",
    );
    report.figure(
        "ticks",
        "media ticks (all shards)",
        clock["ticks"].clone(),
        "",
    );
    report.figure(
        "skippedFrames",
        "media frames skipped",
        clock["skippedFrames"].clone(),
        "",
    );
    report.figure(
        "mediaConversations",
        "conversations on the media clock",
        clock["conversations"].clone(),
        "",
    );
    let realtime = clock["shards"]
        .as_array()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["realtime"] == true));
    report.figure(
        "realtimeShards",
        "media shards at SCHED_FIFO",
        json!(realtime),
        "",
    );
    report.figure("digitsSent", "digits pressed", json!(sent), "");
    report.figure(
        "digitsLogged",
        "digits in the phones' logs",
        json!(logged_presses),
        "",
    );
    report.figure(
        "digitsDetected",
        "digits detected (in order)",
        json!(matched),
        "",
    );
    report.figure(
        "digitsFalse",
        "false detections",
        json!(false_detections),
        "",
    );
    report.figure(
        "digitAccuracy",
        "digit accuracy",
        json!(if sent == 0 {
            0.0
        } else {
            matched as f64 / sent as f64
        }),
        "",
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_score_in_order_with_misses_and_extras() {
        assert_eq!(score_digits("0123", "0123"), (4, 0));
        assert_eq!(score_digits("0123", "013"), (3, 0));
        assert_eq!(score_digits("0123", "01723"), (4, 1));
        assert_eq!(score_digits("0123", ""), (0, 0));
        assert_eq!(score_digits("", "5"), (0, 1));
    }
}
