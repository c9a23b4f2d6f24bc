//! What each result type looks like on the wire, as data, and a checker that walks JSON text
//! against it without building anything.
//!
//! The by-name entry point hands the server's JSON to the host as it was sent (the host's own
//! parser, `JSON.parse` or `json.loads`, builds the objects far faster than any FFI crossing
//! could) once this checker has found every known field of the right type. Checking needs no
//! allocation and no per-type code, which keeps the WebAssembly build small; the shapes are
//! declared by the same `model!` lines as the Rust types, and a test holds the two to the same
//! verdict on every fixture.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The wire form of a result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// Any JSON value.
    Any,
    /// A string.
    Str,
    /// `true` or `false`.
    Bool,
    /// Any object.
    Object,
    /// `null` or the inner shape.
    Nullable(&'static Shape),
    /// An array of the inner shape.
    List(&'static Shape),
    /// An object whose every value has the inner shape.
    MapOf(&'static Shape),
    /// An object with these known fields, each `null` or of its shape; other fields are kept
    /// whatever they hold.
    Model {
        /// The model's name (`Account`): how the exported catalog refers to it.
        name: &'static str,
        /// What it is, from its doc comment: the generated host types carry it.
        doc: &'static str,
        /// Its known fields.
        fields: &'static [Field],
    },
}

/// A known field of a [`Shape::Model`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON key.
    pub name: &'static str,
    /// What its value must be when it is not `null`.
    pub shape: &'static Shape,
    /// What it holds, from its doc comment: the generated host types carry it.
    pub doc: &'static str,
}

/// A type whose wire form is a [`Shape`].
pub trait Shaped {
    /// The wire form.
    const SHAPE: Shape;
}

impl Shaped for String {
    const SHAPE: Shape = Shape::Str;
}
impl Shaped for bool {
    const SHAPE: Shape = Shape::Bool;
}
impl Shaped for Value {
    const SHAPE: Shape = Shape::Any;
}
impl Shaped for Map<String, Value> {
    const SHAPE: Shape = Shape::Object;
}
impl<T: Shaped> Shaped for Option<T> {
    const SHAPE: Shape = Shape::Nullable(&T::SHAPE);
}
impl<T: Shaped> Shaped for Vec<T> {
    const SHAPE: Shape = Shape::List(&T::SHAPE);
}
impl<T: Shaped> Shaped for BTreeMap<String, T> {
    const SHAPE: Shape = Shape::MapOf(&T::SHAPE);
}

/// A field's JSON key from its Rust name: `r#type` is sent as `type`.
pub(crate) const fn wire_name(ident: &'static str) -> &'static str {
    match ident.as_bytes() {
        [b'r', b'#', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(name) => name,
            Err(_) => ident,
        },
        _ => ident,
    }
}

/// Where a check failed and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// A path below the checked value: `""`, `[3]`, `.roles[0].name`.
    pub path: String,
    /// What was wrong there.
    pub reason: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected value at `{}`: {}", self.path, self.reason)
    }
}

/// What a successful check saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// The number of items, when the value is an array.
    pub items: Option<usize>,
    /// A digest of the strings of known fields (ids, names, e-mails) and the item count: equal
    /// for the same items sent again, which is how a repeated page is noticed.
    pub digest: u64,
}

impl Checked {
    /// The summary of a walk: its item count, and its digest of strings closed with the count.
    pub(crate) fn new(items: Option<usize>, strings: u64) -> Self {
        Checked {
            items,
            digest: mix(strings, items.unwrap_or(0) as u64),
        }
    }
}

/// Checks `json` (one JSON value) against `shape`.
pub fn check(shape: &'static Shape, json: &str) -> Result<Checked, Mismatch> {
    let path = RefCell::new(Vec::new());
    let digest = Cell::new(0);
    let seed = Check {
        shape,
        nullable: false,
        path: &path,
        digest: &digest,
    };
    let mut de = serde_json::Deserializer::from_str(json);
    match seed
        .deserialize(&mut de)
        .and_then(|items| de.end().map(|()| items))
    {
        Ok(items) => Ok(Checked::new(items, digest.get())),
        Err(e) => {
            let mut at = String::new();
            for segment in path.into_inner().iter().rev() {
                match segment {
                    Segment::Index(i) => at.push_str(&format!("[{i}]")),
                    Segment::Key(key) => {
                        at.push('.');
                        at.push_str(key);
                    }
                }
            }
            Err(Mismatch {
                path: at,
                reason: e.to_string(),
            })
        }
    }
}

