//! The signalling headers a call is placed with (SIP `X-MS-Custom-*`/`userToUser` and VoIP
//! name/value pairs): read from the platform API's or a door's JSON, kept by the runtime per
//! conversation, and handed to the door that is offered the call.

use serde_json::Value;

/// SIP and VoIP headers a caller sends along with a call (an ACS IncomingCall's `customContext`;
/// later the custom headers of a SIP INVITE).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallHeaders {
    pub sip: Vec<(String, String)>,
    pub voip: Vec<(String, String)>,
}

/// Most headers of each kind (ACS allows a handful).
const MAX_CUSTOM_HEADERS: usize = 10;

impl CallHeaders {
    /// Reads `{"sipHeaders": {name: value}, "voipHeaders": {name: value}}` (either may be absent
    /// or null); the message says what is wrong. SIP header names are sent as the SDKs make them
    /// (`X-MS-Custom-…`, `X-…` or `userToUser`).
    pub fn parse(value: &Value) -> Result<CallHeaders, String> {
        let map = match value {
            Value::Null => return Ok(CallHeaders::default()),
            Value::Object(map) => map,
            _ => return Err("the custom context must be an object".into()),
        };
        let mut context = CallHeaders::default();
        for (key, value) in map {
            let (target, kind) = if key.eq_ignore_ascii_case("sipHeaders") {
                (&mut context.sip, "sipHeaders")
            } else if key.eq_ignore_ascii_case("voipHeaders") {
                (&mut context.voip, "voipHeaders")
            } else {
                return Err(format!("'{key}' is not sipHeaders or voipHeaders"));
            };
            let headers = match value {
                Value::Null => continue,
                Value::Object(headers) => headers,
                _ => return Err(format!("{kind} must be an object of name: value")),
            };
            if headers.len() > MAX_CUSTOM_HEADERS {
                return Err(format!("{kind} has more than {MAX_CUSTOM_HEADERS} headers"));
            }
            for (name, value) in headers {
                let valid_name = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
                if !valid_name {
                    return Err(format!("'{name}' is not a header name"));
                }
                let Some(text) = value.as_str().filter(|t| t.len() <= 1024) else {
                    return Err(format!(
                        "{kind}.{name} must be a string of at most 1024 characters"
                    ));
                };
                target.push((name.clone(), text.to_string()));
            }
        }
        Ok(context)
    }
}

impl CallHeaders {
    /// No header of either kind.
    pub fn is_empty(&self) -> bool {
        self.sip.is_empty() && self.voip.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_are_read_and_checked() {
        let context = CallHeaders::parse(&json!({
            "sipHeaders": {"X-MS-Custom-a": "1", "userToUser": "abc;encoding=hex"},
            "voipHeaders": {"k": "v"},
        }))
        .expect("valid");
        assert_eq!(context.sip.len(), 2);
        assert_eq!(context.voip, vec![("k".to_string(), "v".to_string())]);
        assert_eq!(CallHeaders::parse(&Value::Null), Ok(CallHeaders::default()));
        assert!(CallHeaders::parse(&json!({"sipHeaders": {"a b": "1"}})).is_err());
        assert!(CallHeaders::parse(&json!({"sipHeaders": {"a": 1}})).is_err());
        assert!(CallHeaders::parse(&json!({"other": {}})).is_err());
        assert!(CallHeaders::parse(&json!([])).is_err());
    }
}
