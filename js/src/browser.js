// Browsers (and bundlers that follow `new URL(..., import.meta.url)`): the .wasm is fetched next
// to this file and compiled while the module loads (top-level await).
import init from "./cloudflare_tenant_wasm.js";

await init({ module_or_path: new URL("./cloudflare_tenant_wasm_bg.wasm", import.meta.url) });

export * from "./index.js";
