//! OData plumbing shared by every DTO: the `@odata.type` tag, type-name normalisation, lenient numbers.
//!
//! Tolerant reader, strict writer: `@odata.type` is optional on input and accepted with or without `#`, with
//! or without the `microsoft.graph.` namespace, in any letter case; on output it is always the documented
//! `#microsoft.graph.<name>`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// Extra properties of an OData open type, kept so they round-trip.
pub type AdditionalData = Map<String, Value>;

/// The namespace prefix of every Graph type name on the wire.
pub const NAMESPACE_PREFIX: &str = "#microsoft.graph.";

/// A type with a fixed `@odata.type`.
pub trait ODataKind {
    /// The spelling emitted on output, e.g. `#microsoft.graph.call`.
    const ODATA_TYPE: &'static str;

    /// Whether an incoming type name (already [`short_type_name`]-normalised: no `#`, no namespace,
    /// lowercase) is acceptable for this type. By default only the type's own name is.
    fn accepts(short_lowercase: &str) -> bool {
        Self::ODATA_TYPE
            .get(NAMESPACE_PREFIX.len()..)
            .is_some_and(|own| own.eq_ignore_ascii_case(short_lowercase))
    }
}

/// Normalises an `@odata.type` value: trims, drops a leading `#` and a `microsoft.graph.` namespace (any
/// case), and lowercases. `"#Microsoft.Graph.Call"`, `"microsoft.graph.call"` and `"call"` all give `"call"`.
pub fn short_type_name(odata_type: &str) -> String {
    let t = odata_type.trim();
    let t = t.strip_prefix('#').unwrap_or(t);
    let lower = t.to_ascii_lowercase();
    match lower.strip_prefix("microsoft.graph.") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

/// The `@odata.type` member of a type `K`: carries no data, validates on input, emits `K::ODATA_TYPE`.
///
/// Absent or `null` on input is accepted; a string naming another type is an error.
pub struct ODataType<K>(PhantomData<fn() -> K>);

impl<K> ODataType<K> {
    /// The tag (there is only one value).
    pub const fn new() -> Self {
        ODataType(PhantomData)
    }
}

impl<K> Default for ODataType<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> Clone for ODataType<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for ODataType<K> {}

impl<K> PartialEq for ODataType<K> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<K> Eq for ODataType<K> {}

impl<K: ODataKind> fmt::Debug for ODataType<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(K::ODATA_TYPE)
    }
}

impl<K: ODataKind> Serialize for ODataType<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(K::ODATA_TYPE)
    }
}

impl<'de, K: ODataKind> Deserialize<'de> for ODataType<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagVisitor<K>(PhantomData<fn() -> K>);
        impl<K: ODataKind> TagVisitor<K> {
            fn check<E: de::Error>(s: &str) -> Result<ODataType<K>, E> {
                if K::accepts(&short_type_name(s)) {
                    Ok(ODataType::new())
                } else {
                    Err(E::custom(format_args!(
                        "unexpected @odata.type `{s}`, expected `{}`",
                        K::ODATA_TYPE
                    )))
                }
            }
        }
        impl<K: ODataKind> Visitor<'_> for TagVisitor<K> {
            type Value = ODataType<K>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the string `{}`", K::ODATA_TYPE)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Self::check(s)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ODataType::new())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ODataType::new())
            }
        }
        deserializer.deserialize_any(TagVisitor(PhantomData))
    }
}

/// Reads a JSON object and its normalised `@odata.type` (None when absent or null); used by the
/// polymorphic types (mediaConfig, meetingInfo, prompt, callOptions, commsOperation, resourceData).
pub(crate) fn object_with_type<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &str,
) -> Result<(Option<String>, Value), D::Error> {
    let value = Value::deserialize(deserializer)?;
    let Value::Object(map) = &value else {
        return Err(de::Error::custom(format_args!(
            "{what}: expected a JSON object"
        )));
    };
    let short = match map.get("@odata.type") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(short_type_name(s)),
        Some(_) => return Err(de::Error::custom("@odata.type must be a string")),
    };
    Ok((short, value))
}

