//! The Python surfaces: `_operation_types.py` (a TypedDict per model and per operation's
//! params), `params.py` (the params, public), and `_resources.py` / `_async_resources.py` (a
//! method per operation for the sync and async clients). Everything is valid on Python 3.9
//! with the standard `typing` module alone: the package has no required dependency.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::catalog::{Catalog, Kind, Model, Operation, Param, Rule, Shape};
use crate::{quote, wrap, Group, GENERATED};

/// The widest line of a docstring or comment.
const WIDTH: usize = 99;
/// The width of a section's title line, as in the hand-written `types.py`.
const SECTION_WIDTH: usize = 96;

/// The `typing` names a module uses, gathered while its types are written.
type Typing = BTreeSet<&'static str>;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Io {
    Sync,
    Async,
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Refuses a name that cannot be a Python identifier: it could be neither an argument, an
/// attribute nor a TypedDict key of the class syntax.
pub fn check_names(catalog: &Catalog) -> Result<(), String> {
    let bad = |name: &str| {
        KEYWORDS.contains(&name)
            || name.is_empty()
            || name.starts_with(|c: char| c.is_ascii_digit())
            || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
    };
    for op in &catalog.operations {
        for part in op.name.split('.') {
            if bad(part) {
                return Err(format!("{}: `{part}` is not a Python identifier", op.name));
            }
        }
        for param in &op.params {
            if bad(&param.name) || param.name == "credentials" {
                return Err(format!(
                    "{}: parameter `{}` cannot be a Python argument",
                    op.name, param.name
                ));
            }
        }
    }
    for model in &catalog.models {
        for field in &model.fields {
            if bad(&field.name) {
                return Err(format!(
                    "{}.{}: not a Python identifier",
                    model.name, field.name
                ));
            }
        }
    }
    Ok(())
}

/// Markdown code (`x`) as reStructuredText code (``x``).
pub(crate) fn rst(text: &str) -> String {
    text.replace('`', "``")
}

/// A docstring at this indent, wrapped: paragraphs apart by a blank line, and a line that
/// starts with spaces (an `Args:` entry) keeps them and hangs four more.
pub(crate) fn docstring(indent: usize, paragraphs: &[String]) -> String {
    let pad = " ".repeat(indent);
    let escape = |text: &str| text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\"\"");
    if let [only] = paragraphs {
        let one = format!("{pad}\"\"\"{}\"\"\"", escape(only));
        if !only.contains('\n') && one.chars().count() <= WIDTH {
            return one + "\n";
        }
    }
    let mut out = String::new();
    let mut opening = format!("{pad}\"\"\"");
    for (at, paragraph) in paragraphs.iter().enumerate() {
        if at > 0 {
            out.push('\n');
        }
        for line in paragraph.split('\n') {
            let text = line.trim_start();
            let lead = " ".repeat(line.len() - text.len());
            let hang = if lead.is_empty() { "" } else { "    " };
            let first = format!("{}{lead}", std::mem::replace(&mut opening, pad.clone()));
            for wrapped in wrap(&escape(text), WIDTH, &first, &format!("{pad}{lead}{hang}")) {
                out.push_str(&wrapped);
                out.push('\n');
            }
        }
    }
    out + &format!("{pad}\"\"\"\n")
}

/// `#:` comment lines at this indent (Sphinx reads them as the attribute's doc).
pub(crate) fn attribute_doc(indent: usize, text: &str) -> String {
    let prefix = format!("{}#: ", " ".repeat(indent));
    wrap(text, WIDTH, &prefix, &prefix)
        .into_iter()
        .map(|line| line + "\n")
        .collect()
}

fn section(out: &mut String, title: &str) {
    let rule = "-".repeat(SECTION_WIDTH - 8 - title.len());
    let _ = write!(out, "\n\n# ---- {title} {rule}\n");
}

/// The Python type of a shape.
fn py_type(shape: &Shape, typing: &mut Typing) -> String {
    match shape {
        Shape::Any => {
            typing.insert("Any");
            "Any".into()
        }
        Shape::String => "str".into(),
        Shape::Boolean => "bool".into(),
        Shape::Object => {
            typing.extend(["Dict", "Any"]);
            "Dict[str, Any]".into()
        }
        Shape::Nullable(inner) => {
            typing.insert("Optional");
            format!("Optional[{}]", py_type(inner, typing))
        }
        Shape::Array(item) => {
            typing.insert("List");
            format!("List[{}]", py_type(item, typing))
        }
        Shape::Map(value) => {
            typing.insert("Dict");
            format!("Dict[str, {}]", py_type(value, typing))
        }
        Shape::Ref(name) => name.clone(),
    }
}

