//! What every admin command is built from: the client with the `--tenant` option (`Api`), what a
//! command printed (`Output`), and the path and value spellings (`seg`, `nullable`).

use anyhow::{anyhow, Result};
use serde_json::Value;

use crate::client::ApiClient;

/// What a command printed: an object, a list with chosen columns, or a confirmation line.
pub(super) enum Output {
    Object(Value),
    Table(Value, &'static [&'static str]),
    Done(String),
}

/// What every admin command talks to: the API client and the `--tenant` option.
#[derive(Clone, Copy)]
pub(super) struct Api<'a> {
    pub(super) client: &'a ApiClient,
    pub(super) tenant: Option<&'a str>,
}

impl Api<'_> {
    /// `--tenant`, else the dev tenant from dev.json.
    pub(super) fn tenant(&self) -> Result<String> {
        self.tenant
            .map(str::to_string)
            .or_else(|| self.client.dev_tenant())
            .ok_or_else(|| {
                anyhow!(
                    "no tenant: pass --tenant (or RINGSIDE_TENANT), or --data-dir of a dev-mode server"
                )
            })
    }

    /// `/tenants/{tenant}`, the prefix of every tenant-scoped path.
    pub(super) fn tenant_path(&self) -> Result<String> {
        self.tenant().map(|t| format!("/tenants/{}", seg(&t)))
    }
}

/// Percent-encodes one path segment (keeps unreserved characters and `@`).
pub(super) fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `"null"`/`"$null"` (any case) → JSON null.
pub(super) fn nullable(value: &str) -> Value {
    if value.eq_ignore_ascii_case("null") || value.eq_ignore_ascii_case("$null") || value.is_empty()
    {
        Value::Null
    } else {
        Value::String(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_spellings_clear() {
        assert_eq!(nullable("$null"), Value::Null);
        assert_eq!(nullable("NULL"), Value::Null);
        assert_eq!(nullable("+14255550100"), json!("+14255550100"));
        assert_eq!(seg("+1425"), "%2B1425");
        assert_eq!(seg("bot@contoso.com"), "bot@contoso.com");
    }
}
