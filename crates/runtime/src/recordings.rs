//! recordResponse recordings: the WAV a bot's record operation produced, kept in
//! `<data-dir>/recordings/<id>.wav` with a `<id>.json` beside it (the SHA-256 of its access token
//! and when it was made), swept after a retention time and beyond a count, and handed out
//! ([`RecordingStore::authorise`]) to whoever presents its access token (the platform API serves
//! them at `GET /ringside/v1/recordings/{recordingId}`, Graph's `recordingLocation`).
//!
//! The runtime stores a recording when the media plane reports it ([`RecordingStore::put`], keyed
//! by the operation's recording handle); the door that renders the operation's completion takes the
//! ticket (id and plaintext token) once ([`RecordingStore::take_ticket`]). Only token hashes are
//! kept on disk. Every recording stored (and every one found at open) is registered in the node's
//! [`index`] of recordings, with the call and leg it came from ([`Origin`]).

pub mod index;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use index::{Entry, Kind, RecordingIndex};

/// What the door puts in the completion notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// The recording id (last segment of `recordingLocation`).
    pub id: String,
    /// The plaintext `recordingAccessToken`.
    pub token: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    token_sha256: String,
    created_unix: u64,
    bytes: u64,
    /// The call and leg it came from (absent in files of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    call: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leg: Option<String>,
}

/// Where a recording came from: its conversation and the bot leg that recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub call: Option<String>,
    pub leg: Option<String>,
}

struct Pending {
    ticket: Ticket,
    created_unix: u64,
}

#[derive(Default)]
struct Inner {
    index: HashMap<String, Meta>,
    tickets: HashMap<String, Pending>,
}

/// Why a download is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    /// No such recording (or it expired).
    NotFound,
    /// The token does not match.
    WrongToken,
}

/// The recordings directory and its index. Cheap to share (`Arc`).
pub struct RecordingStore {
    dir: PathBuf,
    retention_secs: u64,
    max: usize,
    inner: Mutex<Inner>,
    index: Arc<RecordingIndex>,
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equal-length hex digests compared without an early exit.
fn same_digest(a: &str, b: &str) -> bool {
    ringside_identity::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// Writes a file readable only by its owner (no fsync: this runs on the runtime task, and a
/// recording lost in a crash is no worse than one swept after its retention time).
fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(contents)
}

/// The first 44 bytes of a file (fewer if it is shorter or unreadable).
fn read_header(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut header = Vec::with_capacity(44);
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(44).read_to_end(&mut header);
    }
    header
}

