//! The adaptive jitter buffer of one inbound stream: packets in (any order, any packet duration),
//! one 20 ms frame of 16 kHz audio out per media-clock tick, with loss concealment.
//!
//! Playout runs on RTP timestamps: a cursor (the timestamp of the next sample to play) advances by
//! [`FRAME_TICKS`] per pulled frame, so 10, 20 or 30 ms packets all play seamlessly. Packets are
//! held in timestamp order in a fixed pool (no allocation after construction):
//! - **duplicates** (a sequence number already held or just played) and **late** packets (their
//!   time already played) are dropped and counted; **reordered** ones are sorted in;
//! - a missing packet is **lost** when playout passes it: its time is concealed by repeating the
//!   last frame with a linear fade over 60 ms, then silence;
//! - the **target depth** adapts: `20 ms + 4 × jitter` (RFC 3550 A.8 estimate, fed by the session)
//!   (at least `min_depth`) plus 20 ms for each late packet in the last 5 s, at most `max_depth`.
//!   Playout starts (and restarts after the stream went quiet) once the target depth is buffered;
//!   while it runs, one frame is dropped when the depth stays well above target for a second, and
//!   one frame is stretched (the last frame repeated) when the depth falls below target.

use crate::codec::{Decoder, FRAME_TICKS};
use ringside_audio::{Frame, FRAME_SAMPLES};
use std::collections::VecDeque;

/// Largest payload held (60 ms of G.711 or G.722); larger packets are dropped.
pub const MAX_PAYLOAD: usize = 480;
const MAX_DECODED: usize = MAX_PAYLOAD * 2;
/// Concealment fades the last frame out over this many samples (60 ms).
const FADE_SAMPLES: u32 = 3 * FRAME_SAMPLES as u32;
/// A packet further than this ahead of playout (2 s of timestamp) restarts the buffer.
const RESYNC_TICKS: i64 = 16_000;
/// Pulls with the depth above target + 40 ms before a frame is dropped.
const SHRINK_AFTER: u32 = 50;
/// This many late packets in a row restart the buffer.
const MAX_LATE_RUN: u32 = 10;
/// Each late packet raises the target by 20 ms for this many pulls (5 s).
const LATE_BOOST_PULLS: u32 = 250;

/// Something that turns a payload into 16 kHz samples (the leg's [`Decoder`]; tests use their own).
pub trait PayloadDecoder {
    /// Decodes `payload` into `out`; returns the samples written.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize;
}

impl PayloadDecoder for Decoder {
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        Decoder::decode(self, payload, out)
    }
}

/// Depth limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Smallest target depth in ms (default 40).
    pub min_depth_ms: u32,
    /// Largest target depth in ms (default 200).
    pub max_depth_ms: u32,
    /// Packets held at most (default 16).
    pub capacity: usize,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            min_depth_ms: 40,
            max_depth_ms: 200,
            capacity: 16,
        }
    }
}

/// Counters and the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    /// Audio buffered ahead of playout, in ms.
    pub depth_ms: u32,
    /// The depth playout aims for, in ms.
    pub target_ms: u32,
    /// Packets accepted into the buffer.
    pub buffered: u64,
    /// Packets that arrived after their time had played.
    pub late: u64,
    /// Packets never played (sequence gaps at playout).
    pub lost: u64,
    /// Packets that arrived out of order (and were sorted in).
    pub reordered: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Packets dropped as too large, because the buffer was full, or overlapped by playout.
    pub dropped: u64,
    /// Frames with concealed samples.
    pub concealed_frames: u64,
    /// Frames dropped (depth too high) or stretched (depth too low) to adapt.
    pub adjustments: u64,
    /// Restarts after a timestamp jump.
    pub resyncs: u64,
}

/// What a push did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Held for playout.
    Buffered,
    /// Dropped: already held or played.
    Duplicate,
    /// Dropped: its time has played.
    Late,
    /// Dropped: larger than [`MAX_PAYLOAD`].
    TooLarge,
}

/// What a pulled frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pulled {
    /// Decoded audio only.
    Audio,
    /// Some or all samples concealed (a lost packet, or a stretch).
    Concealed,
    /// Silence: nothing buffered yet, or the stream is quiet.
    Silence,
}

#[derive(Debug, Clone)]
struct Slot {
    seq: u64,
    pos: i64,
    len: usize,
    payload: [u8; MAX_PAYLOAD],
}

