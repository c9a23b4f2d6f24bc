// Any other ES module runtime (Deno, Bun, ...): read the .wasm from disk when this file is on
// disk, fetch it otherwise.
import init from "./cloudflare_tenant_wasm.js";

const url = new URL("./cloudflare_tenant_wasm_bg.wasm", import.meta.url);
if (url.protocol === "file:") {
  const { readFile } = await import("node:fs/promises");
  await init({ module_or_path: await readFile(url) });
} else {
  await init({ module_or_path: url });
}

export * from "./index.js";
