//! The SSML subset ACS prompts use, parsed into plain-text [`Segment`]s that espeak-ng speaks one by
//! one, with silences in between.
//!
//! espeak-ng has an SSML mode of its own, but it ignores `say-as interpret-as="digits"` and
//! `"telephone"` (it reads "1234" as a number), takes `break` strengths with its own durations and
//! cannot switch to an Azure voice name; so this module interprets the markup and hands espeak-ng
//! only text. Honoured:
//!
//! | element | effect |
//! |---|---|
//! | `speak` (`xml:lang`) | root; its language picks the default voice |
//! | `voice name=` | Azure voice name, resolved by [`crate::voices::resolve`] |
//! | `prosody rate= pitch=` | rate: `x-slow`…`x-fast`, `±N%`, `N%`, a multiplier `1.2`; pitch: `x-low`…`x-high`, `±N%`, `±Nst`, `±NHz` (volume ignored) |
//! | `break time= strength=` | `Nms`/`Ns` (capped at 5 s), else strength none 0, x-weak 250, weak 500, medium 750 (default), strong 1000, x-strong 1250 ms |
//! | `say-as interpret-as=` | `digits`/`number_digits` digit by digit; `telephone` digit by digit with a pause between groups; `characters`/`spell-out` letter by letter; others read as text |
//! | `sub alias=` | the alias is spoken |
//! | `p`, `s` | a 400 ms / 200 ms pause after the paragraph / sentence |
//! | anything else (`emphasis`, `mstts:express-as`, `lang`, ...) | its text is spoken, the element ignored |

use crate::voices::{resolve, Voice};
use crate::SpeechError;
use roxmltree::{Document, Node};

/// Longest `break` honoured (Azure caps breaks at 5 s too).
pub const MAX_BREAK_MS: u32 = 5_000;

/// A piece of a prompt: text in one voice and prosody, or a silence.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Text espeak-ng speaks.
    Speak {
        /// Plain text (no markup).
        text: String,
        /// The espeak-ng voice.
        voice: Voice,
        /// Rate multiplier (1.0 = espeak-ng's 175 words per minute).
        rate: f32,
        /// espeak-ng base pitch, 0–100 (50 normal).
        pitch: u32,
    },
    /// Silence, in milliseconds.
    Break(u32),
}

/// The prosody in force at one point of the document.
#[derive(Debug, Clone)]
struct Style {
    voice: Voice,
    rate: f32,
    pitch: u32,
}

