//! `cloudflare-tenant-codegen [--check] [--root DIR]`: writes every host surface that lists
//! operations from the core's catalog (`make generate`); with `--check`, writes nothing and
//! fails naming each file that is not current (`make test`). `--root` is the repository root,
//! by default the one this crate is in.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cloudflare-tenant-codegen [--check] [--root DIR]";

fn main() -> ExitCode {
    let mut check = false;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => match args.next() {
                Some(dir) => root = PathBuf::from(dir),
                None => return fail(USAGE),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return fail(USAGE),
        }
    }
    let outputs = match cloudflare_tenant_codegen::outputs(&cloudflare_tenant::catalog()) {
        Ok(outputs) => outputs,
        Err(error) => return fail(&format!("the catalog cannot be generated from: {error}")),
    };
    match cloudflare_tenant_codegen::apply(&root, &outputs, check) {
        Ok(stale) if check && !stale.is_empty() => {
            for path in stale {
                eprintln!("not current: {path}");
            }
            fail("generated files differ from the core's catalog; run `make generate`")
        }
        Ok(written) => {
            for path in written {
                println!("wrote {path}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::FAILURE
}
