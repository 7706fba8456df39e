//! Every Call Automation enum. ACS models them all as extensible strings, so they are open here:
//! known values parse in any letter case (Python sends `"PUBLIC"` and `"Pcm16KMono"`, JS `"public"`
//! and `"pcm16KMono"`), unknown values are kept verbatim in `Other` and written back unchanged, and
//! known values are written in the lower-camelCase spelling of the REST API (or PascalCase where a
//! field says so, see [`WireName`]).

/// What every wire enum offers to the serialization helpers.
pub trait WireName {
    /// The spelling written on the wire (lower camelCase for known values, verbatim for others).
    fn wire_name(&self) -> &str;
    /// Whether the value is one this crate knows.
    fn is_known(&self) -> bool;
}

/// Defines an open wire enum: case-insensitive parsing (plus optional aliases), lower-camelCase
/// output, unknown values kept in `Other`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)*, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know, kept as it was given.
            Other(String),
        }

        impl $name {
            /// The wire spellings of the known values, in schema order.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The wire spelling (lower camelCase; `Other` values as given).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s,
                }
            }

            /// The known value a spelling names (any letter case, surrounding blanks ignored).
            pub fn known(s: &str) -> Option<Self> {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($wire) $(|| t.eq_ignore_ascii_case($alias))* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The value a spelling names; unknown spellings become `Other`.
            pub fn from_wire(s: &str) -> Self {
                Self::known(s).unwrap_or_else(|| $name::Other(s.to_owned()))
            }

            /// Whether this is a value the crate knows (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl WireName for $name {
            fn wire_name(&self) -> &str {
                self.as_str()
            }
            fn is_known(&self) -> bool {
                $name::is_known(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "a string such as {:?}", $name::WIRE_NAMES)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        Ok($name::from_wire(s))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

open_enum! {
    /// `kind` of a CommunicationIdentifierModel. Python never sends it; JS mostly does.
    pub enum IdentifierKind {
        /// Only a rawId (e.g. a Teams resource account, `28:orgid:…`).
        Unknown = "unknown",
        /// An ACS user (`8:acs:…`).
        CommunicationUser = "communicationUser",
        /// A phone number (`4:+E164`).
        PhoneNumber = "phoneNumber",
        /// A Teams user (`8:orgid:…`).
        MicrosoftTeamsUser = "microsoftTeamsUser",
        /// A Teams app or bot (`28:orgid:…`).
        MicrosoftTeamsApp = "microsoftTeamsApp",
        /// A Teams user reached through an ACS resource (`8:acs:<resource>_<tenant>_<user>`).
        TeamsExtensionUser = "teamsExtensionUser",
    }
}

open_enum! {
    /// `cloud` of Teams identifiers (Python sends it upper case).
    pub enum CommunicationCloudEnvironment {
        /// Public cloud.
        Public = "public",
        /// US DoD.
        Dod = "dod",
        /// US GCC High.
        Gcch = "gcch",
    }
}

open_enum! {
    /// `kind` of a CallLocator.
    pub enum CallLocatorKind {
        /// `groupCallId`.
        GroupCallLocator = "groupCallLocator",
        /// `serverCallId`.
        ServerCallLocator = "serverCallLocator",
        /// `roomId`.
        RoomCallLocator = "roomCallLocator",
    }
}

open_enum! {
    /// `callRejectReason` of `:reject`.
    pub enum CallRejectReason {
        /// No reason.
        None = "none",
        /// Busy.
        Busy = "busy",
        /// Forbidden.
        Forbidden = "forbidden",
    }
}

open_enum! {
    /// `callConnectionState` of CallConnectionProperties.
    pub enum CallConnectionState {
        /// Unknown.
        Unknown = "unknown",
        /// Being set up (offered, establishing).
        Connecting = "connecting",
        /// Connected (also on hold).
        Connected = "connected",
        /// A transfer is in progress.
        Transferring = "transferring",
        /// The transfer target accepted.
        TransferAccepted = "transferAccepted",
        /// Being torn down.
        Disconnecting = "disconnecting",
        /// Ended.
        Disconnected = "disconnected",
    }
}

open_enum! {
    /// `kind` of a PlaySource.
    pub enum PlaySourceKind {
        /// An audio file (`file.uri`).
        File = "file",
        /// Text to speech (`text`).
        Text = "text",
        /// SSML to speech (`ssml`).
        Ssml = "ssml",
    }
}

open_enum! {
    /// `voiceKind` of a text source.
    pub enum VoiceKind {
        /// Male voice.
        Male = "male",
        /// Female voice.
        Female = "female",
    }
}

open_enum! {
    /// `recognizeInputType` of `:recognize`.
    pub enum RecognizeInputType {
        /// DTMF tones.
        Dtmf = "dtmf",
        /// Speech.
        Speech = "speech",
        /// Speech or DTMF.
        SpeechOrDtmf = "speechOrDtmf",
        /// Choices (phrases or tones).
        Choices = "choices",
    }
}

open_enum! {
    /// `recognitionType` of RecognizeCompleted.
    pub enum RecognitionType {
        /// Tones were collected.
        Dtmf = "dtmf",
        /// Speech was recognized.
        Speech = "speech",
        /// A choice matched.
        Choices = "choices",
    }
}

open_enum! {
    /// A DTMF tone by ACS name. Also reads the key itself (`"1"`, `"#"`, `"*"`, `"A"`), as the door
    /// does; always writes the name.
    pub enum DtmfTone {
        /// 0
        Zero = "zero" | "0",
        /// 1
        One = "one" | "1",
        /// 2
        Two = "two" | "2",
        /// 3
        Three = "three" | "3",
        /// 4
        Four = "four" | "4",
        /// 5
        Five = "five" | "5",
        /// 6
        Six = "six" | "6",
        /// 7
        Seven = "seven" | "7",
        /// 8
        Eight = "eight" | "8",
        /// 9
        Nine = "nine" | "9",
        /// A
        A = "a",
        /// B
        B = "b",
        /// C
        C = "c",
        /// D
        D = "d",
        /// `#`
        Pound = "pound" | "#",
        /// `*`
        Asterisk = "asterisk" | "*",
    }
}

impl DtmfTone {
    /// The key (`'0'`…`'9'`, `'A'`…`'D'`, `'#'`, `'*'`); `None` for `Other`.
    pub fn to_char(&self) -> Option<char> {
        Some(match self {
            DtmfTone::Zero => '0',
            DtmfTone::One => '1',
            DtmfTone::Two => '2',
            DtmfTone::Three => '3',
            DtmfTone::Four => '4',
            DtmfTone::Five => '5',
            DtmfTone::Six => '6',
            DtmfTone::Seven => '7',
            DtmfTone::Eight => '8',
            DtmfTone::Nine => '9',
            DtmfTone::A => 'A',
            DtmfTone::B => 'B',
            DtmfTone::C => 'C',
            DtmfTone::D => 'D',
            DtmfTone::Pound => '#',
            DtmfTone::Asterisk => '*',
            DtmfTone::Other(_) => return None,
        })
    }

    /// The tone of a key (`a`…`d` in either case); `None` for any other character.
    pub fn from_char(c: char) -> Option<DtmfTone> {
        let mut buf = [0u8; 4];
        DtmfTone::known(c.encode_utf8(&mut buf)).filter(|t| t.to_char().is_some())
    }
}

open_enum! {
    /// `transportType` of MediaStreamingOptions and TranscriptionOptions.
    pub enum StreamingTransportType {
        /// A WebSocket the platform opens to `transportUrl`.
        Websocket = "websocket",
    }
}

open_enum! {
    /// `contentType` of MediaStreamingOptions, `subscribedContentTypes`, and
    /// `mediaStreamingUpdate.contentType` (written `Audio` there, as the door does).
    pub enum MediaStreamingContentType {
        /// Audio.
        Audio = "audio",
    }
}

open_enum! {
    /// `audioChannelType` of MediaStreamingOptions.
    pub enum MediaStreamingAudioChannelType {
        /// One mixed channel.
        Mixed = "mixed",
        /// One channel per dominant speaker.
        Unmixed = "unmixed",
    }
}

open_enum! {
    /// `audioFormat` of MediaStreamingOptions (Python sends `Pcm16KMono`).
    pub enum AudioFormat {
        /// 16 kHz 16-bit mono PCM.
        Pcm16KMono = "pcm16KMono",
        /// 24 kHz 16-bit mono PCM.
        Pcm24KMono = "pcm24KMono",
    }
}

open_enum! {
    /// `state` of `mediaStreamingSubscription` and `transcriptionSubscription`.
    pub enum SubscriptionState {
        /// Not configured.
        Disabled = "disabled",
        /// Configured, not running.
        Inactive = "inactive",
        /// Running.
        Active = "active",
    }
}

open_enum! {
    /// `subscribedResultTypes` of `transcriptionSubscription`.
    pub enum TranscriptionResultType {
        /// Final results.
        Final = "final",
        /// Intermediate results.
        Intermediate = "intermediate",
    }
}

open_enum! {
    /// `mediaStreamingUpdate.mediaStreamingStatus`.
    pub enum MediaStreamingStatus {
        /// Started.
        MediaStreamingStarted = "mediaStreamingStarted",
        /// Failed.
        MediaStreamingFailed = "mediaStreamingFailed",
        /// Stopped.
        MediaStreamingStopped = "mediaStreamingStopped",
        /// Unspecified error.
        UnspecifiedError = "unspecifiedError",
    }
}

open_enum! {
    /// `mediaStreamingUpdate.mediaStreamingStatusDetails`.
    pub enum MediaStreamingStatusDetails {
        /// The subscription started.
        SubscriptionStarted = "subscriptionStarted",
        /// The socket was re-established.
        StreamConnectionReestablished = "streamConnectionReestablished",
        /// The socket could not be established.
        StreamConnectionUnsuccessful = "streamConnectionUnsuccessful",
        /// No transport URL.
        StreamUrlMissing = "streamUrlMissing",
        /// The service shut down.
        ServiceShutdown = "serviceShutdown",
        /// The socket broke.
        StreamConnectionInterrupted = "streamConnectionInterrupted",
        /// Speech services failed.
        SpeechServicesConnectionError = "speechServicesConnectionError",
        /// The subscription stopped.
        SubscriptionStopped = "subscriptionStopped",
        /// Unspecified.
        UnspecifiedError = "unspecifiedError",
        /// Authentication failed.
        AuthenticationFailure = "authenticationFailure",
        /// Bad request.
        BadRequest = "badRequest",
        /// Throttled.
        TooManyRequests = "tooManyRequests",
        /// Forbidden.
        Forbidden = "forbidden",
        /// Timed out.
        ServiceTimeout = "serviceTimeout",
        /// The first connection failed.
        InitialWebSocketConnectionFailed = "initialWebSocketConnectionFailed",
    }
}

open_enum! {
    /// `recordingContentType` (written `Audio`/`AudioVideo` in RecordingFileStatusUpdated).
    pub enum RecordingContentType {
        /// Audio only.
        Audio = "audio",
        /// Audio and video.
        AudioVideo = "audioVideo",
    }
}

open_enum! {
    /// `recordingChannelType` (written `Mixed`/`Unmixed` in RecordingFileStatusUpdated).
    pub enum RecordingChannelType {
        /// One mixed channel.
        Mixed = "mixed",
        /// One channel per participant.
        Unmixed = "unmixed",
    }
}

open_enum! {
    /// `recordingFormatType` (written `Wav`/`Mp3`/`Mp4` in RecordingFileStatusUpdated).
    pub enum RecordingFormatType {
        /// WAV.
        Wav = "wav",
        /// MP3.
        Mp3 = "mp3",
        /// MP4.
        Mp4 = "mp4",
    }
}

open_enum! {
    /// `externalStorage.recordingStorageKind`.
    pub enum RecordingStorageKind {
        /// The platform's own storage.
        AzureCommunicationServices = "azureCommunicationServices",
        /// The app's blob container.
        AzureBlobStorage = "azureBlobStorage",
    }
}

open_enum! {
    /// `recordingState` / RecordingStateChanged `state`.
    pub enum RecordingState {
        /// Recording.
        Active = "active",
        /// Paused or stopped.
        Inactive = "inactive",
    }
}

open_enum! {
    /// `recordingKind`.
    pub enum RecordingKind {
        /// An ACS recording.
        AzureCommunicationServices = "azureCommunicationServices",
        /// A Teams recording.
        Teams = "teams",
        /// A Teams compliance recording.
        TeamsCompliance = "teamsCompliance",
    }
}

/// Serializes an optional wire enum in PascalCase (known values: first letter upper-cased;
/// `Other` values verbatim). For the fields the door writes that way.
pub(crate) fn opt_pascal<T: WireName, S: serde::Serializer>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        None => s.serialize_none(),
        Some(v) if !v.is_known() => s.serialize_str(v.wire_name()),
        Some(v) => s.serialize_str(&pascal(v.wire_name())),
    }
}

fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_keys_and_names_agree() {
        for name in DtmfTone::WIRE_NAMES {
            let tone = DtmfTone::from_wire(name);
            let key = tone.to_char().expect("every known tone has a key");
            assert_eq!(DtmfTone::from_char(key), Some(tone.clone()));
            assert_eq!(DtmfTone::from_char(key.to_ascii_lowercase()), Some(tone));
        }
        assert_eq!(DtmfTone::from_char('x'), None);
        assert_eq!(DtmfTone::from_wire("#"), DtmfTone::Pound);
        assert_eq!(DtmfTone::from_wire(" Asterisk "), DtmfTone::Asterisk);
        assert_eq!(DtmfTone::from_wire("eleven").to_char(), None);
    }

    #[test]
    fn pascal_case_keeps_unknown_values() {
        assert_eq!(pascal("audioVideo"), "AudioVideo");
        assert_eq!(pascal(""), "");
    }
}
