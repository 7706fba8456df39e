//! `ringside phone …`: simulated phones and users. `behave` sets how a user or number answers and
//! what it does once connected; `dial` places a call from a simulated phone, waits (bounded) until
//! it ends, and prints what happened: state changes with times, tones it heard, prompts it heard,
//! where its recording was saved (`--json` for scripts). Local WAV files named in `--play` are
//! uploaded first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgGroup, Args, Subcommand};
use reqwest::Method;
use ringside_server::behaviour::{
    format_duration, parse_duration, parse_play_arg, parse_press_arg, parse_say_arg, Answer,
    Behaviour, Step, StepKind, Timeline,
};
use serde_json::{json, Value};

use crate::client::{ApiClient, ConnectArgs};

/// `ringside phone` options.
#[derive(Args, Debug)]
pub(crate) struct PhoneArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(subcommand)]
    command: PhoneCommand,
}

#[derive(Subcommand, Debug)]
enum PhoneCommand {
    /// Set how a directory user, ACS user or phone number answers and what it does once connected
    /// (kept in the server's memory until it restarts).
    Behave(BehaveArgs),
    /// Place a call from a simulated phone, wait until it ends and print what happened.
    Dial(DialArgs),
}

/// What an endpoint does once connected; times count from the moment the call connected.
#[derive(Args, Debug)]
struct TimelineArgs {
    /// Play a local WAV file into the call at T (uploaded first), e.g. greeting.wav@3s.
    #[arg(long = "play", value_name = "FILE@T", value_parser = parse_play_arg)]
    play: Vec<Step>,
    /// Say TEXT at T (synthesised by the server's offline speech engine), e.g. "billing@2s".
    #[arg(long = "say", value_name = "TEXT@T", value_parser = parse_say_arg)]
    say: Vec<Step>,
    /// Press DTMF keys (in-band) at T, e.g. 123#@1500ms.
    #[arg(long = "press", value_name = "DIGITS@T", value_parser = parse_press_arg)]
    press: Vec<Step>,
    /// Play the 1004 Hz test tone for DURATION at T, e.g. 2s@5s.
    #[arg(long = "tone", value_name = "DURATION@T", value_parser = parse_tone_arg)]
    tone: Vec<Step>,
    /// Put the call on hold at T (until the end), or for DURATION at T, e.g. 3s or 5s@3s: the
    /// other side hears hold music, this endpoint hears nothing.
    #[arg(long = "hold", value_name = "[DURATION@]T", value_parser = parse_hold_arg)]
    hold: Vec<Step>,
    /// Hang up this long after the call connected (3s, 1500ms, 1m).
    #[arg(long, value_name = "T", value_parser = parse_duration)]
    hangup_after: Option<Duration>,
}

impl TimelineArgs {
    fn steps(&self) -> Vec<Step> {
        let mut steps: Vec<Step> = self
            .play
            .iter()
            .chain(&self.say)
            .chain(&self.press)
            .chain(&self.tone)
            .chain(&self.hold)
            .cloned()
            .collect();
        steps.sort_by_key(|step| step.at);
        steps
    }
}

fn parse_tone_arg(input: &str) -> Result<Step, String> {
    let (duration, at) = ringside_server::behaviour::parse_at(input)?;
    Ok(Step {
        at,
        kind: StepKind::Tone {
            duration: parse_duration(&duration)?,
        },
    })
}

