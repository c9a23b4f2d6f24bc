//! Secrets in the generated surfaces: a result field named in `secret_fields` is a `Secret`
//! in its model, and a result that is itself the secret (`secret_fields` holding the empty
//! name, the core's `WHOLE_RESULT`) is a `Secret` where the operation returns it.

use cloudflare_tenant::catalog;
use cloudflare_tenant_codegen::{outputs, Content};

fn file(path: &str) -> String {
    let outputs = outputs(&catalog()).expect("the core's catalog generates");
    let output = outputs.iter().find(|o| o.path == path).unwrap();
    match &output.content {
        Content::File(text) | Content::Section(text) => text.clone(),
    }
}

#[test]
fn a_rolled_value_is_a_secret_in_every_surface() {
    let typescript = file("js/src/operations.d.ts");
    assert!(typescript.contains("  \"accounts.tokens.value.roll\": Secret;"));
    assert!(typescript.contains(
        "roll(params: AccountsTokensValueRollParams, options?: CallOptions): Promise<Secret>;"
    ));
    for path in [
        "python/cloudflare_tenant/_resources.py",
        "python/cloudflare_tenant/_async_resources.py",
    ] {
        let python = file(path);
        assert!(python.contains("from ._secret import Secret\n"), "{path}");
        assert!(python.contains("    ) -> Secret:\n"), "{path}");
        assert!(python.contains("return cast(\"Secret\", result)"), "{path}");
    }
    assert!(file("js/README.md").contains("`Promise<Secret>`"));
    assert!(file("python/README.md").contains("| `Secret` |"));
    // The empty name never shows as a field.
    for path in [
        "js/README.md",
        "python/README.md",
        "python/cloudflare_tenant/_resources.py",
    ] {
        assert!(!file(path).contains("``` is a"), "{path}");
        assert!(!file(path).contains("; `` is a"), "{path}");
    }
}

#[test]
fn a_created_token_value_is_a_secret_field() {
    let typescript = file("js/src/operations.d.ts");
    let created = typescript
        .split("export interface CreatedToken {")
        .nth(1)
        .unwrap();
    let created = &created[..created.find("\n}").unwrap()];
    assert!(created.contains("  value?: Secret | null;"), "{created}");
    let python = file("python/cloudflare_tenant/_operation_types.py");
    let created = python.split("class CreatedToken(").nth(1).unwrap();
    let created = &created[..created.find("\nclass ").unwrap()];
    assert!(created.contains("    value: Secret\n"), "{created}");
    // A token read back has no value field to mask.
    let token = typescript.split("export interface Token {").nth(1).unwrap();
    assert!(!token[..token.find("\n}").unwrap()].contains("\n  value"));
}
