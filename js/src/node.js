// Node >= 20: the .wasm is read next to this file and compiled synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./cloudflare_tenant_wasm.js";

initSync({ module: readFileSync(new URL("./cloudflare_tenant_wasm_bg.wasm", import.meta.url)) });

export * from "./index.js";
