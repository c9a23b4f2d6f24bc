//! Writes `for_each_operation!` from the declarations themselves: every `operation! { ... }`
//! block of `src/api/`, in the order of the API reference (the modules below, then the order
//! of the declarations in each file), marked `paged` when the declaration says `paged:`. So an
//! operation is declared once, and the registry, the catalog, the tests and the fuzz targets
//! follow.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

/// The modules of `src/api/` that declare operations, in the order of the API reference.
const MODULES: [&str; 9] = [
    "accounts",
    "tokens",
    "members",
    "roles",
    "permission_groups",
    "users",
    "user",
    "memberships",
    "tenants",
];

/// The macro, its list of operations in place of `OPERATIONS`.
const MACRO: &str = r#"/// Calls `$callback! { path::Type: paged, path::Type, ... }` with every operation type, in
/// the order of the API reference (`paged` marks the lists that page): the one list the
/// registry, the tests and the fuzz targets expand. Written by `build.rs` from the
/// `operation!` declarations.
#[doc(hidden)]
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
OPERATIONS
        }
    };
}
"#;

fn main() {
    let api = Path::new("src/api");
    println!("cargo:rerun-if-changed={}", api.display());
    let mut list = String::new();
    for module in MODULES {
        let path = api.join(format!("{module}.rs"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (name, paged) in declarations(&text, &path) {
            let marker = if paged { ": paged" } else { "" };
            let _ = writeln!(list, "            $crate::api::{module}::{name}{marker},");
        }
    }
    // A module that declares operations but is not listed would be left out silently.
    for entry in fs::read_dir(api).expect("src/api") {
        let path = entry.expect("an entry of src/api").path();
        let module = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let declares = fs::read_to_string(&path).is_ok_and(|text| text.contains("\noperation! {"));
        if declares && !MODULES.contains(&module) {
            panic!(
                "{} declares operations: add `{module}` to MODULES in build.rs",
                path.display()
            );
        }
    }
    let macro_text = MACRO.replace("OPERATIONS\n", &list);
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("for_each_operation.rs");
    fs::write(&out, macro_text).expect("writes for_each_operation.rs");
}

/// Each `operation! { ... }` block's type name, and whether it declares `paged:`.
fn declarations(text: &str, path: &Path) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line != "operation! {" {
            continue;
        }
        let (mut name, mut paged) = (None, false);
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("pub struct ") {
                name.get_or_insert_with(|| {
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                });
            }
            paged |= line.starts_with("paged:");
        }
        match name {
            Some(name) if !name.is_empty() => found.push((name, paged)),
            _ => panic!(
                "{}: an `operation!` block without `pub struct`",
                path.display()
            ),
        }
    }
    found
}
