//! The stream writers: one tokio task per media shard writes every frame of that shard's socket
//! streams, so a sub-tick's frames cost one wake-up of one task instead of one per stream
//! (issue 19). A connection task hands its socket's write half and its encoder to the writer of
//! its conversation's shard once the socket is open and takes them back to write its last
//! messages. Writes never wait: a socket that cannot take a frame keeps it in its WebSocket
//! buffer (flushed when the socket is writable again, or with the next frame); one whose buffer
//! is over [`WRITE_BUFFER`] drops frames, counted as the queue used to count them.

use std::collections::HashMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::sink::Sink;
use futures_util::stream::SplitSink;
use ringside_engine::LegId;
use ringside_media::{shard_of, StreamFrame};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::conn::{Encoder, Socket};
use super::StreamId;

/// Bytes a socket's WebSocket buffer holds before its writer drops frames (about 2.5 s of a
/// 24 kHz stream's frames when the app stops reading).
pub const WRITE_BUFFER: usize = 128 * 1024;

/// Sub-tick batches (and control messages) queued per writer before batches are dropped.
const INBOX: usize = 1_024;

/// A socket's write half.
pub(super) type WriteHalf = SplitSink<Socket, Message>;

/// What a connection shares with its writer: frames written, frames dropped, DTMF sent.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) sent: AtomicU64,
    pub(super) dtmf: AtomicU64,
}

/// A writer's inbox.
pub(super) enum ToWriter {
    /// A stream's socket is open: its frames go out from now on.
    Attach(Box<Attached>),
    /// One sub-tick's frames of the writer's streams.
    Frames(Vec<StreamFrame>),
    /// A DTMF tone for the app, in order with the frames.
    Dtmf(StreamId, char),
    /// A participant's name for unmixed frames.
    Name(StreamId, LegId, String),
    /// The connection takes its write half and encoder back (`None` once the writer failed).
    Detach(StreamId, oneshot::Sender<Option<(WriteHalf, Encoder)>>),
}

/// A stream handed to its writer.
pub(super) struct Attached {
    pub(super) id: StreamId,
    pub(super) sink: WriteHalf,
    pub(super) encoder: Encoder,
    pub(super) tally: Arc<Tally>,
    /// Frames dropped because the socket's buffer was full (the route's counter).
    pub(super) dropped: Arc<AtomicU64>,
    /// Why the socket failed, told once.
    pub(super) failed: oneshot::Sender<String>,
}

/// The writer tasks, one per media shard (conversations map to them as to the shards).
pub(super) struct Writers {
    inboxes: Vec<mpsc::Sender<ToWriter>>,
}

impl Writers {
    /// Starts `count` writer tasks (on the current tokio runtime).
    pub(super) fn start(count: usize) -> Writers {
        let inboxes = (0..count.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(INBOX);
                tokio::spawn(run(rx));
                tx
            })
            .collect();
        Writers { inboxes }
    }

    /// The writer of a conversation's streams.
    pub(super) fn of(&self, conversation: ringside_engine::ConversationId) -> usize {
        shard_of(conversation, self.inboxes.len())
    }

    /// Queues a message for writer `index` and waits for room.
    pub(super) async fn send(&self, index: usize, message: ToWriter) -> bool {
        match self.inboxes.get(index) {
            Some(inbox) => inbox.send(message).await.is_ok(),
            None => false,
        }
    }

    /// Queues a batch of frames without waiting; the batch back when the writer's inbox is full.
    pub(super) fn frames(
        &self,
        index: usize,
        frames: Vec<StreamFrame>,
    ) -> Result<(), Vec<StreamFrame>> {
        let Some(inbox) = self.inboxes.get(index) else {
            return Err(frames);
        };
        inbox
            .try_send(ToWriter::Frames(frames))
            .map_err(|error| match error.into_inner() {
                ToWriter::Frames(frames) => frames,
                _ => Vec::new(),
            })
    }
}

/// One attached stream.
struct Slot {
    sink: WriteHalf,
    encoder: Encoder,
    tally: Arc<Tally>,
    dropped: Arc<AtomicU64>,
    failed: Option<oneshot::Sender<String>>,
    /// Bytes are waiting in the socket's buffer: flush when the writer is woken.
    unflushed: bool,
}

