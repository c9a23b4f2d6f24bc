//! The small parts of the v4 envelope: `errors[]` and `messages[]` entries, `result_info`, and
//! a successful answer. Each is read leniently from JSON and keeps the fields it does not know.

use serde::de;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A successful answer: the typed result and what came with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The operation's result.
    pub result: T,
    /// Paging facts, when the API sent them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_info: Option<ResultInfo>,
    /// Informational messages, in order.
    pub messages: Vec<ApiMessage>,
}

/// One `errors[]` or `messages[]` entry. The API has also sent these as bare strings; those
/// become an entry with no code.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiMessage {
    /// The Cloudflare error code (above 65,535 exist).
    pub code: Option<u64>,
    /// The human-readable message.
    pub message: String,
    /// A link to the documentation for this code.
    pub documentation_url: Option<String>,
    /// Where in the request the problem was.
    pub source: Option<ErrorSource>,
    /// Fields this crate does not know yet.
    pub extra: Map<String, Value>,
}

/// `source` of an error entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSource {
    /// A JSON pointer into the request body.
    pub pointer: Option<String>,
    /// Fields this crate does not know yet.
    pub extra: Map<String, Value>,
}

/// Paging facts. `total_pages` is only in newer responses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultInfo {
    /// The page this is, from 1.
    pub page: Option<u64>,
    /// Items per page as the server applied it.
    pub per_page: Option<u64>,
    /// Items on this page.
    pub count: Option<u64>,
    /// Items on all pages.
    pub total_count: Option<u64>,
    /// Number of pages.
    pub total_pages: Option<u64>,
    /// Fields this crate does not know yet (cursors, for one).
    pub extra: Map<String, Value>,
}

// The envelope's small parts are read from and written to a `Value` by hand, not by serde's
// derives: their flatten and untagged support, and the error texts of the typed visitors, would
// cost the .wasm more than the whole of this code. These are also the types' serde impls.

impl ApiMessage {
    /// An entry as the API sends it: text, or an object whose known fields have their types.
    /// `code` is read leniently: an integer, an integral float or a numeric string; anything
    /// else is no code.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let fields = match value {
            Value::String(message) => {
                let mut fields = Map::new();
                fields.insert("message".into(), message.into());
                fields
            }
            Value::Object(fields) => fields,
            _ => return Err("is neither text nor an object".into()),
        };
        let ([code, message, documentation_url, source], extra) =
            take_known(fields, ["code", "message", "documentation_url", "source"]);
        let source = match source {
            None | Some(Value::Null) => None,
            Some(Value::Object(source)) => Some(ErrorSource::from_map(source)?),
            Some(_) => return Err("has a `source` that is not an object".into()),
        };
        Ok(ApiMessage {
            code: code.and_then(lenient_u64),
            message: text(message, "message")?.unwrap_or_default(),
            documentation_url: text(documentation_url, "documentation_url")?,
            source,
            extra,
        })
    }

    /// The entry as JSON: its fields (`code`, `documentation_url` and `source` when known) and
    /// the unknown ones as they came.
    pub fn to_json(&self) -> Value {
        let mut fields = self.extra.clone();
        if let Some(code) = self.code {
            fields.insert("code".into(), code.into());
        }
        fields.insert("message".into(), self.message.clone().into());
        if let Some(url) = &self.documentation_url {
            fields.insert("documentation_url".into(), url.clone().into());
        }
        if let Some(source) = &self.source {
            fields.insert("source".into(), source.to_json());
        }
        Value::Object(fields)
    }
}

impl ErrorSource {
    /// The source as JSON: `pointer` when known, and the unknown fields as they came.
    pub fn to_json(&self) -> Value {
        let mut fields = self.extra.clone();
        if let Some(pointer) = &self.pointer {
            fields.insert("pointer".into(), pointer.clone().into());
        }
        Value::Object(fields)
    }

    fn from_map(fields: Map<String, Value>) -> Result<Self, String> {
        let ([pointer], extra) = take_known(fields, ["pointer"]);
        Ok(ErrorSource {
            pointer: text(pointer, "pointer")
                .map_err(|_| "has a `source.pointer` that is not text".to_owned())?,
            extra,
        })
    }
}

