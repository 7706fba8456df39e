//! Simulated-endpoint behaviours and their parser (sans-IO): how a simulated user or phone answers
//! ([`Answer`]) and what it does once connected ([`Timeline`]: press digits, play media, a test tone,
//! silence, hold, hang up after T, record). Parsed from the REST JSON ([`Behaviour::from_json`],
//! [`Timeline::from_json`]) and from CLI step arguments (`123#@1500ms`, `FILE@3s`, `3s`) with
//! [`parse_duration`] and [`parse_at`]. Errors name the offending field; nothing here panics on input
//! (a fuzz target and a random-input test check it).

use std::fmt;
use std::time::Duration;

use ringside_model::Tone;
use serde_json::{json, Map, Value};

/// The longest time any step, delay or duration may name: 4 hours.
pub const MAX_TIME: Duration = Duration::from_secs(4 * 3600);
/// The most steps (of all kinds together) in one timeline.
pub const MAX_STEPS: usize = 100;
/// The most keys in one press step.
pub const MAX_DIGITS: usize = 64;
/// Default answer delay of a directory user.
pub const USER_ANSWER_AFTER: Duration = Duration::from_secs(1);
/// Default answer delay of an external phone number.
pub const PHONE_ANSWER_AFTER: Duration = Duration::from_secs(2);
/// Default test tone length.
pub const DEFAULT_TONE: Duration = Duration::from_secs(1);

/// A precise parse error: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BehaviourError {
    /// JSON path or CLI flag (`press[1].at`, `--play`).
    pub field: String,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl BehaviourError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> BehaviourError {
        BehaviourError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for BehaviourError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for BehaviourError {}

/// How a ringing simulated endpoint responds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Picks up after this delay.
    After(Duration),
    /// Declines at once.
    Reject,
    /// Is busy at once.
    Busy,
    /// Never answers (rings until the engine's ring timeout or the caller gives up).
    Never,
}

/// What one step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Presses keys: in-band DTMF audio (default) or out-of-band events (RFC 4733 style).
    Press {
        /// The keys.
        tones: Vec<Tone>,
        /// In-band audio rather than out-of-band events.
        in_band: bool,
    },
    /// Plays an uploaded WAV (a media id from `POST /ringside/v1/media`) into the call.
    Play {
        /// The media id (the CLI puts a local file path here before uploading it).
        media: String,
    },
    /// Says `text` (synthesised by the offline speech engine when the timeline is installed, then
    /// played like an upload whose id is [`say_media_id`]).
    Say {
        /// What to say.
        text: String,
    },
    /// Plays the 1004 Hz test tone (the TTS-free "speech").
    Tone {
        /// How long.
        duration: Duration,
    },
    /// Stops whatever the endpoint is playing and stays silent for a while.
    Silence {
        /// How long (informational: the endpoint stays silent until its next step anyway).
        duration: Duration,
    },
    /// Puts the call on hold (as a phone's hold key does): the endpoint hears nothing, the other
    /// side of a two-party call hears hold music. Resumes after `duration`, or stays held until
    /// the call ends (or a live resume).
    Hold {
        /// How long to hold (`for`); `None` holds until the end.
        duration: Option<Duration>,
    },
}

impl StepKind {
    /// The JSON array the step lives in.
    pub fn list_name(&self) -> &'static str {
        match self {
            StepKind::Press { .. } => "press",
            StepKind::Play { .. } => "play",
            StepKind::Say { .. } => "say",
            StepKind::Tone { .. } => "tone",
            StepKind::Silence { .. } => "silence",
            StepKind::Hold { .. } => "hold",
        }
    }
}

/// One step, `at` after the call was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Time from answer.
    pub at: Duration,
    /// What to do.
    pub kind: StepKind,
}

/// What a connected endpoint does, relative to the moment the call was answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Steps sorted by time (stable: equal times keep their input order).
    pub steps: Vec<Step>,
    /// Hangs up this long after answer.
    pub hangup_after: Option<Duration>,
    /// Records what the endpoint hears.
    pub record: bool,
}

