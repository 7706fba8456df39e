//! Small serde helpers shared by the DTOs: one-or-many lists, seconds that may be fractional,
//! codes that may be numbers, and the field names a derived struct declares.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serializer};

/// A list that may arrive as a single object (the door accepts both for play sources). Read
/// straight from the deserializer, so a failure inside an item keeps its location.
pub(crate) mod one_or_many {
    use super::*;
    use serde::de::value::{
        BoolDeserializer, F64Deserializer, I64Deserializer, MapAccessDeserializer,
        SeqAccessDeserializer, StrDeserializer, U64Deserializer, UnitDeserializer,
    };
    use serde::de::{IntoDeserializer, MapAccess, SeqAccess};
    use std::marker::PhantomData;

    /// `[T…]`, or a lone `T` (of any JSON type) as a list of one.
    struct OneOrMany<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list or a single item")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            Vec::deserialize(SeqAccessDeserializer::new(seq))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(|one| vec![one])
        }

        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            T::deserialize(UnitDeserializer::new()).map(|one| vec![one])
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
            T::deserialize(BoolDeserializer::new(v)).map(|one| vec![one])
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
            T::deserialize(I64Deserializer::new(v)).map(|one| vec![one])
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
            T::deserialize(U64Deserializer::new(v)).map(|one| vec![one])
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
            T::deserialize(F64Deserializer::new(v)).map(|one| vec![one])
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            T::deserialize(StrDeserializer::new(v)).map(|one| vec![one])
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<T>, E> {
            T::deserialize(v.into_deserializer()).map(|one| vec![one])
        }
    }

    /// Reads `[T…]` or a lone `T` (as a list of one).
    pub(crate) fn deserialize<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        d.deserialize_any(OneOrMany(PhantomData))
    }

    /// The optional form: `null`/absent is `None`.
    pub(crate) mod option {
        use super::*;

        struct Optional<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Optional<T> {
            type Value = Option<Vec<T>>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("null, a list or a single item")
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                super::deserialize(d).map(Some)
            }
        }

        /// Reads `null`, `[T…]` or a lone `T`.
        pub(crate) fn deserialize<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
        where
            D: Deserializer<'de>,
            T: Deserialize<'de>,
        {
            d.deserialize_option(Optional(PhantomData))
        }
    }
}

/// Seconds as the door reads them: any JSON number (`2.5` included). Written as an integer when
/// whole, so what the SDKs send (`5`) is written back as sent.
pub(crate) mod seconds {
    use super::*;

    /// Writes `Some(5.0)` as `5`, `Some(2.5)` as `2.5`.
    pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => s.serialize_i64(*x as i64),
            Some(x) => s.serialize_f64(*x),
        }
    }

    /// Reads a number (integer or fraction) or `null`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<f64>::deserialize(d)
    }
}

/// Reads a string, or a number as its decimal text (error codes are strings on the wire, but a
/// numeric one must not fail the parse).
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

/// The wire names of the fields a derived struct `T` declares (as serde passes them to
/// `deserialize_struct`); empty for anything that is not a plain struct.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let probe = Probe::default();
    let _ = T::deserialize(&probe);
    probe.fields.get()
}

/// A deserializer that only records the field list it is asked for, then fails.
#[derive(Default)]
struct Probe {
    fields: Cell<&'static [&'static str]>,
}

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field-name probe")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for &Probe {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.fields.set(fields);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::Value;

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct T {
        first_name: String,
        #[serde(default, with = "seconds", skip_serializing_if = "Option::is_none")]
        wait: Option<f64>,
        #[serde(default, deserialize_with = "one_or_many::option::deserialize")]
        many: Option<Vec<u8>>,
    }

    #[test]
    fn probe_lists_wire_names() {
        assert_eq!(field_names::<T>(), ["firstName", "wait", "many"]);
        assert!(field_names::<Value>().is_empty());
        assert!(field_names::<Vec<T>>().is_empty());
    }

    #[test]
    fn seconds_and_lists() {
        let t: T = serde_json::from_str(r#"{"firstName":"x","wait":5,"many":7}"#).unwrap();
        assert_eq!((t.wait, t.many.as_deref()), (Some(5.0), Some(&[7u8][..])));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"firstName":"x","wait":5,"many":[7]}"#
        );
        let t: T = serde_json::from_str(r#"{"firstName":"x","wait":2.5,"many":null}"#).unwrap();
        assert_eq!((t.wait, t.many), (Some(2.5), None));
        assert!(serde_json::from_str::<T>(r#"{"firstName":"x","wait":"5"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"firstName":"x","many":["a"]}"#).is_err());
    }
}
