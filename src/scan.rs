//! The one reading of a body: a single pass over its bytes that checks the JSON grammar, the v4
//! envelope and the result's shape together, building nothing, and names what is wrong when
//! something is.
//!
//! Every reading of a response goes through it: the by-name check (whose hosts then build the
//! result with their own parser, `JSON.parse` or `json.loads`), the typed parse (which then
//! builds its models from the result's text with serde) and the retry machine's reading of a
//! failure. It accepts what serde_json reads (strings with their escapes and surrogate pairs,
//! numbers that fit an `f64`) and no deeper nesting than [`MAX_DEPTH`], so that whatever it
//! passes, every host's parser reads too; the `operations` fuzz target and `tests/shapes.rs`
//! hold it to the typed parse's verdict. It is written by hand because hosts run it on every
//! response, in WebAssembly too, where a loop over the bytes is several times faster than a
//! general deserializer.

use std::borrow::Cow;

use crate::shape::{absorb, Checked, Mismatch, Shape};

/// The deepest nesting of arrays and objects a body may have, the envelope counted: a body
/// within it leaves serde_json (whose limit is one level more) room to read its result, and no
/// host parser ever meets deeper input (Python's recursion limit, a JS heap). Unknown members
/// are held to it too.
pub(crate) const MAX_DEPTH: u32 = 128;

/// A successful reading of an envelope: its members as raw JSON, and the result checked.
pub(crate) struct Envelope<'a> {
    /// The value of `success` (an error status's body may leave it out when it has `errors`).
    pub(crate) success: bool,
    /// The raw JSON of `result`; `null` when it is absent.
    pub(crate) result: &'a str,
    /// The result against the shape asked for. A mismatch is only a fault of a successful
    /// envelope: an error envelope's `result` may hold anything.
    pub(crate) checked: Result<Checked, Mismatch>,
    pub(crate) errors: Option<&'a str>,
    pub(crate) messages: Option<&'a str>,
    pub(crate) result_info: Option<&'a str>,
}

/// Reads `text` as one envelope: a JSON object with a boolean `success` and no member of the
/// envelope twice, its `result` checked against `shape`. `error_status`: the HTTP status was not
/// 2xx, where `errors` without `success` reads as a failure (older endpoints and proxies answer
/// so, and the official SDKs read such bodies as API errors). The error says why `text` is not
/// an envelope.
pub(crate) fn envelope<'a>(
    text: &'a str,
    shape: &'static Shape,
    error_status: bool,
) -> Result<Envelope<'a>, String> {
    const KEYS: [&str; 5] = ["success", "result", "errors", "messages", "result_info"];
    let mut s = Scanner::new(text);
    if s.peek() != Some(b'{') {
        return Err("not a JSON object".to_owned());
    }
    let mut success = None;
    let mut members: [Option<&'a str>; 5] = [None; 5];
    let mut checked = None;
    let read = s.entries(0, |s, key| {
        let Some(index) = KEYS.iter().position(|k| *k == key) else {
            return s.skip(1);
        };
        if members[index].is_some() {
            return Err(Fault::envelope(format!(
                "duplicate field `{}`",
                KEYS[index]
            )));
        }
        s.space();
        let start = s.at;
        match index {
            0 => success = Some(s.flag()?),
            1 => checked = Some(s.checked(shape, 1)?),
            _ => s.skip(1)?,
        }
        members[index] = Some(&text[start..s.at]);
        Ok(())
    });
    read.and_then(|()| s.end())
        .map_err(|fault| fault.describe(text))?;
    let [_, result, errors, messages, result_info] = members;
    let success = match success {
        Some(success) => success,
        None if error_status && errors.is_some() => false,
        None => return Err("missing field `success`".to_owned()),
    };
    Ok(Envelope {
        success,
        result: result.unwrap_or("null"),
        checked: checked.unwrap_or_else(|| check(shape, "null")),
        errors,
        messages,
        result_info,
    })
}

