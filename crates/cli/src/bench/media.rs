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
use super::measure::{self, CpuFigures, CpuWindow, Latencies, Outcome, Progress};
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

/// What the measured window saw: the server's CPU, the media clock's figures, and the server's RSS
/// after the warm-up and at the end.
struct Window {
    cpu: CpuFigures,
    clock: Value,
    rss_during: Option<u64>,
    rss_end: Option<u64>,
}

/// The keys pressed and detected over every call whose logs were read.
struct DigitCounts {
    sent: usize,
    logged_presses: usize,
    matched: usize,
    false_detections: usize,
}

impl DigitCounts {
    /// `logs`: per call, the keys its phone logged as pressed, the keys its user detected, and how
    /// many keys its phone detected (it heard only the prompt: false detections).
    fn of(pressed: &str, logs: &[(String, String, usize)]) -> DigitCounts {
        let mut counts = DigitCounts {
            sent: 0,
            logged_presses: 0,
            matched: 0,
            false_detections: 0,
        };
        for (phone_pressed, user_heard, phone_heard) in logs {
            counts.sent += pressed.len();
            counts.logged_presses += phone_pressed.len();
            let (ok, extra) = score_digits(pressed, user_heard);
            counts.matched += ok;
            counts.false_detections += extra + phone_heard;
        }
        counts
    }
}

/// `media-soak`.
pub(crate) async fn soak(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let measured = plan.duration.unwrap_or(Duration::from_secs(20));
    let users: Vec<String> = server.dev.users.iter().map(|u| u.id.clone()).collect();
    if users.is_empty() {
        bail!("dev.json lists no users to call");
    }
    let pressed = keys_to_press(plan.warmup + measured);
    let dial_body = Arc::new(prepare(server, &users, &pressed).await?);

    let rss_before = server.pid.and_then(measure::process_rss);
    let latencies = Arc::new(Latencies::default());
    progress.phase("dialling", plan.calls);
    let users = Arc::new(users);
    let dialled = dial_all(server, plan, progress, users, dial_body, latencies.clone()).await;
    let calls = Arc::new(dialled.ok);
    let window = measure_window(server, plan, measured, progress).await?;

    // Keys: every user leg's detections against its caller's presses, and anything the phones
    // detected (they heard only the prompt: false detections).
    progress.phase("reading logs", calls.len());
    let logs = read_logs(server, plan, progress, calls.clone()).await;
    progress.phase("hanging up", calls.len());
    let hung = hang_up(server, plan, progress, calls.clone()).await;
    users_default(server).await;

    let digits = DigitCounts::of(&pressed, &logs.ok);
    let mut report = Report::new(server.pid);
    report.calls = plan.calls;
    report.completed = calls.len().min(logs.ok.len());
    report.failed = plan.calls - report.completed;
    report.errors(&dialled.errors);
    report.errors(&logs.errors);
    report.errors(&hung.errors);
    report.wall = dialled.wall;
    report.server_cpu_cores = window.cpu.cores;
    report.steal_cores = window.cpu.steal_cores;
    report.server_rss = window.rss_end;
    report.latencies(latencies.take());
    load_figures(&mut report, calls.len(), &window, rss_before);
    clock_figures(&mut report, &window.clock);
    digit_figures(&mut report, &digits);
    Ok(report)
}

/// The keys a phone presses: one per second from 1 s after answer, all pressed before the logs are
/// read (every call is answered before the warm-up starts, and the logs are read after the
/// measured time).
fn keys_to_press(warmup_and_measured: Duration) -> String {
    let keys = (warmup_and_measured.as_secs().saturating_sub(1) as usize).clamp(1, MAX_STEPS - 1);
    (0..keys).map(|k| KEYS[k % KEYS.len()] as char).collect()
}

