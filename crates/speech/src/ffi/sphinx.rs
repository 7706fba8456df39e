//! pocketsphinx 5prealpha's C API (`libpocketsphinx.so.3`, with sphinxbase's `libsphinxbase.so.3`):
//! decoders configured from an argument vector, fed raw 16 kHz s16 samples, read back as a
//! hypothesis, a posterior probability and word segments.
//!
//! Decoders are independent of each other, but creating one and parsing a grammar touch
//! sphinxbase's global logging state, so [`Sphinx`] serialises those behind a mutex; feeding and
//! reading a decoder only touches that decoder.
#![allow(unsafe_code)]

use super::{open_first, symbol};
use crate::SpeechError;
use libloading::Library;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::{Arc, Mutex};

const POCKETSPHINX: &[&str] = &["libpocketsphinx.so.3", "libpocketsphinx.so"];
const SPHINXBASE: &[&str] = &["libsphinxbase.so.3", "libsphinxbase.so"];

type Ptr = *mut c_void;

struct Api {
    ps_args: unsafe extern "C" fn() -> *const c_void,
    cmd_ln_parse_r: unsafe extern "C" fn(Ptr, *const c_void, i32, *mut *mut c_char, i32) -> Ptr,
    cmd_ln_free_r: unsafe extern "C" fn(Ptr) -> c_int,
    ps_init: unsafe extern "C" fn(Ptr) -> Ptr,
    ps_free: unsafe extern "C" fn(Ptr) -> c_int,
    ps_set_jsgf_string: unsafe extern "C" fn(Ptr, *const c_char, *const c_char) -> c_int,
    ps_set_search: unsafe extern "C" fn(Ptr, *const c_char) -> c_int,
    ps_start_stream: unsafe extern "C" fn(Ptr) -> c_int,
    ps_start_utt: unsafe extern "C" fn(Ptr) -> c_int,
    ps_process_raw: unsafe extern "C" fn(Ptr, *const i16, usize, c_int, c_int) -> c_int,
    ps_end_utt: unsafe extern "C" fn(Ptr) -> c_int,
    ps_get_hyp: unsafe extern "C" fn(Ptr, *mut i32) -> *const c_char,
    ps_get_prob: unsafe extern "C" fn(Ptr) -> i32,
    ps_get_logmath: unsafe extern "C" fn(Ptr) -> Ptr,
    logmath_exp: unsafe extern "C" fn(Ptr, c_int) -> f64,
    ps_seg_iter: unsafe extern "C" fn(Ptr) -> Ptr,
    ps_seg_next: unsafe extern "C" fn(Ptr) -> Ptr,
    ps_seg_word: unsafe extern "C" fn(Ptr) -> *const c_char,
    ps_seg_frames: unsafe extern "C" fn(Ptr, *mut c_int, *mut c_int),
    ps_seg_prob: unsafe extern "C" fn(Ptr, *mut i32, *mut i32, *mut i32) -> i32,
    ps_lookup_word: unsafe extern "C" fn(Ptr, *const c_char) -> *mut c_char,
    ps_nbest: unsafe extern "C" fn(Ptr) -> Ptr,
    ps_nbest_next: unsafe extern "C" fn(Ptr) -> Ptr,
    ps_nbest_hyp: unsafe extern "C" fn(Ptr, *mut i32) -> *const c_char,
    ps_nbest_free: unsafe extern "C" fn(Ptr),
    ckd_free: unsafe extern "C" fn(*mut c_void),
}

/// The loaded libraries; cheap to share (`Arc`).
pub(crate) struct Sphinx {
    api: Api,
    setup: Mutex<()>,
    _libraries: (Library, Library),
}

// SAFETY: `Api` holds plain function pointers into libraries kept alive by `_libraries`; the
// functions with global side effects are called under `setup`.
unsafe impl Send for Sphinx {}
// SAFETY: as above.
unsafe impl Sync for Sphinx {}

/// One word of a result: text and frames (10 ms each), its
/// posterior probability and its acoustic log score (the decoder's log-math units).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawSegment {
    pub(crate) word: String,
    pub(crate) start_frame: i32,
    pub(crate) end_frame: i32,
    pub(crate) probability: f64,
    pub(crate) acoustic: i32,
}