/// Recording ids are 32 lower-case hex digits (so they are safe as file names).
fn valid_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl RecordingStore {
    /// A store in `<data_dir>/recordings`: reads the index of earlier runs and sweeps it.
    pub fn open(data_dir: &Path, retention_secs: u64, max: usize) -> RecordingStore {
        RecordingStore::open_at(data_dir, retention_secs, max, unix_now())
    }

    /// How long recordings stay downloadable, seconds.
    pub fn retention_secs(&self) -> u64 {
        self.retention_secs
    }

    fn open_at(data_dir: &Path, retention_secs: u64, max: usize, now: u64) -> RecordingStore {
        let store = RecordingStore {
            dir: data_dir.join("recordings"),
            retention_secs,
            max: max.max(1),
            inner: Mutex::new(Inner::default()),
            index: index::shared(data_dir),
        };
        if let Ok(entries) = std::fs::read_dir(&store.dir) {
            let mut inner = store.lock();
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                if !valid_id(stem) {
                    continue;
                }
                match path.extension().and_then(|e| e.to_str()) {
                    Some("json") => {
                        let meta = std::fs::read(&path)
                            .ok()
                            .and_then(|bytes| serde_json::from_slice::<Meta>(&bytes).ok());
                        match meta {
                            Some(meta) if store.wav(stem).is_file() => {
                                store.index.register(store.entry(stem, &meta, None));
                                inner.index.insert(stem.to_string(), meta);
                            }
                            _ => {
                                let _ = std::fs::remove_file(&path);
                            }
                        }
                    }
                    Some("wav") if !store.meta_path(stem).is_file() => {
                        let _ = std::fs::remove_file(&path);
                    }
                    _ => {}
                }
            }
        }
        store.sweep(now);
        store
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The node's index of recordings (this store's and the other doors').
    pub fn index(&self) -> &Arc<RecordingIndex> {
        &self.index
    }

    /// The index entry of recording `id`; its shape from `header` (the WAV's first bytes; read
    /// from the file when `None`).
    fn entry(&self, id: &str, meta: &Meta, header: Option<&[u8]>) -> Entry {
        let path = self.wav(id);
        let read;
        let header = match header {
            Some(header) => header,
            None => {
                read = read_header(&path);
                &read
            }
        };
        let (channels, duration_ms) = index::wav_shape(header, meta.bytes);
        Entry {
            id: id.to_string(),
            kind: Kind::RecordResponse,
            path,
            call: meta.call.clone(),
            leg: meta.leg.clone(),
            started_unix_ms: (meta.created_unix * 1000).saturating_sub(duration_ms),
            duration_ms,
            channels,
            bytes: meta.bytes,
        }
    }

    fn wav(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.wav"))
    }

    fn meta_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Stores a finished recording under a fresh id and token; the ticket waits for the door under
    /// `handle` (the engine's recording handle).
    pub fn put(&self, handle: &str, wav: &[u8]) -> std::io::Result<Ticket> {
        self.put_from(handle, wav, Origin::default())
    }

    /// [`RecordingStore::put`] of a recording made in `origin`'s call and leg.
    pub fn put_from(&self, handle: &str, wav: &[u8], origin: Origin) -> std::io::Result<Ticket> {
        self.put_at(handle, wav, origin, unix_now())
    }

    fn put_at(
        &self,
        handle: &str,
        wav: &[u8],
        origin: Origin,
        now: u64,
    ) -> std::io::Result<Ticket> {
        // A GUID's 32 digits: in a cluster they carry this node's tag, so downloads reach it.
        let id = crate::ids::new_guid().to_string().replace('-', "");
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        let meta = Meta {
            token_sha256: sha256_hex(&token),
            created_unix: now,
            bytes: wav.len() as u64,
            call: origin.call,
            leg: origin.leg,
        };
        std::fs::create_dir_all(&self.dir)?;
        write_owner_only(&self.wav(&id), wav)?;
        let json = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
        write_owner_only(&self.meta_path(&id), &json)?;
        let ticket = Ticket {
            id: id.clone(),
            token,
        };
        let entry = self.entry(&id, &meta, Some(wav));
        {
            let mut inner = self.lock();
            inner.index.insert(id, meta);
            inner.tickets.insert(
                handle.to_string(),
                Pending {
                    ticket: ticket.clone(),
                    created_unix: now,
                },
            );
        }
        self.index.register(entry);
        self.sweep(now);
        Ok(ticket)
    }

    /// The ticket of the recording stored under `handle`, once.
    pub fn take_ticket(&self, handle: &str) -> Option<Ticket> {
        self.lock().tickets.remove(handle).map(|p| p.ticket)
    }

    /// Deletes the recording stored under `handle` whose ticket nobody took (its operation was
    /// cancelled or failed).
    pub fn discard(&self, handle: &str) {
        let id = {
            let mut inner = self.lock();
            let Some(pending) = inner.tickets.remove(handle) else {
                return;
            };
            inner.index.remove(&pending.ticket.id);
            pending.ticket.id
        };
        self.index.forget(&id);
        let _ = std::fs::remove_file(self.wav(&id));
        let _ = std::fs::remove_file(self.meta_path(&id));
    }

    /// Checks a presented token; on success the path of the WAV file.
    pub fn authorise(&self, id: &str, token: &str, now: u64) -> Result<PathBuf, Denied> {
        if !valid_id(id) {
            return Err(Denied::NotFound);
        }
        let inner = self.lock();
        let meta = inner.index.get(id).ok_or(Denied::NotFound)?;
        if now >= meta.created_unix.saturating_add(self.retention_secs) {
            return Err(Denied::NotFound);
        }
        if !same_digest(&sha256_hex(token), &meta.token_sha256) {
            return Err(Denied::WrongToken);
        }
        Ok(self.wav(id))
    }

    /// Deletes recordings past the retention time, then the oldest beyond the count; forgets
    /// tickets nobody took.
    pub fn sweep(&self, now: u64) {
        let doomed: Vec<String> = {
            let mut inner = self.lock();
            let retention = self.retention_secs;
            inner
                .tickets
                .retain(|_, p| now < p.created_unix.saturating_add(retention));
            let mut ids: Vec<(u64, String)> = inner
                .index
                .iter()
                .map(|(id, m)| (m.created_unix, id.clone()))
                .collect();
            ids.sort();
            let over = ids.len().saturating_sub(self.max);
            let doomed: Vec<String> = ids
                .into_iter()
                .enumerate()
                .filter(|(i, (created, _))| *i < over || now >= created.saturating_add(retention))
                .map(|(_, (_, id))| id)
                .collect();
            for id in &doomed {
                inner.index.remove(id);
            }
            doomed
        };
        for id in doomed {
            self.index.forget(&id);
            let _ = std::fs::remove_file(self.wav(&id));
            let _ = std::fs::remove_file(self.meta_path(&id));
        }
    }

    /// Recordings held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().index.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_is_served_only_with_its_token_and_survives_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RecordingStore::open_at(dir.path(), 3600, 10, 1_000);
        let ticket = store
            .put_at("op-1", b"RIFF....WAVE", Origin::default(), 1_000)
            .expect("put");
        assert!(valid_id(&ticket.id));
        assert!(ticket.token.len() >= 43);
        let dropped = store
            .put_at("op-2", b"RIFF", Origin::default(), 1_000)
            .expect("put");
        store.discard("op-2");
        assert_eq!(
            store.authorise(&dropped.id, &dropped.token, 1_001),
            Err(Denied::NotFound)
        );
        assert!(!store.wav(&dropped.id).exists());
        assert_eq!(store.take_ticket("op-1"), Some(ticket.clone()));
        assert_eq!(store.take_ticket("op-1"), None);
        let path = store
            .authorise(&ticket.id, &ticket.token, 1_001)
            .expect("ok");
        assert_eq!(std::fs::read(path).expect("file"), b"RIFF....WAVE");
        assert_eq!(
            store.authorise(&ticket.id, "wrong", 1_001),
            Err(Denied::WrongToken)
        );
        assert_eq!(
            store.authorise(&"0".repeat(32), &ticket.token, 1_001),
            Err(Denied::NotFound)
        );
        assert_eq!(
            store.authorise("../../etc/passwd", &ticket.token, 1_001),
            Err(Denied::NotFound)
        );
        // The token is not on disk, only its hash.
        let meta = std::fs::read_to_string(store.meta_path(&ticket.id)).expect("meta");
        assert!(!meta.contains(&ticket.token));
        // A restart keeps it (the index is rebuilt from the files); expiry removes it.
        let reopened = RecordingStore::open_at(dir.path(), 3600, 10, 1_002);
        assert_eq!(reopened.len(), 1);
        assert_eq!(
            reopened.authorise(&ticket.id, &ticket.token, 1_000 + 3600),
            Err(Denied::NotFound)
        );
        reopened.sweep(1_000 + 3600);
        assert_eq!(reopened.len(), 0);
        assert!(!store.wav(&ticket.id).exists());
    }

    #[test]
    fn the_oldest_recordings_go_beyond_the_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RecordingStore::open_at(dir.path(), 3600, 2, 10);
        let first = store.put_at("a", b"1", Origin::default(), 10).expect("put");
        let second = store.put_at("b", b"2", Origin::default(), 11).expect("put");
        let third = store.put_at("c", b"3", Origin::default(), 12).expect("put");
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.authorise(&first.id, &first.token, 13),
            Err(Denied::NotFound)
        );
        assert!(store.authorise(&second.id, &second.token, 13).is_ok());
        assert!(store.authorise(&third.id, &third.token, 13).is_ok());
    }

    #[test]
    fn stored_recordings_are_indexed_with_their_origin_and_again_after_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RecordingStore::open_at(dir.path(), 3600, 10, 1_000);
        let mut ready = store.index().subscribe();
        let header = ringside_audio::wav::WavSpec::engine(1)
            .header(16_000)
            .expect("header");
        let mut wav = header.clone();
        wav.resize(44 + 32_000, 0);
        let origin = Origin {
            call: Some("call-1".into()),
            leg: Some("leg-1".into()),
        };
        let ticket = store.put_at("op", &wav, origin, 1_000).expect("put");
        let entry = ready.try_recv().expect("announced");
        assert_eq!(entry.id, ticket.id);
        assert_eq!(entry.kind, Kind::RecordResponse);
        assert_eq!(entry.call.as_deref(), Some("call-1"));
        assert_eq!(entry.leg.as_deref(), Some("leg-1"));
        assert_eq!((entry.channels, entry.duration_ms), (1, 1_000));
        assert_eq!(entry.started_unix_ms, 999_000);
        assert_eq!(entry.bytes, wav.len() as u64);
        drop(store);
        let reopened = RecordingStore::open_at(dir.path(), 3600, 10, 1_001);
        let listed = reopened.index().list();
        assert_eq!(listed.len(), 1);
        assert_eq!(*listed[0], *entry);
        reopened.sweep(1_000 + 3600);
        assert!(reopened.index().list().is_empty());
    }
}
