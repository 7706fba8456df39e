//! Uploaded media: WAV files kept as `<data-dir>/media/<id>.wav`, validated with the audio crate's
//! reader on upload, and decoded once (to 16 kHz mono) into a bounded in-memory cache keyed by id.
//! Also resolves engine [`MediaRef`]s (`ringside-media:<id>`, `/ringside/v1/media/<id>`, or a URL
//! ending in that path) to decoded prompts.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rand::RngCore;
use ringside_audio::{wav, Prompt, WavError};
use ringside_engine::MediaRef;

/// Largest accepted upload (bytes).
pub const MAX_UPLOAD_BYTES: usize = 32 << 20;
/// Decoded prompts kept in memory.
const CACHE_ENTRIES: usize = 64;

/// What an upload holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaInfo {
    pub id: String,
    pub duration_ms: u64,
    pub sample_rate: u32,
    pub channels: u16,
    pub bytes: usize,
}

/// Why media could not be stored or found.
#[derive(Debug)]
pub enum MediaError {
    /// The WAV file is corrupt, truncated, too long or unsupported.
    Wav(WavError),
    /// The file could not be written or read.
    Io(std::io::Error),
}

impl std::fmt::Display for MediaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaError::Wav(error) => write!(f, "{error}"),
            MediaError::Io(error) => write!(f, "{error}"),
        }
    }
}

struct Cached {
    info: MediaInfo,
    prompt: Arc<Prompt>,
}

/// The media directory and its decode cache. Cheap to share (`Arc`).
pub struct MediaStore {
    dir: PathBuf,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Arc<Cached>>,
    order: VecDeque<String>,
}

