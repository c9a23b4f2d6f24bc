//! The quick reading of a successful body: one pass over the bytes that checks the JSON grammar,
//! the envelope and the result's shape together, building nothing.
//!
//! It only ever says yes or "not sure": anything unusual (an error envelope, a mismatch, an
//! escaped key, a surrogate escape, deep nesting) returns `None`, and the serde reading in
//! `envelope.rs` decides and names the fault. So it must never accept what serde refuses; the
//! tests in `tests/shapes.rs` and the `operations` fuzz target hold it to that. It exists because
//! hosts call it on every response, in WebAssembly too, where a hand-written loop is several
//! times faster than a general deserializer and a fraction of its size.

use crate::shape::{Checked, Shape};

/// A successful envelope: the result's summary and the raw JSON of what came with it.
pub(crate) struct Success<'a> {
    pub(crate) checked: Checked,
    pub(crate) errors: Option<&'a str>,
    pub(crate) messages: Option<&'a str>,
    pub(crate) result_info: Option<&'a str>,
}

/// Reads `text` as `{"success": true, "result": <shape>, ...}`; `None` for anything else.
pub(crate) fn success<'a>(text: &'a str, shape: &'static Shape) -> Option<Success<'a>> {
    let mut s = Scanner {
        text,
        at: 0,
        digest: 0,
    };
    let (mut success, mut items) = (false, None);
    let (mut errors, mut messages, mut result_info) = (None, None, None);
    s.entries(0, |s, key| {
        match key {
            b"success" if !success => {
                s.literal("true")?;
                success = true;
            }
            b"result" if items.is_none() => items = Some(s.value(shape, 1)?),
            b"errors" if errors.is_none() => errors = Some(s.span()?),
            b"messages" if messages.is_none() => messages = Some(s.span()?),
            b"result_info" if result_info.is_none() => result_info = Some(s.span()?),
            b"success" | b"result" | b"errors" | b"messages" | b"result_info" => return None,
            _ => s.skip(1)?,
        }
        Some(())
    })?;
    s.space();
    (success && s.at == text.len()).then_some(())?;
    Some(Success {
        checked: Checked::new(items?, s.digest),
        errors,
        messages,
        result_info,
    })
}

/// Where the members of an envelope are, as raw JSON.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Members<'a> {
    pub(crate) result: Option<&'a str>,
    pub(crate) errors: Option<&'a str>,
    pub(crate) messages: Option<&'a str>,
    pub(crate) result_info: Option<&'a str>,
}

/// The raw JSON of each envelope member in `object`, text that serde_json has already read
/// whole as one JSON object with no repeated envelope key: so this only finds where values
/// end, with no checks and no depth to track but bracket counts. (serde_json's own way to
/// keep raw JSON, its `raw_value` feature, costs the .wasm a tenth of its size.)
pub(crate) fn members(object: &str) -> Members<'_> {
    let bytes = object.as_bytes();
    let mut members = Members::default();
    let space = |at: usize| {
        at + bytes[at.min(bytes.len())..]
            .iter()
            .take_while(|b| b" \t\n\r".contains(b))
            .count()
    };
    let mut at = space(0) + 1;
    loop {
        at = space(at);
        let Some(b'"') = bytes.get(at) else {
            return members;
        };
        let key_end = string_end(bytes, at);
        let key = &object[at..key_end.min(object.len())];
        let value = space(space(key_end) + 1);
        let end = value_end(bytes, value);
        let mut ignored = None;
        let slot = match unquote(key).as_deref() {
            Some("result") => &mut members.result,
            Some("errors") => &mut members.errors,
            Some("messages") => &mut members.messages,
            Some("result_info") => &mut members.result_info,
            _ => &mut ignored,
        };
        *slot = object.get(value..end);
        at = space(end) + 1;
    }
}

/// The text of a JSON string literal, its escapes decoded.
fn unquote(literal: &str) -> Option<std::borrow::Cow<'_, str>> {
    let inner = literal.get(1..literal.len().checked_sub(1)?)?;
    if !inner.contains('\\') {
        return Some(inner.into());
    }
    match serde_json::from_str(literal).ok()? {
        serde_json::Value::String(text) => Some(text.into()),
        _ => None,
    }
}