/// One stream's jitter buffer.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    slots: VecDeque<Slot>,
    /// Timestamp of the next sample to play; `None` while filling.
    cursor: Option<i64>,
    /// Where playout stopped last (late packets are judged against it while refilling).
    floor: Option<i64>,
    carry: [i16; MAX_DECODED],
    carry_at: usize,
    carry_len: usize,
    last_played_seq: Option<u64>,
    /// Bit i set: sequence `last_played_seq - i` was played.
    played_bits: u64,
    highest_seq: Option<u64>,
    last_frame: Frame,
    conceal_run: u32,
    jitter_ms: u32,
    late_boost: u32,
    late_run: u32,
    stretch_pending: bool,
    above_target: u32,
    /// Pulls made while packets wait for playout to start (playout starts after the target's time
    /// even if fewer packets came: a loss must not make the first packet wait for more).
    waited: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer (the slots are allocated here, once).
    pub fn new(config: JitterConfig) -> JitterBuffer {
        let capacity = config.capacity.max(2);
        JitterBuffer {
            config: JitterConfig { capacity, ..config },
            slots: VecDeque::with_capacity(capacity),
            cursor: None,
            floor: None,
            carry: [0; MAX_DECODED],
            carry_at: 0,
            carry_len: 0,
            last_played_seq: None,
            played_bits: 0,
            highest_seq: None,
            last_frame: [0; FRAME_SAMPLES],
            conceal_run: FADE_SAMPLES,
            jitter_ms: 0,
            late_boost: 0,
            late_run: 0,
            stretch_pending: false,
            above_target: 0,
            waited: 0,
            stats: JitterStats::default(),
        }
    }

    /// The latest interarrival jitter estimate, in ms (from the session's statistics).
    pub fn set_jitter_ms(&mut self, jitter_ms: u32) {
        self.jitter_ms = jitter_ms;
    }

    /// Counters, with the current depth and target.
    pub fn stats(&self) -> JitterStats {
        JitterStats {
            depth_ms: self.depth_ticks().max(0) as u32 / 8,
            target_ms: self.target_ms(),
            ..self.stats
        }
    }

    /// Bytes held on the heap (the packet slots).
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Nothing held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn target_ms(&self) -> u32 {
        let boost = self.late_boost.div_ceil(LATE_BOOST_PULLS) * 20;
        let base = (20 + 4 * self.jitter_ms).max(self.config.min_depth_ms);
        let target = (base + boost).min(self.config.max_depth_ms.max(self.config.min_depth_ms));
        target.div_ceil(20) * 20
    }

    /// Timestamp units buffered ahead of the cursor (or of the oldest packet while filling).
    fn depth_ticks(&self) -> i64 {
        let Some(newest) = self.slots.back() else {
            return (self.carry_len - self.carry_at) as i64 / 2;
        };
        let end = newest.pos + (newest.len as i64);
        let start = match self.cursor {
            Some(cursor) => cursor,
            None => self.slots.front().map_or(end, |s| s.pos),
        };
        end - start
    }

    /// Unwraps a 32-bit timestamp near the current reference point.
    fn position(&self, timestamp: u32) -> i64 {
        let reference = self
            .cursor
            .or(self.floor)
            .or_else(|| self.slots.back().map(|s| s.pos));
        match reference {
            Some(r) => r + i64::from(timestamp.wrapping_sub(r as u32) as i32),
            None => i64::from(timestamp),
        }
    }

    /// Offers a packet: `seq` is its extended sequence number (from [`crate::ReceiveStats`]).
    pub fn push(&mut self, seq: u64, timestamp: u32, payload: &[u8]) -> Pushed {
        if payload.len() > MAX_PAYLOAD {
            self.stats.dropped += 1;
            return Pushed::TooLarge;
        }
        let mut pos = self.position(timestamp);
        let reference = self
            .cursor
            .or(self.floor)
            .or_else(|| self.slots.front().map(|s| s.pos));
        // A jump of more than 2 s, or a run of late packets (the sender's clock moved back): restart.
        if reference.is_some_and(|r| (pos - r).abs() > RESYNC_TICKS)
            || self.late_run >= MAX_LATE_RUN
        {
            self.resync();
            pos = i64::from(timestamp);
        }
        if self.was_played(seq) || self.slots.iter().any(|s| s.seq == seq) {
            self.stats.duplicates += 1;
            return Pushed::Duplicate;
        }
        if self.cursor.or(self.floor).is_some_and(|c| pos < c) {
            self.stats.late += 1;
            self.late_run += 1;
            self.late_boost = self.late_boost.saturating_add(LATE_BOOST_PULLS);
            self.stretch_pending = true;
            return Pushed::Late;
        }
        self.late_run = 0;
        if self.highest_seq.is_some_and(|h| seq < h) {
            self.stats.reordered += 1;
        }
        self.highest_seq = Some(self.highest_seq.map_or(seq, |h| h.max(seq)));
        self.insert(seq, pos, payload);
        Pushed::Buffered
    }

    /// A packet of the same stream that carries no audio (a telephone-event, comfort noise): its
    /// sequence number is not a loss.
    pub fn skip_sequence(&mut self, seq: u64) {
        self.mark_played(seq);
    }

    fn was_played(&self, seq: u64) -> bool {
        match self.last_played_seq {
            Some(last) if seq <= last => {
                let back = last - seq;
                back < 64 && self.played_bits & (1 << back) != 0
            }
            _ => false,
        }
    }

    fn insert(&mut self, seq: u64, pos: i64, payload: &[u8]) {
        if self.slots.len() >= self.config.capacity {
            // Full: the oldest goes, and playout skips to what is left.
            self.slots.pop_front();
            self.stats.dropped += 1;
            if let (Some(cursor), Some(front)) = (self.cursor, self.slots.front()) {
                self.cursor = Some(cursor.max(front.pos));
                self.carry_len = 0;
            }
        }
        let mut slot = Slot {
            seq,
            pos,
            len: payload.len(),
            payload: [0; MAX_PAYLOAD],
        };
        slot.payload[..payload.len()].copy_from_slice(payload);
        let at = self
            .slots
            .partition_point(|s| s.pos < pos || (s.pos == pos && s.seq < seq));
        self.slots.insert(at, slot);
        self.stats.buffered += 1;
    }

    /// Forgets every packet and restarts playout from the next one (a new source); counted as a
    /// resync.
    pub fn resync(&mut self) {
        self.slots.clear();
        self.cursor = None;
        self.floor = None;
        self.carry_len = 0;
        self.carry_at = 0;
        self.last_played_seq = None;
        self.played_bits = 0;
        self.highest_seq = None;
        self.late_run = 0;
        self.stats.resyncs += 1;
    }

    /// Fills `out` with the next 20 ms: decoded, concealed or silent.
    pub fn pull(&mut self, decoder: &mut impl PayloadDecoder, out: &mut Frame) -> Pulled {
        self.late_boost = self.late_boost.saturating_sub(1);
        if self.cursor.is_none() && !self.start_playout() {
            out.fill(0);
            return Pulled::Silence;
        }
        if self.should_stretch() {
            self.stats.adjustments += 1;
            self.conceal(out, 0);
            self.stats.concealed_frames += 1;
            return Pulled::Concealed;
        }
        self.maybe_shrink(decoder);
        let concealed = self.fill(decoder, out);
        if concealed == 0 {
            self.last_frame = *out;
            return Pulled::Audio;
        }
        self.stats.concealed_frames += 1;
        let silent = self.conceal_run >= FADE_SAMPLES + FRAME_SAMPLES as u32;
        if concealed == FRAME_SAMPLES && self.slots.is_empty() && silent {
            // Quiet: stop the clock and refill before playing again.
            self.floor = self.cursor;
            self.cursor = None;
            return Pulled::Silence;
        }
        Pulled::Concealed
    }

    /// Starts playout once the target depth is buffered, or once the oldest packet has waited the
    /// target's time (a stream with losses would otherwise start deeper than the target, and later
    /// shrink by dropping a packet that came in time).
    fn start_playout(&mut self) -> bool {
        let Some(front) = self.slots.front() else {
            self.waited = 0;
            return false;
        };
        let target = self.target_ms();
        let waited_ms = self.waited * FRAME_TICKS / 8;
        if self.depth_ticks() < i64::from(target) * 8 && waited_ms + FRAME_TICKS / 8 < target {
            self.waited += 1;
            return false;
        }
        self.cursor = Some(front.pos);
        self.above_target = 0;
        self.waited = 0;
        true
    }

    /// After a late packet, one frame is repeated if the depth is a frame short of the target.
    fn should_stretch(&mut self) -> bool {
        let pending = std::mem::take(&mut self.stretch_pending);
        let low = self.depth_ticks() + i64::from(FRAME_TICKS) <= i64::from(self.target_ms()) * 8;
        pending && low && !self.slots.is_empty()
    }

    /// Drops one frame when the depth has stayed 40 ms above target for a second.
    fn maybe_shrink(&mut self, decoder: &mut impl PayloadDecoder) {
        let high = self.depth_ticks() > i64::from(self.target_ms() + 40) * 8;
        self.above_target = if high { self.above_target + 1 } else { 0 };
        if self.above_target >= SHRINK_AFTER {
            self.above_target = 0;
            let mut skipped = [0i16; FRAME_SAMPLES];
            let concealed = self.fill(decoder, &mut skipped);
            if concealed == 0 {
                self.last_frame = skipped;
            }
            self.stats.adjustments += 1;
        }
    }

    /// Plays `out` from the carry, the packets and concealment; returns the samples concealed.
    fn fill(&mut self, decoder: &mut impl PayloadDecoder, out: &mut Frame) -> usize {
        let mut filled = 0;
        let mut concealed = 0;
        while filled < FRAME_SAMPLES {
            let Some(cursor) = self.cursor else { break };
            if self.carry_at < self.carry_len {
                let n = (self.carry_len - self.carry_at).min(FRAME_SAMPLES - filled);
                out[filled..filled + n]
                    .copy_from_slice(&self.carry[self.carry_at..self.carry_at + n]);
                self.carry_at += n;
                filled += n;
                self.advance(cursor, n);
                self.conceal_run = 0;
                continue;
            }
            self.drop_passed(cursor);
            let gap = match self.slots.front() {
                Some(front) if front.pos == cursor => {
                    self.decode_front(decoder);
                    continue;
                }
                Some(front) => ((front.pos - cursor) * 2) as usize,
                None => usize::MAX,
            };
            let n = gap.min(FRAME_SAMPLES - filled);
            self.conceal(&mut out[filled..filled + n], filled);
            filled += n;
            concealed += n;
            self.advance(cursor, n);
        }
        concealed
    }

    fn advance(&mut self, cursor: i64, samples: usize) {
        // Odd sample counts cannot happen (payloads decode to 2 samples per tick).
        self.cursor = Some(cursor + (samples / 2) as i64);
    }

    /// Packets whose start playout has passed (overlapping timestamps) are dropped.
    fn drop_passed(&mut self, cursor: i64) {
        while self.slots.front().is_some_and(|s| s.pos < cursor) {
            self.slots.pop_front();
            self.stats.dropped += 1;
        }
    }

    fn decode_front(&mut self, decoder: &mut impl PayloadDecoder) {
        let Some(slot) = self.slots.pop_front() else {
            return;
        };
        if let Some(last) = self.last_played_seq {
            // A gap of more than 3000 is the sender restarting its sequence (RFC 3550 A.1's
            // dropout limit), not loss.
            let gap = slot.seq.saturating_sub(last + 1);
            if gap < 3000 {
                self.stats.lost += gap;
            }
        }
        self.mark_played(slot.seq);
        let n = decoder.decode(&slot.payload[..slot.len], &mut self.carry);
        // Whole timestamp ticks; a payload that decodes to nothing is concealed as a gap.
        self.carry_len = n & !1;
        self.carry_at = 0;
    }

    fn mark_played(&mut self, seq: u64) {
        match self.last_played_seq {
            Some(last) if seq > last => {
                let shift = seq - last;
                self.played_bits = if shift >= 64 {
                    0
                } else {
                    self.played_bits << shift
                };
                self.played_bits |= 1;
                self.last_played_seq = Some(seq);
            }
            Some(last) => {
                let back = last - seq;
                if back < 64 {
                    self.played_bits |= 1 << back;
                }
            }
            None => {
                self.played_bits = 1;
                self.last_played_seq = Some(seq);
            }
        }
    }

    /// Repeats the last frame with a linear fade (60 ms), then silence.
    fn conceal(&mut self, out: &mut [i16], offset: usize) {
        for (i, sample) in out.iter_mut().enumerate() {
            let run = self.conceal_run;
            *sample = if run >= FADE_SAMPLES {
                0
            } else {
                let source = i32::from(self.last_frame[(offset + i) % FRAME_SAMPLES]);
                (source * (FADE_SAMPLES - run) as i32 / FADE_SAMPLES as i32) as i16
            };
            self.conceal_run = run.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests;