impl Sphinx {
    /// Loads pocketsphinx and sphinxbase.
    pub(crate) fn open() -> Result<Arc<Sphinx>, SpeechError> {
        let base = open_first(SPHINXBASE)?;
        let ps = open_first(POCKETSPHINX)?;
        let api = Api {
            ps_args: symbol!(ps, b"ps_args\0"),
            cmd_ln_parse_r: symbol!(base, b"cmd_ln_parse_r\0"),
            cmd_ln_free_r: symbol!(base, b"cmd_ln_free_r\0"),
            ps_init: symbol!(ps, b"ps_init\0"),
            ps_free: symbol!(ps, b"ps_free\0"),
            ps_set_jsgf_string: symbol!(ps, b"ps_set_jsgf_string\0"),
            ps_set_search: symbol!(ps, b"ps_set_search\0"),
            ps_start_stream: symbol!(ps, b"ps_start_stream\0"),
            ps_start_utt: symbol!(ps, b"ps_start_utt\0"),
            ps_process_raw: symbol!(ps, b"ps_process_raw\0"),
            ps_end_utt: symbol!(ps, b"ps_end_utt\0"),
            ps_get_hyp: symbol!(ps, b"ps_get_hyp\0"),
            ps_get_prob: symbol!(ps, b"ps_get_prob\0"),
            ps_get_logmath: symbol!(ps, b"ps_get_logmath\0"),
            logmath_exp: symbol!(base, b"logmath_exp\0"),
            ps_seg_iter: symbol!(ps, b"ps_seg_iter\0"),
            ps_seg_next: symbol!(ps, b"ps_seg_next\0"),
            ps_seg_word: symbol!(ps, b"ps_seg_word\0"),
            ps_seg_frames: symbol!(ps, b"ps_seg_frames\0"),
            ps_seg_prob: symbol!(ps, b"ps_seg_prob\0"),
            ps_lookup_word: symbol!(ps, b"ps_lookup_word\0"),
            ps_nbest: symbol!(ps, b"ps_nbest\0"),
            ps_nbest_next: symbol!(ps, b"ps_nbest_next\0"),
            ps_nbest_hyp: symbol!(ps, b"ps_nbest_hyp\0"),
            ps_nbest_free: symbol!(ps, b"ps_nbest_free\0"),
            ckd_free: symbol!(base, b"ckd_free\0"),
        };
        Ok(Arc::new(Sphinx {
            api,
            setup: Mutex::new(()),
            _libraries: (base, ps),
        }))
    }

    /// Creates a decoder from command-line style arguments (`["-hmm", dir, "-dict", file, ...]`).
    pub(crate) fn decoder(self: &Arc<Sphinx>, args: &[String]) -> Result<RawDecoder, SpeechError> {
        let owned = args
            .iter()
            .map(|a| CString::new(a.as_str()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| SpeechError::Recognition("decoder argument contains NUL".into()))?;
        let mut argv: Vec<*mut c_char> = owned.iter().map(|a| a.as_ptr().cast_mut()).collect();
        let argc = i32::try_from(argv.len()).unwrap_or(0);
        let _guard = self.setup.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: argv holds `argc` NUL-terminated strings that outlive the call; ps_args is the
        // decoder's own definition table; strict parsing rejects unknown arguments with NULL.
        let ps = unsafe {
            let config = (self.api.cmd_ln_parse_r)(
                std::ptr::null_mut(),
                (self.api.ps_args)(),
                argc,
                argv.as_mut_ptr(),
                1,
            );
            if config.is_null() {
                return Err(SpeechError::Recognition("invalid decoder arguments".into()));
            }
            let ps = (self.api.ps_init)(config);
            (self.api.cmd_ln_free_r)(config);
            ps
        };
        if ps.is_null() {
            return Err(SpeechError::Recognition(
                "ps_init failed (acoustic model or dictionary missing?)".into(),
            ));
        }
        Ok(RawDecoder {
            sphinx: Arc::clone(self),
            ps,
        })
    }
}

/// One pocketsphinx decoder, owned by one thread at a time.
pub(crate) struct RawDecoder {
    sphinx: Arc<Sphinx>,
    ps: Ptr,
}

// SAFETY: a decoder has no thread affinity; `&mut self` on every call keeps its use exclusive.
unsafe impl Send for RawDecoder {}

fn cstring(s: &str) -> Result<CString, SpeechError> {
    CString::new(s).map_err(|_| SpeechError::Recognition(format!("{s:?} contains NUL")))
}

impl RawDecoder {
    fn api(&self) -> &Api {
        &self.sphinx.api
    }