fn parse_hold_arg(input: &str) -> Result<Step, String> {
    let (duration, at) = match input.contains('@') {
        true => {
            let (duration, at) = ringside_server::behaviour::parse_at(input)?;
            (Some(parse_duration(&duration)?), at)
        }
        false => (None, parse_duration(input)?),
    };
    Ok(Step {
        at,
        kind: StepKind::Hold { duration },
    })
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("answer").args(["answer_after", "reject", "busy", "no_answer"])))]
struct BehaveArgs {
    /// The endpoint: an E.164 number (+14255550123), a user's object id or UPN, or a
    /// Communication Services rawId (8:acs:… for an ACS user, 8:orgid:… for a Teams user).
    endpoint: String,
    /// Answer after this long (default: users 1s, external numbers 2s).
    #[arg(long, value_name = "T", value_parser = parse_duration)]
    answer_after: Option<Duration>,
    /// Decline every call.
    #[arg(long)]
    reject: bool,
    /// Be busy.
    #[arg(long)]
    busy: bool,
    /// Never answer (ring until the caller gives up or the ring timeout).
    #[arg(long)]
    no_answer: bool,
    #[command(flatten)]
    timeline: TimelineArgs,
    /// Record what the endpoint hears in each call (fetch it with GET
    /// /ringside/v1/calls/{callId}/legs/{legId}/recording).
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    record: Option<Option<PathBuf>>,
    /// Print the server's JSON response.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct DialArgs {
    /// Who to call: an E.164 number, a user id or UPN, an app id or a resource account id.
    to: String,
    /// The calling simulated phone (E.164) or user.
    #[arg(long)]
    from: String,
    #[command(flatten)]
    timeline: TimelineArgs,
    /// Record what the caller hears and save it to FILE.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Give up waiting (and hang up) after this long.
    #[arg(long, value_name = "T", default_value = "10m", value_parser = parse_duration)]
    max_wait: Duration,
    /// Print a JSON summary for scripts.
    #[arg(long)]
    json: bool,
}

/// Runs `ringside phone …`.
pub(crate) async fn run(args: PhoneArgs) -> Result<()> {
    let client = ApiClient::connect(&args.connect)?;
    match args.command {
        PhoneCommand::Behave(behave) => run_behave(&client, behave).await,
        PhoneCommand::Dial(dial) => run_dial(&client, dial).await,
    }
}

/// A path segment, percent-encoded (numbers keep their `+`).
fn segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~+@:".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Uploads every local file named in play steps (once each) and puts the media ids in.
async fn upload_plays(client: &ApiClient, steps: &mut [Step]) -> Result<()> {
    let mut uploaded: HashMap<String, String> = HashMap::new();
    for step in steps.iter_mut() {
        let StepKind::Play { media } = &mut step.kind else {
            continue;
        };
        if let Some(id) = uploaded.get(media.as_str()) {
            *media = id.clone();
            continue;
        }
        let bytes =
            std::fs::read(Path::new(media.as_str())).with_context(|| format!("reading {media}"))?;
        let answer = client
            .send_bytes(Method::POST, "/media", "audio/wav", bytes)
            .await
            .with_context(|| format!("uploading {media}"))?;
        let id = answer["id"]
            .as_str()
            .ok_or_else(|| anyhow!("the server returned no media id for {media}"))?
            .to_string();
        uploaded.insert(media.clone(), id.clone());
        *media = id;
    }
    Ok(())
}

async fn run_behave(client: &ApiClient, args: BehaveArgs) -> Result<()> {
    let answer = if args.reject {
        Some(Answer::Reject)
    } else if args.busy {
        Some(Answer::Busy)
    } else if args.no_answer {
        Some(Answer::Never)
    } else {
        args.answer_after.map(Answer::After)
    };
    let mut steps = args.timeline.steps();
    upload_plays(client, &mut steps).await?;
    let behaviour = Behaviour {
        answer,
        timeline: Timeline {
            steps,
            hangup_after: args.timeline.hangup_after,
            record: args.record.is_some(),
        },
    };
    let path = format!("/phones/{}/behaviour", segment(&args.endpoint));
    let result = client.put(&path, &behaviour.to_json()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(());
    }
    let shown = &result["behaviour"];
    println!(
        "{}: answer {}{}",
        args.endpoint,
        shown["answer"].as_str().unwrap_or("auto"),
        shown["answerAfter"]
            .as_str()
            .map(|after| format!(" after {after}"))
            .unwrap_or_default()
    );
    for step in &behaviour.timeline.steps {
        println!("  at {:>7}  {}", format_duration(step.at), describe(step));
    }
    if let Some(after) = behaviour.timeline.hangup_after {
        println!("  at {:>7}  hang up", format_duration(after));
    }
    if behaviour.timeline.record {
        println!("  records what it hears (per call: GET /ringside/v1/calls/{{callId}}/legs/{{legId}}/recording)");
        if matches!(args.record, Some(Some(_))) {
            println!("  note: `behave` does not write FILE; use `ringside phone dial --record FILE` to save a call's recording");
        }
    }
    for warning in result["warnings"].as_array().into_iter().flatten() {
        println!("  warning: {}", warning.as_str().unwrap_or_default());
    }
    Ok(())
}