/// Uploads the prompt and makes every user answer at once and loop it for as long as a call can
/// last; returns the dial body (the phone presses `pressed`, one key a second, then hangs up).
async fn prepare(server: &Server, users: &[String], pressed: &str) -> Result<Value> {
    let prompt = upload(server, wav_16k(&speech_like(PROMPT))).await?;
    let loops = MAX_STEPS;
    let play: Vec<Value> = (0..loops)
        .map(|k| json!({"at": format!("{}ms", k as u128 * PROMPT.as_millis()), "media": prompt}))
        .collect();
    for user in users {
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
    Ok(json!({"press": press, "hangupAfter": format!("{}s", lifetime.as_secs())}))
}

/// Dials `plan.calls` calls from simulated phones to the users, in turn, with `dial_body`.
async fn dial_all(
    server: &Server,
    plan: &Plan,
    progress: &Progress,
    users: Arc<Vec<String>>,
    dial_body: Arc<Value>,
    latencies: Arc<Latencies>,
) -> Outcome<Call> {
    let (http, base, token) = (
        server.http.clone(),
        server.base.clone(),
        server.dev.admin_token.clone(),
    );
    measure::drive(
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
                let reply = super::replies::json_or_error(&Method::POST, "dial", response).await?;
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
    .await
}

/// Waits out the warm-up, resets the media clock's figures, and measures for `measured`.
async fn measure_window(
    server: &Server,
    plan: &Plan,
    measured: Duration,
    progress: &Progress,
) -> Result<Window> {
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
    Ok(Window {
        cpu,
        clock,
        rss_during,
        rss_end,
    })
}

/// Per call: the keys its phone logged as pressed, the keys its user detected, and how many keys
/// its phone detected.
async fn read_logs(
    server: &Server,
    plan: &Plan,
    progress: &Progress,
    calls: Arc<Vec<Call>>,
) -> Outcome<(String, String, usize)> {
    measure::drive(calls.len(), None, plan.concurrency, None, progress, |i| {
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
                    super::replies::json_or_error(&Method::GET, &url, response).await
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
    .await
}

/// Hangs up every call's phone leg.
async fn hang_up(
    server: &Server,
    plan: &Plan,
    progress: &Progress,
    calls: Arc<Vec<Call>>,
) -> Outcome<()> {
    measure::drive(calls.len(), None, plan.concurrency, None, progress, |i| {
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
            super::replies::json_or_error(&Method::POST, &url, response).await?;
            Ok(())
        }
    })
    .await
}

/// Calls held, the measured time, and the server's CPU and RSS per call.
fn load_figures(report: &mut Report, calls: usize, window: &Window, rss_before: Option<u64>) {
    let n = calls.max(1) as f64;
    report.figure("concurrentCalls", "concurrent calls", json!(calls), "");
    report.figure(
        "measuredSecs",
        "measured",
        json!(window.cpu.wall.as_secs_f64()),
        "s",
    );
    if let Some(cores) = window.cpu.cores {
        report.figure("cpuCores", "server cpu", json!(cores), "cores");
        report.figure(
            "cpuUsPerCallSec",
            "server cpu per call",
            json!(cores * 1e6 / n),
            "µs per call-second",
        );
    }
    if let (Some(before), Some(during)) = (rss_before, window.rss_during) {
        report.figure(
            "rssPerCallBytes",
            "server rss per call",
            json!(during.saturating_sub(before) / calls.max(1) as u64),
            "bytes",
        );
    }
}

/// The media clock's figures (`GET /ringside/v1/stats/media`).
fn clock_figures(report: &mut Report, clock: &Value) {
    let us_ms = |key: &str| clock[key].as_f64().map(|us| us / 1000.0);
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
}

/// Keys pressed, logged, detected in order and falsely detected, and the accuracy.
fn digit_figures(report: &mut Report, digits: &DigitCounts) {
    report.figure("digitsSent", "digits pressed", json!(digits.sent), "");
    report.figure(
        "digitsLogged",
        "digits in the phones' logs",
        json!(digits.logged_presses),
        "",
    );
    report.figure(
        "digitsDetected",
        "digits detected (in order)",
        json!(digits.matched),
        "",
    );
    report.figure(
        "digitsFalse",
        "false detections",
        json!(digits.false_detections),
        "",
    );
    report.figure(
        "digitAccuracy",
        "digit accuracy",
        json!(if digits.sent == 0 {
            0.0
        } else {
            digits.matched as f64 / digits.sent as f64
        }),
        "",
    );
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
