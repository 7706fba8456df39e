//! `GET /console/phone`: the browser softphone's WebSocket (the console's cookie, and an `Origin`
//! naming this server). Binary frames both ways are 640 bytes = 20 ms of s16le mono 16 kHz; text
//! frames are JSON control ([`control`]).
//!
//! The softphone is a leg like any other: a simulated endpoint dials with the runtime's `Dial`;
//! once its leg is established, an in-process stream tap on it (`StreamChannel::Mixed`: what the
//! leg hears) feeds the socket, and the page's audio is played back through the same tap as the
//! leg's voice (the media plane's inbound stream audio, behind its jitter buffer). So prompts,
//! recognize, recordings, streams and transfers see it as they see any phone. The socket ends
//! with its call's leg hung up, or when the server shuts down.
//!
//! A socket may also stand for a directory user ([`you`]): a call to that user (a bot calling,
//! transferring or redirecting to them) rings on the page, which answers or declines it; the
//! answered leg is heard and voiced as a dialled one. A second call while one is on the page is
//! refused busy.

pub mod control;
pub mod you;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use ringside_engine::{Event, LegState};
use ringside_http::ApiError;
use ringside_runtime::streaming::tap::{LocalTap, TapInput};
use ringside_runtime::streaming::{StreamChannel, StreamEventKind, StreamRate, QUEUE_FRAMES};
use ringside_runtime::Rung;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Session;
use crate::state::ConsoleState;
use control::{Call, FromPage};
use you::You;

/// Bytes of one audio frame (320 samples of s16le).
pub const FRAME_BYTES: usize = 640;
/// Largest message the socket takes.
const MAX_MESSAGE: usize = 16 * 1024;

/// The handler.
pub(crate) async fn phone(
    _: Session,
    State(state): State<ConsoleState>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The upgrade is a GET, but it opens a phone: the same origin rule as a write.
    let base = state.platform().node().base_url().to_string();
    if !ringside_platform::session::same_origin(&Method::POST, &headers, &uri, &base) {
        return ApiError::forbidden(
            "Forbidden",
            "The softphone's socket must be opened by the console (Origin).",
        )
        .into_response();
    }
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| Phone::new(state, socket).run())
}

/// What the server counted, for `stats`.
#[derive(Default)]
struct Counters {
    to_page: u64,
    from_page: u64,
    bad_frames: u64,
}

/// One softphone socket.
struct Phone {
    state: ConsoleState,
    socket: WebSocket,
    call: Option<Call>,
    /// The call is for "you" and still rings.
    ringing: bool,
    you: Option<You>,
    tap: Option<LocalTap>,
    counters: Counters,
}

impl Phone {
    fn new(state: ConsoleState, socket: WebSocket) -> Phone {
        Phone {
            state,
            socket,
            call: None,
            ringing: false,
            you: None,
            tap: None,
            counters: Counters::default(),
        }
    }

