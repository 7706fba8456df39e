//! The node's index of finished recordings, whatever made them: recordResponse WAVs (the
//! [`RecordingStore`](super::RecordingStore) registers each one it stores, and those of earlier
//! runs when it opens) and ACS call recordings (the ACS door registers each file it finishes).
//! Each [`Entry`] says where the WAV is, which call and leg it belongs to, when it started, how
//! long it is and how many channels it has; a new one is announced to every
//! [`RecordingIndex::subscribe`]r (the console's `recording.ready`). Bounded: the oldest entries
//! are forgotten (not deleted) beyond [`KEPT`].
//!
//! Everything serving one data directory in a process shares one index ([`shared`]), so a door
//! can register without being handed the store.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use tokio::sync::broadcast;

/// Entries kept (the oldest registered is forgotten first).
pub const KEPT: usize = 5_000;
/// Announcements a slow subscriber may fall behind.
const ANNOUNCED: usize = 256;

/// What made a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A Graph bot's recordResponse.
    RecordResponse,
    /// An ACS call recording.
    CallRecording,
}

impl Kind {
    /// `recordResponse` / `callRecording`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RecordResponse => "recordResponse",
            Kind::CallRecording => "callRecording",
        }
    }

    /// The call-control dialect that asked for it: `graph` / `acs`.
    pub fn dialect(self) -> &'static str {
        match self {
            Kind::RecordResponse => "graph",
            Kind::CallRecording => "acs",
        }
    }
}

/// One finished recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique in the index (a recordResponse id, or an ACS document id).
    pub id: String,
    pub kind: Kind,
    /// The WAV file.
    pub path: PathBuf,
    /// The conversation (the console's call id), when known.
    pub call: Option<String>,
    /// The leg it was made on (the bot's leg; for ACS, the connection), when known.
    pub leg: Option<String>,
    /// When recording started, Unix milliseconds.
    pub started_unix_ms: u64,
    pub duration_ms: u64,
    pub channels: u16,
    /// The WAV's size.
    pub bytes: u64,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<String, Arc<Entry>>,
    order: VecDeque<String>,
}

/// The index. Cheap to share (`Arc`).
pub struct RecordingIndex {
    inner: Mutex<Inner>,
    ready: broadcast::Sender<Arc<Entry>>,
}

impl Default for RecordingIndex {
    fn default() -> RecordingIndex {
        RecordingIndex {
            inner: Mutex::new(Inner::default()),
            ready: broadcast::channel(ANNOUNCED).0,
        }
    }
}

impl RecordingIndex {
    /// Adds (or replaces) an entry and announces it.
    pub fn register(&self, entry: Entry) {
        let entry = Arc::new(entry);
        {
            let mut inner = self.lock();
            if inner
                .by_id
                .insert(entry.id.clone(), entry.clone())
                .is_none()
            {
                inner.order.push_back(entry.id.clone());
            }
            while inner.order.len() > KEPT {
                if let Some(oldest) = inner.order.pop_front() {
                    inner.by_id.remove(&oldest);
                }
            }
        }
        let _ = self.ready.send(entry);
    }

    /// Forgets an entry (its file was deleted).
    pub fn forget(&self, id: &str) {
        let mut inner = self.lock();
        if inner.by_id.remove(id).is_some() {
            inner.order.retain(|kept| kept != id);
        }
    }

    /// An entry, if its file is still there.
    pub fn get(&self, id: &str) -> Option<Arc<Entry>> {
        let entry = self.lock().by_id.get(id).cloned()?;
        if entry.path.is_file() {
            Some(entry)
        } else {
            self.forget(id);
            None
        }
    }

    /// Every entry whose file is still there, newest first (entries whose file is gone are
    /// forgotten).
    pub fn list(&self) -> Vec<Arc<Entry>> {
        let all: Vec<Arc<Entry>> = self.lock().by_id.values().cloned().collect();
        let (mut kept, gone): (Vec<_>, Vec<_>) = all.into_iter().partition(|e| e.path.is_file());
        for entry in gone {
            self.forget(&entry.id);
        }
        kept.sort_by(|a, b| (b.started_unix_ms, &b.id).cmp(&(a.started_unix_ms, &a.id)));
        kept
    }

    /// Every entry registered from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Entry>> {
        self.ready.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The index of everything serving `data_dir` in this process (made on first use, dropped when
/// nobody holds it).
pub fn shared(data_dir: &Path) -> Arc<RecordingIndex> {
    static INDEXES: OnceLock<Mutex<HashMap<PathBuf, Weak<RecordingIndex>>>> = OnceLock::new();
    let key = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let mut indexes = INDEXES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    indexes.retain(|_, index| index.strong_count() > 0);
    if let Some(index) = indexes.get(&key).and_then(Weak::upgrade) {
        return index;
    }
    let index = Arc::new(RecordingIndex::default());
    indexes.insert(key, Arc::downgrade(&index));
    index
}

/// Channels and duration (ms) of a 16-bit PCM WAV from its canonical 44-byte header and its
/// size; `(0, 0)` when the header is not one.
pub fn wav_shape(header: &[u8], bytes: u64) -> (u16, u64) {
    let u16_at = |at: usize| {
        header
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        header
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    match (u16_at(22), u32_at(24), u16_at(34)) {
        (Some(channels), Some(rate), Some(bits)) if channels > 0 && rate > 0 && bits >= 8 => {
            let per_ms = u64::from(rate) * u64::from(channels) * u64::from(bits / 8);
            (channels, bytes.saturating_sub(44) * 1000 / per_ms.max(1))
        }
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(dir: &Path, id: &str, started: u64) -> Entry {
        let path = dir.join(format!("{id}.wav"));
        std::fs::write(&path, b"RIFF").expect("write");
        Entry {
            id: id.into(),
            kind: Kind::CallRecording,
            path,
            call: Some("call".into()),
            leg: None,
            started_unix_ms: started,
            duration_ms: 20,
            channels: 1,
            bytes: 4,
        }
    }

    #[test]
    fn entries_are_listed_newest_first_announced_and_forgotten_with_their_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = RecordingIndex::default();
        let mut ready = index.subscribe();
        index.register(entry(dir.path(), "old", 1));
        index.register(entry(dir.path(), "new", 2));
        let ids: Vec<String> = index.list().iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, ["new", "old"]);
        assert_eq!(
            ready.try_recv().map(|e| e.id.clone()).ok().as_deref(),
            Some("old")
        );
        assert_eq!(
            ready.try_recv().map(|e| e.id.clone()).ok().as_deref(),
            Some("new")
        );
        std::fs::remove_file(dir.path().join("old.wav")).expect("rm");
        assert!(index.get("old").is_none());
        assert_eq!(index.list().len(), 1);
        index.forget("new");
        assert!(index.get("new").is_none());
    }

    #[test]
    fn one_index_per_data_dir_while_someone_holds_it() {
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        let first = shared(a.path());
        assert!(Arc::ptr_eq(&first, &shared(a.path())));
        assert!(!Arc::ptr_eq(&first, &shared(b.path())));
    }

    #[test]
    fn the_shape_comes_from_the_header() {
        let header = ringside_audio::wav::WavSpec::engine(2)
            .header(16_000)
            .expect("header");
        assert_eq!(wav_shape(&header, 44 + 16_000 * 4), (2, 1_000));
        assert_eq!(wav_shape(b"junk", 100), (0, 0));
    }
}