    /// Adds a JSGF grammar as search `name` and selects it.
    pub(crate) fn use_jsgf(&mut self, name: &str, jsgf: &str) -> Result<(), SpeechError> {
        let (n, g) = (cstring(name)?, cstring(jsgf)?);
        let status = {
            let _guard = self.sphinx.setup.lock().unwrap_or_else(|p| p.into_inner());
            // SAFETY: valid strings and a live decoder; the grammar is parsed during the call.
            unsafe { (self.api().ps_set_jsgf_string)(self.ps, n.as_ptr(), g.as_ptr()) }
        };
        if status < 0 {
            return Err(SpeechError::Recognition(format!(
                "grammar rejected: {jsgf}"
            )));
        }
        self.select(&n)
    }

    /// The dictionary's (first) pronunciation of `word`, as phones, or `None` if it has none.
    pub(crate) fn pronunciation(&mut self, word: &str) -> Option<Vec<String>> {
        let w = cstring(word).ok()?;
        // SAFETY: a valid string and a live decoder; the result is allocated by sphinxbase,
        // copied, then freed with sphinxbase's own allocator.
        unsafe {
            let phones = (self.api().ps_lookup_word)(self.ps, w.as_ptr());
            if phones.is_null() {
                return None;
            }
            let text = CStr::from_ptr(phones).to_string_lossy().into_owned();
            (self.api().ckd_free)(phones.cast());
            Some(text.split_whitespace().map(str::to_string).collect())
        }
    }

    fn select(&mut self, name: &CStr) -> Result<(), SpeechError> {
        // SAFETY: valid string and a live decoder.
        match unsafe { (self.api().ps_set_search)(self.ps, name.as_ptr()) } {
            0 => Ok(()),
            _ => Err(SpeechError::Recognition(format!("no search {name:?}"))),
        }
    }

    /// Starts an utterance.
    pub(crate) fn start(&mut self) -> Result<(), SpeechError> {
        // SAFETY: a live decoder.
        match unsafe { (self.api().ps_start_utt)(self.ps) } {
            0 => Ok(()),
            s => Err(SpeechError::Recognition(format!("ps_start_utt: {s}"))),
        }
    }

    /// Starts a new stream: forgets the noise estimate of earlier utterances.
    pub(crate) fn start_stream(&mut self) -> Result<(), SpeechError> {
        // SAFETY: a live decoder.
        match unsafe { (self.api().ps_start_stream)(self.ps) } {
            0 => Ok(()),
            s => Err(SpeechError::Recognition(format!("ps_start_stream: {s}"))),
        }
    }

    /// Feeds samples to the current utterance (live: running cepstral mean normalisation).
    pub(crate) fn process(&mut self, samples: &[i16]) -> Result<(), SpeechError> {
        self.process_raw(samples, false)
    }

    /// Feeds a whole utterance at once (batch cepstral mean normalisation over it).
    pub(crate) fn process_whole(&mut self, samples: &[i16]) -> Result<(), SpeechError> {
        self.process_raw(samples, true)
    }

    fn process_raw(&mut self, samples: &[i16], full_utt: bool) -> Result<(), SpeechError> {
        // SAFETY: `samples` is valid for its length during the call; the decoder copies features.
        let status = unsafe {
            (self.api().ps_process_raw)(
                self.ps,
                samples.as_ptr(),
                samples.len(),
                0,
                c_int::from(full_utt),
            )
        };
        match status {
            s if s >= 0 => Ok(()),
            s => Err(SpeechError::Recognition(format!("ps_process_raw: {s}"))),
        }
    }

    /// Ends the utterance (final search pass).
    pub(crate) fn end(&mut self) -> Result<(), SpeechError> {
        // SAFETY: a live decoder.
        match unsafe { (self.api().ps_end_utt)(self.ps) } {
            s if s >= 0 => Ok(()),
            s => Err(SpeechError::Recognition(format!("ps_end_utt: {s}"))),
        }
    }

