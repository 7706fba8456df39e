//! Content-addressed prompt cache: synthesised audio keyed by the SHA-256 of everything that shapes
//! it, kept in memory (least recently used first out, capped in bytes) and optionally in a
//! directory as `<key>.wav` (16 kHz mono PCM16, readable by any tool), which survives restarts.
//!
//! A hit costs a hash and a map lookup: the audio is shared as `Arc<[i16]>`. (The LRU is a map
//! plus a use-ordered index rather than the `lru` crate, whose `pop` has an open soundness
//! advisory that `scripts/deny.sh` rejects.)

use crate::SpeechError;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Bumped when synthesis changes so that old directory entries are not reused.
const FORMAT_VERSION: &str = "ringside-speech-tts-1";

/// A cache key: SHA-256 over the request's content, voice, locale and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(pub [u8; 32]);

impl CacheKey {
    /// Hashes each part length-prefixed (so `("ab","c")` and `("a","bc")` differ).
    pub fn of(parts: &[&str]) -> CacheKey {
        let mut hasher = Sha256::new();
        hasher.update(FORMAT_VERSION.as_bytes());
        for part in parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        CacheKey(hasher.finalize().into())
    }

    /// Lower-case hex, the directory entry's stem.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Entries with the tick of their last use, and the ticks in use order.
#[derive(Default)]
struct Memory {
    entries: HashMap<CacheKey, (Arc<[i16]>, u64)>,
    by_use: BTreeMap<u64, CacheKey>,
    tick: u64,
    bytes: usize,
}

impl Memory {
    fn get(&mut self, key: &CacheKey) -> Option<Arc<[i16]>> {
        self.tick += 1;
        let (samples, used) = self.entries.get_mut(key)?;
        self.by_use.remove(used);
        *used = self.tick;
        self.by_use.insert(self.tick, *key);
        Some(Arc::clone(samples))
    }

    fn put(&mut self, key: CacheKey, samples: Arc<[i16]>) {
        self.tick += 1;
        self.bytes += samples.len() * 2;
        if let Some((old, used)) = self.entries.insert(key, (samples, self.tick)) {
            self.bytes -= old.len() * 2;
            self.by_use.remove(&used);
        }
        self.by_use.insert(self.tick, key);
    }

    fn evict_until(&mut self, cap_bytes: usize) {
        while self.bytes > cap_bytes {
            let Some((_, key)) = self.by_use.pop_first() else {
                break;
            };
            if let Some((evicted, _)) = self.entries.remove(&key) {
                self.bytes -= evicted.len() * 2;
            }
        }
    }
}

/// The cache; share it behind an `Arc` (it locks internally).
pub struct PromptCache {
    memory: Mutex<Memory>,
    cap_bytes: usize,
    dir: Option<PathBuf>,
}

impl PromptCache {
    /// A cache holding at most `cap_bytes` of audio in memory, and every entry in `dir` if given
    /// (created if missing).
    pub fn new(cap_bytes: usize, dir: Option<&Path>) -> Result<PromptCache, SpeechError> {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| SpeechError::Cache(format!("{}: {e}", dir.display())))?;
        }
        Ok(PromptCache {
            memory: Mutex::new(Memory::default()),
            cap_bytes,
            dir: dir.map(Path::to_path_buf),
        })
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The audio for `key`, from memory or else from the directory (then kept in memory).
    pub fn get(&self, key: &CacheKey) -> Option<Arc<[i16]>> {
        if let Some(hit) = self.memory().get(key) {
            return Some(hit);
        }
        let samples = self.read_file(key)?;
        self.remember(*key, Arc::clone(&samples));
        Some(samples)
    }

    /// Stores the audio for `key` in memory and, if configured, in the directory (a failed write
    /// is ignored: the directory is an optimisation).
    pub fn put(&self, key: CacheKey, samples: Arc<[i16]>) {
        self.write_file(&key, &samples);
        self.remember(key, samples);
    }