/// The Python type of an operation's result (or of its items): a result that is itself a
/// secret comes back as a Secret.
fn result_type(op: &Operation, shape: &Shape, typing: &mut Typing) -> String {
    match shape {
        Shape::String if op.result_is_secret() => "Secret".into(),
        Shape::Nullable(inner) if op.result_is_secret() => {
            typing.insert("Optional");
            format!("Optional[{}]", result_type(op, inner, typing))
        }
        other => py_type(other, typing),
    }
}

/// The Python type a parameter of this kind takes.
fn kind_type(kind: &Kind, typing: &mut Typing) -> String {
    match kind {
        Kind::Id
        | Kind::Tag
        | Kind::Text { .. }
        | Kind::Name { .. }
        | Kind::Key { .. }
        | Kind::DateTime => "str".into(),
        Kind::OneOf(values) => {
            typing.insert("Literal");
            let values: Vec<String> = values.iter().map(|v| quote(v)).collect();
            format!("Literal[{}]", values.join(", "))
        }
        Kind::Page { .. } | Kind::PerPage { .. } => "int".into(),
        Kind::Bool => "bool".into(),
        Kind::RoleIds | Kind::RoleRefs | Kind::Cidrs => {
            typing.insert("Sequence");
            "Sequence[str]".into()
        }
        Kind::Policies => {
            typing.insert("Sequence");
            "Sequence[PolicyInput]".into()
        }
        Kind::TokenPolicies => {
            typing.insert("Sequence");
            "Sequence[TokenPolicyInput]".into()
        }
        Kind::DirectionDigit => {
            typing.insert("Literal");
            "Literal[\"asc\", \"desc\", 0, 1]".into()
        }
    }
}

/// The generated line, the module's docstring (paragraphs apart by a blank line) and the
/// future import every module here starts with.
/// The names as isort orders them: constants, then classes, then functions.
fn typing_names(typing: Typing) -> String {
    let mut names: Vec<&str> = typing.into_iter().collect();
    names.sort_by_key(|name| {
        let class = if name.chars().all(|c| c.is_uppercase() || c == '_') {
            0
        } else if name.starts_with(char::is_uppercase) {
            1
        } else {
            2
        };
        (class, *name)
    });
    names.join(", ")
}

fn header(doc: &str) -> String {
    let paragraphs: Vec<String> = doc.split("\n\n").map(str::to_owned).collect();
    format!(
        "# {GENERATED}\n{}\nfrom __future__ import annotations\n",
        docstring(0, &paragraphs)
    )
}

fn all_list(names: &[String]) -> String {
    let mut out = String::from("__all__ = [\n");
    for name in names {
        let _ = writeln!(out, "    {},", quote(name));
    }
    out + "]\n"
}

fn params_class(op: &Operation) -> String {
    format!("{}Params", op.type_stem())
}

fn rule_note(op: &Operation) -> Option<&'static str> {
    match op.rule {
        Rule::None => None,
        Rule::RolesOrPolicies => Some("Give ``roles`` or ``policies``, never both."),
        Rule::AtLeastOne => Some("Give at least one."),
        Rule::UnitOrStandalone => Some("Give ``unit_id`` or ``standalone=True``, never both."),
    }
}

const MODELS_DOC: &str = "\
The models of the results and the parameters of every operation, as ``TypedDict`` s.

Results are the API's own JSON: every key may be missing (the API has dropped fields its spec \
calls required) and keys this version does not know are kept, so the models are \
``total=False`` and a result may hold more keys than listed. A value may also be ``None`` where \
the API sends ``null`` for an unset field.";

const POLICY_INPUT: &str = "

class IdRef(TypedDict):
    \"\"\"``{\"id\": ...}``: a reference to a permission or resource group.\"\"\"

    id: str


