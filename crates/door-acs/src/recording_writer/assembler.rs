//! Channel assignment and tick assembly for a recording (sans-IO): which participant takes which
//! channel (unmixed: `channelAffinity` first, then `audioChannelParticipantOrdering`, then in
//! order of appearance, at most five; mixed: one channel) and each 20 ms tick's block of samples.

use std::collections::HashMap;

use ringside_audio::FRAME_SAMPLES;
use ringside_engine::LegId;
use ringside_media::{StreamFrame, MAX_RECORDING_CHANNELS};

use super::{ChannelType, Job};

/// Channel assignment and tick assembly (sans-IO).
#[derive(Debug)]
pub(crate) struct Assembler {
    channel_type: ChannelType,
    /// channel → leg.
    assigned: Vec<Option<LegId>>,
    /// channel → rawId a participant must have to take it.
    reserved: Vec<Option<String>>,
    names: HashMap<LegId, String>,
    /// Frames of the tick being assembled: its timestamp and (leg, samples).
    tick: Option<u64>,
    frames: Vec<(Option<LegId>, Vec<i16>)>,
    /// Channel count of each written tick, as (first tick, count) changes.
    pub(crate) layout: Vec<(u64, usize)>,
    pub(crate) ticks: u64,
}

impl Assembler {
    pub(crate) fn new(job: &Job) -> Assembler {
        let mut reserved: Vec<Option<String>> = vec![None; MAX_RECORDING_CHANNELS];
        for (channel, raw) in &job.affinity {
            if let Some(slot) = reserved.get_mut(*channel) {
                *slot = Some(raw.clone());
            }
        }
        for raw in &job.ordering {
            if reserved.iter().flatten().any(|r| r == raw) {
                continue;
            }
            if let Some(slot) = reserved.iter_mut().find(|s| s.is_none()) {
                *slot = Some(raw.clone());
            }
        }
        Assembler {
            channel_type: job.channel_type,
            assigned: vec![None; MAX_RECORDING_CHANNELS],
            reserved,
            names: job.names.iter().cloned().collect(),
            tick: None,
            frames: Vec::new(),
            layout: Vec::new(),
            ticks: 0,
        }
    }

    pub(crate) fn name(&mut self, leg: LegId, name: String) {
        self.names.insert(leg, name);
    }

    /// Channels in use so far.
    pub(crate) fn channels(&self) -> usize {
        match self.channel_type {
            ChannelType::Mixed => 1,
            ChannelType::Unmixed => self
                .assigned
                .iter()
                .rposition(Option::is_some)
                .map_or(1, |i| i + 1),
        }
    }

    /// Participants and their channels (unmixed) or every participant heard (mixed).
    pub(crate) fn participants(&self) -> Vec<(Option<usize>, String)> {
        match self.channel_type {
            ChannelType::Unmixed => self
                .assigned
                .iter()
                .enumerate()
                .filter_map(|(i, leg)| leg.map(|l| (Some(i), self.name_of(l))))
                .collect(),
            ChannelType::Mixed => {
                let mut names: Vec<String> = self.names.values().cloned().collect();
                names.sort();
                names.into_iter().map(|n| (None, n)).collect()
            }
        }
    }

    fn name_of(&self, leg: LegId) -> String {
        self.names
            .get(&leg)
            .cloned()
            .unwrap_or_else(|| leg.to_string())
    }

    fn channel_of(&mut self, leg: LegId) -> Option<usize> {
        if let Some(i) = self.assigned.iter().position(|a| *a == Some(leg)) {
            return Some(i);
        }
        let name = self.names.get(&leg).cloned();
        let slot = name
            .as_ref()
            .and_then(|n| self.reserved.iter().position(|r| r.as_ref() == Some(n)))
            .filter(|i| self.assigned.get(*i).is_some_and(Option::is_none))
            .or_else(|| {
                (0..MAX_RECORDING_CHANNELS).find(|i| {
                    self.assigned.get(*i).is_some_and(Option::is_none)
                        && self.reserved.get(*i).is_some_and(Option::is_none)
                })
            })?;
        if let Some(a) = self.assigned.get_mut(slot) {
            *a = Some(leg);
        }
        Some(slot)
    }

    /// Adds a frame; returns the previous tick's block (channel-major, `channels × 320`
    /// samples) when this frame starts a new tick and `keep` says the previous one is recorded.
    pub(crate) fn push(&mut self, frame: StreamFrame, keep: bool) -> Option<Vec<i16>> {
        let block = if self.tick.is_some_and(|t| t != frame.timestamp_ms) {
            self.flush(keep)
        } else {
            None
        };
        self.tick = Some(frame.timestamp_ms);
        self.frames.push((frame.participant, frame.samples));
        block
    }

    /// Ends the tick being assembled; its block when `keep`.
    pub(crate) fn flush(&mut self, keep: bool) -> Option<Vec<i16>> {
        self.tick = None;
        let frames = std::mem::take(&mut self.frames);
        if !keep || frames.is_empty() {
            return None;
        }
        let mut placed: Vec<(usize, Vec<i16>)> = Vec::with_capacity(frames.len());
        for (leg, samples) in frames {
            let channel = match (self.channel_type, leg) {
                (ChannelType::Mixed, _) | (_, None) => Some(0),
                (ChannelType::Unmixed, Some(leg)) => self.channel_of(leg),
            };
            if let Some(c) = channel {
                placed.push((c, samples));
            }
        }
        let channels = self.channels();
        let mut block = vec![0i16; channels * FRAME_SAMPLES];
        for (c, samples) in placed {
            if let Some(dst) = block.get_mut(c * FRAME_SAMPLES..(c + 1) * FRAME_SAMPLES) {
                for (d, s) in dst.iter_mut().zip(samples.iter()) {
                    *d = *s;
                }
            }
        }
        if self.layout.last().map(|(_, n)| *n) != Some(channels) {
            self.layout.push((self.ticks, channels));
        }
        self.ticks += 1;
        Some(block)
    }
}