    /// The current best hypothesis (partial during an utterance), empty if none.
    pub(crate) fn hypothesis(&mut self) -> String {
        let mut score = 0i32;
        // SAFETY: a live decoder; the returned string is owned by it and copied at once.
        let hyp = unsafe { (self.api().ps_get_hyp)(self.ps, &mut score) };
        if hyp.is_null() {
            return String::new();
        }
        // SAFETY: non-null, NUL-terminated, valid until the next decoder call.
        unsafe { CStr::from_ptr(hyp) }
            .to_string_lossy()
            .into_owned()
    }

    /// Posterior probability (0–1) of the final hypothesis; call after [`RawDecoder::end`].
    pub(crate) fn probability(&mut self) -> f64 {
        // SAFETY: a live decoder and its own log-math table.
        let p = unsafe {
            let log_prob = (self.api().ps_get_prob)(self.ps);
            (self.api().logmath_exp)((self.api().ps_get_logmath)(self.ps), log_prob)
        };
        if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Up to `limit` paths of the final lattice, best first: each path's words (fillers
    /// included as pocketsphinx spells them) and its total log score (acoustic plus the
    /// grammar's transition weights, the decoder's log-math units). Empty if there is no lattice
    /// (`-bestpath no`, or no hypothesis). Call after [`RawDecoder::end`].
    pub(crate) fn nbest(&mut self, limit: usize) -> Vec<(String, i32)> {
        let mut out = Vec::new();
        // SAFETY: a live decoder whose utterance has ended; ps_nbest returns an iterator
        // already on its first path (or NULL), ps_nbest_next frees it when it returns NULL,
        // and an iterator left early is freed with ps_nbest_free. Each string is copied before
        // the iterator moves.
        unsafe {
            let mut it = (self.api().ps_nbest)(self.ps);
            while !it.is_null() {
                if out.len() == limit {
                    (self.api().ps_nbest_free)(it);
                    break;
                }
                let mut score = 0i32;
                let hyp = (self.api().ps_nbest_hyp)(it, &mut score);
                if !hyp.is_null() {
                    let text = CStr::from_ptr(hyp).to_string_lossy().into_owned();
                    out.push((text, score));
                }
                it = (self.api().ps_nbest_next)(it);
            }
        }
        out
    }

    /// The words of the best hypothesis with their frames and posteriors.
    pub(crate) fn segments(&mut self) -> Vec<RawSegment> {
        let mut out = Vec::new();
        // SAFETY: a live decoder; the iterator is walked to its end (ps_seg_next frees it on
        // NULL) and each word is copied before advancing.
        unsafe {
            let lmath = (self.api().ps_get_logmath)(self.ps);
            let mut seg = (self.api().ps_seg_iter)(self.ps);
            while !seg.is_null() {
                out.push(self.segment(seg, lmath));
                seg = (self.api().ps_seg_next)(seg);
            }
        }
        out
    }

    /// Reads one segment. Safety: `seg` is a live iterator of this decoder.
    unsafe fn segment(&self, seg: Ptr, lmath: Ptr) -> RawSegment {
        let (mut sf, mut ef) = (0, 0);
        let (mut ascr, mut lscr, mut lback) = (0, 0, 0);
        // SAFETY: per this function's contract.
        unsafe {
            let word = (self.api().ps_seg_word)(seg);
            (self.api().ps_seg_frames)(seg, &mut sf, &mut ef);
            let log_prob = (self.api().ps_seg_prob)(seg, &mut ascr, &mut lscr, &mut lback);
            let word = if word.is_null() {
                String::new()
            } else {
                CStr::from_ptr(word).to_string_lossy().into_owned()
            };
            let probability = (self.api().logmath_exp)(lmath, log_prob);
            RawSegment {
                word,
                start_frame: sf,
                end_frame: ef,
                probability: if probability.is_finite() {
                    probability.clamp(0.0, 1.0)
                } else {
                    0.0
                },
                acoustic: ascr,
            }
        }
    }
}

impl Drop for RawDecoder {
    fn drop(&mut self) {
        // SAFETY: the decoder is live and dropped once.
        unsafe { (self.api().ps_free)(self.ps) };
    }
}