/// Just past the string literal that starts at `at`.
fn string_end(bytes: &[u8], mut at: usize) -> usize {
    at += 1;
    while let Some(b) = bytes.get(at) {
        match b {
            b'"' => return at + 1,
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// Just past the value that starts at `at`.
fn value_end(bytes: &[u8], mut at: usize) -> usize {
    let mut depth = 0usize;
    while let Some(b) = bytes.get(at) {
        match b {
            b'"' => at = string_end(bytes, at),
            b'{' | b'[' => {
                depth += 1;
                at += 1;
            }
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                at += 1;
            }
            b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return at,
            _ => at += 1,
        }
        if depth == 0 && matches!(bytes.get(at - 1), Some(b'"' | b'}' | b']')) {
            return at;
        }
    }
    at
}

/// Deeper than this, the serde reading decides (it has its own limits).
pub(crate) const MAX_DEPTH: u32 = 100;

struct Scanner<'a> {
    text: &'a str,
    at: usize,
    digest: u64,
}

impl<'a> Scanner<'a> {
    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
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

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Consumes `byte` if it comes next.
    #[inline(always)]
    fn close(&mut self, byte: u8) -> bool {
        self.peek() == Some(byte) && {
            self.at += 1;
            true
        }
    }

    #[inline(always)]
    fn literal(&mut self, word: &str) -> Option<()> {
        self.space();
        let end = self.at + word.len();
        (self.bytes().get(self.at..end)? == word.as_bytes()).then(|| self.at = end)
    }

    /// A string's raw contents (escapes checked, not decoded), and whether it has escapes.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        self.expect(b'"')?;
        let start = self.at;
        let bytes = self.bytes();
        let mut escaped = false;
        loop {
            self.plain_run();
            match *bytes.get(self.at)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 1;
                    match *bytes.get(self.at)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b'u' => {
                            let hex = bytes.get(self.at + 1..self.at + 5)?;
                            let code = hex.iter().try_fold(0u32, |code, digit| {
                                Some(code * 16 + char::from(*digit).to_digit(16)?)
                            })?;
                            // Surrogates must pair; leave them to serde, which knows how.
                            if (0xD800..0xE000).contains(&code) {
                                return None;
                            }
                            self.at += 5;
                        }
                        _ => return None,
                    }
                }
                0x00..=0x1F => return None,
                _ => self.at += 1,
            }
        }
        let contents = &bytes[start..self.at];
        self.at += 1;
        Some((contents, escaped))
    }

    /// Skips, eight bytes at a time, what needs no look: no quote, backslash or control byte.
    fn plain_run(&mut self) {
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
        let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
        while let Some(chunk) = self.bytes().get(self.at..self.at + 8) {
            let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
            let special = has_zero(word ^ (ONES * u64::from(b'"')))
                | has_zero(word ^ (ONES * u64::from(b'\\')))
                | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
            if special != 0 {
                return;
            }
            self.at += 8;
        }
    }

    /// An object key: a string without escapes (an escaped key is left to serde).
    #[inline(always)]
    fn key(&mut self) -> Option<&'a [u8]> {
        match self.string()? {
            (key, false) => Some(key),
            (_, true) => None,
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

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, and far from the edge of `f64` (a
    /// number serde cannot hold is an error there; near the edge, serde decides).
    fn number(&mut self) -> Option<()> {
        self.space();
        if self.bytes().get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let whole = match self.bytes().get(self.at)? {
            b'0' => {
                self.at += 1;
                1
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        };
        if self.bytes().get(self.at) == Some(&b'.') {
            self.at += 1;
            (self.digits() > 0).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.bytes().get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes().get(self.at) {
                self.at += 1;
            }
            // Any exponent of three digits or more is left to serde.
            (1..=2).contains(&self.digits()).then_some(())?;
        }
        (whole <= 200).then_some(())
    }

    /// Any value, skipped.
    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.entries(depth, |s, _| s.skip(depth + 1)),
            b'[' => self.elements(depth, |s| s.skip(depth + 1)).map(drop),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    /// The raw JSON of the next value.
    fn span(&mut self) -> Option<&'a str> {
        self.space();
        let start = self.at;
        self.skip(0)?;
        Some(&self.text[start..self.at])
    }

    /// `{ key: value, ... }`, each value read by `each`.
    fn entries(
        &mut self,
        depth: u32,
        mut each: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.expect(b'{')?;
        if self.close(b'}') {
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.expect(b':')?;
            each(self, key)?;
            if self.close(b'}') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    /// `[ value, ... ]`, each read by `each`; the number of elements.
    fn elements(
        &mut self,
        depth: u32,
        mut each: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<usize> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.expect(b'[')?;
        if self.close(b']') {
            return Some(0);
        }
        let mut count = 0;
        loop {
            each(self)?;
            count += 1;
            if self.close(b']') {
                return Some(count);
            }
            self.expect(b',')?;
        }
    }

    /// A value of `shape`; the number of items when it is an array.
    fn value(&mut self, shape: &'static Shape, depth: u32) -> Option<Option<usize>> {
        match shape {
            Shape::Any => self.skip(depth).map(|()| None),
            Shape::Str => {
                let (text, _) = self.string()?;
                self.absorb(text);
                Some(None)
            }
            Shape::Bool => match self.peek()? {
                b't' => self.literal("true").map(|()| None),
                _ => self.literal("false").map(|()| None),
            },
            Shape::Nullable(inner) => match self.peek()? {
                b'n' => self.literal("null").map(|()| None),
                _ => self.value(inner, depth),
            },
            Shape::Object => {
                (self.peek()? == b'{').then_some(())?;
                self.skip(depth).map(|()| None)
            }
            Shape::List(item) => self
                .elements(depth, |s| s.value(item, depth + 1).map(drop))
                .map(Some),
            Shape::MapOf(value) => self
                .entries(depth, |s, _| s.value(value, depth + 1).map(drop))
                .map(|()| None),
            Shape::Model { fields, .. } => {
                let mut seen = 0u64;
                // Objects of a list come with their keys in the same order: guess the field
                // after the last one before searching.
                let mut guess = 0;
                self.entries(depth, |s, key| {
                    let found = match fields.get(guess) {
                        Some(field) if field.name.as_bytes() == key => Some(guess),
                        _ => fields.iter().position(|f| f.name.as_bytes() == key),
                    };
                    let Some(index) = found else {
                        return s.skip(depth + 1);
                    };
                    guess = index + 1;
                    let bit = 1u64 << (index % 64);
                    if seen & bit != 0 {
                        return None;
                    }
                    seen |= bit;
                    match s.peek()? {
                        b'n' => s.literal("null"),
                        _ => s.value(fields[index].shape, depth + 1).map(drop),
                    }
                })
                .map(|()| None)
            }
        }
    }

    #[inline(always)]
    fn absorb(&mut self, text: &[u8]) {
        self.digest = crate::shape::absorb(self.digest, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Member, Role};
    use crate::shape::Shaped;

    static MEMBERS: Shape = Shape::List(&Member::SHAPE);

    fn members(result: &str) -> Option<Success<'_>> {
        // Leaked so that the body outlives the test's borrow; tests only.
        let body: &'static str = Box::leak(
            format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result},"result_info":{{"page":1}}}}"#)
                .into_boxed_str(),
        );
        success(body, &MEMBERS)
    }

    #[test]
    fn finds_the_members_of_a_read_object() {
        let text = r#" { "x" : [1, {"result": 2}], "result" : {"a": "}\"]", "b": [[]]} ,
            "m\u0065ssages":["m"],"errors":null,"result_info":{"page":1},"y":-1.5e3 } "#;
        assert_eq!(
            super::members(text),
            Members {
                result: Some(r#"{"a": "}\"]", "b": [[]]}"#),
                errors: Some("null"),
                messages: Some(r#"["m"]"#),
                result_info: Some(r#"{"page":1}"#),
            }
        );
        assert_eq!(super::members(r#"{"result":-0.5}"#).result, Some("-0.5"));
        assert_eq!(super::members(r#"{"result":"\\"}"#).result, Some(r#""\\""#));
        assert_eq!(super::members("{}"), Members::default());
        // Text that is not a JSON object gives what it gives, never a panic.
        for text in [
            "",
            "{",
            r#"{"result""#,
            r#"{"result":"#,
            r#"{"a\"#,
            "[1]",
            "{\"é\":1}",
        ] {
            let _ = super::members(text);
        }
    }

    #[test]
    fn takes_the_common_body_in_one_pass() {
        let found = members(
            r#"[{"id":"a","email":"x@y","status":"accepted","user":{"first_name":null,"two_factor_authentication_enabled":false},
                "roles":[{"id":"r","name":"Admin \"root\" \u00e9","permissions":{"dns":{"read":true,"write":false}}}],
                "policies":[],"later":{"n":-1.5e+3,"deep":[[{}]]}},
               {"id":"b","status":"pending"}]"#,
        )
        .expect("read in one pass");
        assert_eq!(found.checked.items, Some(2));
        assert_eq!(found.result_info, Some(r#"{"page":1}"#));
        assert_eq!(found.errors, Some("[]"));
    }

    #[test]
    fn leaves_anything_unusual_to_serde() {
        for result in [
            r#"[{"id":7}]"#,            // a mismatch
            r#"[{"id":"a","id":"b"}]"#, // a repeated field
            r#"[{"i\u0064":"a"}]"#,     // an escaped key
            r#"[{"id":"\ud800"}]"#,     // a lone surrogate
            r#"[{"x":01}]"#,            // a bad number
            r#"[{"x":1.}]"#,            // a bad number
            r#"[{"x":tru}]"#,           // a bad literal
            "[{\"id\":\"a\tb\"}]",      // a raw control character
            r#"[{"id":"a"},]"#,         // a trailing comma
            r#"{"id":"a"}"#,            // not a list
            r#"[{"x":1e400}]"#,         // a number serde cannot hold
        ] {
            assert!(members(result).is_none(), "{result}");
        }
        let deep = format!("[{{\"x\":{}{}}}]", "[".repeat(150), "]".repeat(150));
        assert!(members(&deep).is_none());
        let body = r#"{"success":false,"result":[]}"#;
        assert!(success(body, &MEMBERS).is_none());
        let body = r#"{"success":true,"result":[]} x"#;
        assert!(success(body, &MEMBERS).is_none());
    }

    #[test]
    fn a_role_page_digest_follows_its_items() {
        static ROLES: Shape = Shape::List(&Role::SHAPE);
        let digest = |body: &'static str| success(body, &ROLES).unwrap().checked.digest;
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
