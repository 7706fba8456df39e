//! Choices (ACS `choices`: a label and the phrases that select it) as a JSGF grammar for
//! pocketsphinx, and the way back from a hypothesis to the choice it matches.
//!
//! Phrases are normalised to the dictionary's form: lower case, words of letters, digits and
//! apostrophes, digits spelled out ("press 1" → "press one"). A phrase with a word the
//! dictionary lacks is left out of the grammar (and listed in [`Grammar::dropped`]); a request
//! with no usable phrase at all is refused.

use crate::SpeechError;
use std::collections::BTreeSet;

/// One choice: its label and the phrases that select it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Returned as `choiceResult.label`.
    pub label: String,
    /// Phrases as the request gave them; the matched one is `choiceResult.recognizedPhrase`.
    pub phrases: Vec<String>,
}

impl Choice {
    /// A choice from a label and phrases.
    pub fn new(label: &str, phrases: &[&str]) -> Choice {
        Choice {
            label: label.to_string(),
            phrases: phrases.iter().map(|p| p.to_string()).collect(),
        }
    }
}

/// A compiled grammar: its JSGF text and the normalised phrase → (choice, phrase) table.
#[derive(Debug, Clone, PartialEq)]
pub struct Grammar {
    /// JSGF source for `ps_set_jsgf_string`.
    pub jsgf: String,
    /// Normalised phrase, index of its choice, the phrase as given.
    pub phrases: Vec<(String, usize, String)>,
    /// Phrases left out (a word not in the dictionary), as given.
    pub dropped: Vec<String>,
    /// Every word the grammar uses.
    pub words: BTreeSet<String>,
    /// The choices' labels, by index.
    pub labels: Vec<String>,
}

const DIGITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// "Press 1, or say Billing!" → "press one or say billing".
pub fn normalize(phrase: &str) -> String {
    let mut words = Vec::new();
    for raw in phrase.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let word = raw.trim_matches('\'').to_lowercase();
        if word.is_empty() {
            continue;
        }
        if word.chars().all(|c| c.is_ascii_digit()) {
            words.extend(
                word.bytes()
                    .map(|b| DIGITS[usize::from(b - b'0')].to_string()),
            );
        } else {
            words.push(word);
        }
    }
    words.join(" ")
}

impl Grammar {
    /// Builds the grammar, keeping phrases whose every word `known` accepts.
    pub fn build(choices: &[Choice], known: impl Fn(&str) -> bool) -> Result<Grammar, SpeechError> {
        let mut grammar = Grammar {
            jsgf: String::new(),
            phrases: Vec::new(),
            dropped: Vec::new(),
            words: BTreeSet::new(),
            labels: choices.iter().map(|c| c.label.clone()).collect(),
        };
        for (index, choice) in choices.iter().enumerate() {
            for phrase in &choice.phrases {
                grammar.add(index, phrase, &known);
            }
        }
        if grammar.phrases.is_empty() {
            return Err(SpeechError::InvalidRequest(format!(
                "no choice phrase can be recognized (unknown words in {:?})",
                grammar.dropped
            )));
        }
        grammar.jsgf = grammar.render();
        Ok(grammar)
    }

    fn add(&mut self, index: usize, phrase: &str, known: &impl Fn(&str) -> bool) {
        let normal = normalize(phrase);
        if normal.is_empty() || !normal.split(' ').all(known) {
            self.dropped.push(phrase.to_string());
            return;
        }
        if self.phrases.iter().any(|(p, _, _)| *p == normal) {
            return; // the first choice that lists a phrase owns it
        }
        self.words.extend(normal.split(' ').map(str::to_string));
        self.phrases.push((normal, index, phrase.to_string()));
    }

    fn render(&self) -> String {
        let alternatives: Vec<&str> = self.phrases.iter().map(|(p, _, _)| p.as_str()).collect();
        format!(
            "#JSGF V1.0;\ngrammar choices;\npublic <choice> = {} ;\n",
            alternatives.join(" | ")
        )
    }

    /// The choice index and phrase (as given) a hypothesis matches.
    pub fn lookup(&self, hypothesis: &str) -> Option<(usize, &str)> {
        let normal = normalize(hypothesis);
        self.phrases
            .iter()
            .find(|(p, _, _)| *p == normal)
            .map(|(_, index, given)| (*index, given.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu() -> Vec<Choice> {
        vec![
            Choice::new("Billing", &["billing", "Bill", "press 1"]),
            Choice::new("Support", &["tech support", "help"]),
            Choice::new("Other", &["xyzzy", "BILLING"]),
        ]
    }

    #[test]
    fn phrases_are_normalised_with_digits_spelled() {
        assert_eq!(
            normalize("Press 1, or say Billing!"),
            "press one or say billing"
        );
        assert_eq!(normalize("  it's  42 "), "it's four two");
        assert_eq!(normalize("¿Qué?"), "qué");
        assert_eq!(normalize("..."), "");
    }

    #[test]
    fn grammar_lists_every_known_phrase_once() {
        let g = Grammar::build(&menu(), |w| w != "xyzzy").expect("grammar");
        assert_eq!(
            g.jsgf,
            "#JSGF V1.0;\ngrammar choices;\npublic <choice> = billing | bill | press one | \
             tech support | help ;\n"
        );
        assert_eq!(g.dropped, vec!["xyzzy".to_string()]);
        assert!(g.words.contains("support") && !g.words.contains("xyzzy"));
    }

    #[test]
    fn hypotheses_map_back_to_the_choice_and_given_phrase() {
        let g = Grammar::build(&menu(), |_| true).expect("grammar");
        assert_eq!(g.lookup("press one"), Some((0, "press 1")));
        assert_eq!(g.lookup("TECH SUPPORT"), Some((1, "tech support")));
        assert_eq!(g.lookup("billing"), Some((0, "billing")));
        assert_eq!(g.lookup("sales"), None);
    }

    #[test]
    fn nothing_recognizable_is_refused() {
        let err = Grammar::build(&[Choice::new("x", &["xyzzy", "!!"])], |w| w != "xyzzy");
        assert!(matches!(err, Err(SpeechError::InvalidRequest(_))));
        assert!(matches!(
            Grammar::build(&[], |_| true),
            Err(SpeechError::InvalidRequest(_))
        ));
    }
}
