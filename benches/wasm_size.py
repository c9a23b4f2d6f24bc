"""Where the .wasm's size comes from: sections, and code size by crate and by function.

    python3 benches/wasm_size.py <named.wasm> [<shipped.wasm>] [--json out.json]

<named.wasm> is the wasm-release build before wasm-opt (it keeps its `name` section); the
shipped .wasm (js/dist, after `wasm-opt -Oz`, names stripped) is summarised by section only.
Function bodies are attributed to the crate that defines the function (generic code to the
crate of the generic, not of the caller that instantiated it: serde_json's `Deserializer` made
for this crate's models counts as serde_json, a serde-derived `visit_map` of a model counts as
cloudflare_tenant). Standard library only; informative, nothing is asserted.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from typing import Dict, List, Tuple

SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}


def leb(b: bytes, i: int) -> Tuple[int, int]:
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def sections(b: bytes) -> List[Tuple[str, int, int]]:
    """(name, start of payload, size) of each section."""
    out = []
    i = 8
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        name = SECTION_NAMES.get(sid, str(sid))
        if sid == 0:
            n, j = leb(b, i)
            name = "custom:" + b[j:j + n].decode("utf-8", "replace")
        out.append((name, i, size))
        i += size
    return out


def imported_functions(b: bytes, start: int) -> int:
    count, i = leb(b, start)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module, field
            n, i = leb(b, i)
            i += n
        kind = b[i]
        i += 1
        if kind == 0:
            _, i = leb(b, i)
            functions += 1
        elif kind == 1:  # table: reftype, limits
            i += 1
            flags, i = leb(b, i)
            _, i = leb(b, i)
            if flags & 1:
                _, i = leb(b, i)
        elif kind == 2:  # memory: limits
            flags, i = leb(b, i)
            _, i = leb(b, i)
            if flags & 1:
                _, i = leb(b, i)
        elif kind == 3:  # global: valtype, mut
            i += 2
        else:
            i += 1
    return functions


def function_names(b: bytes, start: int, size: int) -> Dict[int, str]:
    end = start + size
    n, i = leb(b, start)
    i += n  # "name"
    names: Dict[int, str] = {}
    while i < end:
        sub = b[i]
        length, i = leb(b, i + 1)
        if sub == 1:
            count, j = leb(b, i)
            for _ in range(count):
                index, j = leb(b, j)
                n, j = leb(b, j)
                names[index] = b[j:j + n].decode("utf-8", "replace")
                j += n
        i += length
    return names


def body_sizes(b: bytes, start: int) -> List[int]:
    count, i = leb(b, start)
    sizes = []
    for _ in range(count):
        size, j = leb(b, i)
        sizes.append(size + (j - i))
        i = j + size
    return sizes


ESCAPES = {"$LT$": "<", "$GT$": ">", "$RF$": "&", "$BP$": "*", "$C$": ",", "$SP$": "@", "$u20$": " ",
           "$u27$": "'", "$u5b$": "[", "$u5d$": "]", "$u7b$": "{", "$u7d$": "}", "$u3b$": ";", "$u2b$": "+",
           "$u22$": '"', "$u7e$": "~"}


def demangle(name: str) -> str:
    """Rust legacy (`_ZN...E`) names demangled; v0 (`_R...`) names reduced to their crates' path."""
    if name.startswith("_ZN"):
        i, parts = 3, []
        while i < len(name) and name[i].isdigit():
            j = i
            while name[j].isdigit():
                j += 1
            n = int(name[i:j])
            parts.append(name[j:j + n])
            i = j + n
        if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
            parts.pop()
        text = "::".join(p[1:] if p.startswith("_$") else p for p in parts)
        for k, v in ESCAPES.items():
            text = text.replace(k, v)
        return text.replace("..", "::")
    if name.startswith("_R"):
        # v0: keep the identifiers in order (crate names follow `C` + disambiguator).
        idents = re.findall(r"(?:C(?:s[0-9A-Za-z]*_)?)?(\d+)([A-Za-z_][A-Za-z0-9_]*)", name)
        words = []
        for n, rest in idents:
            words.append(rest[: int(n)])
        return "::".join(words) if words else name
    return name


def crate_of(name: str) -> str:
    """The crate a (demangled) Rust function name belongs to."""
    s = re.sub(r"::h[0-9a-f]{16}$", "", name)
    s = re.sub(r"\[[0-9a-f]{16}\]", "", s)
    # `<T as Trait>::f` and `<impl Trait for T>`: the implementing type's crate, else the trait's.
    m = re.match(r"<+(?:impl [^<>]*? for )?&?(?:mut )?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)::", s)
    if m:
        crate = m.group(1)
    else:
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(?:::|$)", s)
        crate = m.group(1) if m else ("wasm-bindgen glue" if s.startswith("__wbindgen") or s.startswith("__wbg") else "other (" + s[:30] + ")")
    if crate in {"core", "alloc", "std", "__rustc", "compiler_builtins", "dlmalloc", "hashbrown"}:
        return "std (core/alloc/dlmalloc)"
    return crate


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    if out in args:
        args.remove(out)
    named_path = args[0]
    shipped_path = args[1] if len(args) > 1 else None
    b = open(named_path, "rb").read()
    secs = sections(b)
    by_name = {name: (start, size) for name, start, size in secs}
    imports = imported_functions(b, by_name["import"][0]) if "import" in by_name else 0
    names = function_names(b, *by_name["custom:name"]) if "custom:name" in by_name else {}
    sizes = body_sizes(b, by_name["code"][0])
    code_total = sum(sizes)
    per_crate: Counter = Counter()
    per_fn: Counter = Counter()
    for k, size in enumerate(sizes):
        name = demangle(names.get(imports + k, f"func[{imports + k}]"))
        per_crate[crate_of(name)] += size
        per_fn[re.sub(r"::h[0-9a-f]{16}$", "", re.sub(r"\[[0-9a-f]{16}\]", "", name))] += size
    result: Dict[str, object] = {"named_wasm": named_path, "functions": len(sizes), "code_bytes": code_total}
    print(f"{named_path}: {len(b)} bytes, {len(sizes)} functions, code {code_total} bytes (before wasm-opt)")
    if shipped_path:
        s = open(shipped_path, "rb").read()
        shipped = {name: size for name, _, size in sections(s)}
        result["shipped_sections"] = shipped
        result["shipped_bytes"] = len(s)
        result["shipped_gzip_bytes"] = len(gzip.compress(s, 9))
        print(f"shipped {shipped_path}: {len(s)} bytes ({result['shipped_gzip_bytes']} gzipped); sections:")
        for name, size in sorted(shipped.items(), key=lambda kv: -kv[1]):
            if size >= 1024:
                print(f"  {size:>9}  {name}")
    print("code by crate (before wasm-opt; wasm-opt -Oz shrinks code by about "
          f"{1 - (result.get('shipped_sections', {}).get('code', code_total) / code_total):.0%} overall):")
    result["code_by_crate"] = dict(per_crate.most_common())
    for crate, size in per_crate.most_common(14):
        print(f"  {size:>9}  {size / code_total:6.1%}  {crate}")
    print("largest functions:")
    result["largest_functions"] = per_fn.most_common(40)
    for name, size in per_fn.most_common(15):
        print(f"  {size:>9}  {name[:120]}")
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
