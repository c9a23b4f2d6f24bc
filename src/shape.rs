//! What each result type looks like on the wire, as data, and what a check of JSON text against
//! it finds.
//!
//! The by-name entry point hands the server's JSON to the host as it was sent (the host's own
//! parser, `JSON.parse` or `json.loads`, builds the objects far faster than any FFI crossing
//! could) once the body's one reading (the crate's scanner) has found every known field of the
//! right type. Checking needs no allocation and no per-type code; the shapes are declared by
//! the same `model!` lines as the Rust types, and a test holds the two to the same verdict on
//! every fixture.

use std::collections::BTreeMap;
use std::fmt;

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
