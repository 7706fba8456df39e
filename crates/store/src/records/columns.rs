//! Column parsers shared by the loaders: a bad stored value is reported as `StoreError::Corrupt`
//! naming its column.

use std::str::FromStr;

use ringside_model::Guid;

use crate::error::StoreError;

pub(super) fn corrupt(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {error}"))
}

pub(super) fn parse<T: FromStr>(text: &str, column: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>().map_err(|e| corrupt(column, e))
}

pub(super) fn parse_guid(text: &str, column: &str) -> Result<Guid, StoreError> {
    Guid::parse(text).map_err(|e| corrupt(column, e))
}