/// One step of a failure's path, recorded innermost first as the error unwinds.
enum Segment {
    Index(usize),
    Key(String),
}

#[derive(Clone, Copy)]
struct Check<'p> {
    shape: &'static Shape,
    /// Whether `null` is accepted too (a known field's value, or a `Nullable` shape).
    nullable: bool,
    path: &'p RefCell<Vec<Segment>>,
    digest: &'p Cell<u64>,
}

/// One step of the digest (the multiply-rotate step of FxHash: cheap, not for adversaries).
fn mix(digest: u64, word: u64) -> u64 {
    (digest.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// The digest with a string added.
pub(crate) fn absorb(mut digest: u64, text: &[u8]) -> u64 {
    let mut chunks = text.chunks_exact(8);
    for chunk in &mut chunks {
        digest = mix(
            digest,
            u64::from_le_bytes(chunk.try_into().unwrap_or_default()),
        );
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(digest, u64::from_le_bytes(tail) ^ text.len() as u64)
}

impl Check<'_> {
    fn at(self, shape: &'static Shape) -> Self {
        Check {
            shape,
            nullable: false,
            ..self
        }
    }

    fn absorb(&self, text: &str) {
        self.digest.set(absorb(self.digest.get(), text.as_bytes()));
    }

    fn note<T, E>(&self, outcome: Result<T, E>, segment: impl FnOnce() -> Segment) -> Result<T, E> {
        if outcome.is_err() {
            self.path.borrow_mut().push(segment());
        }
        outcome
    }

    /// The same check, with `null` accepted too.
    fn or_null(self) -> Self {
        Check {
            nullable: true,
            ..self
        }
    }

    /// The error for a value of the wrong type.
    fn refuse<E: de::Error>(&self, found: &str) -> E {
        let expected: &dyn de::Expected = self;
        E::custom(format_args!("invalid type: {found}, expected {expected}"))
    }
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    /// The item count of an array.
    type Value = Option<usize>;

    /// Every value is asked for as "any": asking serde_json for a type would have it describe
    /// a value of another type in its own words, with float formatting the .wasm otherwise
    /// does without. The visitor below decides instead.
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        match self.shape {
            Shape::Any => Skip.deserialize(de).map(|()| None),
            Shape::Nullable(inner) => self.at(inner).or_null().deserialize(de),
            _ => de.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.shape {
            Shape::Any => "any value",
            Shape::Str => "a string",
            Shape::Bool => "a boolean",
            Shape::Nullable(_) => "a value or null",
            Shape::List(_) => "an array",
            Shape::Object | Shape::MapOf(_) | Shape::Model { .. } => "an object",
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        match self.nullable {
            true => Ok(None),
            false => Err(self.refuse("null")),
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        match self.shape {
            Shape::Bool => Ok(None),
            _ => Err(self.refuse("a boolean")),
        }
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.refuse("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.refuse("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.refuse("a number"))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        match self.shape {
            Shape::Str => {
                self.absorb(text);
                Ok(None)
            }
            _ => Err(self.refuse("a string")),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Shape::List(item) = self.shape else {
            return Err(self.refuse("an array"));
        };
        let mut count = 0;
        loop {
            let next = seq.next_element_seed(self.at(item));
            match self.note(next, || Segment::Index(count))? {
                Some(_) => count += 1,
                None => return Ok(Some(count)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let fields: &[Field] = match self.shape {
            Shape::Object => {
                while map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value_seed(Skip)?;
                }
                return Ok(None);
            }
            Shape::MapOf(value) => {
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let outcome = map.next_value_seed(self.at(value));
                    self.note(outcome, || Segment::Key(key.0.into_owned()))?;
                }
                return Ok(None);
            }
            Shape::Model { fields, .. } => fields,
            _ => return Err(self.refuse("an object")),
        };
        let mut seen: u64 = 0;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let Some(index) = fields.iter().position(|f| f.name == key.0) else {
                map.next_value_seed(Skip)?;
                continue;
            };
            let bit = 1u64 << (index % 64);
            if seen & bit != 0 {
                return Err(de::Error::duplicate_field(fields[index].name));
            }
            seen |= bit;
            let outcome = map.next_value_seed(self.at(fields[index].shape).or_null());
            self.note(outcome, || Segment::Key(key.0.into_owned()))?;
        }
        Ok(None)
    }
}

/// Any value, read as the typed path reads what it keeps whole (`extra`, `Value` fields):
/// numbers must fit an `f64` and nesting stays within serde_json's limit, which skipping
/// unread (`deserialize_ignored_any`) would not check.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// An object key, borrowed unless it holds escapes.
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(key.into()))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(key.to_owned().into()))
            }
        }
        de.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static GRANTS: [Field; 1] = [Field {
        name: "read",
        shape: &Shape::Bool,
        doc: "",
    }];
    static ROLE: [Field; 3] = [
        Field {
            name: "name",
            shape: &Shape::Str,
            doc: "",
        },
        Field {
            name: "permissions",
            shape: &Shape::MapOf(&Shape::Model {
                name: "Grants",
                doc: "",
                fields: &GRANTS,
            }),
            doc: "",
        },
        Field {
            name: "tags",
            shape: &Shape::List(&Shape::Str),
            doc: "",
        },
    ];
    static ROLES: Shape = Shape::List(&Shape::Model {
        name: "Role",
        doc: "",
        fields: &ROLE,
    });

    #[test]
    fn counts_items_and_accepts_nulls_and_unknown_fields() {
        let json = r#"[{"name":"a","x":[1,{"y":null}]},{"name":null,"tags":["t"]},{}]"#;
        assert_eq!(check(&ROLES, json).map(|c| c.items), Ok(Some(3)));
    }

    #[test]
    fn names_the_path_of_a_mismatch() {
        let json = r#"[{"name":"a"},{"permissions":{"dns":{"read":"yes"}}}]"#;
        let err = check(&ROLES, json).unwrap_err();
        assert_eq!(err.path, "[1].permissions.dns.read");
        assert!(err.reason.contains("expected a boolean"), "{}", err.reason);

        let err = check(&ROLES, r#"[{"tags":["a",7]}]"#).unwrap_err();
        assert_eq!(err.path, "[0].tags[1]");
        let err = check(&ROLES, r#"{"name":"a"}"#).unwrap_err();
        assert_eq!(err.path, "");
        assert!(err.reason.contains("expected an array"), "{}", err.reason);
    }

    #[test]
    fn refuses_a_repeated_known_field_and_null_where_no_field_is() {
        let err = check(&ROLES, r#"[{"name":"a","name":"b"}]"#).unwrap_err();
        assert_eq!(err.path, "[0]");
        assert!(err.reason.contains("duplicate field `name`"));
        assert!(check(&ROLES, "null").is_err());
        assert!(check(&ROLES, r#"[null]"#).is_err());
        assert!(check(&ROLES, r#"[{"tags":[null]}]"#).is_err());
        static MAYBE_ROLES: Shape = Shape::Nullable(&ROLES);
        assert_eq!(check(&MAYBE_ROLES, "null").map(|c| c.items), Ok(None));
    }

    #[test]
    fn the_digest_follows_the_items() {
        let digest = |json| check(&ROLES, json).unwrap().digest;
        let page = r#"[{"name":"a","x":1},{"name":"b"}]"#;
        assert_eq!(digest(page), digest(r#"[{"name":"a","x":2},{"name":"b"}]"#));
        assert_ne!(digest(page), digest(r#"[{"name":"a"},{"name":"c"}]"#));
        assert_ne!(digest(page), digest(r#"[{"name":"a"},{"name":"b"},{}]"#));
        assert_ne!(
            digest(r#"[{"name":"ab"}]"#),
            digest(r#"[{"name":"a"},{"name":"b"}]"#)
        );
    }

    #[test]
    fn reads_escaped_keys_and_raw_identifiers() {
        assert!(check(&ROLES, r#"[{"na\u006de":7}]"#).is_err());
        assert_eq!(wire_name("r#type"), "type");
        assert_eq!(wire_name("name"), "name");
    }
}