class _PolicyInputRequired(TypedDict):
    access: Literal[\"allow\", \"deny\"]
    #: Ids, or the API's own ``{\"id\": ...}``.
    permission_groups: List[Union[str, IdRef]]
    #: Ids, or the API's own ``{\"id\": ...}``.
    resource_groups: List[Union[str, IdRef]]


class PolicyInput(_PolicyInputRequired, total=False):
    \"\"\"A policy as a request sends it: permission groups allowed or denied on resource groups.\"\"\"

    #: To keep an existing policy on update; new policies have none.
    id: str


class _TokenPolicyInputRequired(TypedDict):
    effect: Literal[\"allow\", \"deny\"]
    #: Ids, or the API's own ``{\"id\": ...}``.
    permission_groups: List[Union[str, IdRef]]
    #: Resource names to ``\"*\"``, or to dicts of resource names to ``\"*\"``.
    resources: Union[Dict[str, str], Dict[str, Dict[str, str]]]


class TokenPolicyInput(_TokenPolicyInputRequired, total=False):
    \"\"\"A token policy as a request sends it: permission groups allowed or denied on resources.\"\"\"

    #: To keep an existing policy on update; new policies have none.
    id: str
";

pub fn operation_types(catalog: &Catalog) -> String {
    let mut typing = Typing::from(["TypedDict", "Literal", "List", "Union", "Dict"]);
    let mut body = String::new();

    body.push_str("\n#: Every operation's dotted name.\nOperationName = Literal[\n");
    for op in &catalog.operations {
        let _ = writeln!(body, "    {},", quote(&op.name));
    }
    body.push_str("]\n");

    section(&mut body, "models");
    let mut secret = false;
    for model in &catalog.models {
        secret |= model_class(&mut body, catalog, model, &mut typing);
    }

    section(&mut body, "params");
    body.push_str(POLICY_INPUT);
    for op in &catalog.operations {
        params_typed_dict(&mut body, op, &mut typing);
    }

    let mut names = vec!["OperationName".to_owned()];
    names.extend(catalog.models.iter().map(|m| m.name.clone()));
    names.extend([
        "IdRef".to_owned(),
        "PolicyInput".to_owned(),
        "TokenPolicyInput".to_owned(),
    ]);
    names.extend(catalog.operations.iter().map(params_class));

    let mut out = header(MODELS_DOC);
    let _ = writeln!(out, "\nfrom typing import {}", typing_names(typing));
    if secret {
        out.push_str("\nfrom ._secret import Secret\n");
    }
    out.push('\n');
    out.push_str(&all_list(&names));
    out.push_str(&body);
    out
}

/// Writes a model's TypedDict; says whether it holds a secret.
fn model_class(out: &mut String, catalog: &Catalog, model: &Model, typing: &mut Typing) -> bool {
    let mut secret = false;
    let _ = write!(out, "\n\nclass {}(TypedDict, total=False):\n", model.name);
    out.push_str(&docstring(4, &[rst(&catalog.model_doc(model))]));
    out.push('\n');
    for field in &model.fields {
        let value = if catalog.is_secret(&model.name, &field.name) {
            secret = true;
            out.push_str(&attribute_doc(
                4,
                &format!(
                    "{} A :class:`~cloudflare_tenant.Secret`: it shows as ``***``; ``expose()`` \
                     gives the value.",
                    rst(&field.doc)
                ),
            ));
            "Secret".to_owned()
        } else {
            out.push_str(&attribute_doc(4, &rst(&field.doc)));
            py_type(&field.shape, typing)
        };
        let _ = writeln!(out, "    {}: {value}", field.name);
    }
    if model.fields.is_empty() {
        out.push_str("    pass\n");
    }
    secret
}

fn typed_dict_field(out: &mut String, param: &Param, typing: &mut Typing) {
    out.push_str(&attribute_doc(4, &rst(&param.full_doc())));
    let _ = writeln!(
        out,
        "    {}: {}",
        param.name,
        kind_type(&param.kind, typing)
    );
}

fn params_typed_dict(out: &mut String, op: &Operation, typing: &mut Typing) {
    let name = params_class(op);
    let mut doc = format!("Parameters of ``{}``: {}", op.name, rst(op.description()));
    if let Some(note) = rule_note(op) {
        doc = format!("{doc} {note}");
    }
    let (required, optional): (Vec<&Param>, Vec<&Param>) =
        op.params.iter().partition(|p| p.required);
    // Required keys and optional ones in one class need two on Python 3.9 (no `NotRequired`):
    // the required ones in a base, the rest in a `total=False` class over it.
    let split = !required.is_empty() && !optional.is_empty();
    let base = if split {
        let base = format!("_{name}Required");
        let _ = write!(out, "\n\nclass {base}(TypedDict):\n");
        for param in &required {
            typed_dict_field(out, param, typing);
        }
        base
    } else {
        "TypedDict".to_owned()
    };
    let total = if optional.is_empty() {
        ""
    } else {
        ", total=False"
    };
    let _ = write!(out, "\n\nclass {name}({base}{total}):\n");
    out.push_str(&docstring(4, &[doc]));
    let own: Vec<&Param> = if split {
        optional
    } else {
        op.params.iter().collect()
    };
    if !own.is_empty() {
        out.push('\n');
    }
    for param in own {
        typed_dict_field(out, param, typing);
    }
}

pub fn params_module(catalog: &Catalog) -> String {
    let names: Vec<String> = catalog.operations.iter().map(params_class).collect();
    let mut out = header(
        "The by-name parameters of every operation, as ``TypedDict`` s (for \
         :func:`cloudflare_tenant.build_request`).",
    );
    out.push_str("\nfrom ._operation_types import (\n");
    for name in &names {
        let _ = writeln!(out, "    {name},");
    }
    out.push_str(")\n\n");
    out.push_str(&all_list(&names));
    out
}

pub fn resources(catalog: &Catalog, groups: &[Group], io: Io) -> String {
    let prefix = if io == Io::Async { "Async" } else { "" };
    let client = format!("{prefix}TenantClient");
    let iterator = format!("{prefix}PageIterator");
    let mut typing = Typing::from(["TYPE_CHECKING", "Any", "Optional", "cast"]);

    let mut body = String::new();
    // Deepest groups first, so that a group's class is defined before the class that holds it.
    let mut ordered: Vec<&Group> = groups.iter().collect();
    ordered.sort_by(|a, b| b.path.len().cmp(&a.path.len()).then(a.path.cmp(&b.path)));
    for group in ordered {
        let _ = write!(body, "\n\nclass {prefix}{}Resource:\n", group.stem());
        let _ = write!(body, "    \"\"\"``{}.*``\"\"\"\n\n", group.path.join("."));
        let _ = writeln!(body, "    def __init__(self, client: {client}) -> None:");
        body.push_str("        self._client = client\n");
        let mut children = group.children.clone();
        children.sort_unstable();
        for child in children {
            let path = format!("{}.{child}", group.path.join("."));
            let _ = writeln!(
                body,
                "        self.{child} = {prefix}{}Resource(client)",
                crate::catalog::camel(&path)
            );
        }
        for op in &group.operations {
            method(&mut body, op, io, &iterator, &mut typing);
        }
    }

    let _ = write!(body, "\n\nclass {prefix}TenantResources:\n");
    body.push_str(&docstring(
        4,
        &[format!(
            "The operations of :class:`{client}`, grouped by the first part of their dotted \
             names. A client class that derives from it calls ``_init_resources()``."
        )],
    ));
    body.push('\n');
    let roots: Vec<&Group> = groups.iter().filter(|g| g.path.len() == 1).collect();
    for root in &roots {
        let _ = writeln!(
            body,
            "    {}: {prefix}{}Resource",
            root.path[0],
            root.stem()
        );
    }
    body.push_str("\n    def _init_resources(self) -> None:\n");
    let _ = writeln!(body, "        client = cast({}, self)", quote(&client));
    for root in &roots {
        let _ = writeln!(
            body,
            "        self.{} = {prefix}{}Resource(client)",
            root.path[0],
            root.stem()
        );
    }

    let takes = |kind: fn(&Kind) -> bool| {
        catalog
            .operations
            .iter()
            .any(|op| op.params.iter().any(|p| kind(&p.kind)))
    };
    let takes_policies = takes(|kind| matches!(kind, Kind::Policies));
    let takes_token_policies = takes(|kind| matches!(kind, Kind::TokenPolicies));
    let models: BTreeSet<&str> = catalog
        .operations
        .iter()
        .filter_map(|op| op.result.model())
        .chain(takes_policies.then_some("PolicyInput"))
        .chain(takes_token_policies.then_some("TokenPolicyInput"))
        .collect();
    let secret_result = catalog.operations.iter().any(Operation::result_is_secret);
    let what = if io == Io::Async {
        "Async resources"
    } else {
        "Resources"
    };
    let mut out = header(&format!(
        "{what}: one method per operation, grouped by the dotted name."
    ));
    let _ = writeln!(out, "\nfrom typing import {}\n", typing_names(typing));
    // From the generated module itself: a model new to the catalog needs no hand-written
    // re-export (in `types.py`) before the package imports.
    out.push_str("from ._operation_types import (\n");
    for model in models {
        let _ = writeln!(out, "    {model},");
    }
    out.push_str(")\n");
    let _ = writeln!(out, "from ._pagination import {iterator}");
    if secret_result {
        out.push_str("from ._secret import Secret\n");
    }
    out.push_str("\nif TYPE_CHECKING:\n");
    let module = if io == Io::Async {
        "_async_client"
    } else {
        "_client"
    };
    let _ = writeln!(out, "    from .{module} import {client}");
    if !secret_result {
        out.push_str("    from ._secret import Secret\n");
    }
    out.push_str(
        "    from ._core import Credentials

    from typing import Mapping, Union

    CredentialsLike = Union[Credentials, Mapping[str, Union[str, Secret]]]


def _params(**params: Any) -> dict[str, Any]:
    \"\"\"The given parameters; ``None`` means not given.\"\"\"
    return {k: v for k, v in params.items() if v is not None}
",
    );
    out.push_str(&body);
    out
}

fn method(out: &mut String, op: &Operation, io: Io, iterator: &str, typing: &mut Typing) {
    let ids: Vec<&Param> = op.params.iter().filter(|p| p.in_path).collect();
    let required: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| !p.in_path && p.required)
        .collect();
    let optional: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| !p.in_path && !p.required)
        .collect();

    let mut args = vec!["self".to_owned()];
    args.extend(
        ids.iter()
            .map(|p| format!("{}: {}", p.name, kind_type(&p.kind, typing))),
    );
    args.push("*".into());
    args.extend(
        required
            .iter()
            .map(|p| format!("{}: {}", p.name, kind_type(&p.kind, typing))),
    );
    args.extend(optional.iter().map(|p| {
        format!(
            "{}: Optional[{}] = None",
            p.name,
            kind_type(&p.kind, typing)
        )
    }));
    args.push("credentials: Optional[CredentialsLike] = None".into());

    let names: Vec<String> = ids
        .iter()
        .chain(&required)
        .chain(&optional)
        .map(|p| format!("{0}={0}", p.name))
        .collect();
    let call = format!("_params({})", names.join(", "));

    let mut about = rst(&op.summary());
    if let Some(note) = rule_note(op) {
        about = format!("{about} {note}");
    }
    for secret in op.secret_field_names() {
        about.push_str(&format!(
            " ``{secret}`` is a :class:`~cloudflare_tenant.Secret`: it shows as ``***``; \
             ``expose()`` gives the value."
        ));
    }
    if op.result_is_secret() {
        about.push_str(
            " The result is a :class:`~cloudflare_tenant.Secret`: it shows as ``***``; \
             ``expose()`` gives the value.",
        );
    }
    let listing = match (io, op.paginated) {
        (Io::Sync, true) => "Returns an iterator over the items of every page; pages are requested as it is consumed.",
        (Io::Async, true) => "Returns an async iterator (``async for``) over the items of every page; pages are requested as it is consumed.",
        (Io::Sync, false) => "Returns an iterator over the items (the API sends them in one page).",
        (Io::Async, false) => "Returns an async iterator (``async for``) over the items (the API sends them in one page).",
    };
    let returns = match op.item() {
        Some(item) => {
            about = format!("{about} {listing}");
            format!("{iterator}[{}]", result_type(op, item, typing))
        }
        None => result_type(op, &op.result, typing),
    };
    let mut doc_args = String::from("Args:");
    for param in &op.params {
        let _ = write!(doc_args, "\n    {}: {}", param.name, rst(&param.full_doc()));
    }
    doc_args.push_str("\n    credentials: Act as someone else for this call.");
    let doc = [
        format!("``{}``: ``{} {}``.", op.name, op.method, op.path),
        about,
        doc_args,
    ];

    let asyn = if io == Io::Async && op.item().is_none() {
        "async "
    } else {
        ""
    };
    let _ = write!(out, "\n    {asyn}def {}(\n", op.verb());
    for arg in args {
        let _ = writeln!(out, "        {arg},");
    }
    let _ = writeln!(out, "    ) -> {returns}:");
    out.push_str(&docstring(8, &doc));
    if op.item().is_some() {
        let _ = writeln!(
            out,
            "        return self._client._list({}, {call}, credentials)",
            quote(&op.name)
        );
    } else {
        let awaiting = if io == Io::Async { "await " } else { "" };
        let _ = writeln!(
            out,
            "        result = {awaiting}self._client._call({}, {call}, credentials)",
            quote(&op.name)
        );
        let _ = writeln!(out, "        return cast({}, result)", quote(&returns));
    }
}
