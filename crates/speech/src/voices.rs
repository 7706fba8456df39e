//! Azure neural voice names and BCP-47 locales mapped to espeak-ng voices.
//!
//! A voice is an espeak-ng language voice plus a variant (`+f3`, `+m3`, ...): the language comes
//! from the Azure voice's locale, the variant from its gender, with different variants for the
//! common voices of one locale so that two Azure voices sound different here too. Resolution never
//! fails, as Azure would not fail on these inputs: an unknown voice name falls back to the
//! requested locale's default voice (female, as Azure's defaults are), an unknown locale to en-US.
//!
//! | Azure voice | espeak-ng | | Azure voice | espeak-ng |
//! |---|---|---|---|---|
//! | en-US-JennyNeural (default) | en-us+f3 | | en-GB-SoniaNeural (default) | en-gb+f3 |
//! | en-US-AriaNeural | en-us+f2 | | en-GB-LibbyNeural | en-gb+f2 |
//! | en-US-AvaNeural, -EmmaNeural | en-us+f4 | | en-GB-RyanNeural | en-gb+m3 |
//! | en-US-MichelleNeural, -SaraNeural | en-us+f5 | | en-GB-ThomasNeural | en-gb+m1 |
//! | en-US-AnaNeural (child) | en-us+f1 | | de-DE-KatjaNeural (default) | de+f3 |
//! | en-US-GuyNeural | en-us+m3 | | de-DE-AmalaNeural | de+f2 |
//! | en-US-DavisNeural, -AndrewNeural | en-us+m1 | | de-DE-ConradNeural | de+m3 |
//! | en-US-BrianNeural, -ChristopherNeural | en-us+m2 | | de-DE-KillianNeural | de+m1 |
//! | en-US-EricNeural, -TonyNeural | en-us+m4 | | fr-FR-DeniseNeural (default) | fr-fr+f3 |
//! | en-US-JasonNeural, -RogerNeural | en-us+m5 | | fr-FR-EloiseNeural | fr-fr+f2 |
//! | en-AU-NatashaNeural / -WilliamNeural | en-gb+f3 / en-gb+m3 | | fr-FR-HenriNeural | fr-fr+m3 |
//! | en-IN-NeerjaNeural / -PrabhatNeural | en-gb+f3 / en-gb+m3 | | es-ES-ElviraNeural (default) | es+f3 |
//! | en-CA-ClaraNeural / -LiamNeural | en-us+f3 / en-us+m3 | | es-ES-AlvaroNeural | es+m3 |
//! | es-MX-DaliaNeural / -JorgeNeural | es-419+f3 / es-419+m3 | | it-IT-ElsaNeural / -DiegoNeural | it+f3 / it+m3 |
//! | pt-BR-FranciscaNeural / -AntonioNeural | pt-br+f3 / pt-br+m3 | | pt-PT-RaquelNeural / -DuarteNeural | pt+f3 / pt+m3 |
//! | nl-NL-FennaNeural / -MaartenNeural | nl+f3 / nl+m3 | | ja-JP-NanamiNeural / -KeitaNeural | ja+f3 / ja+m3 |
//! | zh-CN-XiaoxiaoNeural / -YunxiNeural | cmn+f3 / cmn+m3 | | | |
//!
//! Any other `<locale>-<Name>Neural` of a known locale gets that locale's language and a variant
//! by the gender listed in [`NAMED`] (else the locale's default). Locales: see [`LOCALES`].

/// Locale (lower case) → espeak-ng language voice. The first entry of a language is its default.
pub const LOCALES: &[(&str, &str)] = &[
    ("en-us", "en-us"),
    ("en-gb", "en-gb"),
    ("en-au", "en-gb"),
    ("en-in", "en-gb"),
    ("en-ie", "en-gb"),
    ("en-ca", "en-us"),
    ("de-de", "de"),
    ("de-at", "de"),
    ("de-ch", "de"),
    ("fr-fr", "fr-fr"),
    ("fr-ca", "fr-fr"),
    ("fr-be", "fr-be"),
    ("fr-ch", "fr-ch"),
    ("es-es", "es"),
    ("es-mx", "es-419"),
    ("es-us", "es-419"),
    ("it-it", "it"),
    ("pt-br", "pt-br"),
    ("pt-pt", "pt"),
    ("nl-nl", "nl"),
    ("ja-jp", "ja"),
    ("zh-cn", "cmn"),
    ("sv-se", "sv"),
    ("da-dk", "da"),
    ("nb-no", "nb"),
    ("fi-fi", "fi"),
    ("pl-pl", "pl"),
    ("ru-ru", "ru"),
    ("hi-in", "hi"),
    ("ko-kr", "ko"),
    ("tr-tr", "tr"),
    ("ar-sa", "ar"),
];

