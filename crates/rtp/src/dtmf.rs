//! RFC 4733 telephone-events for one leg: the 4-byte payload, a receiver that reports each key
//! once, and a sender that turns queued keys into event packets on the 20 ms tick.
//!
//! Receiving: packets of one event share an RTP timestamp; the duration grows, and the end bit is
//! set on the last (sent three times). A key is reported once, with its duration, when the first
//! end packet arrives, when a packet of a newer event arrives first (the end was lost), or when
//! updates stop for [`END_TIMEOUT`]. End packets of an event already reported are ignored (dedupe
//! by timestamp). While an event plays out the session mutes the decoded audio, as RFC 4733 §2.5.1
//! lets a receiver do, so the in-band detector downstream does not report the key a second time.
//!
//! Sending: each key is `duration` long (default 50 ms, at least 40): one packet per tick with
//! the duration so far, the marker on the first, then the end packet three times (the same
//! duration), all with the timestamp of the tick the key started on; volume 10 (−10 dBm0). Audio
//! is not sent while a key's packets go out (as Asterisk and baresip do); 60 ms of audio separate
//! two keys.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::codec::FRAME_TICKS;
use ringside_model::Tone;

/// Updates may stop for this long before an unfinished event is reported.
pub const END_TIMEOUT: Duration = Duration::from_millis(500);
/// Default key length.
pub const DEFAULT_DURATION_MS: u32 = 50;
/// Shortest key length sent.
pub const MIN_DURATION_MS: u32 = 40;
/// Volume sent, in −dBm0.
pub const VOLUME: u8 = 10;
/// End packets sent per key.
pub const END_PACKETS: u32 = 3;
/// Ticks of audio between two keys.
const GAP_TICKS: u32 = 3;
/// Keys queued at most (more are dropped).
pub const MAX_QUEUED: usize = 64;

/// A telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// Event code (0-15 DTMF, 16 flash).
    pub event: u8,
    /// End bit.
    pub end: bool,
    /// Volume in −dBm0 (0-63).
    pub volume: u8,
    /// Duration in timestamp units.
    pub duration: u16,
}

impl EventPayload {
    /// Parses the first four bytes (longer payloads carry further events, ignored here).
    pub fn parse(payload: &[u8]) -> Option<EventPayload> {
        let b = payload.get(..4)?;
        Some(EventPayload {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3F,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// The four bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }
}

/// The key of an event code.
pub fn tone_of(event: u8) -> Option<Tone> {
    match event {
        0..=15 => Tone::KEYS.get(usize::from(event)).copied(),
        16 => Some(Tone::Flash),
        _ => None,
    }
}

/// A key received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedKey {
    /// The key.
    pub tone: Tone,
    /// How long it was held, in ms.
    pub duration_ms: u32,
}

#[derive(Debug, Clone, Copy)]
struct Current {
    timestamp: u32,
    tone: Tone,
    duration: u16,
    updated: Instant,
}

/// Turns received telephone-event packets into keys.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    clock_rate: u32,
    current: Option<Current>,
    reported: Option<u32>,
}

impl DtmfReceiver {
    /// A receiver for events with this RTP clock rate.
    pub fn new(clock_rate: u32) -> DtmfReceiver {
        DtmfReceiver {
            clock_rate: clock_rate.max(1),
            ..DtmfReceiver::default()
        }
    }

    /// True while an event is playing (its end not yet seen).
    pub fn is_active(&self) -> bool {
        self.current.is_some()
    }

    /// Feeds one packet; calls `report` for each finished key (at most two: a previous event
    /// whose end was lost, and this one).
    pub fn receive(
        &mut self,
        now: Instant,
        timestamp: u32,
        payload: &[u8],
        mut report: impl FnMut(ReceivedKey),
    ) {
        let Some(event) = EventPayload::parse(payload) else {
            return;
        };
        let Some(tone) = tone_of(event.event) else {
            return;
        };
        if self.reported == Some(timestamp) {
            return; // a retransmitted end packet
        }
        if let Some(current) = self.current.filter(|c| c.timestamp != timestamp) {
            self.current = None;
            report(self.finish(current));
        }
        let current = self.current.get_or_insert(Current {
            timestamp,
            tone,
            duration: 0,
            updated: now,
        });
        current.duration = current.duration.max(event.duration);
        current.updated = now;
        if event.end {
            let current = *current;
            self.current = None;
            report(self.finish(current));
        }
    }