impl ResultInfo {
    /// `result_info` as the API sends it: an object, each count read leniently as `code` is
    /// in [`ApiMessage::from_json`].
    pub fn from_json(value: Value) -> Result<Self, String> {
        let Value::Object(fields) = value else {
            return Err("is not an object".into());
        };
        let (counts, extra) = take_known(
            fields,
            ["page", "per_page", "count", "total_count", "total_pages"],
        );
        let [page, per_page, count, total_count, total_pages] =
            counts.map(|count| count.and_then(lenient_u64));
        Ok(ResultInfo {
            page,
            per_page,
            count,
            total_count,
            total_pages,
            extra,
        })
    }

    /// The paging facts as JSON: the counts that are known, and the unknown fields as they came.
    pub fn to_json(&self) -> Value {
        let mut fields = self.extra.clone();
        for (name, count) in [
            ("page", self.page),
            ("per_page", self.per_page),
            ("count", self.count),
            ("total_count", self.total_count),
            ("total_pages", self.total_pages),
        ] {
            if let Some(count) = count {
                fields.insert(name.into(), count.into());
            }
        }
        Value::Object(fields)
    }
}

/// A count or code as the API really sends it: an integer, an integral float (`20.0`), or a
/// numeric string. Anything else, or a negative number, reads as absent rather than failing the
/// whole response.
pub(crate) fn lenient_u64(value: Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The values of the `known` fields, and the other fields as they came. (Taken apart by
/// rebuilding the map: `Map::remove` would bring the B-tree's rebalancing into the .wasm, 2 KB
/// gzipped.)
pub(crate) fn take_known<const N: usize>(
    fields: Map<String, Value>,
    known: [&str; N],
) -> ([Option<Value>; N], Map<String, Value>) {
    let mut found = [const { None }; N];
    let mut extra = Map::new();
    for (key, value) in fields {
        match known.iter().position(|name| *name == key) {
            Some(i) => found[i] = Some(value),
            None => {
                extra.insert(key, value);
            }
        }
    }
    (found, extra)
}

/// A known text field: absent or `null` is `None`; any other non-string is refused.
pub(crate) fn text(value: Option<Value>, name: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("has a `{name}` that is not text")),
    }
}

/// `errors` or `messages` as raw JSON (absent is empty): `null` or a list of entries.
pub(crate) fn read_entries(name: &str, raw: Option<&str>) -> Result<Vec<ApiMessage>, String> {
    match raw.map(serde_json::from_str).transpose() {
        Err(e) => Err(format!("`{name}`: {e}")),
        Ok(None | Some(Value::Null)) => Ok(Vec::new()),
        Ok(Some(Value::Array(entries))) => entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                ApiMessage::from_json(entry).map_err(|e| format!("`{name}[{i}]` {e}"))
            })
            .collect(),
        Ok(Some(_)) => Err(format!("`{name}` is not a list")),
    }
}

/// `result_info` as raw JSON: absent or `null` is `None`.
pub(crate) fn read_result_info(raw: Option<&str>) -> Result<Option<ResultInfo>, String> {
    match raw.map(serde_json::from_str).transpose() {
        Err(e) => Err(format!("`result_info`: {e}")),
        Ok(None | Some(Value::Null)) => Ok(None),
        Ok(Some(value)) => ResultInfo::from_json(value)
            .map(Some)
            .map_err(|e| format!("`result_info` {e}")),
    }
}

serialize_as_json!(ApiMessage, ErrorSource, ResultInfo);

macro_rules! deserialize_from_json {
    ($($name:ident),*) => {$(
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::from_json(Value::deserialize(deserializer)?).map_err(de::Error::custom)
            }
        }
    )*};
}
deserialize_from_json!(ApiMessage, ResultInfo);

impl<'de> Deserialize<'de> for ErrorSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(fields) => ErrorSource::from_map(fields).map_err(de::Error::custom),
            _ => Err(de::Error::custom("an error source is an object")),
        }
    }
}
