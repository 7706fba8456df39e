//! Measures recognition accuracy on the corpus (see `corpus.rs`): choices accuracy (one grammar
//! of all 14 choice words), how often other words said to that grammar come out as no match,
//! and free-speech word error rate, per condition.
//!
//!     cargo run --release -p ringside-speech --example accuracy [-- --manifest crates/speech/corpus/manifest.tsv] [--choices-only]
//!
//! It also prints the confidence reported for right choices, wrong choices and other words
//! taken as a choice (minimum, quartiles, maximum), and what a `min_choice_confidence` would
//! keep and reject.

#[path = "common/corpus.rs"]
mod corpus;

use corpus::{Item, Noise, CHOICE_WORDS, OTHER_WORDS, SENTENCES};
use ringside_speech::{
    Choice, Event, Mode, Outcome, SttConfig, SttEngine, Timeouts, Tts, TtsConfig,
};
use std::collections::BTreeMap;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tts = Tts::new(&TtsConfig::default()).expect("espeak-ng");
    let stt = SttEngine::new(&SttConfig::default()).expect("pocketsphinx");
    let choice_items = corpus::items(CHOICE_WORDS, &[Noise::Clean, Noise::White, Noise::Babble]);
    let other_items = corpus::items(OTHER_WORDS, &[Noise::Clean, Noise::White, Noise::Babble]);
    let sentence_items = corpus::items(SENTENCES, &[Noise::Clean, Noise::White, Noise::Babble]);
    if let Some(path) = args
        .iter()
        .position(|a| a == "--manifest")
        .and_then(|i| args.get(i + 1))
    {
        write_manifest(path, &choice_items, &other_items, &sentence_items);
    }
    let mut confidences = Confidences::new();
    choices(&tts, &stt, &choice_items, &mut confidences);
    no_match(&tts, &stt, &other_items, &mut confidences);
    report_confidences(&confidences);
    if !args.iter().any(|a| a == "--choices-only") {
        free_speech(&tts, &stt, &sentence_items);
    }
}

fn write_manifest(path: &str, choices: &[Item], others: &[Item], sentences: &[Item]) {
    let mut text = String::from("# kind\ttext\tvoice\trate\tnoise\tsnr_db\tseed\n");
    for (kind, items) in [
        ("choice", choices),
        ("other", others),
        ("sentence", sentences),
    ] {
        for item in items {
            text.push_str(&format!("{kind}\t{}\n", item.manifest_line()));
        }
    }
    std::fs::write(path, text).expect("manifest written");
}

fn recognize(stt: &SttEngine, mode: Mode, audio: &[i16]) -> Outcome {
    let mut recognizer = stt
        .recognize(mode, Timeouts::default())
        .expect("recognizer");
    for frame in audio.chunks(320) {
        recognizer.push(frame);
    }
    recognizer.finish();
    while let Some(event) = recognizer.wait_event(Duration::from_secs(30)) {
        if let Event::Completed(done) = event {
            return done.outcome;
        }
    }
    panic!("no result");
}

fn condition(item: &Item) -> String {
    format!(
        "{} {} x{}",
        item.noise.name(),
        item.voice.trim_end_matches("Neural"),
        item.rate
    )
}

/// Confidences reported, by kind of result.
type Confidences = BTreeMap<&'static str, Vec<f32>>;

fn choices(tts: &Tts, stt: &SttEngine, items: &[Item], confidences: &mut Confidences) {
    let menu = menu();
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for item in items {
        let outcome = recognize(stt, Mode::Choices(menu.clone()), &corpus::render(tts, item));
        let ok = matches!(&outcome, Outcome::Choice { label, .. } if label == item.text);
        if let Outcome::Choice { confidence, .. } = &outcome {
            let key = if ok { "right choice" } else { "wrong choice" };
            confidences.entry(key).or_default().push(*confidence);
        }
        let entry = per.entry(condition(item)).or_default();
        *entry = (entry.0 + usize::from(ok), entry.1 + 1);
        if !ok {
            misses.push(format!(
                "{} ({}) → {}",
                item.text,
                condition(item),
                summary(&outcome)
            ));
        }
    }
    let (ok, all) = per.values().fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    println!(
        "CHOICES: {ok}/{all} correct = {:.1} %",
        100.0 * ok as f64 / all as f64
    );
    for (cond, (ok, all)) in &per {
        println!("  {cond:<28} {ok}/{all}");
    }
    for miss in misses {
        println!("  miss: {miss}");
    }
}