    /// Reports an event whose updates stopped [`END_TIMEOUT`] ago.
    pub fn handle_timeout(&mut self, now: Instant, mut report: impl FnMut(ReceivedKey)) {
        if let Some(current) = self.current {
            if now.saturating_duration_since(current.updated) >= END_TIMEOUT {
                self.current = None;
                report(self.finish(current));
            }
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        self.current.map(|c| c.updated + END_TIMEOUT)
    }

    fn finish(&mut self, current: Current) -> ReceivedKey {
        self.reported = Some(current.timestamp);
        ReceivedKey {
            tone: current.tone,
            duration_ms: (u64::from(current.duration) * 1000 / u64::from(self.clock_rate)) as u32,
        }
    }
}

/// One event packet to send this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// The RTP timestamp (the key's start).
    pub timestamp: u32,
    /// Marker bit (first packet of the key).
    pub marker: bool,
    /// The payload.
    pub payload: EventPayload,
}

#[derive(Debug, Clone, Copy)]
enum SendState {
    Idle,
    Playing {
        event: u8,
        timestamp: u32,
        ticks: u32,
        total: u16,
    },
    Ending {
        event: u8,
        timestamp: u32,
        total: u16,
        sent: u32,
    },
    Gap {
        left: u32,
    },
}

/// Queues keys and produces their event packets, one per tick.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    clock_rate: u32,
    queue: VecDeque<(Tone, u32)>,
    state: SendState,
}

impl DtmfSender {
    /// A sender for events with this RTP clock rate.
    pub fn new(clock_rate: u32) -> DtmfSender {
        DtmfSender {
            clock_rate: clock_rate.max(1),
            queue: VecDeque::new(),
            state: SendState::Idle,
        }
    }

    /// Queues keys, each `duration_ms` long (default 50 ms, at least 40, at most 8 s); keys past
    /// [`MAX_QUEUED`] are dropped. Returns how many were queued.
    pub fn send(&mut self, tones: &[Tone], duration_ms: Option<u32>) -> usize {
        let duration = duration_ms
            .unwrap_or(DEFAULT_DURATION_MS)
            .clamp(MIN_DURATION_MS, 8000);
        let room = MAX_QUEUED.saturating_sub(self.queue.len());
        let queued = tones.len().min(room);
        self.queue
            .extend(tones.iter().take(queued).map(|&t| (t, duration)));
        queued
    }

    /// True while keys are queued or playing (including the gap after one).
    pub fn is_busy(&self) -> bool {
        !self.queue.is_empty() || !matches!(self.state, SendState::Idle)
    }

    /// Drops every queued key (the one playing finishes with its end packets).
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// This tick's event packet, if any. `timestamp` is the RTP timestamp of this tick's audio;
    /// when `None` is returned the tick carries audio.
    pub fn next_packet(&mut self, timestamp: u32) -> Option<EventPacket> {
        match self.state {
            SendState::Idle => self.start(timestamp),
            SendState::Playing {
                event,
                timestamp,
                ticks,
                total,
            } => Some(self.playing(event, timestamp, ticks + 1, total)),
            SendState::Ending {
                event,
                timestamp,
                total,
                sent,
            } => Some(self.ending(event, timestamp, total, sent)),
            SendState::Gap { left } => {
                self.state = match left {
                    0 | 1 => SendState::Idle,
                    _ => SendState::Gap { left: left - 1 },
                };
                None
            }
        }
    }

    fn start(&mut self, timestamp: u32) -> Option<EventPacket> {
        let (tone, ms) = self.queue.pop_front()?;
        let total = (u64::from(ms) * u64::from(self.clock_rate) / 1000).min(u64::from(u16::MAX));
        let mut packet = self.playing(tone.event_code(), timestamp, 1, total as u16);
        packet.marker = true;
        Some(packet)
    }

    fn playing(&mut self, event: u8, timestamp: u32, ticks: u32, total: u16) -> EventPacket {
        let so_far = u64::from(ticks) * u64::from(FRAME_TICKS);
        if so_far >= u64::from(total) {
            return self.ending(event, timestamp, total, 0);
        }
        self.state = SendState::Playing {
            event,
            timestamp,
            ticks,
            total,
        };
        EventPacket {
            timestamp,
            marker: false,
            payload: EventPayload {
                event,
                end: false,
                volume: VOLUME,
                duration: so_far as u16,
            },
        }
    }