/// Checks `json` (one JSON value) against `shape`; text that is not one JSON value is a
/// mismatch at the top.
pub(crate) fn check(shape: &'static Shape, json: &str) -> Result<Checked, Mismatch> {
    let mut s = Scanner::new(json);
    let items = s.value(shape, 0).and_then(|items| s.end().map(|()| items));
    match items {
        Ok(items) => Ok(Checked::new(items, s.digest)),
        Err(fault) => Err(match *fault {
            Fault::Mismatch { path, reason } => mismatch(path, reason),
            other => mismatch(Vec::new(), other.describe(json)),
        }),
    }
}

/// One step of a mismatch's path, recorded innermost first as the fault unwinds.
enum Segment {
    Index(usize),
    Key(String),
}

/// Why a reading failed.
enum Fault {
    /// The text is not JSON (or nests too deep): what was found wrong, at which byte.
    Syntax { reason: &'static str, at: usize },
    /// The envelope is not one (a repeated member, `success` not a boolean).
    Envelope(String),
    /// A value is not of its shape.
    Mismatch { path: Vec<Segment>, reason: String },
}

/// A reading's outcome; the fault boxed, which keeps the happy path's values small.
type Read<T> = Result<T, Box<Fault>>;

impl Fault {
    fn envelope(reason: String) -> Box<Fault> {
        Box::new(Fault::Envelope(reason))
    }