    async fn run(mut self) {
        let mut events = self.state.platform().calls().subscribe();
        let mut rings = self.state.platform().calls().rings();
        let stopped = self.state.stopped();
        tokio::pin!(stopped);
        self.send_json(json!({ "type": "state", "state": "idle" }))
            .await;
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                message = self.socket.recv() => match message {
                    Some(Ok(Message::Binary(bytes))) => self.audio(&bytes),
                    Some(Ok(Message::Text(text))) => self.control(text.as_str()).await,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                event = events.recv() => match event {
                    Ok(event) => self.engine(&event).await,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                rung = rings.recv() => match rung {
                    Ok(rung) => self.rung(rung).await,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                input = next_tap(&mut self.tap) => self.tapped(input).await,
            }
        }
        self.stop_tap().await;
        self.unregister();
        if let Some(call) = self.call.take() {
            let platform = self.state.platform();
            let _ = if self.ringing {
                control::decline(platform, call, false).await
            } else {
                control::hang_up(platform, call).await
            };
        }
        let _ = self.socket.send(Message::Close(None)).await;
    }

    /// A frame of the page's microphone: the leg's voice.
    fn audio(&mut self, bytes: &[u8]) {
        if bytes.len() != FRAME_BYTES {
            self.counters.bad_frames += 1;
            return;
        }
        self.counters.from_page += 1;
        if let Some(tap) = &self.tap {
            let samples = bytes
                .chunks_exact(2)
                .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            tap.play(samples);
        }
    }

    async fn control(&mut self, text: &str) {
        let platform = self.state.platform().clone();
        let request = match FromPage::parse(text) {
            Ok(request) => request,
            Err(message) => return self.send_json(control::error(&message)).await,
        };
        let result = match (request, self.call) {
            (FromPage::Dial { to, from }, None) => match control::dial(&platform, &from, &to).await
            {
                Ok(call) => {
                    self.call = Some(call);
                    self.send_json(control::state("dialing", &call, None)).await;
                    Ok(())
                }
                Err(message) => Err(message),
            },
            (FromPage::Dial { .. }, Some(_)) => Err("Hang up first: one call at a time.".into()),
            (FromPage::Register { user }, _) => {
                self.unregister();
                let registry = self.state.registry();
                match you::register(&platform, registry, &user) {
                    Ok(you) => {
                        let shown = you.json.clone();
                        self.you = Some(you);
                        self.send_json(control::registered(shown)).await;
                        Ok(())
                    }
                    Err(message) => {
                        self.send_json(control::registered(Value::Null)).await;
                        Err(message)
                    }
                }
            }
            (FromPage::Unregister, _) => {
                self.unregister();
                self.send_json(control::registered(Value::Null)).await;
                Ok(())
            }
            (FromPage::Stats, _) => {
                let dropped = self.tap.as_ref().map_or(0, LocalTap::dropped);
                let stats = json!({
                    "type": "stats",
                    "framesToPage": self.counters.to_page,
                    "framesFromPage": self.counters.from_page,
                    "badFrames": self.counters.bad_frames,
                    "dropped": dropped,
                });
                self.send_json(stats).await;
                Ok(())
            }
            (_, None) => Err("No call: dial first.".into()),
            (FromPage::Answer, Some(call)) if self.ringing => {
                let answered = control::answer(&platform, call).await;
                if answered.is_ok() {
                    self.ringing = false;
                    self.send_json(control::state("answering", &call, None))
                        .await;
                }
                answered
            }
            (FromPage::Answer, Some(_)) => Err("Nothing rings.".into()),
            (FromPage::Decline | FromPage::Hangup, Some(call)) if self.ringing => {
                self.call = None;
                self.ringing = false;
                self.send_json(control::state("ended", &call, Some("declined")))
                    .await;
                control::decline(&platform, call, false).await
            }
            (FromPage::Decline, Some(_)) => Err("Nothing rings.".into()),
            (FromPage::Dtmf { digit }, Some(call)) => control::press(&platform, call, &digit).await,
            (FromPage::Hold { on }, Some(call)) => control::hold(&platform, call, on).await,
            (FromPage::Hangup, Some(call)) => control::hang_up(&platform, call).await,
        };
        if let Err(message) = result {
            self.send_json(control::error(&message)).await;
        }
    }

    /// Engine news about the softphone's leg: connect the tap once established, report states,
    /// forget the call once the leg ended.
    async fn engine(&mut self, event: &Event) {
        let Some(call) = self.call else {
            return;
        };
        let Event::LegStateChanged { leg, state, .. } = event else {
            return;
        };
        if *leg != call.leg {
            return;
        }
        match state {
            LegState::Established => {
                if self.tap.is_none() {
                    self.start_tap(call);
                }
                self.send_json(control::state("connected", &call, None))
                    .await;
            }
            LegState::OnHold => self.send_json(control::state("held", &call, None)).await,
            LegState::Terminated(reason) => {
                self.stop_tap().await;
                self.call = None;
                self.ringing = false;
                let reason = ringside_runtime::reason_name(*reason);
                self.send_json(control::state("ended", &call, Some(&reason)))
                    .await;
            }
            _ => {}
        }
    }

    /// A simulated endpoint rings: if it is "you", the page rings (or, while the page has a
    /// call, the new one is refused busy).
    async fn rung(&mut self, rung: Rung) {
        let Some(you) = &self.you else {
            return;
        };
        let platform = self.state.platform().clone();
        if !you::is_you(&platform, you, &rung.party) {
            return;
        }
        let call = Call {
            conversation: rung.conversation,
            leg: rung.leg,
        };
        if self.call.is_some() {
            if let Err(message) = control::decline(&platform, call, true).await {
                tracing::info!(%message, "softphone: a second call could not be refused");
            }
            return;
        }
        self.call = Some(call);
        self.ringing = true;
        let from = platform
            .directory()
            .read(|d| ringside_runtime::routing::party_json(d, &rung.caller));
        self.send_json(control::ringing(&call, from)).await;
    }

    /// Stops being "you" (the user's behaviour comes back).
    fn unregister(&mut self) {
        if let Some(you) = self.you.take() {
            you::unregister(self.state.platform(), self.state.registry(), &you);
        }
    }

    fn start_tap(&mut self, call: Call) {
        let tap = self.state.platform().calls().streams().start_local(
            call.conversation,
            call.leg,
            StreamChannel::Mixed,
            StreamRate::Khz16,
            "console",
            QUEUE_FRAMES,
        );
        match tap {
            Ok(tap) => self.tap = Some(tap),
            Err(error) => tracing::warn!(%error, "softphone: no audio tap"),
        }
    }

    async fn stop_tap(&mut self) {
        if let Some(mut tap) = self.tap.take() {
            tap.stop_plane(|_| {}).await;
            let counters = tap.counters(self.counters.to_page);
            tap.finish(StreamEventKind::Stopped {
                reason: "the softphone's call ended".into(),
                counters,
            });
        }
    }

    /// What the tap delivered: a frame of what the leg hears goes to the page.
    async fn tapped(&mut self, input: Option<TapInput>) {
        match input {
            Some(TapInput::Frame(frame)) => {
                let bytes: Vec<u8> = frame.samples.iter().flat_map(|s| s.to_le_bytes()).collect();
                self.counters.to_page += 1;
                let _ = self.socket.send(Message::Binary(bytes.into())).await;
            }
            Some(TapInput::Stop) | Some(TapInput::PlaneStopped) | None => self.stop_tap().await,
            Some(TapInput::Pause(_)) | Some(TapInput::Name(..)) => {}
        }
    }

    async fn send_json(&mut self, value: Value) {
        let _ = self
            .socket
            .send(Message::Text(value.to_string().into()))
            .await;
    }
}

/// The tap's next input, or never while there is no tap.
async fn next_tap(tap: &mut Option<LocalTap>) -> Option<TapInput> {
    match tap {
        Some(tap) => tap.next().await,
        None => std::future::pending().await,
    }
}
