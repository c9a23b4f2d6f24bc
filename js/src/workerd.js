// Cloudflare Workers (workerd): wrangler and Miniflare give a `.wasm` import as a compiled
// WebAssembly.Module (a CompiledWasm module), which instantiates synchronously.
import wasm from "./cloudflare_tenant_wasm_bg.wasm";
import { initSync } from "./cloudflare_tenant_wasm.js";

initSync({ module: wasm });

export * from "./index.js";
// Workers only: a Durable Object (it extends `cloudflare:workers`' DurableObject).
export { TenantPacer } from "./tenant-pacer.js";