fn describe(step: &Step) -> String {
    match &step.kind {
        StepKind::Press { tones, in_band } => format!(
            "press {}{}",
            tones.iter().map(|t| t.as_char()).collect::<String>(),
            if *in_band { "" } else { " (out of band)" }
        ),
        StepKind::Play { media } => format!("play media {media}"),
        StepKind::Say { text } => format!("say \"{text}\""),
        StepKind::Tone { duration } => format!("test tone for {}", format_duration(*duration)),
        StepKind::Silence { duration } => format!("silence for {}", format_duration(*duration)),
        StepKind::Hold { duration: None } => "hold until the end".to_string(),
        StepKind::Hold {
            duration: Some(duration),
        } => format!("hold for {}", format_duration(*duration)),
    }
}

/// A placed call: its id, the caller's leg and the far end's leg.
struct Placed {
    call: String,
    leg: String,
    target: String,
}

async fn run_dial(client: &ApiClient, args: DialArgs) -> Result<()> {
    let placed = place_call(client, &args).await?;
    let Placed { call, leg, target } = &placed;
    if !args.json {
        eprintln!(
            "call {call}: {} → {} placed; waiting for it to end…",
            args.from, args.to
        );
    }
    let final_view = wait_until_ended(client, &placed, args.max_wait).await?;
    let caller_log = client.get(&format!("/calls/{call}/legs/{leg}/log")).await?;
    let target_log = client
        .get(&format!("/calls/{call}/legs/{target}/log"))
        .await
        .unwrap_or(Value::Null);
    let saved = match &args.record {
        Some(file) => save_recording(client, &placed, file).await?,
        None => None,
    };

    let summary = summarize(&caller_log, &target_log);
    if args.json {
        let output = json!({
            "call": final_view,
            "callId": call,
            "legId": leg,
            "targetLegId": target,
            "summary": summary,
            "callerLog": caller_log,
            "targetLog": target_log,
            "recording": saved.as_ref().map(|p| p.display().to_string()),
        });
        println!("{}", serde_json::to_string_pretty(&output)?);
        return Ok(());
    }
    print_dial(
        &args,
        call,
        &caller_log,
        &target_log,
        &summary,
        saved.as_deref(),
    );
    Ok(())
}