    fn ending(&mut self, event: u8, timestamp: u32, total: u16, sent: u32) -> EventPacket {
        self.state = if sent + 1 >= END_PACKETS {
            SendState::Gap { left: GAP_TICKS }
        } else {
            SendState::Ending {
                event,
                timestamp,
                total,
                sent: sent + 1,
            }
        };
        EventPacket {
            timestamp,
            marker: false,
            payload: EventPayload {
                event,
                end: true,
                volume: VOLUME,
                duration: total,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packets_for(sender: &mut DtmfSender, ticks: u32) -> Vec<Option<EventPacket>> {
        (0..ticks)
            .map(|t| sender.next_packet(1000 + t * FRAME_TICKS))
            .collect()
    }

    #[test]
    fn a_50_ms_key_is_two_updates_and_three_ends_with_one_timestamp() {
        let mut sender = DtmfSender::new(8000);
        assert_eq!(sender.send(&[Tone::Digit(5)], None), 1);
        let packets = packets_for(&mut sender, 9);
        let sent: Vec<_> = packets.iter().flatten().collect();
        assert_eq!(sent.len(), 5);
        assert!(sent
            .iter()
            .all(|p| p.timestamp == 1000 && p.payload.event == 5));
        assert!(sent.iter().all(|p| p.payload.volume == VOLUME));
        let durations: Vec<_> = sent
            .iter()
            .map(|p| (p.payload.duration, p.payload.end))
            .collect();
        assert_eq!(
            durations,
            vec![
                (160, false),
                (320, false),
                (400, true),
                (400, true),
                (400, true)
            ]
        );
        let markers: Vec<_> = sent.iter().map(|p| p.marker).collect();
        assert_eq!(markers, vec![true, false, false, false, false]);
        // Then a 60 ms gap of audio, and idle.
        assert_eq!(&packets[5..], &[None, None, None, None]);
        assert!(!sender.is_busy());
    }

    #[test]
    fn keys_follow_each_other_after_the_gap_with_their_own_timestamp() {
        let mut sender = DtmfSender::new(8000);
        sender.send(&[Tone::Digit(1), Tone::Pound], Some(100));
        let packets = packets_for(&mut sender, 20);
        let firsts: Vec<_> = packets
            .iter()
            .enumerate()
            .filter_map(|(tick, p)| {
                p.filter(|p| p.marker)
                    .map(|p| (tick, p.timestamp, p.payload.event))
            })
            .collect();
        // 100 ms: 4 updates + 3 ends = 7 ticks, then 3 ticks of gap.
        assert_eq!(firsts, vec![(0, 1000, 1), (10, 1000 + 10 * 160, 11)]);
        assert_eq!(packets[4].unwrap().payload.duration, 800);
        assert!(packets[4].unwrap().payload.end);
    }

    #[test]
    fn the_receiver_reports_each_key_once_with_its_duration() {
        let mut sender = DtmfSender::new(8000);
        sender.send(&[Tone::Digit(7), Tone::Star], Some(120));
        let mut receiver = DtmfReceiver::new(8000);
        let start = Instant::now();
        let mut keys = Vec::new();
        for tick in 0..30u32 {
            let now = start + Duration::from_millis(u64::from(tick) * 20);
            if let Some(p) = sender.next_packet(tick * 160) {
                receiver.receive(now, p.timestamp, &p.payload.to_bytes(), |k| keys.push(k));
            }
        }
        assert_eq!(
            keys,
            vec![
                ReceivedKey {
                    tone: Tone::Digit(7),
                    duration_ms: 120
                },
                ReceivedKey {
                    tone: Tone::Star,
                    duration_ms: 120
                },
            ]
        );
    }

    #[test]
    fn a_lost_end_is_reported_by_the_next_event_or_the_timeout() {
        let mut receiver = DtmfReceiver::new(8000);
        let start = Instant::now();
        let update = |event: u8, duration: u16| {
            EventPayload {
                event,
                end: false,
                volume: 10,
                duration,
            }
            .to_bytes()
        };
        let mut keys = Vec::new();
        receiver.receive(start, 100, &update(1, 160), |k| keys.push(k));
        receiver.receive(start, 100, &update(1, 320), |k| keys.push(k));
        assert!(receiver.is_active());
        receiver.receive(start, 900, &update(2, 160), |k| keys.push(k));
        assert_eq!(
            keys,
            vec![ReceivedKey {
                tone: Tone::Digit(1),
                duration_ms: 40
            }]
        );
        receiver.handle_timeout(start + Duration::from_millis(100), |k| keys.push(k));
        assert_eq!(keys.len(), 1);
        assert_eq!(receiver.deadline(), Some(start + END_TIMEOUT));
        receiver.handle_timeout(start + END_TIMEOUT, |k| keys.push(k));
        assert_eq!(
            keys[1],
            ReceivedKey {
                tone: Tone::Digit(2),
                duration_ms: 20
            }
        );
        assert!(!receiver.is_active());
        // Garbage and unknown events are ignored.
        receiver.receive(start, 5, &[1, 2], |k| keys.push(k));
        receiver.receive(start, 6, &update(200, 160), |k| keys.push(k));
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn the_queue_is_bounded_and_durations_clamped() {
        let mut sender = DtmfSender::new(8000);
        let many = vec![Tone::Digit(0); 100];
        assert_eq!(sender.send(&many, Some(1)), MAX_QUEUED);
        let first = sender.next_packet(0).unwrap();
        // 40 ms minimum: the first update (20 ms), then the end at 320.
        assert_eq!(first.payload.duration, 160);
        let second = sender.next_packet(160).unwrap();
        assert_eq!((second.payload.duration, second.payload.end), (320, true));
        sender.clear();
        assert!(sender.is_busy(), "the playing key still ends");
    }

    #[test]
    fn payload_bytes_follow_rfc_4733() {
        let p = EventPayload {
            event: 11,
            end: true,
            volume: 10,
            duration: 400,
        };
        assert_eq!(p.to_bytes(), [11, 0x8A, 0x01, 0x90]);
        assert_eq!(EventPayload::parse(&p.to_bytes()), Some(p));
        assert_eq!(tone_of(16), Some(Tone::Flash));
        assert_eq!(tone_of(10), Some(Tone::Star));
    }
}
