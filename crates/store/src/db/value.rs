//! The values both backends bind and return — integers, text, bytes and NULL — and the typed reads
//! of a result row that report a mismatched column as `StoreError::Corrupt`.

use crate::error::StoreError;

/// A bound parameter or a returned column. Booleans are stored as integers 0/1 on both backends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// SQL NULL.
    Null,
    /// An integer (SQLite INTEGER, Postgres BIGINT/INTEGER/SMALLINT).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (SQLite BLOB, Postgres BYTEA).
    Bytes(Vec<u8>),
}

/// A Rust value bound as a parameter (borrowed, as rusqlite's `params!` borrows).
pub(crate) trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Bytes(self.clone())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_value!(i64, i32, u32, u16);

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// Bound parameters: `args![a, b]` is `&[a.to_value(), b.to_value()]` (the arguments are borrowed).
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::db::ToValue::to_value(&$value)),*][..]
    };
}
pub(crate) use args;

/// One result row, its columns in select order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    /// Column `index` as `T`; a missing column or another type is `Corrupt`.
    pub(crate) fn get<T: FromValue>(&self, index: usize) -> Result<T, StoreError> {
        let value = self
            .0
            .get(index)
            .ok_or_else(|| StoreError::Corrupt(format!("column {index} missing from a row")))?;
        T::from_value(value).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "column {index}: unexpected value {value:?} for {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A Rust type a column converts into.
pub(crate) trait FromValue: Sized {
    /// The value as `Self`, or `None` when it does not fit.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<String> {
        match value {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Vec<u8>> {
        match value {
            Value::Bytes(bytes) => Some(bytes.clone()),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<bool> {
        match value {
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            _ => None,
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> Option<$t> {
                match value {
                    Value::Int(n) => <$t>::try_from(*n).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
int_from_value!(i64, u64, u32, u16);

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Option<T>> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_convert_and_report_mismatches() {
        let row = Row(vec![
            Value::Int(1),
            Value::Null,
            Value::Text("x".into()),
            Value::Int(70_000),
        ]);
        assert!(row.get::<bool>(0).expect("bool"));
        assert_eq!(row.get::<Option<String>>(1).expect("null"), None);
        assert_eq!(row.get::<String>(2).expect("text"), "x");
        assert!(matches!(row.get::<u16>(3), Err(StoreError::Corrupt(_))));
        assert!(matches!(row.get::<String>(0), Err(StoreError::Corrupt(_))));
        assert!(matches!(row.get::<i64>(9), Err(StoreError::Corrupt(_))));
        assert_eq!(
            args![true, None::<u32>, "a"],
            &[Value::Int(1), Value::Null, Value::Text("a".into())]
        );
    }
}