/// Places the call `args` describe (uploading local files its timeline plays).
async fn place_call(client: &ApiClient, args: &DialArgs) -> Result<Placed> {
    let mut steps = args.timeline.steps();
    upload_plays(client, &mut steps).await?;
    let timeline = Timeline {
        steps,
        hangup_after: args.timeline.hangup_after,
        record: args.record.is_some(),
    };
    let mut body = timeline.to_json();
    body["to"] = json!(args.to);
    let placed = client
        .post(&format!("/phones/{}/calls", segment(&args.from)), &body)
        .await?;
    let call = placed["callId"]
        .as_str()
        .ok_or_else(|| anyhow!("the server returned no call id"))?
        .to_string();
    let leg = placed["legId"].as_str().unwrap_or_default().to_string();
    let target = placed["targetLegId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok(Placed { call, leg, target })
}

/// Waits (bounded) for the call to end and returns its final view; past `max_wait` it hangs up,
/// and 30 s later it gives up.
async fn wait_until_ended(
    client: &ApiClient,
    placed: &Placed,
    max_wait: Duration,
) -> Result<Value> {
    let Placed { call, leg, .. } = placed;
    let started = Instant::now();
    let mut hung_up = false;
    loop {
        let view = client.get(&format!("/calls/{call}")).await?;
        if view["state"] == "ended" {
            return Ok(view);
        }
        if started.elapsed() > max_wait && !hung_up {
            hung_up = true;
            eprintln!(
                "still running after {}: hanging up",
                format_duration(max_wait)
            );
            let _ = client
                .send(
                    Method::POST,
                    &format!("/calls/{call}/legs/{leg}/hangup"),
                    None,
                )
                .await;
        }
        if started.elapsed() > max_wait + Duration::from_secs(30) {
            bail!(
                "call {call} did not end within {}",
                format_duration(max_wait)
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Saves the caller's recording to `file` once the server has it (waiting up to 10 s); the file,
/// or `None` if none was delivered.
async fn save_recording(
    client: &ApiClient,
    placed: &Placed,
    file: &Path,
) -> Result<Option<PathBuf>> {
    let Placed { call, leg, .. } = placed;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(wav) = client
            .get_bytes(&format!("/calls/{call}/legs/{leg}/recording"))
            .await?
        {
            std::fs::write(file, &wav).with_context(|| format!("writing {}", file.display()))?;
            return Ok(Some(file.to_path_buf()));
        }
        if Instant::now() > deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What `dial` prints for people: the caller's log, how it ended, what was heard and received,
/// and where the recording went.
fn print_dial(
    args: &DialArgs,
    call: &str,
    caller_log: &Value,
    target_log: &Value,
    summary: &Value,
    saved: Option<&Path>,
) {
    println!("call {call}: {} → {}", args.from, args.to);
    for entry in caller_log["entries"].as_array().into_iter().flatten() {
        println!("  {:>8.3}s  {}", seconds(entry), line(entry));
    }
    println!(
        "ended: {} (far end: {})",
        caller_log["endReason"].as_str().unwrap_or("?"),
        target_log["endReason"].as_str().unwrap_or("?")
    );
    println!("tones heard: {}", text_or_none(&summary["tonesHeard"]));
    println!(
        "audio starts heard (silence, then sound: a prompt, an echo, music or a voice): {} (at {})",
        summary["audioStarts"],
        summary["audioStartedAt"]
            .as_array()
            .map(|times| times
                .iter()
                .map(|t| format!("{:.1}s", t.as_f64().unwrap_or(0.0)))
                .collect::<Vec<_>>()
                .join(", "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "-".to_string())
    );
    println!(
        "keys the far end received: {}",
        text_or_none(&summary["keysReceivedByFarEnd"])
    );
    match (&args.record, saved) {
        (Some(_), Some(file)) => println!("recording saved to {}", file.display()),
        (Some(_), None) => println!("recording: none was delivered"),
        _ => {}
    }
}

fn text_or_none(value: &Value) -> String {
    match value.as_str() {
        Some("") | None => "none".to_string(),
        Some(text) => text.to_string(),
    }
}

fn seconds(entry: &Value) -> f64 {
    entry["atMs"].as_f64().unwrap_or(0.0) / 1000.0
}

/// What the caller heard and what the far end received, from the two logs.
fn summarize(caller: &Value, target: &Value) -> Value {
    let of = |log: &Value, kind: &str| -> Vec<Value> {
        log["entries"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["type"] == kind)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let keys = |entries: Vec<Value>| -> String {
        entries
            .iter()
            .filter_map(|e| e["tone"].as_str())
            .collect::<String>()
    };
    let started = of(caller, "audioStarted");
    json!({
        "states": of(caller, "stateChanged")
            .iter()
            .map(|e| json!({"atMs": e["atMs"], "state": e["state"], "reason": e["reason"]}))
            .collect::<Vec<_>>(),
        "tonesHeard": keys(of(caller, "toneDetected")),
        "audioStarts": started.len(),
        "audioStartedAt": started.iter().map(seconds).collect::<Vec<_>>(),
        "keysReceivedByFarEnd": keys(of(target, "toneReceived")),
        "endReason": caller["endReason"],
    })
}

/// One log entry for people.
fn line(entry: &Value) -> String {
    let s = |key: &str| entry[key].as_str().unwrap_or("").to_string();
    match entry["type"].as_str().unwrap_or("") {
        "stateChanged" => match entry["reason"].as_str() {
            Some(reason) => format!("{} ({reason})", s("state")),
            None => s("state"),
        },
        "dialing" => format!("dialing {}", s("to")),
        "pressed" => format!("pressed {}", s("digits")),
        "playing" => format!("playing media {}", s("media")),
        "saying" => format!("saying \"{}\"", s("text")),
        "testTone" => format!("test tone for {}", s("duration")),
        "toneDetected" => format!("heard DTMF {}", s("tone")),
        "toneReceived" => format!("received DTMF {}", s("tone")),
        "audioStarted" => "audio started".to_string(),
        "audioStopped" => "audio stopped".to_string(),
        "recordingSaved" => format!("recording ready ({} ms)", entry["durationMs"]),
        "held" => match entry["for"].as_str() {
            Some(duration) => format!("put the call on hold for {duration}"),
            None => "put the call on hold".to_string(),
        },
        "resumed" => "took the call off hold".to_string(),
        "note" => s("message"),
        other => other.to_string(),
    }
}