/// How a simulated endpoint answers and what it does once connected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// `None`: the default for the endpoint's kind (users 1 s, external numbers 2 s).
    pub answer: Option<Answer>,
    /// Once connected.
    pub timeline: Timeline,
}

/// Keys of a behaviour object besides the timeline's.
const BEHAVIOUR_KEYS: [&str; 2] = ["answer", "answerAfter"];
/// Keys of a timeline object.
const TIMELINE_KEYS: [&str; 8] = [
    "play",
    "say",
    "press",
    "tone",
    "silence",
    "hold",
    "hangupAfter",
    "record",
];

impl Behaviour {
    /// The answer mode, or `default` when none was set.
    pub fn answer_or(&self, default: Duration) -> Answer {
        self.answer.clone().unwrap_or(Answer::After(default))
    }

    /// Parses the REST body: `{answer, answerAfter, play, press, tone, silence, hold, hangupAfter,
    /// record}`. Unknown keys are refused (a typo must not silently change a test).
    pub fn from_json(value: &Value) -> Result<Behaviour, BehaviourError> {
        let object = value
            .as_object()
            .ok_or_else(|| BehaviourError::new("", "a behaviour must be a JSON object"))?;
        check_keys(
            object,
            &[&BEHAVIOUR_KEYS[..], &TIMELINE_KEYS[..]].concat(),
            "",
        )?;
        let answer_after = match object.get("answerAfter") {
            None | Some(Value::Null) => None,
            Some(value) => Some(duration_value(value, "answerAfter")?),
        };
        let answer = match object.get("answer") {
            None | Some(Value::Null) => answer_after.map(Answer::After),
            Some(Value::String(mode)) => {
                let mode = mode.to_ascii_lowercase();
                let refusal = match mode.as_str() {
                    "auto" | "answer" => None,
                    "reject" | "decline" => Some(Answer::Reject),
                    "busy" => Some(Answer::Busy),
                    "noanswer" | "never" | "no-answer" => Some(Answer::Never),
                    _ => {
                        return Err(BehaviourError::new(
                            "answer",
                            format!(
                            "'{}' is not an answer mode (expected auto, reject, busy or noAnswer)",
                            clip(&mode)
                        ),
                        ))
                    }
                };
                match (refusal, answer_after) {
                    (Some(_), Some(_)) => {
                        return Err(BehaviourError::new(
                            "answerAfter",
                            format!("cannot be combined with answer '{mode}'"),
                        ))
                    }
                    (Some(refusal), None) => Some(refusal),
                    (None, after) => after.map(Answer::After),
                }
            }
            Some(_) => {
                return Err(BehaviourError::new(
                    "answer",
                    "must be a string (auto, reject, busy or noAnswer)",
                ))
            }
        };
        let timeline = Timeline::from_object(object)?;
        Ok(Behaviour { answer, timeline })
    }

    /// [`from_json`](Self::from_json) over raw bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Behaviour, BehaviourError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|error| BehaviourError::new("", format!("not valid JSON: {error}")))?;
        Behaviour::from_json(&value)
    }

    /// The REST form (what [`from_json`](Self::from_json) reads back).
    pub fn to_json(&self) -> Value {
        let mut object = match self.timeline.to_json() {
            Value::Object(object) => object,
            _ => Map::new(),
        };
        match &self.answer {
            None => {
                object.insert("answer".into(), json!("auto"));
            }
            Some(Answer::After(after)) => {
                object.insert("answer".into(), json!("auto"));
                object.insert("answerAfter".into(), json!(format_duration(*after)));
            }
            Some(Answer::Reject) => {
                object.insert("answer".into(), json!("reject"));
            }
            Some(Answer::Busy) => {
                object.insert("answer".into(), json!("busy"));
            }
            Some(Answer::Never) => {
                object.insert("answer".into(), json!("noAnswer"));
            }
        }
        Value::Object(object)
    }
}

