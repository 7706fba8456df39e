//! Unit tests of the SSML subset ([`super`]).

use super::*;

fn us() -> Voice {
    resolve(None, Some("en-US"))
}

fn texts(segments: &[Segment]) -> Vec<String> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Speak { text, .. } => text.clone(),
            Segment::Break(ms) => format!("<{ms}>"),
        })
        .collect()
}

#[test]
fn speak_with_text_is_one_segment() {
    let s = parse(
        "<speak version='1.0' xml:lang='en-US'> Hello\n  world </speak>",
        us(),
        1.0,
    );
    assert_eq!(texts(&s.expect("valid")), vec!["Hello world"]);
}

#[test]
fn voice_switches_and_locale_comes_from_speak() {
    let ssml = "<speak xml:lang='de-DE'>Hallo<voice name='en-US-GuyNeural'>hello</voice></speak>";
    let s = parse(ssml, us(), 1.0).expect("valid");
    let voices: Vec<String> = s
        .iter()
        .filter_map(|s| match s {
            Segment::Speak { voice, .. } => Some(voice.espeak_name()),
            Segment::Break(_) => None,
        })
        .collect();
    assert_eq!(voices, vec!["de+f3", "en-us+m3"]);
}

#[test]
fn breaks_by_time_and_strength() {
    let ssml = "<speak>a<break time='300ms'/>b<break time='1.5s'/>c<break strength='weak'/>d\
                <break/>e<break time='60s'/>f<break strength='none'/>g</speak>";
    let s = parse(ssml, us(), 1.0).expect("valid");
    assert_eq!(
        texts(&s),
        vec!["a", "<300>", "b", "<1500>", "c", "<500>", "d", "<750>", "e", "<5000>", "f g"]
    );
}

#[test]
fn say_as_digits_and_telephone_are_spelled() {
    let ssml = "<speak>Code <say-as interpret-as='digits'>1234</say-as>, call \
                <say-as interpret-as='telephone'>+1 (425) 555-0100</say-as></speak>";
    let s = parse(ssml, us(), 1.0).expect("valid");
    assert_eq!(
        texts(&s),
        vec!["Code 1 2 3 4 , call plus, 1, 4 2 5, 5 5 5, 0 1 0 0"]
    );
}

#[test]
fn prosody_rate_and_pitch_apply_inside_only() {
    let ssml = "<speak>a<prosody rate='slow' pitch='+20%'>b</prosody>\
                <prosody rate='+50%' pitch='x-low'>c</prosody>d</speak>";
    let s = parse(ssml, us(), 1.0).expect("valid");
    let style: Vec<(f32, u32)> = s
        .iter()
        .filter_map(|s| match s {
            Segment::Speak { rate, pitch, .. } => Some((*rate, *pitch)),
            Segment::Break(_) => None,
        })
        .collect();
    assert_eq!(style, vec![(1.0, 50), (0.64, 60), (1.5, 20), (1.0, 50)]);
}

#[test]
fn rate_and_pitch_values() {
    assert_eq!(parse_rate("x-fast"), Some(2.0));
    assert_eq!(parse_rate("-20%"), Some(0.8));
    assert_eq!(parse_rate("80%"), Some(0.8));
    assert_eq!(parse_rate("1.2"), Some(1.2));
    assert_eq!(parse_rate("-200%"), None);
    assert_eq!(parse_rate("fastish"), None);
    assert_eq!(parse_pitch("+2st", 50), Some(58));
    assert_eq!(parse_pitch("-40Hz", 50), Some(40));
    assert_eq!(parse_pitch("+500%", 50), Some(100));
    assert_eq!(parse_pitch("loud", 50), None);
}

#[test]
fn sub_p_s_and_unknown_elements() {
    let ssml = "<speak xmlns:mstts='http://www.w3.org/2001/mstts'><p><s>Hi</s>\
                <s><sub alias='World Wide Web'>WWW</sub></s></p>\
                <mstts:express-as style='cheerful'><emphasis>yay</emphasis></mstts:express-as></speak>";
    let s = parse(ssml, us(), 1.0).expect("valid");
    assert_eq!(
        texts(&s),
        vec!["Hi", "<200>", "World Wide Web", "<600>", "yay"]
    );
}

#[test]
fn malformed_or_wrong_root_is_an_error() {
    assert!(matches!(
        parse("<speak>oops", us(), 1.0),
        Err(SpeechError::InvalidSsml(_))
    ));
    assert!(matches!(
        parse("<voice>x</voice>", us(), 1.0),
        Err(SpeechError::InvalidSsml(_))
    ));
    assert!(matches!(
        parse("", us(), 1.0),
        Err(SpeechError::InvalidSsml(_))
    ));
}

#[test]
fn plain_text_collapses_whitespace_and_drops_empty() {
    assert_eq!(texts(&plain("  a \n b ", us(), 1.0)), vec!["a b"]);
    assert!(plain("   ", us(), 1.0).is_empty());
}
