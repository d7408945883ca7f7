//! JSON records read strictly: an object that names the same key twice is refused.
//!
//! `serde_json::Value` keeps the last of two equal keys without a word, so
//! `{"good": 1, "good": 1000}` would count 1,000 events where the sender may have meant
//! one. Every record nines ingests (events, counts) is read through [`parse_record`], which
//! builds the same `Value` but stops at the first repeated key, at any depth.

use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses one JSON text into a value, refusing repeated keys in any object.
pub fn parse_record(text: &str) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Strict.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Builds a [`Value`], refusing repeated keys.
#[derive(Clone, Copy)]
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }
    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }
    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(sequence.size_hint().unwrap_or(0).min(64));
        while let Some(item) = sequence.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format_args!(
                    "the key `{key}` appears twice in one object"
                )));
            }
            let value = entries.next_value_seed(Strict)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A JSON array of records, each read strictly: (index from 0, value) or the error.
pub fn parse_records(text: &str) -> Result<Vec<Value>, serde_json::Error> {
    match parse_record(text)? {
        Value::Array(items) => Ok(items),
        _ => Err(serde_json::Error::custom("expected a JSON array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_repeated_keys_at_any_depth() {
        // issue 9.10: duplicate keys were silently resolved to the last one.
        assert!(parse_record(r#"{"good": 1, "good": 1000}"#).is_err());
        assert!(parse_record(r#"{"a": {"b": 1, "b": 2}}"#).is_err());
        assert!(parse_record(r#"[{"b": 1}, {"b": 2}]"#).is_ok());
        let message = parse_record(r#"{"valid": 1, "valid": 2}"#)
            .unwrap_err()
            .to_string();
        assert!(message.contains("`valid` appears twice"), "{message}");
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 3.5, "x", null, true], "b": {"c": 18446744073709551615}}"#;
        assert_eq!(
            parse_record(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(parse_record("{} {}").is_err());
        assert!(parse_record("[1,").is_err());
    }
}