impl Timeline {
    /// Parses a timeline object: `{play, press, tone, silence, hold, hangupAfter, record}`; other keys
    /// are refused.
    pub fn from_json(value: &Value) -> Result<Timeline, BehaviourError> {
        let object = value
            .as_object()
            .ok_or_else(|| BehaviourError::new("", "a timeline must be a JSON object"))?;
        check_keys(object, &TIMELINE_KEYS, "")?;
        Timeline::from_object(object)
    }

    /// Parses the timeline keys of `object`, ignoring others (the caller checked them).
    pub fn from_object(object: &Map<String, Value>) -> Result<Timeline, BehaviourError> {
        let mut steps = Vec::new();
        for list in ["play", "say", "press", "tone", "silence", "hold"] {
            let Some(items) = object.get(list) else {
                continue;
            };
            if items.is_null() {
                continue;
            }
            let items = items
                .as_array()
                .ok_or_else(|| BehaviourError::new(list, "must be an array of steps"))?;
            for (index, item) in items.iter().enumerate() {
                let field = format!("{list}[{index}]");
                if steps.len() >= MAX_STEPS {
                    return Err(BehaviourError::new(
                        field,
                        format!("too many steps (at most {MAX_STEPS} in all)"),
                    ));
                }
                steps.push(step_value(list, item, &field)?);
            }
        }
        steps.sort_by_key(|step| step.at);
        let hangup_after = match object.get("hangupAfter") {
            None | Some(Value::Null) => None,
            Some(value) => Some(duration_value(value, "hangupAfter")?),
        };
        let record = match object.get("record") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(record)) => *record,
            Some(_) => return Err(BehaviourError::new("record", "must be true or false")),
        };
        Ok(Timeline {
            steps,
            hangup_after,
            record,
        })
    }

    /// The REST form.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        for step in &self.steps {
            let at = json!(format_duration(step.at));
            let item = match &step.kind {
                StepKind::Press { tones, in_band } => json!({
                    "at": at,
                    "digits": tones.iter().map(|t| t.as_char()).collect::<String>(),
                    "inBand": in_band,
                }),
                StepKind::Play { media } => json!({ "at": at, "media": media }),
                StepKind::Say { text } => json!({ "at": at, "text": text }),
                StepKind::Tone { duration } => json!({
                    "at": at,
                    "duration": format_duration(*duration),
                }),
                StepKind::Silence { duration } => json!({
                    "at": at,
                    "duration": format_duration(*duration),
                }),
                StepKind::Hold { duration: None } => json!({ "at": at }),
                StepKind::Hold {
                    duration: Some(duration),
                } => json!({ "at": at, "for": format_duration(*duration) }),
            };
            if let Value::Array(list) = object
                .entry(step.kind.list_name())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(item);
            }
        }
        if let Some(after) = self.hangup_after {
            object.insert("hangupAfter".into(), json!(format_duration(after)));
        }
        object.insert("record".into(), json!(self.record));
        Value::Object(object)
    }

    /// Media ids the timeline plays.
    pub fn media_ids(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|step| match &step.kind {
            StepKind::Play { media } => Some(media.as_str()),
            _ => None,
        })
    }
}

