//! Small wire values the door's modules share: the `serverCallId` of a conversation (and back),
//! `resultInformation`, ACS's DTMF tone names, Teams extension user identifiers and RFC 3339 time.
//! A leaf: it imports none of the door's other modules.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_acs_wire::{
    CommunicationCloudEnvironment, CommunicationIdentifierModel, ResultInformation,
};
use ringside_engine::ConversationId;
use ringside_model::Tone;
use serde_json::{json, Value};

/// The `serverCallId` of a conversation (opaque base64, like ACS's).
pub(crate) fn server_call_id(conversation: ConversationId) -> String {
    URL_SAFE_NO_PAD.encode(format!("ringside:conversation:{conversation}"))
}

/// The conversation a `serverCallId` names.
pub(crate) fn conversation_of(server_call_id: &str) -> Option<ConversationId> {
    let bytes = URL_SAFE_NO_PAD.decode(server_call_id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let id = text.strip_prefix("ringside:conversation:")?;
    ringside_model::Guid::parse(id).ok().map(ConversationId)
}

/// `resultInformation`: `{code, subCode, message}`.
pub(crate) fn result(code: u16, sub: u32, message: &str) -> ResultInformation {
    ResultInformation::new(
        i32::from(code),
        i32::try_from(sub).unwrap_or(i32::MAX),
        message,
    )
}

/// Now, RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The identifier of a Teams extension user (Teams Phone extensibility: a Teams user reached
/// through an ACS resource), from its rawId `8:acs:<resource>_<tenant>_<user>` or its
/// `teamsExtensionUser` sub-object; `None` for any other identifier.
pub(crate) fn teams_extension_identifier(id: &CommunicationIdentifierModel) -> Option<Value> {
    let raw = id.raw_id.as_deref().unwrap_or("");
    let sub = id.teams_extension_user.as_ref();
    let lower = if raw.is_empty() && sub.is_some() {
        // No rawId: the cloud of the sub-object picks the prefix.
        match sub.and_then(|s| s.cloud.as_ref()) {
            Some(CommunicationCloudEnvironment::Gcch) => "8:gcch-acs:".to_string(),
            Some(CommunicationCloudEnvironment::Dod) => "8:dod-acs:".to_string(),
            _ => "8:acs:".to_string(),
        }
    } else {
        raw.to_ascii_lowercase()
    };
    let (prefix, cloud) = [
        ("8:acs:", "public"),
        ("8:gcch-acs:", "gcch"),
        ("8:dod-acs:", "dod"),
    ]
    .into_iter()
    .find(|(p, _)| lower.starts_with(p))?;
    let parts: Vec<&str> = raw.get(prefix.len()..).unwrap_or("").split('_').collect();
    let (resource, tenant, user) = match sub {
        Some(s) => (
            s.resource_id.clone(),
            s.tenant_id.clone(),
            s.user_id.clone(),
        ),
        None if parts.len() == 3 => (
            parts[0].to_string(),
            parts[1].to_string(),
            parts[2].to_string(),
        ),
        None => return None,
    };
    Some(json!({
        "kind": "teamsExtensionUser",
        "rawId": format!("{prefix}{resource}_{tenant}_{user}"),
        "teamsExtensionUser": {"userId": user, "tenantId": tenant, "resourceId": resource, "cloud": cloud},
    }))
}

/// ACS's DtmfTone names.
pub(crate) fn tone_name(tone: Tone) -> &'static str {
    match tone.as_char() {
        '0' => "zero",
        '1' => "one",
        '2' => "two",
        '3' => "three",
        '4' => "four",
        '5' => "five",
        '6' => "six",
        '7' => "seven",
        '8' => "eight",
        '9' => "nine",
        '#' => "pound",
        '*' => "asterisk",
        'A' => "a",
        'B' => "b",
        'C' => "c",
        'D' => "d",
        _ => "flash",
    }
}

/// A DtmfTone name (case-insensitive) or a single key.
pub(crate) fn tone_from_name(name: &str) -> Option<Tone> {
    let c = match name.trim().to_ascii_lowercase().as_str() {
        "zero" | "0" => '0',
        "one" | "1" => '1',
        "two" | "2" => '2',
        "three" | "3" => '3',
        "four" | "4" => '4',
        "five" | "5" => '5',
        "six" | "6" => '6',
        "seven" | "7" => '7',
        "eight" | "8" => '8',
        "nine" | "9" => '9',
        "pound" | "#" => '#',
        "asterisk" | "*" => '*',
        "a" => 'A',
        "b" => 'B',
        "c" => 'C',
        "d" => 'D',
        _ => return None,
    };
    Tone::from_char(c).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(value: Value) -> CommunicationIdentifierModel {
        serde_json::from_value(value).expect("an identifier")
    }

    #[test]
    fn teams_extension_users_keep_their_identifier() {
        let user = "8:acs:res_ten_usr";
        let id = teams_extension_identifier(&model(json!({"rawId": user}))).expect("from rawId");
        assert_eq!(id["kind"], "teamsExtensionUser");
        assert_eq!(id["rawId"], user);
        assert_eq!(id["teamsExtensionUser"]["userId"], "usr");
        let from_sub = teams_extension_identifier(&model(
            json!({"teamsExtensionUser": {"userId": "u", "tenantId": "t", "resourceId": "r", "cloud": "PUBLIC"}}),
        ))
        .expect("from the sub-object");
        assert_eq!(from_sub["rawId"], "8:acs:r_t_u");
        assert!(
            teams_extension_identifier(&model(json!({"rawId": "8:acs:res_guid"}))).is_none(),
            "an ACS user"
        );
        assert!(teams_extension_identifier(&model(json!({"rawId": "4:+14255550100"}))).is_none());
    }

    #[test]
    fn result_information_is_code_subcode_message() {
        assert_eq!(
            serde_json::to_string(&serde_json::to_value(result(400, 8603, "m")).expect("json"))
                .expect("text"),
            r#"{"code":400,"message":"m","subCode":8603}"#
        );
    }

    #[test]
    fn server_call_ids_round_trip_and_tones_have_acs_names() {
        let conversation = ConversationId(ringside_model::Guid::from_u128(42));
        assert_eq!(
            conversation_of(&server_call_id(conversation)),
            Some(conversation)
        );
        assert_eq!(conversation_of("bm90IG91cnM"), None);
        assert_eq!(conversation_of("%%%"), None);
        for c in "0123456789#*ABCD".chars() {
            let tone = Tone::from_char(c).unwrap();
            assert_eq!(tone_from_name(tone_name(tone)), Some(tone));
        }
        assert_eq!(tone_from_name("Pound"), Tone::from_char('#').ok());
        assert_eq!(tone_from_name("eleven"), None);
    }
}