/// Azure voice short names (the part between the locale and `Neural`, lower case) → espeak-ng
/// variant. Names are distinct enough across locales that one table serves them all.
pub const NAMED: &[(&str, &str)] = &[
    ("jenny", "f3"),
    ("aria", "f2"),
    ("ava", "f4"),
    ("emma", "f4"),
    ("michelle", "f5"),
    ("sara", "f5"),
    ("ana", "f1"),
    ("amber", "f2"),
    ("jane", "f4"),
    ("nancy", "f5"),
    ("guy", "m3"),
    ("davis", "m1"),
    ("andrew", "m1"),
    ("brian", "m2"),
    ("christopher", "m2"),
    ("eric", "m4"),
    ("tony", "m4"),
    ("jason", "m5"),
    ("roger", "m5"),
    ("steffan", "m2"),
    ("sonia", "f3"),
    ("libby", "f2"),
    ("abbi", "f4"),
    ("hollie", "f5"),
    ("olivia", "f4"),
    ("ryan", "m3"),
    ("thomas", "m1"),
    ("alfie", "m2"),
    ("elliot", "m4"),
    ("noah", "m5"),
    ("natasha", "f3"),
    ("william", "m3"),
    ("neerja", "f3"),
    ("prabhat", "m3"),
    ("clara", "f3"),
    ("liam", "m3"),
    ("katja", "f3"),
    ("amala", "f2"),
    ("louisa", "f4"),
    ("conrad", "m3"),
    ("killian", "m1"),
    ("bernd", "m2"),
    ("denise", "f3"),
    ("eloise", "f2"),
    ("brigitte", "f4"),
    ("henri", "m3"),
    ("alain", "m1"),
    ("elvira", "f3"),
    ("abril", "f2"),
    ("alvaro", "m3"),
    ("arnau", "m1"),
    ("dalia", "f3"),
    ("jorge", "m3"),
    ("elsa", "f3"),
    ("isabella", "f2"),
    ("diego", "m3"),
    ("francisca", "f3"),
    ("antonio", "m3"),
    ("raquel", "f3"),
    ("duarte", "m3"),
    ("fenna", "f3"),
    ("colette", "f2"),
    ("maarten", "m3"),
    ("nanami", "f3"),
    ("keita", "m3"),
    ("xiaoxiao", "f3"),
    ("yunxi", "m3"),
];

/// The default variant of every locale (Azure's default voices are female).
const DEFAULT_VARIANT: &str = "f3";

/// The espeak-ng voice for an Azure voice name and/or locale, e.g. `en-us+f3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Voice {
    /// espeak-ng language voice (`en-us`, `de`, ...).
    pub language: &'static str,
    /// espeak-ng variant (`f3`, `m3`, ...).
    pub variant: &'static str,
}

impl Voice {
    /// The name espeak-ng's `espeak_SetVoiceByName` takes.
    pub fn espeak_name(&self) -> String {
        format!("{}+{}", self.language, self.variant)
    }
}

fn language_of(locale: &str) -> Option<&'static str> {
    let locale = locale.trim().to_ascii_lowercase().replace('_', "-");
    LOCALES
        .iter()
        .find(|(l, _)| *l == locale)
        .or_else(|| {
            let lang = locale.split('-').next().unwrap_or("");
            LOCALES
                .iter()
                .find(|(l, _)| l.split('-').next() == Some(lang))
        })
        .map(|(_, v)| *v)
}

/// Splits `en-US-JennyNeural` (or `en-US-JennyMultilingualNeural`) into locale and short name.
fn split_azure_name(name: &str) -> Option<(String, String)> {
    let mut parts = name.trim().splitn(3, '-');
    let (lang, region, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let short = rest.to_ascii_lowercase();
    let short = short.strip_suffix("neural").unwrap_or(&short);
    let short = short.strip_suffix("multilingual").unwrap_or(short);
    Some((format!("{lang}-{region}"), short.to_string()))
}

/// Resolves an Azure voice name (optional) and locale (optional) to an espeak-ng voice; never
/// fails (unknown name → the locale's default, unknown locale → en-US).
pub fn resolve(voice_name: Option<&str>, locale: Option<&str>) -> Voice {
    let named = voice_name.and_then(split_azure_name);
    let language = named
        .as_ref()
        .and_then(|(l, _)| language_of(l))
        .or_else(|| locale.and_then(language_of))
        .unwrap_or("en-us");
    let variant = named
        .and_then(|(_, short)| NAMED.iter().find(|(n, _)| *n == short).map(|(_, v)| *v))
        .unwrap_or(DEFAULT_VARIANT);
    Voice { language, variant }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(voice: Option<&str>, locale: Option<&str>) -> String {
        resolve(voice, locale).espeak_name()
    }

    #[test]
    fn common_azure_voices_map_to_gendered_variants() {
        assert_eq!(name(Some("en-US-JennyNeural"), None), "en-us+f3");
        assert_eq!(name(Some("en-US-GuyNeural"), None), "en-us+m3");
        assert_eq!(name(Some("en-US-AriaNeural"), Some("en-US")), "en-us+f2");
        assert_eq!(name(Some("en-GB-RyanNeural"), None), "en-gb+m3");
        assert_eq!(name(Some("de-DE-ConradNeural"), None), "de+m3");
        assert_eq!(name(Some("fr-FR-DeniseNeural"), None), "fr-fr+f3");
        assert_eq!(name(Some("es-ES-AlvaroNeural"), None), "es+m3");
        assert_eq!(name(Some("en-US-AvaMultilingualNeural"), None), "en-us+f4");
    }

    #[test]
    fn unknown_names_fall_back_to_the_locale_default() {
        assert_eq!(name(Some("de-DE-NobodyNeural"), None), "de+f3");
        assert_eq!(name(Some("gibberish"), Some("fr-FR")), "fr-fr+f3");
        assert_eq!(name(None, Some("es-MX")), "es-419+f3");
        assert_eq!(name(None, Some("de-LU")), "de+f3");
    }

    #[test]
    fn unknown_locales_fall_back_to_en_us() {
        assert_eq!(name(None, Some("xx-YY")), "en-us+f3");
        assert_eq!(name(None, None), "en-us+f3");
        assert_eq!(name(Some("xx-YY-GuyNeural"), Some("")), "en-us+m3");
    }

    #[test]
    fn every_table_language_is_lower_case_and_variant_known() {
        for (locale, _) in LOCALES {
            assert_eq!(*locale, locale.to_ascii_lowercase());
        }
        for (_, v) in NAMED {
            assert!(v.starts_with('f') || v.starts_with('m'), "{v}");
        }
    }
}
