//! Deserializes a type from a [`Value`] and, when that fails, says where: `policies[0].access`.
//!
//! By-name parameters and credentials arrive as JSON, and a refusal must name the field at
//! fault. Wrapping every visitor to learn the path (as general-purpose path trackers do) doubles
//! the generated code of every parameter type; reading from a `Value` we own the map and
//! sequence access instead, and note the key or index only as an error passes through.

use std::cell::RefCell;
use std::fmt::Write as _;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess};
use serde_json::{Error, Value};

/// A failure and where it happened.
#[derive(Debug)]
pub(crate) struct Failure {
    /// `.` for the value itself, else `key`, `key[0].inner`, ...
    pub(crate) path: String,
    /// What serde said.
    pub(crate) error: Error,
}

/// Reads `T` from `value`.
pub(crate) fn deserialize<T: DeserializeOwned>(value: &Value) -> Result<T, Failure> {
    let path = RefCell::new(Vec::new());
    T::deserialize(Tracked { value, path: &path }).map_err(|error| Failure {
        path: render(&path.into_inner()),
        error,
    })
}

enum Segment {
    Key(String),
    Index(usize),
}

/// Segments recorded innermost first, as `a[0].b`; the value itself is `.`.
fn render(segments: &[Segment]) -> String {
    if segments.is_empty() {
        return ".".to_owned();
    }
    let mut out = String::new();
    for segment in segments.iter().rev() {
        match segment {
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
    }
    out
}

struct Tracked<'a> {
    value: &'a Value,
    path: &'a RefCell<Vec<Segment>>,
}

fn note<T>(
    path: &RefCell<Vec<Segment>>,
    segment: impl FnOnce() -> Segment,
    outcome: Result<T, Error>,
) -> Result<T, Error> {
    if outcome.is_err() {
        path.borrow_mut().push(segment());
    }
    outcome
}

/// The scalar kinds, each read as the value's own kind (the visitor refuses a wrong one).
macro_rules! scalars {
    ($($method:ident)*) => {$(
        fn $method<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.scalar(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for Tracked<'de> {
    type Error = Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(_) => self.deserialize_map(visitor),
            Value::Array(_) => self.deserialize_seq(visitor),
            _ => self.scalar(visitor),
        }
    }

    // Each kind visits only what it can take: a struct is never read from an array, a string
    // never from a map. Besides the clear error, this leaves the unused visits of every
    // parameter type out of the build (serde derives both a map and a sequence reading).

    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(map) => visitor.visit_map(Entries {
                iter: map.iter(),
                pending: None,
                path: self.path,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Items {
                iter: items.iter().enumerate(),
                path: self.path,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// Unit variants, as strings: the only enums parameters have.
    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            _ => Err(de::Error::invalid_type(unexpected(self.value), &visitor)),
        }
    }

    fn deserialize_ignored_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    scalars! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.scalar(visitor)
    }
}

impl<'de> Tracked<'de> {
    fn scalar<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("a number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

struct Entries<'a> {
    iter: serde_json::map::Iter<'a>,
    pending: Option<(&'a String, &'a Value)>,
    path: &'a RefCell<Vec<Segment>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        let outcome = seed
            .deserialize(BorrowedStrDeserializer::new(key))
            .map(Some);
        note(self.path, || Segment::Key(key.clone()), outcome)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| de::Error::custom("a map value was asked for before its key"))?;
        let outcome = seed.deserialize(Tracked {
            value,
            path: self.path,
        });
        note(self.path, || Segment::Key(key.clone()), outcome)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Items<'a> {
    iter: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    path: &'a RefCell<Vec<Segment>>,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((index, value)) = self.iter.next() else {
            return Ok(None);
        };
        let outcome = seed
            .deserialize(Tracked {
                value,
                path: self.path,
            })
            .map(Some);
        note(self.path, || Segment::Index(index), outcome)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        #[serde(default)]
        items: Vec<Inner>,
        count: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        id: String,
    }

    fn fail(value: Value) -> (String, String) {
        let f = deserialize::<Outer>(&value).unwrap_err();
        (f.path, f.error.to_string())
    }

    #[test]
    fn names_the_place_of_each_kind_of_failure() {
        let (path, error) = fail(json!({"name": "a", "items": [{"id": "x"}, {"id": 7}]}));
        assert_eq!(path, "items[1].id");
        assert!(error.contains("invalid type: integer `7`"), "{error}");
        assert_eq!(fail(json!({"name": "a", "count": -1})).0, "count");
        assert_eq!(fail(json!({"name": "a", "extra": 1})).0, "extra");
        let (path, error) = fail(json!({"items": []}));
        assert_eq!(path, ".");
        assert!(error.contains("missing field `name`"));
        assert_eq!(fail(json!([])).0, ".");
    }

    #[test]
    fn reads_what_it_is_given() {
        let outer: Outer =
            deserialize(&json!({"name": "a", "items": [{"id": "x"}], "count": null})).unwrap();
        assert_eq!((outer.items.len(), outer.count), (1, None));
    }
}