/// Parses `ssml` (root `speak`) into segments; `voice` and `rate` are the request's defaults.
pub fn parse(ssml: &str, voice: Voice, rate: f32) -> Result<Vec<Segment>, SpeechError> {
    let doc = Document::parse(ssml).map_err(|e| SpeechError::InvalidSsml(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "speak" {
        return Err(SpeechError::InvalidSsml(format!(
            "the root element is <{}>, not <speak>",
            root.tag_name().name()
        )));
    }
    let lang = root
        .attributes()
        .find(|a| a.name() == "lang")
        .map(|a| a.value());
    let voice = match lang {
        Some(lang) => resolve(None, Some(lang)),
        None => voice,
    };
    let mut out = Vec::new();
    let style = Style {
        voice,
        rate,
        pitch: 50,
    };
    walk(root, &style, &mut out);
    Ok(merge(out))
}

/// A plain-text prompt as one segment.
pub fn plain(text: &str, voice: Voice, rate: f32) -> Vec<Segment> {
    let text = collapse(text);
    if text.is_empty() {
        return Vec::new();
    }
    vec![Segment::Speak {
        text,
        voice,
        rate,
        pitch: 50,
    }]
}

fn walk(node: Node<'_, '_>, style: &Style, out: &mut Vec<Segment>) {
    for child in node.children() {
        if child.is_text() {
            push_text(out, child.text().unwrap_or(""), style);
        } else if child.is_element() {
            element(child, style, out);
        }
    }
}

fn element(node: Node<'_, '_>, style: &Style, out: &mut Vec<Segment>) {
    match node.tag_name().name() {
        "voice" => walk(node, &voice_style(node, style), out),
        "prosody" => walk(node, &prosody_style(node, style), out),
        "break" => out.push(Segment::Break(break_ms(node))),
        "say-as" => say_as(node, style, out),
        "sub" => push_text(out, node.attribute("alias").unwrap_or(""), style),
        "p" => paused(node, style, out, 400),
        "s" => paused(node, style, out, 200),
        _ => walk(node, style, out),
    }
}

fn paused(node: Node<'_, '_>, style: &Style, out: &mut Vec<Segment>, ms: u32) {
    walk(node, style, out);
    out.push(Segment::Break(ms));
}

fn voice_style(node: Node<'_, '_>, style: &Style) -> Style {
    let name = node.attribute("name");
    let lang = node
        .attributes()
        .find(|a| a.name() == "lang")
        .map(|a| a.value());
    let locale = lang.or(Some(style.voice.language));
    Style {
        voice: resolve(name, locale),
        ..style.clone()
    }
}

fn prosody_style(node: Node<'_, '_>, style: &Style) -> Style {
    let rate = node
        .attribute("rate")
        .and_then(parse_rate)
        .map_or(style.rate, |r| style.rate * r);
    let pitch = node
        .attribute("pitch")
        .and_then(|p| parse_pitch(p, style.pitch))
        .unwrap_or(style.pitch);
    Style {
        rate: rate.clamp(0.25, 4.0),
        pitch,
        ..style.clone()
    }
}

/// A `prosody rate` value as a multiplier of the current rate.
pub fn parse_rate(value: &str) -> Option<f32> {
    let v = value.trim();
    let named = match v {
        "x-slow" => Some(0.5),
        "slow" => Some(0.64),
        "medium" | "default" => Some(1.0),
        "fast" => Some(1.55),
        "x-fast" => Some(2.0),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let rate = if let Some(p) = v.strip_suffix('%') {
        let n: f32 = p.parse().ok()?;
        if p.starts_with(['+', '-']) {
            1.0 + n / 100.0
        } else {
            n / 100.0
        }
    } else {
        v.parse().ok()?
    };
    (rate.is_finite() && rate > 0.0).then_some(rate)
}

/// A `prosody pitch` value applied to espeak-ng's 0–100 pitch scale (50 normal).
pub fn parse_pitch(value: &str, current: u32) -> Option<u32> {
    let v = value.trim();
    let base = current as f32;
    let pitch = match v {
        "x-low" => 20.0,
        "low" => 35.0,
        "medium" | "default" => 50.0,
        "high" => 65.0,
        "x-high" => 80.0,
        _ if v.ends_with('%') => base * (1.0 + v.strip_suffix('%')?.parse::<f32>().ok()? / 100.0),
        _ if v.ends_with("st") => base + 4.0 * v.strip_suffix("st")?.parse::<f32>().ok()?,
        _ if v.ends_with("Hz") => base + v.strip_suffix("Hz")?.parse::<f32>().ok()? / 4.0,
        _ => return None,
    };
    pitch
        .is_finite()
        .then(|| pitch.clamp(0.0, 100.0).round() as u32)
}

/// A `break` element's duration in milliseconds.
pub fn break_ms(node: Node<'_, '_>) -> u32 {
    if let Some(ms) = node.attribute("time").and_then(parse_time) {
        return ms.min(MAX_BREAK_MS);
    }
    match node.attribute("strength").unwrap_or("medium") {
        "none" => 0,
        "x-weak" => 250,
        "weak" => 500,
        "strong" => 1000,
        "x-strong" => 1250,
        _ => 750,
    }
}

fn parse_time(value: &str) -> Option<u32> {
    let v = value.trim();
    let (number, scale) = match v.strip_suffix("ms") {
        Some(n) => (n, 1.0),
        None => (v.strip_suffix('s')?, 1000.0),
    };
    let ms = number.trim().parse::<f64>().ok()? * scale;
    (ms.is_finite() && ms >= 0.0).then(|| ms.min(f64::from(MAX_BREAK_MS)) as u32)
}

fn say_as(node: Node<'_, '_>, style: &Style, out: &mut Vec<Segment>) {
    let text: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    let spoken = match node.attribute("interpret-as").unwrap_or("") {
        "digits" | "number_digits" => spell_digits(&text),
        "telephone" => telephone(&text),
        "characters" | "spell-out" => spell_characters(&text),
        _ => text,
    };
    push_text(out, &spoken, style);
}

/// "12 34" → "1 2 3 4": espeak-ng reads a lone digit as its name in the voice's language.
pub fn spell_digits(text: &str) -> String {
    let digits: Vec<String> = text
        .chars()
        .filter(char::is_ascii_digit)
        .map(String::from)
        .collect();
    digits.join(" ")
}

/// "+1 (425) 555-0100" → "plus, 1, 4 2 5, 5 5 5, 0 1 0 0": digit by digit, a pause per group.
pub fn telephone(text: &str) -> String {
    let mut groups: Vec<String> = Vec::new();
    if text.trim_start().starts_with('+') {
        groups.push("plus".into());
    }
    for group in text.split(|c: char| !c.is_ascii_digit()) {
        if !group.is_empty() {
            groups.push(spell_digits(group));
        }
    }
    groups.join(", ")
}

fn spell_characters(text: &str) -> String {
    let chars: Vec<String> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(String::from)
        .collect();
    chars.join(" ")
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_text(out: &mut Vec<Segment>, text: &str, style: &Style) {
    let text = collapse(text);
    if text.is_empty() {
        return;
    }
    out.push(Segment::Speak {
        text,
        voice: style.voice.clone(),
        rate: style.rate,
        pitch: style.pitch,
    });
}

/// Joins neighbouring text in the same style and neighbouring breaks; drops empty breaks.
fn merge(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for segment in segments {
        match (out.last_mut(), segment) {
            (_, Segment::Break(0)) => {}
            (Some(Segment::Break(a)), Segment::Break(b)) => *a = (*a + b).min(MAX_BREAK_MS),
            (
                Some(Segment::Speak {
                    text,
                    voice,
                    rate,
                    pitch,
                }),
                Segment::Speak {
                    text: t,
                    voice: v,
                    rate: r,
                    pitch: p,
                },
            ) if *voice == v && *rate == r && *pitch == p => {
                text.push(' ');
                text.push_str(&t);
            }
            (_, segment) => out.push(segment),
        }
    }
    out
}

#[cfg(test)]
#[path = "ssml_tests.rs"]
mod tests;