    /// The fault in words, a syntax fault placed by line and column of `text`.
    fn describe(self, text: &str) -> String {
        match self {
            Fault::Syntax { reason, at } => {
                let before = &text.as_bytes()[..at.min(text.len())];
                let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
                format!("{reason} at line {line} column {column}")
            }
            Fault::Envelope(reason) => reason,
            Fault::Mismatch { path, reason } => mismatch(path, reason).to_string(),
        }
    }
}

/// A mismatch with its path written out (`[1].permissions.dns.read`).
fn mismatch(path: Vec<Segment>, reason: String) -> Mismatch {
    let mut at = String::new();
    for segment in path.iter().rev() {
        match segment {
            Segment::Index(i) => at.push_str(&format!("[{i}]")),
            Segment::Key(key) => {
                at.push('.');
                at.push_str(key);
            }
        }
    }
    Mismatch { path: at, reason }
}

/// Adds `segment` to the path of a mismatch that unwinds through it.
fn at<T>(read: Read<T>, segment: impl FnOnce() -> Segment) -> Read<T> {
    read.map_err(|mut fault| {
        if let Fault::Mismatch { path, .. } = &mut *fault {
            path.push(segment());
        }
        fault
    })
}

/// What a value is, in a mismatch's words, from its first byte.
fn kind(first: u8) -> &'static str {
    match first {
        b'"' => "a string",
        b'{' => "an object",
        b'[' => "an array",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

/// What a shape expects, in a mismatch's words.
fn expected(shape: &Shape) -> &'static str {
    match shape {
        Shape::Any => "any value",
        Shape::Str => "a string",
        Shape::Bool => "a boolean",
        Shape::Nullable(_) => "a value or null",
        Shape::List(_) => "an array",
        Shape::Object | Shape::MapOf(_) | Shape::Model { .. } => "an object",
    }
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
    /// The digest of the strings of known fields read so far ([`Checked::digest`]).
    digest: u64,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            at: 0,
            digest: 0,
        }
    }

    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// A syntax fault here; at the end of the text, that it ended early.
    #[cold]
    fn syntax(&self, reason: &'static str) -> Box<Fault> {
        let reason = match self.at < self.text.len() {
            true => reason,
            false => "the text ends early",
        };
        Box::new(Fault::Syntax {
            reason,
            at: self.at,
        })
    }

    #[inline(always)]
    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after white space, not consumed.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes().get(self.at).copied()
    }

    /// The next value's first byte, not consumed.
    #[inline(always)]
    fn first(&mut self) -> Read<u8> {
        self.peek().ok_or_else(|| self.syntax("expected a value"))
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8, reason: &'static str) -> Read<()> {
        if self.peek() != Some(byte) {
            return Err(self.syntax(reason));
        }
        self.at += 1;
        Ok(())
    }

    /// Consumes `byte` if it comes next.
    #[inline(always)]
    fn close(&mut self, byte: u8) -> bool {
        self.peek() == Some(byte) && {
            self.at += 1;
            true
        }
    }

    /// Nothing but white space is left.
    fn end(&mut self) -> Read<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters")),
        }
    }

    #[inline(always)]
    fn literal(&mut self, word: &str) -> Read<()> {
        let end = self.at + word.len();
        if self.bytes().get(self.at..end) != Some(word.as_bytes()) {
            return Err(self.syntax("expected a value"));
        }
        self.at = end;
        Ok(())
    }

    /// `true` or `false`, for `success`.
    fn flag(&mut self) -> Read<bool> {
        match self.first()? {
            b't' => self.literal("true").map(|()| true),
            b'f' => self.literal("false").map(|()| false),
            _ => {
                // Still JSON, or the grammar's fault comes first.
                self.skip(1)?;
                Err(Fault::envelope("`success` is not a boolean".to_owned()))
            }
        }
    }

    /// A string's raw contents (escapes checked, not decoded), and whether it has escapes.
    fn string(&mut self) -> Read<(&'a str, bool)> {
        self.expect(b'"', "expected a string")?;
        let start = self.at;
        let bytes = self.bytes();
        let mut escaped = false;
        loop {
            self.plain_run();
            match bytes.get(self.at) {
                None => return Err(self.syntax("")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.at += 1;
                    self.escape()?;
                }
                Some(0x00..=0x1F) => return Err(self.syntax("control character in a string")),
                Some(_) => self.at += 1,
            }
        }
        // Quotes are ASCII: the contents are whole characters of `text`.
        let contents = &self.text[start..self.at];
        self.at += 1;
        Ok((contents, escaped))
    }

    /// The escape after a backslash; a surrogate must come as a pair, as serde_json has it.
    fn escape(&mut self) -> Read<()> {
        match self.bytes().get(self.at) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.at += 1;
                Ok(())
            }
            Some(b'u') => match self.hex()? {
                0xD800..=0xDBFF => {
                    if self.bytes().get(self.at..self.at + 2) != Some(b"\\u") {
                        return Err(self.syntax("lone surrogate in a \\u escape"));
                    }
                    self.at += 1;
                    match self.hex()? {
                        0xDC00..=0xDFFF => Ok(()),
                        _ => Err(self.syntax("lone surrogate in a \\u escape")),
                    }
                }
                0xDC00..=0xDFFF => Err(self.syntax("lone surrogate in a \\u escape")),
                _ => Ok(()),
            },
            _ => Err(self.syntax("invalid escape")),
        }
    }

    /// `uXXXX`: the code it gives.
    fn hex(&mut self) -> Read<u32> {
        let digits = self.bytes().get(self.at + 1..self.at + 5);
        let code = digits.and_then(|hex| {
            hex.iter().try_fold(0u32, |code, digit| {
                Some(code * 16 + char::from(*digit).to_digit(16)?)
            })
        });
        match code {
            Some(code) => {
                self.at += 5;
                Ok(code)
            }
            None => Err(self.syntax("invalid \\u escape")),
        }
    }

    /// Skips, eight bytes at a time, what needs no look: no quote, backslash or control byte;
    /// stops on the first that does.
    #[inline(always)]
    fn plain_run(&mut self) {
        const ONES: u64 = u64::from_le_bytes([0x01; 8]);
        const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
        // The lowest bit set marks the first zero byte exactly (higher ones may be false).
        let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
        while let Some(chunk) = self.bytes().get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let special = has_zero(word ^ (ONES * u64::from(b'"')))
                | has_zero(word ^ (ONES * u64::from(b'\\')))
                | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
            if special != 0 {
                self.at += special.trailing_zeros() as usize / 8;
                return;
            }
            self.at += 8;
        }
    }

    /// An object key, its escapes decoded (rare: only then is anything built).
    #[inline(always)]
    fn key(&mut self) -> Read<Cow<'a, str>> {
        let start = self.at;
        match self.string()? {
            (key, false) => Ok(Cow::Borrowed(key)),
            (_, true) => {
                let literal = &self.text[start..self.at];
                let key = serde_json::from_str::<String>(literal);
                key.map(Cow::Owned)
                    .map_err(|_| self.syntax("invalid escape"))
            }
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.bytes().get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?` that fits an `f64` as serde_json reads
    /// it. Far from the edge it surely does; near it, serde_json itself says.
    fn number(&mut self) -> Read<()> {
        let start = self.at;
        if self.bytes().get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let whole = match self.bytes().get(self.at) {
            Some(b'0') => {
                self.at += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax("expected a value")),
        };
        if self.bytes().get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.syntax("invalid number"));
            }
        }
        let mut exponent = 0;
        if let Some(b'e' | b'E') = self.bytes().get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes().get(self.at) {
                self.at += 1;
            }
            exponent = self.digits();
            if exponent == 0 {
                return Err(self.syntax("invalid number"));
            }
        }
        // At most 10^200 * 10^99: far below `f64::MAX`.
        if whole <= 200 && exponent <= 2 {
            return Ok(());
        }
        match serde_json::from_str::<f64>(&self.text[start..self.at]) {
            Ok(_) => Ok(()),
            Err(_) => {
                self.at = start;
                Err(self.syntax("number out of range"))
            }
        }
    }

    /// Any value, skipped.
    fn skip(&mut self, depth: u32) -> Read<()> {
        match self.first()? {
            b'"' => self.string().map(drop),
            b'{' => self.entries(depth, |s, _| s.skip(depth + 1)),
            b'[' => self.elements(depth, |s, _| s.skip(depth + 1)).map(drop),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    /// Opens an array or object at `depth` (the envelope's is 0).
    #[inline(always)]
    fn open(&mut self, depth: u32, byte: u8) -> Read<()> {
        if depth >= MAX_DEPTH {
            return Err(self.syntax("nested deeper than 128 levels"));
        }
        self.expect(byte, "expected a value")
    }

    /// `{ key: value, ... }`, each value read by `each`.
    fn entries(
        &mut self,
        depth: u32,
        mut each: impl FnMut(&mut Self, Cow<'a, str>) -> Read<()>,
    ) -> Read<()> {
        self.open(depth, b'{')?;
        if self.close(b'}') {
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.syntax("expected a key"));
            }
            let key = self.key()?;
            self.expect(b':', "expected `:`")?;
            each(self, key)?;
            if self.close(b'}') {
                return Ok(());
            }
            self.expect(b',', "expected `,` or `}`")?;
        }
    }

    /// `[ value, ... ]`, each read by `each` with its index; the number of elements.
    fn elements(
        &mut self,
        depth: u32,
        mut each: impl FnMut(&mut Self, usize) -> Read<()>,
    ) -> Read<usize> {
        self.open(depth, b'[')?;
        if self.close(b']') {
            return Ok(0);
        }
        let mut count = 0;
        loop {
            each(self, count)?;
            count += 1;
            if self.close(b']') {
                return Ok(count);
            }
            self.expect(b',', "expected `,` or `]`")?;
        }
    }

    /// The value of `shape` at `depth`, summed up; a mismatch is returned as such once the
    /// value has been read through, so that the grammar's faults come first.
    fn checked(&mut self, shape: &'static Shape, depth: u32) -> Read<Result<Checked, Mismatch>> {
        self.space();
        let start = self.at;
        self.digest = 0;
        match self.value(shape, depth) {
            Ok(items) => Ok(Ok(Checked::new(items, self.digest))),
            Err(fault) => match *fault {
                Fault::Mismatch { path, reason } => {
                    self.at = start;
                    self.skip(depth)?;
                    Ok(Err(mismatch(path, reason)))
                }
                _ => Err(fault),
            },
        }
    }

    /// The refusal of a value of another kind than `shape`'s.
    #[cold]
    fn refuse(&self, first: u8, shape: &Shape) -> Box<Fault> {
        let reason = format!(
            "invalid type: {}, expected {}",
            kind(first),
            expected(shape)
        );
        Box::new(Fault::Mismatch {
            path: Vec::new(),
            reason,
        })
    }

    /// A value of `shape`; the number of items when it is an array.
    fn value(&mut self, shape: &'static Shape, depth: u32) -> Read<Option<usize>> {
        let first = self.first()?;
        match (shape, first) {
            (Shape::Any, _) => self.skip(depth).map(|()| None),
            (Shape::Nullable(_), b'n') => self.literal("null").map(|()| None),
            (Shape::Nullable(inner), _) => self.value(inner, depth),
            (Shape::Str, b'"') => {
                let (text, _) = self.string()?;
                self.digest = absorb(self.digest, text.as_bytes());
                Ok(None)
            }
            (Shape::Bool, b't') => self.literal("true").map(|()| None),
            (Shape::Bool, b'f') => self.literal("false").map(|()| None),
            (Shape::Object, b'{') => self.skip(depth).map(|()| None),
            (Shape::List(item), b'[') => {
                let each = |s: &mut Self, i| at(s.value(item, depth + 1), || Segment::Index(i));
                self.elements(depth, |s, i| each(s, i).map(drop)).map(Some)
            }
            (Shape::MapOf(value), b'{') => self
                .entries(depth, |s, key| {
                    let read = s.value(value, depth + 1).map(drop);
                    at(read, || Segment::Key(key.into_owned()))
                })
                .map(|()| None),
            (Shape::Model { fields, .. }, b'{') => {
                let mut seen = 0u64;
                // Objects of a list come with their keys in the same order: guess the field
                // after the last one before searching.
                let mut guess = 0;
                self.entries(depth, |s, key| {
                    let found = match fields.get(guess) {
                        Some(field) if field.name == key => Some(guess),
                        _ => fields.iter().position(|f| f.name == key),
                    };
                    let Some(index) = found else {
                        return s.skip(depth + 1);
                    };
                    guess = index + 1;
                    let bit = 1u64 << (index % 64);
                    if seen & bit != 0 {
                        let reason = format!("duplicate field `{}`", fields[index].name);
                        return Err(Box::new(Fault::Mismatch {
                            path: Vec::new(),
                            reason,
                        }));
                    }
                    seen |= bit;
                    let read = match s.first()? {
                        b'n' => s.literal("null"),
                        _ => s.value(fields[index].shape, depth + 1).map(drop),
                    };
                    at(read, || Segment::Key(key.into_owned()))
                })
                .map(|()| None)
            }
            (shape, first) => match first {
                b'"' | b'{' | b'[' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9' => {
                    Err(self.refuse(first, shape))
                }
                _ => Err(self.syntax("expected a value")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Member, Role};
    use crate::shape::Shaped;

    static MEMBERS: Shape = Shape::List(&Member::SHAPE);

    fn members(result: &str) -> Result<Checked, String> {
        let body = format!(
            r#"{{"success":true,"errors":[],"messages":[],"result":{result},"result_info":{{"page":1}}}}"#
        );
        let envelope = envelope(&body, &MEMBERS, false)?;
        envelope.checked.map_err(|m| m.to_string())
    }

    #[test]
    fn finds_the_members_of_an_envelope() {
        let text = r#" { "x" : [1, {"result": 2}], "result" : [{"id": "}\"]"}, {}] ,
            "m\u0065ssages":["m"],"errors":null,"success":true,"result_info":{"page":1},"y":-1.5e3 } "#;
        let found = envelope(text, &MEMBERS, false).unwrap();
        assert!(found.success);
        assert_eq!(found.result, r#"[{"id": "}\"]"}, {}]"#);
        assert_eq!(found.errors, Some("null"));
        assert_eq!(found.messages, Some(r#"["m"]"#));
        assert_eq!(found.result_info, Some(r#"{"page":1}"#));
        assert_eq!(found.checked.unwrap().items, Some(2));
        let bare = envelope(r#"{"success":false}"#, &MEMBERS, false).unwrap();
        assert_eq!((bare.success, bare.result), (false, "null"));
        assert!(bare.checked.is_err(), "a missing list is no list");
    }

    #[test]
    fn takes_the_common_body_in_one_pass() {
        let found = members(
            r#"[{"id":"a","email":"x@y","status":"accepted","user":{"first_name":null,"two_factor_authentication_enabled":false},
                "roles":[{"id":"r","name":"Admin \"root\" \u00e9 \ud83d\ude00","permissions":{"dns":{"read":true,"write":false}}}],
                "policies":[],"later":{"n":-1.5e+3,"deep":[[{}]]}},
               {"i\u0064":"b","status":"pending"}]"#,
        )
        .expect("read in one pass");
        assert_eq!(found.items, Some(2));
    }

    #[test]
    fn names_what_is_wrong_and_where() {
        for (result, why) in [
            (
                r#"[{"id":7}]"#,
                "`[0].id`: invalid type: a number, expected a string",
            ),
            (r#"[{"id":"a","id":"b"}]"#, "`[0]`: duplicate field `id`"),
            (r#"[{"i\u0064":7}]"#, "`[0].id`"),
            (
                r#"{"id":"a"}"#,
                "invalid type: an object, expected an array",
            ),
            (r#"[{"id":"\ud800"}]"#, "lone surrogate"),
            (r#"[{"id":"\udc00"}]"#, "lone surrogate"),
            (r#"[{"id":"\ud800\u0041"}]"#, "lone surrogate"),
            (r#"[{"x":01}]"#, "expected `,` or `}`"),
            (r#"[{"x":1.}]"#, "invalid number"),
            (r#"[{"x":tru}]"#, "expected a value"),
            ("[{\"id\":\"a\tb\"}]", "control character"),
            (r#"[{"id":"a"},]"#, "expected a value"),
            (r#"[{"x":1e400}]"#, "number out of range"),
            (r#"[{"x":1.7976931348623159e308}]"#, "number out of range"),
            (r#"[{"id":"\x"}]"#, "invalid escape"),
            (r#"[{"id":"\u00g0"}]"#, "invalid \\u escape"),
        ] {
            let error = members(result).err().unwrap_or_default();
            assert!(error.contains(why), "{result}: {error}");
        }
        for number in [
            "1e-400",
            "0e999999999999",
            "123456789012345678901234567890",
            "-0",
        ] {
            assert!(
                members(&format!(r#"[{{"x":{number}}}]"#)).is_ok(),
                "{number}"
            );
        }
        let deep = format!("[{{\"x\":{}{}}}]", "[".repeat(150), "]".repeat(150));
        assert!(members(&deep)
            .unwrap_err()
            .contains("nested deeper than 128 levels"));
        let error = envelope("{\"success\":true,\n \"result\":[] x", &MEMBERS, false);
        assert_eq!(
            error.err().unwrap(),
            "expected `,` or `}` at line 2 column 14"
        );
        let error = envelope(r#"{"success":true,"result":[{"id":"a"#, &MEMBERS, false);
        assert!(error.err().unwrap().starts_with("the text ends early"));
    }

    #[test]
    fn a_mismatch_gives_way_to_a_fault_of_the_grammar_after_it() {
        let error = members(r#"[{"id":7}, tru]"#).unwrap_err();
        assert!(error.starts_with("expected a value"), "{error}");
    }

    #[test]
    fn a_role_page_digest_follows_its_items() {
        static ROLES: Shape = Shape::List(&Role::SHAPE);
        let digest = |body: &str| {
            envelope(body, &ROLES, false)
                .unwrap()
                .checked
                .unwrap()
                .digest
        };
        let a =
            digest(r#"{"success":true,"result":[{"id":"1"},{"id":"2"}],"result_info":{"page":1}}"#);
        let b =
            digest(r#"{"success":true,"result":[{"id":"1"},{"id":"2"}],"result_info":{"page":2}}"#);
        let c =
            digest(r#"{"success":true,"result":[{"id":"3"},{"id":"4"}],"result_info":{"page":2}}"#);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}

#[cfg(test)]
mod checks {
    use super::check;
    use crate::shape::{wire_name, Field, Shape};

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
