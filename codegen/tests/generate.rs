//! The generator against the core's real catalog: every operation reaches every surface, a
//! tree it just wrote passes `--check`, and a file changed by hand fails it, by name.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output as Run};

use cloudflare_tenant::{catalog, operations};
use cloudflare_tenant_codegen::{outputs, Content, Output, GENERATED, SECTION_END, SECTION_START};

const READMES: [&str; 3] = ["README.md", "js/README.md", "python/README.md"];
/// The types of the flows' JSON, which list no operation.
const FLOW_FILES: [&str; 2] = [
    "js/src/flows.d.ts",
    "python/cloudflare_tenant/_flow_types.py",
];

fn generated() -> Vec<Output> {
    outputs(&catalog()).expect("the core's catalog generates")
}

fn text(output: &Output) -> &str {
    match &output.content {
        Content::File(text) | Content::Section(text) => text,
    }
}

/// `AccountsMembersList`.
fn stem(name: &str) -> String {
    name.split(['.', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

#[test]
fn every_operation_reaches_every_surface() {
    let outputs = generated();
    assert!(!operations().is_empty());
    for output in outputs.iter().filter(|o| !FLOW_FILES.contains(&o.path)) {
        let text = text(output);
        for op in operations() {
            let listed = match output.path {
                "README.md" => format!("`{}`", op.name),
                "js/README.md" => format!("`client.{}(", op.name),
                "python/README.md" => format!("`client.{}(", op.name),
                "python/cloudflare_tenant/params.py" => format!("{}Params", stem(op.name)),
                _ => format!("\"{}\"", op.name),
            };
            assert!(text.contains(&listed), "{}: no {listed}", output.path);
        }
    }
    for path in [
        "js/src/operations.d.ts",
        "python/cloudflare_tenant/_operation_types.py",
    ] {
        let output = outputs.iter().find(|o| o.path == path).unwrap();
        for op in operations() {
            let params = format!("{}Params", stem(op.name));
            assert!(text(output).contains(&params), "{path}: no {params}");
        }
    }
}

#[test]
fn every_field_of_the_flows_is_declared_in_typescript_and_python() {
    let catalog = catalog();
    let models = catalog["flows"]["models"].as_array().unwrap();
    assert!(!models.is_empty());
    let outputs = generated();
    let file = |path: &str| text(outputs.iter().find(|o| o.path == path).unwrap()).to_owned();
    let (typescript, python) = (file(FLOW_FILES[0]), file(FLOW_FILES[1]));
    for model in models {
        let name = model["name"].as_str().unwrap();
        let declared = [
            format!("export interface {name} {{"),
            format!("export type {name} ="),
        ];
        assert!(declared.iter().any(|d| typescript.contains(d)), "{name}");
        assert!(python.contains(&format!("class {name}(")), "{name}");
        for field in model["fields"].as_array().unwrap() {
            let field = field["name"].as_str().unwrap();
            assert!(typescript.contains(&format!("  {field}")), "{name}.{field}");
            assert!(python.contains(&format!("    {field}: ")), "{name}.{field}");
        }
    }
}

#[test]
fn every_model_is_declared_in_typescript_and_python() {
    let catalog = catalog();
    let models = catalog["models"].as_object().unwrap();
    assert!(!models.is_empty());
    let outputs = generated();
    let file = |path: &str| text(outputs.iter().find(|o| o.path == path).unwrap()).to_owned();
    let typescript = file("js/src/operations.d.ts");
    let python = file("python/cloudflare_tenant/_operation_types.py");
    for name in models.keys() {
        assert!(
            typescript.contains(&format!("export interface {name} {{")),
            "{name}"
        );
        assert!(
            python.contains(&format!("class {name}(TypedDict, total=False):")),
            "{name}"
        );
    }
    // Each field carries its declaration's doc, in both hosts.
    assert!(typescript.contains("  /** 32 hex characters. */\n  id: string;"));
    assert!(python.contains("    #: 32 hex characters.\n    id: str\n"));
}

#[test]
fn each_generated_file_says_so_on_its_first_line() {
    for output in generated() {
        if let Content::File(text) = &output.content {
            let first = text.lines().next().unwrap_or_default();
            let comment = if output.path.ends_with(".py") {
                "# "
            } else {
                "// "
            };
            assert_eq!(first, format!("{comment}{GENERATED}"), "{}", output.path);
        }
    }
}

#[test]
fn a_catalog_with_something_new_is_refused_not_skipped() {
    let mut changed = catalog();
    changed["operations"][0]["params"][0]["kind"]["type"] = "a_new_kind".into();
    let error = outputs(&changed)
        .err()
        .expect("an unknown kind is an error");
    assert!(error.contains("a_new_kind"), "{error}");

    let mut changed = catalog();
    changed["operations"][0]["params"][0]["name"] = "from".into();
    let error = outputs(&changed)
        .err()
        .expect("a Python keyword is an error");
    assert!(error.contains("from"), "{error}");
}

fn run(root: &Path, check: bool) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cloudflare-tenant-codegen"));
    command.arg("--root").arg(root);
    if check {
        command.arg("--check");
    }
    command.output().expect("the generator runs")
}

/// A repository tree with READMEs around empty operation tables, and nothing else.
fn tree(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&root);
    for readme in READMES {
        let path = root.join(readme);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            path,
            format!("# Title\n\nBefore.\n\n{SECTION_START} -->\n{SECTION_END}\n\nAfter.\n"),
        )
        .unwrap();
    }
    root
}

#[test]
fn check_passes_on_a_fresh_tree_and_names_a_file_changed_by_hand() {
    let root = tree("check");
    assert!(!run(&root, true).status.success(), "nothing generated yet");
    let wrote = run(&root, false);
    assert!(wrote.status.success(), "{wrote:?}");
    let check = run(&root, true);
    assert!(check.status.success(), "{check:?}");

    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.starts_with("# Title\n\nBefore.\n\n") && readme.ends_with("\n\nAfter.\n"));
    assert!(readme.contains("| `accounts.list` |"));

    for path in ["python/cloudflare_tenant/_resources.py", "js/README.md"] {
        let file = root.join(path);
        let original = fs::read_to_string(&file).unwrap();
        fs::write(&file, original.replace("accounts.list", "accounts.lists")).unwrap();
        let check = run(&root, true);
        assert!(!check.status.success(), "{path} was changed");
        let said = String::from_utf8_lossy(&check.stderr);
        assert!(said.contains(&format!("not current: {path}")), "{said}");
        assert!(
            !said.contains("not current: js/src/operations.d.ts"),
            "{said}"
        );
        assert!(run(&root, false).status.success());
        assert_eq!(fs::read_to_string(&file).unwrap(), original);
    }
    assert!(run(&root, true).status.success());
}

#[test]
fn a_readme_without_markers_is_an_error() {
    let root = tree("markers");
    fs::write(root.join("python/README.md"), "# No table here\n").unwrap();
    let run = run(&root, false);
    assert!(!run.status.success());
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("python/README.md") && said.contains(SECTION_START),
        "{said}"
    );
}
