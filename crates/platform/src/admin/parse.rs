//! Parsing of provisioning input (ids, E.164 numbers, number types, licence and permission names,
//! RFC 3339 times, absent-versus-null fields) into the model's types, each failure a 400 in the
//! envelope with the message the wire has always carried.

use std::collections::BTreeSet;

use ringside_model::{Guid, Licence, NumberType, Permission, E164};
use serde::Deserialize;

use ringside_http::ApiError;

pub(super) fn parse_guid(what: &str, raw: &str) -> Result<Guid, ApiError> {
    Guid::parse(raw).map_err(|e| ApiError::bad_request(format!("Invalid {what}: {e}.")))
}

pub(super) fn parse_number(raw: &str) -> Result<E164, ApiError> {
    E164::parse(raw.trim()).map_err(|e| ApiError::bad_request(format!("{e}.")))
}

pub(super) fn parse_number_type(raw: &str) -> Result<NumberType, ApiError> {
    NumberType::parse(raw).map_err(|e| ApiError::bad_request(format!("{e}.")))
}

pub(super) fn parse_licence(raw: &str) -> Result<Licence, ApiError> {
    Licence::parse(raw).map_err(|e| ApiError::bad_request(format!("{e}.")))
}

pub(super) fn parse_permissions(names: &[String]) -> Result<BTreeSet<Permission>, ApiError> {
    names
        .iter()
        .map(|name| Permission::parse(name).map_err(|e| ApiError::bad_request(format!("{e}."))))
        .collect()
}

/// An RFC 3339 date-time as Unix seconds.
pub(super) fn parse_iso(what: &str, text: &str) -> Result<i64, ApiError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "Invalid {what} '{}': expected an RFC 3339 date-time such as 2030-01-31T00:00:00Z.",
                clip(text)
            ))
        })
}

/// Input echoed in a message, shortened.
pub(super) fn clip(value: &str) -> String {
    ringside_directory::validate::clip(value)
}

/// Deserialises a present field (even `null`) as `Some(value)`, so `Option<Option<T>>` tells absent from
/// null.
pub(super) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_parse() {
        assert_eq!(
            parse_iso("t", "2030-01-31T00:00:00Z").ok(),
            Some(1_896_048_000)
        );
        assert!(parse_iso("t", "tomorrow").is_err());
    }
}
