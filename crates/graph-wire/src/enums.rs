//! Every Graph calling enum: parsed case-insensitively (PascalCase and camelCase both occur in the wild),
//! emitted in lower camelCase; unknown values become `UnknownFutureValue` where Graph defines it, an error
//! otherwise.

/// Defines a wire enum with case-insensitive parsing and lowerCamel output.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident $([fallback = $fallback:ident])? {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire spellings, in schema order.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The lower-camelCase wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// Case-insensitive lookup of a known wire spelling (no fallback).
            pub fn from_wire(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                $crate::odata::schema::string_enum($name::WIRE_NAMES)
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "one of {:?} (any letter case)", $name::WIRE_NAMES)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        match $name::from_wire(s) {
                            Some(v) => Ok(v),
                            None => wire_enum!(@unknown $name, s, E $(, $fallback)?),
                        }
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
    (@unknown $name:ident, $s:ident, $E:ident, $fallback:ident) => {{
        let _ = $s;
        Ok($name::$fallback)
    }};
    (@unknown $name:ident, $s:ident, $E:ident) => {
        Err($E::unknown_variant($s, $name::WIRE_NAMES))
    };
}

wire_enum! {
    /// `callState`. `ringing` is documented (and in beta) though the v1.0 CSDL skips its value 2.
    pub enum CallState [fallback = UnknownFutureValue] {
        /// Incoming call, not yet answered.
        Incoming = "incoming",
        /// Being set up.
        Establishing = "establishing",
        /// Ringing (docs and beta only).
        Ringing = "ringing",
        /// Connected.
        Established = "established",
        /// On hold.
        Hold = "hold",
        /// A transfer is in progress.
        Transferring = "transferring",
        /// The transfer target accepted.
        TransferAccepted = "transferAccepted",
        /// Being redirected.
        Redirecting = "redirecting",
        /// Hanging up.
        Terminating = "terminating",
        /// Ended.
        Terminated = "terminated",
        /// Evolvable-enum sentinel; also what unknown values read as.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `callDirection`.
    pub enum CallDirection {
        /// Placed to the bot.
        Incoming = "incoming",
        /// Placed by the bot.
        Outgoing = "outgoing",
    }
}

wire_enum! {
    /// `modality`. `unknown` (old docs) and `screenSharing` (beta) are kept as values of their own.
    pub enum Modality [fallback = UnknownFutureValue] {
        /// Old docs only.
        Unknown = "unknown",
        /// Audio.
        Audio = "audio",
        /// Video.
        Video = "video",
        /// Screen sharing carried as video.
        VideoBasedScreenSharing = "videoBasedScreenSharing",
        /// Data.
        Data = "data",
        /// Beta only.
        ScreenSharing = "screenSharing",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `rejectReason` (reject action, rejectJoinResponse).
    pub enum RejectReason [fallback = UnknownFutureValue] {
        /// No reason.
        None = "none",
        /// Busy.
        Busy = "busy",
        /// Forbidden.
        Forbidden = "forbidden",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `screenSharingRole` (changeScreenSharingRole).
    pub enum ScreenSharingRole {
        /// Watches the share.
        Viewer = "viewer",
        /// Shares.
        Sharer = "sharer",
    }
}

wire_enum! {
    /// `recordingStatus` (updateRecordingStatus, participant recordingInfo).
    pub enum RecordingStatus [fallback = UnknownFutureValue] {
        /// Unknown.
        Unknown = "unknown",
        /// Not recording.
        NotRecording = "notRecording",
        /// Recording.
        Recording = "recording",
        /// Recording failed.
        Failed = "failed",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `mediaState` (call `mediaState.audio`).
    pub enum MediaState [fallback = UnknownFutureValue] {
        /// Media flows.
        Active = "active",
        /// No media.
        Inactive = "inactive",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `mediaDirection` of a mediaStream.
    pub enum MediaDirection {
        /// Neither way.
        Inactive = "inactive",
        /// Send only.
        SendOnly = "sendOnly",
        /// Receive only.
        ReceiveOnly = "receiveOnly",
        /// Both ways.
        SendReceive = "sendReceive",
    }
}

wire_enum! {
    /// `endpointType` (participantInfo, communicationsIdentitySet).
    pub enum EndpointType [fallback = UnknownFutureValue] {
        /// Default.
        Default = "default",
        /// Voicemail.
        Voicemail = "voicemail",
        /// Skype for Business.
        SkypeForBusiness = "skypeForBusiness",
        /// Skype for Business VoIP phone.
        SkypeForBusinessVoipPhone = "skypeForBusinessVoipPhone",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `tone` (DTMF): `tone0`…`tone9`, `star`, `pound`, `a`…`d`, `flash`. No sentinel: unknown is an error.
    pub enum Tone {
        /// 0
        Tone0 = "tone0",
        /// 1
        Tone1 = "tone1",
        /// 2
        Tone2 = "tone2",
        /// 3
        Tone3 = "tone3",
        /// 4
        Tone4 = "tone4",
        /// 5
        Tone5 = "tone5",
        /// 6
        Tone6 = "tone6",
        /// 7
        Tone7 = "tone7",
        /// 8
        Tone8 = "tone8",
        /// 9
        Tone9 = "tone9",
        /// `*`
        Star = "star",
        /// `#`
        Pound = "pound",
        /// A
        A = "a",
        /// B
        B = "b",
        /// C
        C = "c",
        /// D
        D = "d",
        /// Hook flash.
        Flash = "flash",
    }
}

impl Tone {
    /// The DTMF character (`'0'`…`'9'`, `'*'`, `'#'`, `'A'`…`'D'`), or None for `flash`.
    pub const fn to_char(self) -> Option<char> {
        Some(match self {
            Tone::Tone0 => '0',
            Tone::Tone1 => '1',
            Tone::Tone2 => '2',
            Tone::Tone3 => '3',
            Tone::Tone4 => '4',
            Tone::Tone5 => '5',
            Tone::Tone6 => '6',
            Tone::Tone7 => '7',
            Tone::Tone8 => '8',
            Tone::Tone9 => '9',
            Tone::Star => '*',
            Tone::Pound => '#',
            Tone::A => 'A',
            Tone::B => 'B',
            Tone::C => 'C',
            Tone::D => 'D',
            Tone::Flash => return None,
        })
    }

    /// The tone for a DTMF character (case-insensitive for `A`…`D`).
    pub fn from_char(c: char) -> Option<Tone> {
        Tone::ALL
            .iter()
            .copied()
            .find(|t| t.to_char() == Some(c.to_ascii_uppercase()))
    }
}

wire_enum! {
    /// `operationStatus` (PascalCase in the CSDL, camelCase on the wire). No sentinel.
    pub enum OperationStatus {
        /// Queued.
        NotStarted = "notStarted",
        /// Running.
        Running = "running",
        /// Done.
        Completed = "completed",
        /// Failed.
        Failed = "failed",
    }
}

wire_enum! {
    /// `changeType` of a commsNotification. No sentinel.
    pub enum ChangeType {
        /// Resource created (e.g. incoming call).
        Created = "created",
        /// Resource updated.
        Updated = "updated",
        /// Resource deleted (call terminated, operation finished).
        Deleted = "deleted",
    }
}

wire_enum! {
    /// `callTranscriptionState`.
    pub enum CallTranscriptionState [fallback = UnknownFutureValue] {
        /// Not started.
        NotStarted = "notStarted",
        /// Active.
        Active = "active",
        /// Inactive.
        Inactive = "inactive",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `routingType` of a callRoute.
    pub enum RoutingType [fallback = UnknownFutureValue] {
        /// Forwarded.
        Forwarded = "forwarded",
        /// Lookup.
        Lookup = "lookup",
        /// Self fork.
        SelfFork = "selfFork",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `routingMode` of an audioRoutingGroup.
    pub enum RoutingMode [fallback = UnknownFutureValue] {
        /// One source to one receiver.
        OneToOne = "oneToOne",
        /// Multicast.
        Multicast = "multicast",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `sendDtmfCompletionReason` of a sendDtmfTonesOperation.
    pub enum SendDtmfCompletionReason [fallback = UnknownFutureValue] {
        /// Unknown.
        Unknown = "unknown",
        /// All tones sent.
        CompletedSuccessfully = "completedSuccessfully",
        /// Cancelled by a media operation.
        MediaOperationCanceled = "mediaOperationCanceled",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

wire_enum! {
    /// `routingPolicy` (beta call property; also sent by a redirect docs example).
    pub enum RoutingPolicy [fallback = UnknownFutureValue] {
        /// None.
        None = "none",
        /// No missed-call notification.
        NoMissedCall = "noMissedCall",
        /// Disable forwarding except to phone.
        DisableForwardingExceptPhone = "disableForwardingExceptPhone",
        /// Disable forwarding.
        DisableForwarding = "disableForwarding",
        /// Prefer Skype for Business.
        PreferSkypeForBusiness = "preferSkypeForBusiness",
        /// Evolvable-enum sentinel.
        UnknownFutureValue = "unknownFutureValue",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_chars_round_trip() {
        for t in Tone::ALL {
            if let Some(c) = t.to_char() {
                assert_eq!(Tone::from_char(c), Some(*t));
            }
        }
        assert_eq!(Tone::from_char('x'), None);
    }
}
