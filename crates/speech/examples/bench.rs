//! Speech benchmarks (each figure the median of 3 runs):
//! TTS time to first audio for a 10-word prompt, uncached and cached; STT decoder creation time
//! and memory; CPU per recognizer (choices and free speech, as a share of one core); and 50
//! concurrent recognitions fed in real time on 2 worker threads.
//!
//!     cargo run --release -p ringside-speech --example bench [-- --garbage-weight W]
//!
//! `--garbage-weight 0` measures choices grammars without their garbage words.

#[path = "common/corpus.rs"]
mod corpus;

use corpus::{Item, Noise};
use ringside_speech::{
    Choice, Event, Kind, Mode, Recognizer, SttConfig, SttEngine, Synthesis, Timeouts, Tts,
    TtsConfig, TtsRequest,
};
use std::time::{Duration, Instant};

const PROMPT: &str = "Please say billing, support or sales, or press one to repeat";

fn main() {
    let tts = Tts::new(&TtsConfig::default()).expect("espeak-ng");
    tts_first_audio();
    let args: Vec<String> = std::env::args().collect();
    let garbage_weight = args
        .iter()
        .position(|a| a == "--garbage-weight")
        .and_then(|i| args.get(i + 1))
        .map_or(ringside_speech::GARBAGE_WEIGHT, |w| {
            w.parse().expect("--garbage-weight takes a number")
        });
    let stt = SttEngine::new(&SttConfig {
        workers: 2,
        garbage_weight,
        ..SttConfig::default()
    })
    .expect("pocketsphinx");
    decoder_cost(&stt);
    cpu_per_recognizer(&tts, &stt);
    concurrent(&tts, &stt, 50);
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn tts_first_audio() {
    let (mut first, mut total, mut cached, mut seconds) = (vec![], vec![], vec![], 0.0);
    for _ in 0..3 {
        let tts = Tts::new(&TtsConfig::default()).expect("tts"); // a fresh, empty cache
        let start = Instant::now();
        let Ok(Synthesis::Streaming(mut stream)) = tts.synthesize(&TtsRequest::text(PROMPT)) else {
            panic!("uncached synthesis expected");
        };
        let mut samples = stream.next().expect("a chunk").expect("audio").len();
        first.push(start.elapsed().as_secs_f64() * 1e3);
        samples += stream.map(|c| c.expect("audio").len()).sum::<usize>();
        total.push(start.elapsed().as_secs_f64() * 1e3);
        seconds = samples as f64 / 16_000.0;
        let start = Instant::now();
        let hit = tts.synthesize(&TtsRequest::text(PROMPT)).expect("cached");
        cached.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(matches!(hit, Synthesis::Cached(_)));
    }
    println!("TTS 10-word prompt ({seconds:.2} s of audio):");
    println!(
        "  time to first audio, uncached: {:.2} ms (median of 3)",
        median(first)
    );
    println!(
        "  whole prompt, uncached:        {:.2} ms (median of 3)",
        median(total)
    );
    println!(
        "  cached:                        {:.4} ms (median of 3)",
        median(cached)
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Process CPU time (user + system) from /proc/self/stat, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

fn decoder_cost(stt: &SttEngine) {
    for kind in [Kind::Grammar, Kind::Language] {
        let mut times = vec![];
        let before = rss_kib();
        for _ in 0..3 {
            let start = Instant::now();
            stt.prewarm(kind, 1).expect("decoder");
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        let per = (rss_kib().saturating_sub(before)) as f64 / 3.0 / 1024.0;
        println!(
            "decoder {kind:?}: created in {:.0} ms (median of 3), ~{per:.1} MiB resident each",
            median(times)
        );
    }
}

fn menu() -> Mode {
    let words = corpus::CHOICE_WORDS;
    Mode::Choices(words.iter().map(|w| Choice::new(w, &[w])).collect())
}

fn utterance(tts: &Tts, text: &'static str, seed: u64) -> Vec<i16> {
    let item = Item {
        text,
        voice: corpus::VOICES[0],
        rate: 1.0,
        noise: Noise::White,
        seed,
    };
    corpus::render(tts, &item)
}

fn run_to_end(recognizer: &mut Recognizer) {
    while let Some(event) = recognizer.wait_event(Duration::from_secs(60)) {
        if matches!(event, Event::Completed(_) | Event::Failed(_)) {
            return;
        }
    }
}

/// Decodes as fast as possible; CPU seconds per audio second is the share of one core a
/// recognizer needs in real time (silence before the onset is not decoded, so the audio here is
/// speech from its first frame to the end silence).
fn cpu_per_recognizer(tts: &Tts, stt: &SttEngine) {
    for (name, mode, text) in [
        ("choices (14 words)", menu(), "billing"),
        (
            "free speech (LM)",
            Mode::Speech,
            "please transfer me to customer support",
        ),
    ] {
        let audio = utterance(tts, text, 42);
        let mut shares = vec![];
        for _ in 0..3 {
            let mut recognizer = stt
                .recognize(mode.clone(), Timeouts::default())
                .expect("recognizer");
            let cpu = cpu_seconds();
            for frame in audio.chunks(320) {
                recognizer.push(frame);
            }
            run_to_end(&mut recognizer);
            shares.push((cpu_seconds() - cpu) / (audio.len() as f64 / 16_000.0));
        }
        println!(
            "STT {name}: CPU {:.1} % of one core per recognizer in real time (median of 3; {:.2} s utterance)",
            100.0 * median(shares),
            audio.len() as f64 / 16_000.0
        );
    }
}

/// `n` recognitions started together, every one fed a 20 ms frame every 20 ms (all callers speak
/// at once: the worst case), on the engine's 2 workers.
fn concurrent(tts: &Tts, stt: &SttEngine, n: usize) {
    let words = corpus::CHOICE_WORDS;
    let audio: Vec<Vec<i16>> = (0..n)
        .map(|i| utterance(tts, words[i % words.len()], i as u64))
        .collect();
    stt.prewarm(Kind::Grammar, n).expect("decoders");
    let (mut lags, mut cpus, mut correct) = (vec![], vec![], 0);
    for _ in 0..3 {
        let mut recognizers: Vec<Recognizer> = (0..n)
            .map(|_| {
                stt.recognize(menu(), Timeouts::default())
                    .expect("recognizer")
            })
            .collect();
        let frames = audio.iter().map(Vec::len).max().unwrap_or(0) / 320;
        let (start, cpu) = (Instant::now(), cpu_seconds());
        for tick in 0..frames {
            for (r, a) in recognizers.iter().zip(&audio) {
                if let Some(frame) = a.get(tick * 320..(tick + 1) * 320) {
                    r.push(frame);
                }
            }
            let deadline = start + Duration::from_millis(20 * (tick as u64 + 1));
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        }
        let fed = Instant::now();
        correct = 0;
        for (i, r) in recognizers.iter_mut().enumerate() {
            while let Some(event) = r.wait_event(Duration::from_secs(60)) {
                if let Event::Completed(done) = event {
                    correct += usize::from(matches!(&done.outcome,
                        ringside_speech::Outcome::Choice { label, .. } if label == words[i % words.len()]));
                    break;
                }
            }
        }
        lags.push(fed.elapsed().as_secs_f64() * 1e3);
        cpus.push((cpu_seconds() - cpu) / start.elapsed().as_secs_f64());
    }
    println!(
        "STT {n} concurrent choices recognitions, real-time feed, 2 workers: results {:.0} ms after the \
         last frame (median of 3), process CPU {:.0} % (of 200 %), {correct}/{n} correct",
        median(lags),
        100.0 * median(cpus)
    );
}
