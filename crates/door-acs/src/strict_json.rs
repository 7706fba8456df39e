//! A serde `Deserializer` over a `serde_json::Value` that reads a struct only from a JSON object.
//! serde's derived structs also read from a list, positionally (`["websocket", "mixed"]` as
//! `mediaStreamingOptions`), which no ACS client sends and the door never accepted; everything
//! else reads as with serde_json's own `Value` deserializer.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    Visitor,
};
use serde_json::{Map, Value};

/// The deserializer (borrowing the value).
pub(crate) struct Strict<'a>(pub(crate) &'a Value);

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visitor.visit_map(Members::new(map)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for Strict<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// A list's items.
struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Strict(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's members.
struct Members<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> Members<'a> {
    fn new(map: &'a Map<String, Value>) -> Self {
        Members {
            iter: map.iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_acs_wire::{MediaStreamingOptions, PlayRequest};
    use serde::Deserialize;
    use serde_json::json;

    fn read<T: Deserialize<'static>>(value: Value) -> Result<T, serde_json::Error> {
        let value: &'static Value = Box::leak(Box::new(value));
        T::deserialize(Strict(value))
    }

    #[test]
    fn structs_read_from_objects_only() {
        let positional = json!([
            "websocket",
            "mixed",
            "wss://a/b",
            null,
            true,
            null,
            null,
            null
        ]);
        assert!(serde_json::from_value::<MediaStreamingOptions>(positional.clone()).is_ok());
        assert!(read::<MediaStreamingOptions>(positional).is_err());
        let options: MediaStreamingOptions = read(json!({"transportType": "websocket",
            "audioChannelType": "mixed", "enableBidirectional": null}))
        .expect("an object");
        assert_eq!(options.enable_bidirectional, None);
    }

    #[test]
    fn everything_else_reads_as_serde_json_reads_it() {
        for value in [
            json!({"playSources": {"file": {"uri": "u"}}, "playTo": [], "playOptions": {"loop": true}}),
            json!({"playSources": [{"kind": "file", "file": {"uri": "u"}, "playSourceCacheId": "c"}],
                   "interruptCallMediaOperation": false, "operationContext": "x"}),
            json!({"playSources": [], "playTo": [{"rawId": "4:+1", "phoneNumber": {"value": "+1"}}]}),
            json!({"playSources": 5}),
            json!({"playSources": [1.5]}),
            json!({"playSources": [], "playOptions": {"loop": 1}}),
        ] {
            let strict = read::<PlayRequest>(value.clone());
            let plain = serde_json::from_value::<PlayRequest>(value.clone());
            assert_eq!(strict.is_ok(), plain.is_ok(), "{value}");
            if let (Ok(a), Ok(b)) = (strict, plain) {
                assert_eq!(a, b, "{value}");
            }
        }
    }
}