    fn remember(&self, key: CacheKey, samples: Arc<[i16]>) {
        let size = samples.len() * 2;
        if size > self.cap_bytes {
            return;
        }
        let mut memory = self.memory();
        memory.put(key, samples);
        memory.evict_until(self.cap_bytes);
    }

    /// Bytes of audio held in memory.
    pub fn memory_bytes(&self) -> usize {
        self.memory().bytes
    }

    /// Entries held in memory.
    pub fn len(&self) -> usize {
        self.memory().entries.len()
    }

    /// True if nothing is held in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn path(&self, key: &CacheKey) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{}.wav", key.hex())))
    }

    fn read_file(&self, key: &CacheKey) -> Option<Arc<[i16]>> {
        let bytes = std::fs::read(self.path(key)?).ok()?;
        let wav = ringside_audio::wav::decode(&bytes).ok()?;
        if wav.sample_rate != ringside_audio::SAMPLE_RATE {
            return None;
        }
        let samples: Vec<i16> = wav
            .samples
            .iter()
            .map(|s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect();
        Some(samples.into())
    }

    fn write_file(&self, key: &CacheKey, samples: &[i16]) {
        let Some(path) = self.path(key) else { return };
        let Ok(bytes) = ringside_audio::wav::encode_pcm16(ringside_audio::SAMPLE_RATE, 1, samples)
        else {
            return;
        };
        // Write then rename, so a reader never sees half a file.
        let partial = path.with_extension("wav.partial");
        if std::fs::write(&partial, bytes).is_ok() && std::fs::rename(&partial, &path).is_err() {
            let _ = std::fs::remove_file(&partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(len: usize, value: i16) -> Arc<[i16]> {
        vec![value; len].into()
    }

    #[test]
    fn keys_depend_on_every_part_and_its_boundaries() {
        let a = CacheKey::of(&["text", "hello", "en-US-JennyNeural", "en-US", "1"]);
        assert_eq!(
            a,
            CacheKey::of(&["text", "hello", "en-US-JennyNeural", "en-US", "1"])
        );
        assert_ne!(
            a,
            CacheKey::of(&["text", "hello", "en-US-GuyNeural", "en-US", "1"])
        );
        assert_ne!(
            a,
            CacheKey::of(&["text", "hello", "en-US-JennyNeural", "en-US", "1.2"])
        );
        assert_ne!(CacheKey::of(&["ab", "c"]), CacheKey::of(&["a", "bc"]));
        assert_eq!(a.hex().len(), 64);
    }

    #[test]
    fn memory_is_capped_and_evicts_least_recently_used() {
        let cache = PromptCache::new(1000, None).expect("cache");
        let (k1, k2, k3) = (
            CacheKey::of(&["1"]),
            CacheKey::of(&["2"]),
            CacheKey::of(&["3"]),
        );
        cache.put(k1, audio(200, 1));
        cache.put(k2, audio(200, 2));
        assert!(cache.get(&k1).is_some()); // k1 is now the most recent
        cache.put(k3, audio(200, 3)); // 1200 bytes > 1000: k2 goes
        assert!(cache.get(&k2).is_none());
        assert_eq!(cache.get(&k1).as_deref(), Some(&[1i16; 200][..]));
        assert_eq!(cache.memory_bytes(), 800);
        cache.put(CacheKey::of(&["big"]), audio(600, 4)); // larger than the cap: not kept
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn directory_entries_survive_a_new_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = CacheKey::of(&["persist"]);
        let samples: Arc<[i16]> = vec![0, 1, -1, 32767, -32768, 1234].into();
        PromptCache::new(1 << 20, Some(dir.path()))
            .expect("cache")
            .put(key, Arc::clone(&samples));
        let fresh = PromptCache::new(1 << 20, Some(dir.path())).expect("cache");
        assert_eq!(fresh.get(&key).as_deref(), Some(&samples[..]));
        assert!(fresh.get(&CacheKey::of(&["absent"])).is_none());
        assert!(dir.path().join(format!("{}.wav", key.hex())).is_file());
    }
}
