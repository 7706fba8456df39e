//! A recording's waveform, computed by the server: for each channel, the lowest and highest sample
//! (in [-1, 1]) of each of `width` pixel columns, read in one pass over the WAV with `hound`.
//! [`Waveforms`] keeps the latest [`CACHED`] results by recording and width (a recording's file
//! never changes under its id).

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Widest waveform served, pixel columns.
pub const MAX_WIDTH: u32 = 4_096;
/// Waveforms kept.
pub const CACHED: usize = 64;

/// One channel's peaks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Peaks {
    pub min: Vec<f32>,
    pub max: Vec<f32>,
}

/// A recording's waveform.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waveform {
    /// Columns (the width asked for, or fewer for a recording with fewer sample frames).
    pub width: u32,
    pub sample_rate: u32,
    /// Sample frames in the file.
    pub frames: u64,
    pub channels: Vec<Peaks>,
}

/// Reads `path` and computes its waveform at `width` columns.
pub fn compute(path: &Path, width: u32) -> Result<Waveform, hound::Error> {
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let frames = u64::from(reader.duration());
    let width = width.clamp(1, MAX_WIDTH).min(frames.max(1) as u32);
    let columns = width as usize;
    let mut peaks = vec![
        Peaks {
            min: vec![0.0; columns],
            max: vec![0.0; columns],
        };
        channels
    ];
    let mut fold = |index: u64, value: f32| {
        let frame = index / channels as u64;
        let channel = (index % channels as u64) as usize;
        let column = ((frame * u64::from(width)) / frames.max(1)) as usize;
        if let Some(peaks) = peaks.get_mut(channel) {
            if let (Some(low), Some(high)) = (peaks.min.get_mut(column), peaks.max.get_mut(column))
            {
                *low = low.min(value);
                *high = high.max(value);
            }
        }
    };
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for (index, sample) in reader.samples::<f32>().enumerate() {
                fold(index as u64, sample?.clamp(-1.0, 1.0));
            }
        }
        hound::SampleFormat::Int => {
            let scale = (1u64 << spec.bits_per_sample.clamp(1, 32).saturating_sub(1)) as f32;
            for (index, sample) in reader.samples::<i32>().enumerate() {
                fold(index as u64, (sample? as f32 / scale).clamp(-1.0, 1.0));
            }
        }
    }
    for channel in &mut peaks {
        round(&mut channel.min);
        round(&mut channel.max);
    }
    Ok(Waveform {
        width,
        sample_rate: spec.sample_rate,
        frames,
        channels: peaks,
    })
}

/// Three decimals are plenty for a picture (and keep the JSON small).
fn round(values: &mut [f32]) {
    for value in values {
        *value = (*value * 1000.0).round() / 1000.0;
    }
}

/// Computed waveforms by recording id and width.
#[derive(Default)]
pub struct Waveforms {
    inner: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    by_key: HashMap<(String, u32), Arc<Waveform>>,
    order: VecDeque<(String, u32)>,
}

impl Waveforms {
    /// The cached waveform of `id` at `width`.
    pub fn get(&self, id: &str, width: u32) -> Option<Arc<Waveform>> {
        self.lock().by_key.get(&(id.to_string(), width)).cloned()
    }

    /// Keeps a computed waveform (the oldest goes beyond [`CACHED`]).
    pub fn put(&self, id: &str, width: u32, waveform: Arc<Waveform>) {
        let mut cache = self.lock();
        let key = (id.to_string(), width);
        if cache.by_key.insert(key.clone(), waveform).is_none() {
            cache.order.push_back(key);
        }
        while cache.order.len() > CACHED {
            if let Some(oldest) = cache.order.pop_front() {
                cache.by_key.remove(&oldest);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, channels: u16, frames: &[&[i16]]) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).expect("create");
        for frame in frames {
            for sample in *frame {
                writer.write_sample(*sample).expect("sample");
            }
        }
        writer.finalize().expect("finalize");
    }

    #[test]
    fn each_channel_gets_its_min_and_max_per_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.wav");
        // Four frames, two channels: channel 0 loud then silent, channel 1 silent then loud.
        write(
            &path,
            2,
            &[&[16_384, 0], &[-32_768, 0], &[0, 8_192], &[0, -8_192]],
        );
        let waveform = compute(&path, 2).expect("waveform");
        assert_eq!((waveform.width, waveform.frames), (2, 4));
        assert_eq!(waveform.channels.len(), 2);
        assert_eq!(waveform.channels[0].max, vec![0.5, 0.0]);
        assert_eq!(waveform.channels[0].min, vec![-1.0, 0.0]);
        assert_eq!(waveform.channels[1].max, vec![0.0, 0.25]);
        assert_eq!(waveform.channels[1].min, vec![0.0, -0.25]);
        // Wider than the file: one column a frame.
        assert_eq!(compute(&path, 800).expect("waveform").width, 4);
    }

    #[test]
    fn a_file_that_is_no_wav_is_an_error_and_an_empty_one_is_flat() {
        let dir = tempfile::tempdir().expect("tempdir");
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"not a wav").expect("write");
        assert!(compute(&junk, 10).is_err());
        let empty = dir.path().join("empty.wav");
        write(&empty, 1, &[]);
        let waveform = compute(&empty, 10).expect("waveform");
        assert_eq!(waveform.width, 1);
        assert_eq!(waveform.channels[0].max, vec![0.0]);
    }

    #[test]
    fn the_cache_keeps_the_newest() {
        let cache = Waveforms::default();
        let waveform = Arc::new(Waveform {
            width: 1,
            sample_rate: 16_000,
            frames: 0,
            channels: Vec::new(),
        });
        for i in 0..=CACHED {
            cache.put(&format!("r{i}"), 1, waveform.clone());
        }
        assert!(cache.get("r0", 1).is_none());
        assert!(cache.get(&format!("r{CACHED}"), 1).is_some());
        assert!(cache.get("r1", 2).is_none());
    }
}
