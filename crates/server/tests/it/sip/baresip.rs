//! baresip as a person's softphone: it registers as a dev user with the SIP credential dev.json
//! gives, calls the Graph bot and hears its prompt (its recording of what it received is
//! analysed: the prompt's 1 kHz tone is there), sends a digit the bot's subscribeToTone reports,
//! answers when a bot transfers a call to that user, and calls over TLS with SDES-SRTP.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{PromptServer, TestServer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use super::{answer_incoming, free_port, have, wait_for, BOT_NUMBER};

/// One baresip process with its config dir and control connection.
struct Baresip {
    _child: Child,
    dir: tempfile::TempDir,
    control: TcpStream,
    pending: Vec<u8>,
}

impl Baresip {
    /// Starts baresip with one account line, playing a 440 Hz tone as its microphone.
    async fn start(account: &str) -> Baresip {
        let dir = tempfile::tempdir().expect("tempdir");
        let control_port = free_port();
        let sip_port = free_port();
        let tone = dir.path().join("tone8k.wav");
        std::fs::write(&tone, tone_wav(440.0, 30.0, 8_000)).expect("tone");
        let records = dir.path().join("rec");
        std::fs::create_dir(&records).expect("rec dir");
        let config = format!(
            "sip_listen 127.0.0.1:{sip_port}\n\
             audio_source aufile,{tone}\n\
             audio_player aubridge,nil\n\
             audio_alert aubridge,nil\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\nmodule g722.so\nmodule srtp.so\nmodule aufile.so\n\
             module aubridge.so\nmodule sndfile.so\n\
             snd_path {records}\n\
             module_tmp uuid.so\nmodule_tmp account.so\n\
             module_app menu.so\nmodule_app ctrl_tcp.so\n\
             ctrl_tcp_listen 127.0.0.1:{control_port}\n",
            tone = tone.display(),
            records = records.display(),
        );
        std::fs::write(dir.path().join("config"), config).expect("config");
        std::fs::write(dir.path().join("accounts"), format!("{account}\n")).expect("accounts");
        let child = Command::new("baresip")
            .args(["-f", dir.path().to_str().expect("path"), "-n", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("baresip starts");
        let mut control = None;
        for _ in 0..100 {
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", control_port)).await {
                control = Some(stream);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Baresip {
            _child: child,
            dir,
            control: control.expect("baresip's control port opens"),
            pending: Vec::new(),
        }
    }

    /// Waits (at most 10 s) until the account is registered: baresip registers as it starts,
    /// before the control connection can hear REGISTER_OK, so `reginfo` is asked until it says OK.
    async fn register(&mut self) {
        for _ in 0..50 {
            self.command("reginfo", "").await;
            let info = self.response("reginfo", Duration::from_secs(2)).await;
            let text = info["data"].as_str().unwrap_or_default().to_string();
            if text.contains("OK") && !text.contains("ERR") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("baresip did not register within 10 s");
    }

    /// Waits for the response to the command sent with token `token`.
    async fn response(&mut self, token: &str, limit: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(message) = self.next_netstring() {
                if message["response"] == true && message["token"] == token {
                    return message;
                }
            }
            let mut buf = [0u8; 4096];
            let read = tokio::time::timeout_at(deadline, self.control.read(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("no answer to {token} from baresip within {limit:?}"))
                .expect("control read");
            assert!(read > 0, "baresip closed its control connection");
            self.pending.extend_from_slice(&buf[..read]);
        }
    }

    /// Sends a command (netstring JSON, ctrl_tcp).
    async fn command(&mut self, command: &str, params: &str) {
        let body = json!({"command": command, "params": params, "token": command}).to_string();
        let framed = format!("{}:{},", body.len(), body);
        self.control
            .write_all(framed.as_bytes())
            .await
            .expect("control write");
    }

    /// Waits (at most `limit`) for an event of `kind`; the events before it are dropped.
    async fn event(&mut self, kind: &str, limit: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(message) = self.next_netstring() {
                if message["type"] == kind {
                    return message;
                }
            }
            let mut buf = [0u8; 4096];
            let read = tokio::time::timeout_at(deadline, self.control.read(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("no {kind} from baresip within {limit:?}"))
                .expect("control read");
            assert!(read > 0, "baresip closed its control connection");
            self.pending.extend_from_slice(&buf[..read]);
        }
    }

    fn next_netstring(&mut self) -> Option<Value> {
        let colon = self.pending.iter().position(|b| *b == b':')?;
        let len: usize = std::str::from_utf8(&self.pending[..colon])
            .ok()?
            .parse()
            .ok()?;
        if self.pending.len() < colon + 1 + len + 1 {
            return None;
        }
        let body = self.pending[colon + 1..colon + 1 + len].to_vec();
        self.pending.drain(..colon + 1 + len + 1);
        serde_json::from_slice(&body).ok()
    }

    /// The WAV baresip recorded of what it received (`*-dec.wav`).
    fn received(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.dir.path().join("rec"))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
    }
}

/// A sine WAV, mono 16-bit at `rate`.
fn tone_wav(hz: f32, seconds: f32, rate: u32) -> Vec<u8> {
    let samples: Vec<i16> = (0..(seconds * rate as f32) as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            (f32::sin(2.0 * std::f32::consts::PI * hz * t) * 8_000.0) as i16
        })
        .collect();
    ringside_audio::wav::encode_pcm16(rate, 1, &samples).expect("a WAV")
}

/// The share of the signal's energy at `hz` (0..1): Goertzel over 20 ms blocks (the tone on a
/// bin of each block), summed, over the total energy.
fn tone_share(path: &Path, hz: f32) -> f32 {
    let bytes = std::fs::read(path).expect("recording");
    let wav = ringside_audio::wav::decode(&bytes).expect("a WAV");
    let block = (wav.sample_rate / 50) as usize;
    let coeff = 2.0 * (2.0 * std::f32::consts::PI * hz / wav.sample_rate as f32).cos();
    let (mut at_tone, mut total) = (0f32, 0f32);
    for chunk in wav.samples.chunks_exact(block) {
        let (mut s1, mut s2) = (0f32, 0f32);
        for x in chunk.iter().copied() {
            let s0 = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
            total += x * x;
        }
        at_tone += 2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / block as f32;
    }
    if total == 0.0 {
        0.0
    } else {
        at_tone / total
    }
}

/// The account line of dev user `index` (its SIP credential from dev.json), registering at the
/// gateway's UDP address.
fn account(h: &TestServer, index: usize, extra: &str) -> String {
    let dev: Value =
        serde_json::from_slice(&std::fs::read(h.data_dir().join("dev.json")).expect("dev.json"))
            .expect("dev.json parses");
    let user = &dev["users"][index]["sip"];
    let username = user["username"].as_str().expect("sip username");
    let password = user["password"].as_str().expect("sip password");
    let udp = h.sip().udp.expect("udp");
    format!(
        "<sip:{username}@{udp}>;auth_user={username};auth_pass={password};regint=600;\
         answermode=auto;audio_codecs=PCMU/8000/1{extra}"
    )
}

/// The bot plays its 1 kHz prompt three times over.
async fn play_beeps(h: &TestServer, prompts: &PromptServer, id: &str) {
    let beep = json!({"@odata.type": "#microsoft.graph.mediaPrompt",
        "mediaInfo": {"@odata.type": "#microsoft.graph.mediaInfo",
            "uri": prompts.url("/beep.wav"), "resourceId": "beep"}});
    let played = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            json!({"clientContext": "beeps", "prompts": [beep.clone(), beep.clone(), beep]}),
        )
        .await;
    assert_eq!(played.status, StatusCode::OK, "{}", played.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_softphone_calls_the_bot_hears_its_prompt_and_presses_a_key() {
    if !have("baresip") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let mut phone = Baresip::start(&account(&h, 0, "")).await;
    phone.register().await;
    let udp = h.sip().udp.expect("udp");
    phone
        .command("dial", &format!("sip:{BOT_NUMBER}@{udp}"))
        .await;
    let id = answer_incoming(&h, &prompts).await;
    let call_url = format!("/communications/calls/{id}");
    let call = h
        .graph(
            Method::GET,
            &format!("/v1.0/communications/calls/{id}"),
            None,
        )
        .await;
    let source = call.body["source"]["identity"].to_string();
    assert!(
        source.contains(&h.dev.users[0].id),
        "the caller is adele: {source}"
    );
    phone
        .event("CALL_ESTABLISHED", Duration::from_secs(10))
        .await;
    play_beeps(&h, &prompts, &id).await;
    wait_for(&h, Duration::from_secs(15), |n| {
        n["resourceUrl"]
            .as_str()
            .is_some_and(|url| url.starts_with(&call_url))
            && n["resourceData"]["@odata.type"] == "#microsoft.graph.playPromptOperation"
            && n["resourceData"]["status"] == "completed"
    })
    .await;
    let subscribed = h
        .graph(
            Method::POST,
            &format!("/beta/communications/calls/{id}/microsoft.graph.subscribeToTone"),
            json!({"clientContext": "tones"}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);
    phone.command("sndcode", "7").await;
    let tone = wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["toneInfo"]["tone"].is_string()
    })
    .await;
    assert_eq!(tone["resourceData"]["toneInfo"]["tone"], "tone7");
    phone.command("hangup", "").await;
    wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "terminated"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = phone.received().expect("baresip recorded the call");
    let share = tone_share(&received, 1_000.0);
    assert!(
        share > 0.2,
        "the bot's 1 kHz prompt reached the phone: {share}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_transfers_a_call_to_the_registered_user_and_the_softphone_answers() {
    if !have("baresip") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let mut phone = Baresip::start(&account(&h, 1, "")).await;
    phone.register().await;
    // A simulated PSTN caller reaches the bot, which transfers it to alex (registered).
    let dial = h.dial("+12065550199", BOT_NUMBER).await;
    assert!(dial["callId"].is_string());
    let id = answer_incoming(&h, &prompts).await;
    let alex = h.dev.users[1].id.clone();
    let transfer = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/transfer"),
            json!({"transferTarget": {"endpointType": "default",
                "identity": {"user": {"id": alex, "displayName": "Alex"}}}}),
        )
        .await;
    assert_eq!(transfer.status, StatusCode::ACCEPTED, "{}", transfer.body);
    phone
        .event("CALL_ESTABLISHED", Duration::from_secs(10))
        .await;
    let call_url = format!("/communications/calls/{id}");
    wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "terminated"
    })
    .await;
    phone.command("hangup", "").await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_softphone_calls_over_tls_with_srtp() {
    if !have("baresip") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let tls = h.sip().tls.expect("tls");
    let line = account(&h, 2, ";mediaenc=srtp-mand").replace(
        &h.sip().udp.expect("udp").to_string(),
        &format!("{tls};transport=tls"),
    );
    let mut phone = Baresip::start(&line).await;
    phone.register().await;
    phone
        .command("dial", &format!("sip:{BOT_NUMBER}@{tls};transport=tls"))
        .await;
    let id = answer_incoming(&h, &prompts).await;
    phone
        .event("CALL_ESTABLISHED", Duration::from_secs(10))
        .await;
    play_beeps(&h, &prompts, &id).await;
    let call_url = format!("/communications/calls/{id}");
    wait_for(&h, Duration::from_secs(15), |n| {
        n["resourceUrl"]
            .as_str()
            .is_some_and(|url| url.starts_with(&call_url))
            && n["resourceData"]["@odata.type"] == "#microsoft.graph.playPromptOperation"
            && n["resourceData"]["status"] == "completed"
    })
    .await;
    phone.command("hangup", "").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = phone.received().expect("baresip recorded the call");
    let share = tone_share(&received, 1_000.0);
    assert!(share > 0.2, "the prompt arrived over SRTP: {share}");
    h.shutdown().await;
}
