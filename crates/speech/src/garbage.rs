//! The garbage alternative of a choices grammar: common English words the caller may say instead
//! of a choice, so that speech which is none of the choices has somewhere to go (a no match)
//! rather than being forced onto the nearest choice.
//!
//! The words are a fixed list of frequent English words, chosen without looking at any test
//! word. For each grammar, the words that sound like one of its own words (the same
//! pronunciation, or one phone inserted, deleted or changed: "four"/"for", "five"/"fine") are
//! left out, so a garbage word never competes with a choice it could be mistaken for.

use std::collections::BTreeSet;

/// Frequent English words (general frequency lists' first couple of hundred, minus words
/// of one or two letters that are mostly unstressed).
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "the", "and", "that", "have", "for", "not", "with", "you", "this", "but", "his", "from", "they",
    "say", "her", "she", "will", "would", "there", "their", "what", "about", "who", "get", "which",
    "when", "make", "can", "like", "time", "just", "him", "know", "take", "people", "into", "year",
    "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only",
    "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work",
    "first", "well", "way", "even", "new", "want", "because", "any", "these", "give", "day", "most",
    "were", "been", "has", "had", "said", "did", "find", "here", "thing", "many", "tell", "very",
    "where", "need", "call", "should", "right", "still", "try", "ask", "feel", "leave", "put",
    "mean", "keep", "let", "begin", "seem", "talk", "turn", "start", "show", "hear", "play", "run",
    "move", "live", "believe", "hold", "bring", "happen", "write", "sit", "stand", "lose", "meet",
    "include", "continue", "set", "learn", "change", "lead", "understand", "watch", "follow",
    "stop", "create", "speak", "read", "spend", "grow", "open", "walk", "win", "offer", "remember",
    "love", "consider", "appear", "buy", "wait", "serve", "die", "send", "expect", "build", "stay",
    "fall", "cut", "reach", "kill", "remain", "suggest", "raise", "pass", "sell", "require",
    "report", "decide", "pull", "child", "world", "life", "hand", "part", "place", "case", "week",
    "company", "system", "program", "question", "government", "night", "point", "home", "water",
    "room", "mother", "area", "money", "story", "fact", "month", "lot", "study", "book", "eye",
    "job", "word", "business", "issue", "side", "kind", "head", "house", "service", "friend",
    "father", "power", "hour", "game", "line", "end", "member", "law", "car", "city", "community",
    "name", "president", "team", "minute", "idea", "kid", "body", "information", "school", "face",
    "others", "level", "office", "door", "health", "person", "art", "war", "history", "party",
    "result", "morning", "reason", "research", "girl", "guy", "moment", "air", "teacher", "force",
    "education", "great", "little", "long", "old", "big", "high", "different", "small", "large",
    "next", "early", "young", "important", "few", "public", "bad", "same", "able", "last", "late",
    "hard", "major", "better", "economic", "strong", "possible", "whole", "free", "military",
    "true", "federal", "international", "full", "special", "easy", "clear", "recent", "certain",
    "personal", "open", "red", "difficult", "available", "likely", "short", "single", "medical",
    "current", "wrong", "private", "past", "foreign", "fine", "common", "poor", "natural",
    "significant", "similar", "hot", "dead", "central", "happy", "serious", "ready", "simple",
    "left", "physical", "general", "environmental", "financial", "blue", "democratic", "dark",
    "various", "entire", "close", "legal", "religious", "cold", "final", "main", "green", "nice",
    "huge", "popular", "traditional", "cultural",
];

/// The garbage words for a grammar whose words have the pronunciations `grammar` (each a
/// list of phones), given `pronounce` to look a garbage word up: every listed word the
/// dictionary knows, is not a grammar word and is at least two phone edits from each of them.
pub(crate) fn words_for(
    grammar_words: &BTreeSet<String>,
    grammar: &[Vec<String>],
    mut pronounce: impl FnMut(&str) -> Option<Vec<String>>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    for &word in WORDS {
        if grammar_words.contains(word) || out.contains(&word) {
            continue;
        }
        let Some(phones) = pronounce(word) else {
            continue;
        };
        if grammar.iter().all(|g| edit_distance(g, &phones) > 1) {
            out.push(word);
        }
    }
    out
}

/// A JSGF grammar of `phrases` (normalised, each weighted 1) and `words` (each weighted
/// `weight`), one public rule.
pub(crate) fn jsgf(phrases: &[&str], words: &[&str], weight: f32) -> String {
    let alternatives: Vec<String> = phrases
        .iter()
        .map(|p| format!("/1/ {p}"))
        .chain(words.iter().map(|w| format!("/{weight}/ {w}")))
        .collect();
    format!(
        "#JSGF V1.0;\ngrammar choices;\npublic <choice> = {} ;\n",
        alternatives.join(" | ")
    )
}

/// Levenshtein distance between two phone strings.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn phones(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn words_that_sound_like_a_choice_are_left_out() {
        let dictionary = [
            ("for", "F AO R"),
            ("fine", "F AY N"),
            ("the", "DH AH"),
            ("great", "G R EY T"),
        ];
        let grammar_words: BTreeSet<String> = ["four", "five"].map(String::from).into();
        let own = [phones("F AO R"), phones("F AY V")];
        let words = words_for(&grammar_words, &own, |w| {
            dictionary
                .iter()
                .find(|(d, _)| *d == w)
                .map(|(_, p)| phones(p))
        });
        assert!(words.contains(&"the") && words.contains(&"great"));
        assert!(!words.contains(&"for") && !words.contains(&"fine"));
        assert!(!words.contains(&"people"), "not in this dictionary");
    }

    #[test]
    fn garbage_words_are_weighted_alternatives() {
        assert_eq!(
            jsgf(&["billing", "tech support"], &["the", "great"], 1e-30),
            "#JSGF V1.0;\ngrammar choices;\npublic <choice> = /1/ billing | /1/ tech support | \
             /0.000000000000000000000000000001/ the | /0.000000000000000000000000000001/ great ;\n"
        );
    }

    #[test]
    fn phone_edit_distance() {
        assert_eq!(edit_distance(&phones("F AY V"), &phones("F AY N")), 1);
        assert_eq!(
            edit_distance(&phones("S EH V AH N"), &phones("S T AE N D")),
            4
        );
        assert_eq!(edit_distance(&[], &phones("DH AH")), 2);
    }
}