fn menu() -> Vec<Choice> {
    CHOICE_WORDS.iter().map(|w| Choice::new(w, &[w])).collect()
}

/// Words outside the grammar: the share that comes out as no match (the rest is a false choice).
fn no_match(tts: &Tts, stt: &SttEngine, items: &[Item], confidences: &mut Confidences) {
    let mut rejected = 0;
    let mut accepted = Vec::new();
    for item in items {
        let outcome = recognize(stt, Mode::Choices(menu()), &corpus::render(tts, item));
        if let Outcome::Choice { confidence, .. } = &outcome {
            confidences
                .entry("other word taken as a choice")
                .or_default()
                .push(*confidence);
        }
        match outcome {
            Outcome::NoMatch { .. } => rejected += 1,
            other => accepted.push(format!(
                "{} ({}) → {}",
                item.text,
                condition(item),
                summary(&other)
            )),
        }
    }
    println!(
        "OTHER WORDS: {rejected}/{} no match = {:.1} %",
        items.len(),
        100.0 * rejected as f64 / items.len() as f64
    );
    for line in accepted {
        println!("  taken as a choice: {line}");
    }
}

/// Quartiles of each kind's confidences, and what thresholds would keep or reject.
fn report_confidences(confidences: &Confidences) {
    println!("CONFIDENCE (min / 25 % / median / 75 % / max):");
    for (kind, values) in confidences {
        let mut sorted = values.clone();
        sorted.sort_by(f32::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        println!(
            "  {kind:<30} n={:<4} {:.2} / {:.2} / {:.2} / {:.2} / {:.2}",
            sorted.len(),
            at(0.0),
            at(0.25),
            at(0.5),
            at(0.75),
            at(1.0)
        );
    }
    for threshold in [0.3, 0.5, 0.7] {
        let counts: Vec<String> = confidences
            .iter()
            .map(|(kind, v)| {
                let kept = v.iter().filter(|c| **c >= threshold).count();
                format!("{kind} {kept}/{}", v.len())
            })
            .collect();
        println!(
            "  kept at min_choice_confidence {threshold}: {}",
            counts.join(", ")
        );
    }
}

fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Choice {
            label, confidence, ..
        } => format!("{label} ({confidence:.2})"),
        Outcome::Speech { text, .. } => text.clone(),
        Outcome::InitialSilence => "initial silence".into(),
        Outcome::NoMatch { heard } => format!("no match {:?}", heard.text),
    }
}

fn free_speech(tts: &Tts, stt: &SttEngine, items: &[Item]) {
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for item in items {
        let outcome = recognize(stt, Mode::Speech, &corpus::render(tts, item));
        let heard = match &outcome {
            Outcome::Speech { text, .. } => text.clone(),
            _ => String::new(),
        };
        let reference: Vec<String> = item
            .text
            .to_lowercase()
            .split(' ')
            .map(String::from)
            .collect();
        let hypothesis: Vec<String> = heard.split_whitespace().map(String::from).collect();
        let errors = edit_distance(&reference, &hypothesis);
        let entry = per.entry(item.noise.name().to_string()).or_default();
        *entry = (entry.0 + errors, entry.1 + reference.len());
        if item.noise == Noise::Clean && item.rate == 1.0 && item.voice == corpus::VOICES[0] {
            println!("  said {:?} heard {:?}", item.text, heard);
        }
    }
    let (errors, words) = per.values().fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    println!(
        "FREE SPEECH: WER {:.1} % ({errors} errors / {words} words)",
        100.0 * errors as f64 / words as f64
    );
    for (cond, (errors, words)) in &per {
        println!(
            "  {cond:<8} WER {:.1} %",
            100.0 * *errors as f64 / *words as f64
        );
    }
}

/// Word-level Levenshtein distance (substitutions + deletions + insertions).
fn edit_distance(a: &[String], b: &[String]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