impl Slot {
    /// Writes `message` without waiting: `Ok(false)` when the socket's buffer is full (dropped).
    fn write(&mut self, cx: &mut Context<'_>, message: Message) -> Result<bool, String> {
        let mut sink = Pin::new(&mut self.sink);
        match sink.as_mut().poll_ready(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(error)) => return Err(error.to_string()),
            Poll::Pending => {
                self.unflushed = true;
                return Ok(false);
            }
        }
        sink.as_mut()
            .start_send(message)
            .map_err(|error| error.to_string())?;
        self.flush(cx)?;
        Ok(true)
    }

    /// Flushes what the socket's buffer holds, without waiting.
    fn flush(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        match Pin::new(&mut self.sink).poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                self.unflushed = false;
                Ok(())
            }
            Poll::Ready(Err(error)) => Err(error.to_string()),
            Poll::Pending => {
                self.unflushed = true;
                Ok(())
            }
        }
    }

    fn fail(mut self, reason: String) {
        if let Some(failed) = self.failed.take() {
            let _ = failed.send(format!("the media socket failed: {reason}"));
        }
    }
}

/// The writer's streams, and those with bytes left to flush.
#[derive(Default)]
struct State {
    slots: HashMap<StreamId, Slot>,
}

impl State {
    fn handle(&mut self, cx: &mut Context<'_>, message: ToWriter) {
        match message {
            ToWriter::Attach(attached) => {
                let Attached {
                    id,
                    sink,
                    encoder,
                    tally,
                    dropped,
                    failed,
                } = *attached;
                let mut slot = Slot {
                    sink,
                    encoder,
                    tally,
                    dropped,
                    failed: Some(failed),
                    unflushed: false,
                };
                // The stream's first message; its frames follow through this inbox.
                let header = slot.encoder.header();
                match slot.write(cx, header) {
                    Ok(_) => {
                        self.slots.insert(id, slot);
                    }
                    Err(reason) => slot.fail(reason),
                }
            }
            ToWriter::Frames(frames) => {
                for frame in &frames {
                    self.frame(cx, frame);
                }
            }
            ToWriter::Dtmf(id, tone) => {
                let Some(slot) = self.slots.get_mut(&id) else {
                    return;
                };
                let Some(message) = slot.encoder.dtmf(tone) else {
                    return;
                };
                match slot.write(cx, message) {
                    Ok(true) => {
                        slot.tally.dtmf.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(false) => {}
                    Err(reason) => self.fail(id, reason),
                }
            }
            ToWriter::Name(id, leg, name) => {
                if let Some(slot) = self.slots.get_mut(&id) {
                    slot.encoder.names.insert(leg, name);
                }
            }
            ToWriter::Detach(id, reply) => {
                let back = self.slots.remove(&id).map(|slot| (slot.sink, slot.encoder));
                let _ = reply.send(back);
            }
        }
    }

    fn frame(&mut self, cx: &mut Context<'_>, frame: &StreamFrame) {
        let Some(slot) = self.slots.get_mut(&frame.stream) else {
            return;
        };
        let message = slot.encoder.frame(frame);
        match slot.write(cx, message) {
            Ok(true) => {
                slot.tally.sent.fetch_add(1, Ordering::Relaxed);
            }
            Ok(false) => {
                slot.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(reason) => self.fail(frame.stream, reason),
        }
    }

    fn fail(&mut self, id: StreamId, reason: String) {
        if let Some(slot) = self.slots.remove(&id) {
            slot.fail(reason);
        }
    }

    /// Flushes the sockets that could not take everything (the writer was woken by one of them
    /// or by its inbox).
    fn flush_blocked(&mut self, cx: &mut Context<'_>) {
        let mut failed = Vec::new();
        for (id, slot) in self.slots.iter_mut().filter(|(_, s)| s.unflushed) {
            if let Err(reason) = slot.flush(cx) {
                failed.push((*id, reason));
            }
        }
        for (id, reason) in failed {
            self.fail(id, reason);
        }
    }
}

/// A writer task: applies its inbox in order until every sender is gone.
async fn run(mut inbox: mpsc::Receiver<ToWriter>) {
    let mut state = State::default();
    let mut blocked = false;
    poll_fn(|cx| {
        if blocked {
            state.flush_blocked(cx);
        }
        loop {
            match inbox.poll_recv(cx) {
                Poll::Ready(Some(message)) => state.handle(cx, message),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => break,
            }
        }
        blocked = state.slots.values().any(|s| s.unflushed);
        Poll::Pending
    })
    .await;
}