/// `serde_json::from_value` with the error mapped into the caller's deserializer error.
pub(crate) fn from_value<T: DeserializeOwned, E: de::Error>(value: Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// The extras of an open type, minus serializer bookkeeping: keys starting with `$` (Newtonsoft's
/// `"$id": "1"`, `$ref`) are not OData properties and are dropped rather than echoed back.
pub(crate) fn open_extras<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<AdditionalData, D::Error> {
    let mut map = AdditionalData::deserialize(deserializer)?;
    map.retain(|k, _| !k.starts_with('$'));
    Ok(map)
}

/// `null` (or absent, with `#[serde(default)]`) becomes `T::default()`; for NN booleans and lists.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Integers that may arrive as JSON numbers or as numeric strings (`"200"`), as Graph docs examples do.
pub(crate) mod lenient {
    use std::fmt;

    use serde::de::{self, Deserializer, Visitor};

    struct IntVisitor;

    impl Visitor<'_> for IntVisitor {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or a string holding an integer")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("integer out of range"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.fract() == 0.0 && v >= i64::MIN as f64 && v <= i64::MAX as f64 {
                Ok(Some(v as i64))
            } else {
                Err(E::custom("expected an integer"))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| E::custom(format_args!("`{v}` is not an integer")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_any(IntVisitor)
    }

    fn narrow<E: de::Error>(v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom("integer out of Int32 range"))
    }

    /// Optional Int32.
    pub(crate) fn opt_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        read(d)?.map(narrow).transpose()
    }

    /// Int64; `null` reads as 0.
    pub(crate) fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        Ok(read(d)?.unwrap_or(0))
    }

    /// Optional Int64.
    pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        read(d)
    }
}

/// OpenAPI schemas of the plumbing (with the `openapi` feature): the `@odata.type` tag, the wire enums,
/// and the `anyOf` of the polymorphic types.
#[cfg(feature = "openapi")]
pub(crate) mod schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;
    use utoipa::ToSchema;

    use super::ODataKind;

    /// A string restricted to `values` (the wire spellings of an enum).
    pub(crate) fn string_enum(values: &[&str]) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .description(Some("Read in any letter case; written in lower camelCase."))
            .into()
    }

    /// The `anyOf` of a polymorphic type's variants (by reference), described by `description`.
    pub(crate) fn any_of(
        variants: impl IntoIterator<Item = RefOr<Schema>>,
        description: &str,
    ) -> RefOr<Schema> {
        variants
            .into_iter()
            .fold(AnyOfBuilder::new(), AnyOfBuilder::item)
            .description(Some(description))
            .into()
    }

    /// A reference to `T`'s component schema.
    pub(crate) fn reference<T: ToSchema>() -> RefOr<Schema> {
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
    }

    /// Adds `T` (and what it refers to) to `schemas`.
    pub(crate) fn collect<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }

    /// The schema of `K`'s `@odata.type` member (a field attribute names it with `schema_with`):
    /// the spelling written. Reading is more lenient than the schema says.
    pub(crate) fn tag<K: ODataKind>() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([K::ODATA_TYPE]))
            .description(Some(
                "Optional on input, where it is also read without `#` or the `microsoft.graph.` namespace, in any letter case.",
            ))
            .into()
    }
}

/// Declares a struct's fixed `@odata.type`.
macro_rules! odata_kind {
    ($ty:ty, $name:literal) => {
        impl $crate::odata::ODataKind for $ty {
            const ODATA_TYPE: &'static str = concat!("#microsoft.graph.", $name);
        }
    };
}
pub(crate) use odata_kind;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_normalise() {
        assert_eq!(short_type_name("#microsoft.graph.call"), "call");
        assert_eq!(
            short_type_name("microsoft.graph.identitySet"),
            "identityset"
        );
        assert_eq!(short_type_name("#Microsoft.Graph.Call"), "call");
        assert_eq!(short_type_name(" call "), "call");
    }
}