fn check_keys(
    object: &Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
) -> Result<(), BehaviourError> {
    for key in object.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(BehaviourError::new(
                format!("{prefix}{}", clip(key)),
                format!("unknown field (expected one of: {})", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// One step object of list `list`.
fn step_value(list: &str, item: &Value, field: &str) -> Result<Step, BehaviourError> {
    let object = item
        .as_object()
        .ok_or_else(|| BehaviourError::new(field, "a step must be a JSON object"))?;
    let allowed: &[&str] = match list {
        "press" => &["at", "digits", "inBand"],
        "play" => &["at", "media"],
        "say" => &["at", "text"],
        "tone" => &["at", "duration"],
        "silence" => &["at", "duration"],
        _ => &["at", "for"],
    };
    check_keys(object, allowed, &format!("{field}."))?;
    let at = match object.get("at") {
        None | Some(Value::Null) => Duration::ZERO,
        Some(value) => duration_value(value, &format!("{field}.at"))?,
    };
    let string = |key: &str| -> Result<&str, BehaviourError> {
        match object.get(key) {
            Some(Value::String(text)) => Ok(text.as_str()),
            None | Some(Value::Null) => {
                Err(BehaviourError::new(format!("{field}.{key}"), "is required"))
            }
            Some(_) => Err(BehaviourError::new(
                format!("{field}.{key}"),
                "must be a string",
            )),
        }
    };
    let kind = match list {
        "press" => {
            let tones = parse_digits(string("digits")?)
                .map_err(|message| BehaviourError::new(format!("{field}.digits"), message))?;
            let in_band = match object.get("inBand") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(in_band)) => *in_band,
                Some(_) => {
                    return Err(BehaviourError::new(
                        format!("{field}.inBand"),
                        "must be true or false",
                    ))
                }
            };
            StepKind::Press { tones, in_band }
        }
        "play" => {
            let media = parse_media_id(string("media")?)
                .map_err(|message| BehaviourError::new(format!("{field}.media"), message))?;
            StepKind::Play { media }
        }
        "say" => StepKind::Say {
            text: say_text(string("text")?)
                .map_err(|message| BehaviourError::new(format!("{field}.text"), message))?,
        },
        "tone" => {
            let duration = match object.get("duration") {
                None | Some(Value::Null) => DEFAULT_TONE,
                Some(value) => duration_value(value, &format!("{field}.duration"))?,
            };
            StepKind::Tone { duration }
        }
        "silence" => {
            let duration = match object.get("duration") {
                None | Some(Value::Null) => Duration::ZERO,
                Some(value) => duration_value(value, &format!("{field}.duration"))?,
            };
            StepKind::Silence { duration }
        }
        _ => {
            let duration = match object.get("for") {
                None | Some(Value::Null) => None,
                Some(value) => Some(duration_value(value, &format!("{field}.for"))?),
            };
            StepKind::Hold { duration }
        }
    };
    Ok(Step { at, kind })
}

/// A duration given as a string (`3s`) or a number of milliseconds.
fn duration_value(value: &Value, field: &str) -> Result<Duration, BehaviourError> {
    match value {
        Value::String(text) => {
            parse_duration(text).map_err(|message| BehaviourError::new(field, message))
        }
        Value::Number(number) => {
            let ms = number.as_u64().ok_or_else(|| {
                BehaviourError::new(
                    field,
                    format!("{number} is not a whole, non-negative number of milliseconds"),
                )
            })?;
            let duration = Duration::from_millis(ms);
            check_cap(duration, &format!("{ms} ms"))
                .map_err(|message| BehaviourError::new(field, message))
        }
        _ => Err(BehaviourError::new(
            field,
            "must be a duration such as \"3s\", \"1500ms\" or \"1m\" (or a number of milliseconds)",
        )),
    }
}

fn check_cap(duration: Duration, shown: &str) -> Result<Duration, String> {
    if duration > MAX_TIME {
        Err(format!(
            "{shown} is too long (at most {})",
            format_duration(MAX_TIME)
        ))
    } else {
        Ok(duration)
    }
}

/// Parses `1500ms`, `3s`, `1.5s`, `1m`, `2h` (at most [`MAX_TIME`]); the unit is required.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    let shown = clip(text);
    let invalid = || {
        format!("'{shown}' is not a duration (use a number and a unit: 1500ms, 3s, 1.5s, 1m or 1h)")
    };
    if text.is_empty() {
        return Err("a duration is required (e.g. 3s, 1500ms, 1m)".to_string());
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{shown}' has no unit (use e.g. {shown}ms or {shown}s)"))?;
    let (number, unit) = text.split_at(split);
    let unit_ms: u128 = match unit.trim().to_ascii_lowercase().as_str() {
        "ms" => 1,
        "s" | "sec" | "secs" => 1_000,
        "m" | "min" | "mins" => 60_000,
        "h" | "hr" | "hrs" => 3_600_000,
        _ => return Err(invalid()),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    // Compare against the cap before any arithmetic can overflow: at most 4 h of ms fits easily.
    let cap_ms = MAX_TIME.as_millis();
    let whole_value: u128 = if whole.is_empty() {
        0
    } else if whole.trim_start_matches('0').len() > 12 {
        u128::MAX
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let mut total = whole_value.saturating_mul(unit_ms);
    // Fractional part, to millisecond precision (digits beyond the ninth are ignored).
    if !fraction.is_empty() {
        let digits: String = fraction.chars().take(9).collect();
        let value: u128 = digits.parse().map_err(|_| invalid())?;
        let denominator = 10u128.pow(digits.len() as u32);
        total = total.saturating_add(value * unit_ms / denominator);
    }
    if total > cap_ms {
        return Err(format!(
            "'{shown}' is too long (at most {})",
            format_duration(MAX_TIME)
        ));
    }
    Ok(Duration::from_millis(total as u64))
}

/// Renders a duration the way [`parse_duration`] reads it back (`1500ms`, `3s`, `2m`, `4h`).
pub fn format_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms == 0 {
        "0s".to_string()
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

/// Splits a CLI step `WHAT@T` at its last `@` (`123#@1500ms`, `greeting.wav@3s`); without `@` the
/// step runs at answer (0 s).
pub fn parse_at(input: &str) -> Result<(String, Duration), String> {
    match input.rsplit_once('@') {
        Some((what, at)) => {
            if what.is_empty() {
                return Err(format!(
                    "'{}' names nothing before '@' (expected WHAT@TIME, e.g. 123#@1500ms)",
                    clip(input)
                ));
            }
            let at = parse_duration(at)?;
            Ok((what.to_string(), at))
        }
        None if input.is_empty() => Err("a step is required (e.g. 123#@1500ms)".to_string()),
        None => Ok((input.to_string(), Duration::ZERO)),
    }
}

/// A CLI `--press DIGITS@T` step.
pub fn parse_press_arg(input: &str) -> Result<Step, String> {
    let (digits, at) = parse_at(input)?;
    Ok(Step {
        at,
        kind: StepKind::Press {
            tones: parse_digits(&digits)?,
            in_band: true,
        },
    })
}

/// A CLI `--play FILE@T` step (the file is uploaded by the CLI, which then puts its media id in).
pub fn parse_play_arg(input: &str) -> Result<Step, String> {
    let (file, at) = parse_at(input)?;
    Ok(Step {
        at,
        kind: StepKind::Play { media: file },
    })
}

/// A CLI `--say TEXT@T` step.
pub fn parse_say_arg(input: &str) -> Result<Step, String> {
    let (text, at) = parse_at(input)?;
    Ok(Step {
        at,
        kind: StepKind::Say {
            text: say_text(&text)?,
        },
    })
}

/// The longest text one `say` step speaks.
pub const MAX_SAY_CHARS: usize = 1_000;

/// Text to say: 1 to [`MAX_SAY_CHARS`] characters, not only blanks.
fn say_text(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("nothing to say".to_string());
    }
    if text.chars().count() > MAX_SAY_CHARS {
        return Err(format!("too long (at most {MAX_SAY_CHARS} characters)"));
    }
    Ok(text.to_string())
}

/// The media id a `say` step's audio is stored under (`say-` and 32 hex digits of the text's
/// SHA-256): the same text is synthesised once.
pub fn say_media_id(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("say-{hex}")
}

/// DTMF keys: 1 to [`MAX_DIGITS`] of `0-9 * # A-D`; spaces, dashes and commas are ignored.
pub fn parse_digits(input: &str) -> Result<Vec<Tone>, String> {
    let mut tones = Vec::new();
    for c in input.chars() {
        if c == ' ' || c == '-' || c == ',' {
            continue;
        }
        if c == '!' {
            return Err("hook flash ('!') cannot be pressed".to_string());
        }
        let tone = Tone::from_char(c).map_err(|error| error.to_string())?;
        if tones.len() >= MAX_DIGITS {
            return Err(format!("too many keys (at most {MAX_DIGITS} per step)"));
        }
        tones.push(tone);
    }
    if tones.is_empty() {
        return Err("no keys to press (expected 0-9, *, #, A-D)".to_string());
    }
    Ok(tones)
}

/// An uploaded media id: 1–64 characters of `A-Z a-z 0-9 - _`; `ringside-media:<id>` and
/// `/ringside/v1/media/<id>` are accepted and reduced to the id.
pub fn parse_media_id(input: &str) -> Result<String, String> {
    let text = input.trim();
    let id = text
        .strip_prefix("ringside-media:")
        .or_else(|| text.strip_prefix("/ringside/v1/media/"))
        .unwrap_or(text);
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(id.to_string())
    } else {
        Err(format!(
            "'{}' is not a media id (upload the WAV with POST /ringside/v1/media and use the id it returns)",
            clip(text)
        ))
    }
}

/// At most 40 characters of user input, for messages.
fn clip(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_refuse_the_rest() {
        let ok = [
            ("3s", 3_000),
            ("1500ms", 1_500),
            ("1m", 60_000),
            ("1.5s", 1_500),
            (".5s", 500),
            ("0s", 0),
            ("4h", 14_400_000),
            (" 2 s", 2_000),
            ("10sec", 10_000),
        ];
        for (text, ms) in ok {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
        for bad in [
            "",
            "3",
            "s",
            "3x",
            "-1s",
            "1..5s",
            "4h1ms",
            "5h",
            "99999999999999999999999s",
            "1e3s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("5h").unwrap_err().contains("too long"));
        assert!(parse_duration("3").unwrap_err().contains("no unit"));
        for d in [0, 1, 999, 1_000, 1_500, 60_000, 3_600_000] {
            let duration = Duration::from_millis(d);
            assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
        }
    }

    #[test]
    fn cli_steps_split_at_the_last_at_sign() {
        assert_eq!(
            parse_at("me@home.wav@3s"),
            Ok(("me@home.wav".to_string(), Duration::from_secs(3)))
        );
        assert_eq!(
            parse_at("hello.wav"),
            Ok(("hello.wav".into(), Duration::ZERO))
        );
        assert!(parse_at("@3s").is_err());
        assert!(parse_at("x@").is_err());
        let step = parse_press_arg("123#@1500ms").expect("press");
        assert_eq!(step.at, Duration::from_millis(1_500));
        assert_eq!(
            step.kind,
            StepKind::Press {
                tones: Tone::parse_sequence("123#").expect("tones"),
                in_band: true
            }
        );
        assert!(parse_press_arg("12x@1s").unwrap_err().contains("'x'"));
        assert!(parse_press_arg("@1s").is_err());
        assert!(parse_play_arg("greeting.wav@2s").is_ok());
        let say = parse_say_arg("billing please@2s").expect("say");
        assert_eq!(say.at, Duration::from_secs(2));
        assert_eq!(
            say.kind,
            StepKind::Say {
                text: "billing please".into()
            }
        );
        assert!(parse_say_arg("  @1s").is_err());
    }

    #[test]
    fn say_steps_parse_round_trip_and_share_their_audio_by_text() {
        let body = json!({"say": [{"text": "support", "at": "1s"}, {"text": "billing"}]});
        let timeline = Timeline::from_json(&body).expect("say steps");
        assert_eq!(timeline.steps.len(), 2);
        assert_eq!(Timeline::from_json(&timeline.to_json()), Ok(timeline));
        assert!(Timeline::from_json(&json!({"say": [{"text": ""}]}))
            .unwrap_err()
            .to_string()
            .contains("say[0].text"));
        let long = "a".repeat(MAX_SAY_CHARS + 1);
        assert!(Timeline::from_json(&json!({"say": [{"text": long}]})).is_err());
        let id = say_media_id("billing");
        assert_eq!(id, say_media_id("billing"));
        assert_ne!(id, say_media_id("support"));
        assert_eq!(parse_media_id(&id).as_deref(), Ok(id.as_str()));
    }

    #[test]
    fn a_full_behaviour_parses_sorted_and_round_trips() {
        let body = json!({
            "answer": "auto",
            "answerAfter": "1500ms",
            "play": [{"media": "ringside-media:abc", "at": "3s"}],
            "press": [{"digits": "123#", "at": 1000}, {"digits": "9", "at": "5s", "inBand": false}],
            "tone": [{"at": "2s"}],
            "silence": [{"at": "4s", "duration": "1s"}],
            "hold": [{"at": "6s"}],
            "hangupAfter": "10s",
            "record": true
        });
        let behaviour = Behaviour::from_json(&body).expect("valid");
        assert_eq!(
            behaviour.answer,
            Some(Answer::After(Duration::from_millis(1_500)))
        );
        let times: Vec<u128> = behaviour
            .timeline
            .steps
            .iter()
            .map(|s| s.at.as_millis())
            .collect();
        assert_eq!(times, vec![1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
        assert_eq!(
            behaviour.timeline.hangup_after,
            Some(Duration::from_secs(10))
        );
        assert!(behaviour.timeline.record);
        assert_eq!(
            behaviour.timeline.media_ids().collect::<Vec<_>>(),
            vec!["abc"]
        );
        let again = Behaviour::from_json(&behaviour.to_json()).expect("round trip");
        assert_eq!(again, behaviour);
        assert_eq!(
            Behaviour::from_json(&json!({})).expect("empty"),
            Behaviour::default()
        );
    }

    #[test]
    fn invalid_steps_name_their_field() {
        let cases = [
            (json!([]), ""),
            (json!({"answer": "maybe"}), "answer"),
            (
                json!({"answer": "busy", "answerAfter": "1s"}),
                "answerAfter",
            ),
            (json!({"answerAfter": "5h"}), "answerAfter"),
            (json!({"hangupAfter": -3}), "hangupAfter"),
            (json!({"hangupafter": "3s"}), "hangupafter"),
            (json!({"press": {"digits": "1"}}), "press"),
            (
                json!({"press": [{"digits": "1"}, {"digits": "x1"}]}),
                "press[1].digits",
            ),
            (json!({"press": [{"at": "1s"}]}), "press[0].digits"),
            (
                json!({"press": [{"digits": "1", "at": "soon"}]}),
                "press[0].at",
            ),
            (
                json!({"press": [{"digits": "1", "when": "1s"}]}),
                "press[0].when",
            ),
            (
                json!({"play": [{"media": "../etc/passwd"}]}),
                "play[0].media",
            ),
            (
                json!({"tone": [{"frequencyHz": 1000}]}),
                "tone[0].frequencyHz",
            ),
            (json!({"tone": [{"duration": "1d"}]}), "tone[0].duration"),
            (json!({"record": "yes"}), "record"),
        ];
        for (body, field) in cases {
            let error = Behaviour::from_json(&body).expect_err(&body.to_string());
            assert_eq!(error.field, field, "{body}: {error}");
            assert!(!error.message.is_empty());
        }
        let many: Vec<Value> = (0..=MAX_STEPS).map(|_| json!({"digits": "1"})).collect();
        let error = Behaviour::from_json(&json!({ "press": many })).expect_err("too many");
        assert!(error.message.contains("too many steps"), "{error}");
    }

    #[test]
    fn random_valid_behaviours_round_trip() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound.max(1)
        };
        for _ in 0..2_000 {
            let mut body = serde_json::Map::new();
            let at = |next: &mut dyn FnMut(u64) -> u64| match next(3) {
                0 => json!(next(20_000)),
                1 => json!(format!("{}ms", next(20_000))),
                _ => json!(format!("{}s", next(60))),
            };
            let presses: Vec<Value> = (0..next(4))
                .map(|_| {
                    let digits: String = (0..=next(6))
                        .map(|_| char::from(b"0123456789*#ABCDabcd"[next(20) as usize]))
                        .collect();
                    json!({"digits": digits, "at": at(&mut next), "inBand": next(2) == 0})
                })
                .collect();
            body.insert("press".into(), json!(presses));
            let plays: Vec<Value> = (0..next(3))
                .map(|_| json!({"media": format!("m{}", next(5)), "at": at(&mut next)}))
                .collect();
            body.insert("play".into(), json!(plays));
            body.insert(
                "tone".into(),
                json!([{"at": at(&mut next), "duration": at(&mut next)}]),
            );
            body.insert("silence".into(), json!([{"at": at(&mut next)}]));
            body.insert("hold".into(), json!([{"at": at(&mut next)}]));
            match next(4) {
                0 => body.insert("answer".into(), json!("busy")),
                1 => body.insert("answerAfter".into(), at(&mut next)),
                _ => None,
            };
            if next(2) == 0 {
                body.insert("hangupAfter".into(), at(&mut next));
            }
            body.insert("record".into(), json!(next(2) == 0));
            let parsed = Behaviour::from_json(&Value::Object(body.clone()))
                .unwrap_or_else(|error| panic!("{error}: {}", Value::Object(body.clone())));
            assert!(parsed.timeline.steps.windows(2).all(|w| w[0].at <= w[1].at));
            assert_eq!(Behaviour::from_json(&parsed.to_json()), Ok(parsed));
        }
    }

    #[test]
    fn never_panics_on_random_input() {
        // A deterministic xorshift drives random bytes and random JSON-ish text through every
        // entry point; the fuzz target does the same without bounds.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789smhms.@#*ABCDx {}[]\":,-+eE\\/ntrufalse";
        let keys = [
            "\"answer\"",
            "\"answerAfter\"",
            "\"play\"",
            "\"press\"",
            "\"tone\"",
            "\"silence\"",
            "\"hold\"",
            "\"hangupAfter\"",
            "\"record\"",
            "\"at\"",
            "\"digits\"",
            "\"media\"",
            "\"duration\"",
            "\"inBand\"",
        ];
        for round in 0..20_000 {
            let len = (next() % 48) as usize;
            let text: String = (0..len)
                .map(|_| {
                    if next() % 5 == 0 {
                        keys[(next() % keys.len() as u64) as usize].to_string()
                    } else {
                        char::from(alphabet[(next() % alphabet.len() as u64) as usize]).to_string()
                    }
                })
                .collect();
            let _ = parse_duration(&text);
            let _ = parse_at(&text);
            let _ = parse_press_arg(&text);
            let _ = parse_media_id(&text);
            let _ = Behaviour::from_json_bytes(text.as_bytes());
            let wrapped = format!("{{\"press\":[{{\"digits\":\"{text}\",\"at\":\"{text}\"}}]}}");
            for candidate in [text.as_bytes(), wrapped.as_bytes()] {
                if let Ok(parsed) = Behaviour::from_json_bytes(candidate) {
                    assert_eq!(Behaviour::from_json(&parsed.to_json()), Ok(parsed));
                }
            }
            if round % 10 == 0 {
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let _ = Behaviour::from_json_bytes(&bytes);
                let _ = parse_duration(&String::from_utf8_lossy(&bytes));
            }
        }
    }
}
