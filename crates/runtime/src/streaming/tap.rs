//! In-process stream taps: a media-plane tap whose frames stay in the server (call recording, the
//! web console's softphone, which also plays audio back as the tapped leg's voice) instead of
//! going to an app's WebSocket. Same routing, queue and control as a socket stream, so
//! the media shards hand it frames without knowing who reads them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use ringside_engine::{ConversationId, LegId};
use ringside_media::{MediaCommand, StreamFrame};
use tokio::sync::mpsc;

use super::{
    lock, ConnCounters, Control, Route, RuntimeSink, StreamChannel, StreamError, StreamEvent,
    StreamEventKind, StreamId, StreamRate, StreamService, ToRuntime,
};

/// How long a stopping tap waits for the media plane to confirm (and flush) the stop.
const PLANE_STOP_WAIT: Duration = Duration::from_secs(2);

/// What a tap's reader gets next.
#[derive(Debug)]
pub enum TapInput {
    /// One participant's (or the mix's) 20 ms frame.
    Frame(StreamFrame),
    /// Pause (`true`) or resume.
    Pause(bool),
    /// A participant leg's name (ACS rawId).
    Name(LegId, String),
    /// The owner stopped the tap; the reader should call [`LocalTap::stop_plane`].
    Stop,
    /// The media plane ended the tap (the conversation ended); every frame has been delivered.
    PlaneStopped,
}

/// A live in-process tap: its frame queue and control channel.
pub struct LocalTap {
    pub id: StreamId,
    conversation: ConversationId,
    leg: LegId,
    owner: &'static str,
    frames: mpsc::Receiver<StreamFrame>,
    control: mpsc::UnboundedReceiver<Control>,
    dropped: Arc<AtomicU64>,
    runtime: RuntimeSink,
    service: Weak<StreamService>,
    plane_stopped: bool,
}

impl StreamService {
    /// Starts an in-process tap of `conversation` (`leg` is the bot leg it belongs to; whole-call
    /// channels outlive it) with a queue of `queue` frames. The plane starts tapping at its next
    /// tick.
    pub fn start_local(
        self: &Arc<Self>,
        conversation: ConversationId,
        leg: LegId,
        channel: StreamChannel,
        rate: StreamRate,
        owner: &'static str,
        queue: usize,
    ) -> Result<LocalTap, StreamError> {
        let runtime = self
            .runtime
            .get()
            .cloned()
            .ok_or(StreamError::Unavailable)?;
        let id = StreamId(self.next.fetch_add(1, Ordering::Relaxed));
        let (frames_tx, frames) = mpsc::channel(queue.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let (control_tx, control) = mpsc::unbounded_channel();
        self.add_route(
            id,
            Route {
                frames: frames_tx,
                dropped: dropped.clone(),
            },
        );
        lock(&self.controls).insert(id, control_tx);
        if !runtime(ToRuntime::Media(MediaCommand::StartStream {
            conversation,
            leg,
            stream: id,
            channel,
            rate,
        })) {
            self.finished(id);
            return Err(StreamError::Unavailable);
        }
        Ok(LocalTap {
            id,
            conversation,
            leg,
            owner,
            frames,
            control,
            dropped,
            runtime,
            service: Arc::downgrade(self),
            plane_stopped: false,
        })
    }
}

impl LocalTap {
    /// The next frame or control message (`None` once the service is gone). After
    /// [`TapInput::PlaneStopped`] nothing more arrives.
    pub async fn next(&mut self) -> Option<TapInput> {
        if self.plane_stopped {
            return self.frames.try_recv().ok().map(TapInput::Frame);
        }
        loop {
            let input = tokio::select! {
                biased;
                control = self.control.recv() => match control? {
                    Control::Stop(_) => TapInput::Stop,
                    Control::PlaneStopped(_) => {
                        // Frames routed before the stop are already queued: they come first.
                        self.plane_stopped = true;
                        return Some(match self.frames.try_recv() {
                            Ok(frame) => TapInput::Frame(frame),
                            Err(_) => TapInput::PlaneStopped,
                        });
                    }
                    Control::Pause(paused) => TapInput::Pause(paused),
                    Control::Name(leg, name) => TapInput::Name(leg, name),
                    Control::Dtmf(_) => continue,
                },
                frame = self.frames.recv() => TapInput::Frame(frame?),
            };
            return Some(input);
        }
    }

    /// Asks the plane to stop tapping and hands every frame it still delivers to `sink`, until
    /// the plane confirms (or [`PLANE_STOP_WAIT`] passes).
    pub async fn stop_plane(&mut self, mut sink: impl FnMut(StreamFrame)) {
        if !self.plane_stopped {
            let _ = (self.runtime)(ToRuntime::Media(MediaCommand::StopStream {
                conversation: self.conversation,
                stream: self.id,
            }));
            let wait = async {
                loop {
                    tokio::select! {
                        biased;
                        frame = self.frames.recv() => match frame {
                            Some(frame) => sink(frame),
                            None => return,
                        },
                        control = self.control.recv() => match control {
                            Some(Control::PlaneStopped(_)) | None => return,
                            Some(_) => {}
                        },
                    }
                }
            };
            let _ = tokio::time::timeout(PLANE_STOP_WAIT, wait).await;
            self.plane_stopped = true;
        }
        while let Ok(frame) = self.frames.try_recv() {
            sink(frame);
        }
    }

    /// Plays `samples` (PCM s16 at the tap's rate) into the call as the tapped leg's voice,
    /// behind the plane's jitter buffer, as a bidirectional socket stream's inbound audio is (the
    /// web console's softphone). False once the runtime is gone.
    pub fn play(&self, samples: Vec<i16>) -> bool {
        (self.runtime)(ToRuntime::Media(MediaCommand::StreamAudio {
            conversation: self.conversation,
            stream: self.id,
            samples,
        }))
    }

    /// Frames the queue dropped because the reader fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Forgets the tap's route and reports `kind` to the owning door (through the runtime) and
    /// to [`StreamService::subscribe`] listeners.
    pub fn finish(self, kind: StreamEventKind) {
        let event = StreamEvent {
            stream: self.id,
            conversation: self.conversation,
            leg: self.leg,
            owner: self.owner,
            kind,
        };
        if let Some(service) = self.service.upgrade() {
            service.finished(self.id);
            service.publish(event.clone());
        }
        let _ = (self.runtime)(ToRuntime::Event(event));
    }

    /// Counters for a finished tap's event.
    pub fn counters(&self, frames: u64) -> ConnCounters {
        ConnCounters {
            frames_sent: frames,
            frames_dropped: self.dropped(),
            ..ConnCounters::default()
        }
    }
}
