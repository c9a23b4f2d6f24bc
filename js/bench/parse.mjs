// parseResponse in Node against JSON.parse of the same text, and buildRequest, on the bench's
// data set (the bytes the Rust bench wrote). Run by scripts/bench.sh after js/scripts/build.sh:
//   node js/bench/parse.mjs <data dir> <results.json> [<dist dir>]
// <dist dir> defaults to js/dist (scripts/bench.sh passes its snapshot of it).
// Prints a table; writes the numbers as JSON. Nothing is asserted.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { fmtMs, median, paired } from "./harness.mjs";

const [dataDir = "target/bench/data", outFile, distDir] = process.argv.slice(2);
const dist = distDir ? pathToFileURL(resolve(distDir) + "/").href : new URL("../dist/", import.meta.url).href;
const { buildRequest, parseResponse } = await import(new URL("node.js", dist).href);
// The wasm-bindgen glue the package uses (already instantiated by node.js): the same module
// instance, so its functions are the ones parseResponse calls.
const glue = await import(new URL("cloudflare_tenant_wasm.js", dist).href);

const wasm = glue.initSync({ module: new Uint8Array() }); // returns the live exports, no re-init

const SETS = [
  ["members page (1,000)", "members_page", "accounts.members.list"],
  ["accounts page (1,000)", "accounts_page", "accounts.list"],
  ["single account", "single_account", "accounts.get"],
];

const results = {};
const rows = [];
const decoder = new TextDecoder();

for (const [label, file, operation] of SETS) {
  const bytes = new Uint8Array(readFileSync(join(dataDir, `${file}.json`)));
  const text = decoder.decode(bytes);
  const base = () => JSON.parse(text);
  // Sanity: the package reads the body the same as JSON.parse does (same item count).
  const check = parseResponse(operation, { status: 200, headers: {}, body: bytes });
  const expected = JSON.parse(text).result;
  if (Array.isArray(expected) && check.result.length !== expected.length) {
    throw new Error(`${operation}: ${check.result.length} items, expected ${expected.length}`);
  }

  const asBytes = paired(base, () => parseResponse(operation, { status: 200, headers: {}, body: bytes }));
  const asText = paired(base, () => parseResponse(operation, { status: 200, headers: {}, body: text }));
  results[`js.${operation}.parse_ratio`] = asBytes.ratio;
  results[`js.${operation}.parse_text_ratio`] = asText.ratio;
  results[`js.${operation}.json_parse_ms`] = asBytes.base;
  results[`js.${operation}.parse_ms`] = asBytes.subject;
  rows.push([label, bytes.length, asBytes.base, asBytes.subject, asBytes.ratio, asText.subject, asText.ratio]);
  if (operation === "accounts.members.list") results.js_parse_ratio = asBytes.ratio;

  if (operation === "accounts.members.list") {
    // Where parseResponse's time goes, each part as a ratio to JSON.parse of the body:
    //   core call = glue.checkBytes: the body copied into wasm memory, the core's check of the
    //               envelope and of the result against the operation's model (in wasm), and the
    //               small `{result_info, messages}` text back;
    //   copy in   = __wbindgen_malloc + Uint8Array.set + free of the body's length;
    //   decode    = TextDecoder.decode of the body (bytes in; JSON.parse needs a string);
    //   JSON.parse of the body builds the result (the floor itself).
    const core = paired(base, () => glue.checkBytes(operation, 200, "[]", bytes));
    const copyIn = paired(base, () => {
      const ptr = wasm.__wbindgen_malloc(bytes.length, 1) >>> 0;
      new Uint8Array(wasm.memory.buffer).set(bytes, ptr);
      wasm.__wbindgen_free(ptr, bytes.length, 1);
      return ptr;
    });
    const decode = paired(base, () => decoder.decode(bytes));
    // Parts in ms (medians), and as multiples of JSON.parse of the body (one common baseline).
    const jsonParse = median([asBytes.base, core.base, copyIn.base, decode.base]);
    const ms = {
      total: asBytes.subject,
      core_call: core.subject,
      copy_in: copyIn.subject,
      in_wasm: core.subject - copyIn.subject,
      decode: decode.subject,
      json_parse_body: jsonParse,
      js_glue_rest: asBytes.subject - core.subject - decode.subject - jsonParse,
    };
    for (const [k, v] of Object.entries(ms)) {
      results[`js.members.breakdown.${k}_ms`] = v;
      results[`js.members.breakdown.${k}`] = v / jsonParse;
    }
  }
}

// buildRequest: one by-name accounts.create, against building the same object by hand.
const params = { name: "Acme Corp", unit_id: "0d6a5b3bb0e94e5c9f6e9c6d8b8f7a11", business_name: "Acme Corporation" };
const credentials = { apiToken: "bench-token-0123456789abcdef0123456789abcdef" };
const built = buildRequest("accounts.create", params, credentials);
const byHand = () => ({
  method: "POST",
  url: "https://api.cloudflare.com/client/v4/accounts",
  headers: {
    accept: "application/json",
    "content-type": "application/json",
    "user-agent": built.headers["user-agent"],
    authorization: `Bearer ${credentials.apiToken}`,
  },
  body: JSON.stringify(params),
});
const build = paired(byHand, () => buildRequest("accounts.create", params, credentials));
results.js_build_ns = build.subject * 1e6;
results["js.build.by_hand_ns"] = build.base * 1e6;
results["js.build.ratio_vs_by_hand"] = build.ratio;

console.log(
  `${"data".padEnd(24)} ${"bytes".padStart(9)} ${"JSON.parse".padStart(11)} ${"parse(bytes)".padStart(13)} ${"ratio".padStart(6)} ${"parse(text)".padStart(12)} ${"ratio".padStart(6)}`,
);
for (const [label, n, b, s, r, st, rt] of rows) {
  console.log(
    `${label.padEnd(24)} ${String(n).padStart(9)} ${fmtMs(b).padStart(11)} ${fmtMs(s).padStart(13)} ${r.toFixed(2).padStart(6)} ${fmtMs(st).padStart(12)} ${rt.toFixed(2).padStart(6)}`,
  );
}
console.log(`members page, parseResponse(bytes) by part (ms; x JSON.parse of the body, ${fmtMs(results["js.members.breakdown.json_parse_body_ms"])}):`);
const PARTS = {
  core_call: "core call (glue.checkBytes), of which:",
  copy_in: "  body copied into wasm memory",
  in_wasm: "  in wasm: envelope + shape check",
  decode: "body decoded to a JS string",
  json_parse_body: "JSON.parse of the body (builds the result)",
  js_glue_rest: "rest of the JS layer (noise when ~0)",
  total: "parseResponse (same baseline)",
};
for (const [k, label] of Object.entries(PARTS)) {
  const v = results[`js.members.breakdown.${k}`];
  console.log(`  ${label.padEnd(42)} ${fmtMs(results[`js.members.breakdown.${k}_ms`]).padStart(10)} ${v.toFixed(2).padStart(6)}`);
}
console.log(`buildRequest accounts.create: ${build.subject * 1e6 |0} ns (by hand ${build.base * 1e6 | 0} ns, x${build.ratio.toFixed(1)})`);
if (outFile) writeFileSync(outFile, JSON.stringify(results, null, 2));