impl Cache {
    fn insert(&mut self, id: String, cached: Arc<Cached>) {
        if self.entries.insert(id.clone(), cached).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > CACHE_ENTRIES {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }
}

impl MediaStore {
    /// A store in `<data_dir>/media` (created on first upload).
    pub fn new(data_dir: &Path) -> MediaStore {
        MediaStore {
            dir: data_dir.join("media"),
            cache: Mutex::new(Cache::default()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        match self.cache.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Validates, decodes and stores a WAV file; returns its id and facts.
    pub fn upload(&self, bytes: &[u8]) -> Result<MediaInfo, MediaError> {
        let mut raw = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let id: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let cached = decode(&id, bytes).map_err(MediaError::Wav)?;
        std::fs::create_dir_all(&self.dir).map_err(MediaError::Io)?;
        std::fs::write(self.path(&id), bytes).map_err(MediaError::Io)?;
        let info = cached.info.clone();
        self.cache().insert(id, Arc::new(cached));
        Ok(info)
    }

    /// Stores 16 kHz mono samples made here (a simulated caller's synthesised speech) under `id`,
    /// as an upload would be stored.
    pub fn store(&self, id: &str, samples: &[i16]) -> Result<MediaInfo, MediaError> {
        let bytes = ringside_audio::wav::encode_pcm16(ringside_audio::SAMPLE_RATE, 1, samples)
            .map_err(MediaError::Wav)?;
        let cached = decode(id, &bytes).map_err(MediaError::Wav)?;
        std::fs::create_dir_all(&self.dir).map_err(MediaError::Io)?;
        std::fs::write(self.path(id), &bytes).map_err(MediaError::Io)?;
        let info = cached.info.clone();
        self.cache().insert(id.to_string(), Arc::new(cached));
        Ok(info)
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.wav"))
    }

    /// The decoded media with this id: from the cache, or read from disk and decoded once.
    /// `None` when there is no such upload (or the id is not a valid id).
    fn load(&self, id: &str) -> Option<Result<Arc<Cached>, MediaError>> {
        if crate::behaviour::parse_media_id(id).ok().as_deref() != Some(id) {
            return None;
        }
        if let Some(cached) = self.cache().entries.get(id) {
            return Some(Ok(cached.clone()));
        }
        let bytes = match std::fs::read(self.path(id)) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => return Some(Err(MediaError::Io(error))),
        };
        Some(match decode(id, &bytes) {
            Ok(cached) => {
                let cached = Arc::new(cached);
                self.cache().insert(id.to_string(), cached.clone());
                Ok(cached)
            }
            Err(error) => Err(MediaError::Wav(error)),
        })
    }

    /// Facts about an upload.
    pub fn info(&self, id: &str) -> Option<Result<MediaInfo, MediaError>> {
        self.load(id).map(|r| r.map(|c| c.info.clone()))
    }

    /// Whether an upload exists (without decoding it).
    pub fn exists(&self, id: &str) -> bool {
        crate::behaviour::parse_media_id(id).ok().as_deref() == Some(id)
            && (self.cache().entries.contains_key(id) || self.path(id).is_file())
    }

    /// The decoded prompt of an upload.
    pub fn prompt(&self, id: &str) -> Option<Result<Arc<Prompt>, MediaError>> {
        self.load(id).map(|r| r.map(|c| c.prompt.clone()))
    }

    /// Resolves an engine media reference: an uploaded id (by URI or by cache key). `None` for
    /// anything else (https URLs come with the Graph door).
    pub fn resolve(&self, media: &MediaRef) -> Option<Arc<Prompt>> {
        let from_uri = upload_id(&media.uri);
        let id = from_uri.or_else(|| media.cache_key.as_deref().and_then(upload_id))?;
        self.prompt(&id)?.ok()
    }
}

/// The upload id a URI names: `ringside-media:<id>`, `/ringside/v1/media/<id>`, or an absolute
/// URL whose path is `/ringside/v1/media/<id>`.
pub fn upload_id(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let rest = if let Some(rest) = uri.strip_prefix("ringside-media:") {
        rest
    } else {
        let path = match uri.find("://") {
            Some(scheme_end) => {
                let after = &uri[scheme_end + 3..];
                &after[after.find('/')?..]
            }
            None => uri,
        };
        path.strip_prefix("/ringside/v1/media/")?
    };
    let rest = rest.trim_end_matches(".wav");
    crate::behaviour::parse_media_id(rest).ok()
}

fn decode(id: &str, bytes: &[u8]) -> Result<Cached, WavError> {
    let decoded = wav::decode(bytes)?;
    let (sample_rate, channels) = (decoded.sample_rate, decoded.channels);
    let prompt = Prompt::from_wav(bytes)?;
    Ok(Cached {
        info: MediaInfo {
            id: id.to_string(),
            duration_ms: prompt.duration_ms(),
            sample_rate,
            channels,
            bytes: bytes.len(),
        },
        prompt: Arc::new(prompt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav_bytes(rate: u32, channels: u16, seconds: f32) -> Vec<u8> {
        let frames = (rate as f32 * seconds) as usize;
        let samples: Vec<f32> = (0..frames * usize::from(channels))
            .map(|i| ((i as f32) * 0.05).sin() * 0.5)
            .collect();
        let spec = ringside_audio::WavSpec {
            sample_rate: rate,
            channels,
            format: ringside_audio::SampleFormat::I16,
            extensible: false,
        };
        wav::encode(spec, &samples).expect("encode")
    }

    #[test]
    fn uploads_are_stored_decoded_and_resolved_by_every_spelling() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = MediaStore::new(dir.path());
        let info = store.upload(&wav_bytes(48_000, 2, 0.5)).expect("upload");
        assert_eq!((info.sample_rate, info.channels), (48_000, 2));
        assert_eq!(info.duration_ms, 500);
        assert!(store.exists(&info.id));
        // A fresh store (restart) decodes from disk.
        let again = MediaStore::new(dir.path());
        assert_eq!(again.info(&info.id).expect("found").expect("decodes"), info);
        for uri in [
            format!("ringside-media:{}", info.id),
            format!("/ringside/v1/media/{}", info.id),
            format!("https://127.0.0.1:8443/ringside/v1/media/{}", info.id),
        ] {
            assert!(
                again.resolve(&MediaRef::uri(uri.clone())).is_some(),
                "{uri}"
            );
        }
        let keyed = MediaRef {
            uri: "https://example.com/x.wav".into(),
            cache_key: Some(format!("ringside-media:{}", info.id)),
        };
        assert!(again.resolve(&keyed).is_some());
        assert!(again
            .resolve(&MediaRef::uri("https://example.com/x.wav"))
            .is_none());
        assert!(again.info("../../etc/passwd").is_none());
        assert!(again.info("0123").is_none());
    }

    #[test]
    fn corrupt_uploads_are_refused_with_the_reader_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = MediaStore::new(dir.path());
        let mut bytes = wav_bytes(16_000, 1, 0.1);
        bytes.truncate(30);
        match store.upload(&bytes) {
            Err(MediaError::Wav(error)) => assert!(!error.to_string().is_empty()),
            other => panic!("expected a WAV error, got {other:?}"),
        }
        assert!(matches!(store.upload(b"hello"), Err(MediaError::Wav(_))));
    }
}
