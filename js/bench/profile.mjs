// Where parseResponse and buildRequest spend their time in Node, from V8's CPU profiler, with a
// build of the same wasm that keeps its function names (the package's .wasm is stripped):
//   node js/bench/profile.mjs <names glue dir> <data dir> [<summary.json>]
// <names glue dir> holds `wasm-bindgen --target web --keep-debug` output of the wasm-release
// build (scripts/bench.sh makes it in target/bench/wasm-names/). That build is not run through
// wasm-opt, so it is a little slower than the package's; the shares are what matter.
// Informative only: prints the self time by category and the top functions.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Session } from "node:inspector";
import { pathToFileURL } from "node:url";

const [namesDir, dataDir = "target/bench/data", outFile] = process.argv.slice(2);
const glue = await import(pathToFileURL(resolve(namesDir, "cloudflare_tenant_wasm.js")).href);
glue.initSync({ module: readFileSync(join(namesDir, "cloudflare_tenant_wasm_bg.wasm")) });
// The package's JS layer (api.js) imports its glue as "./cloudflare_tenant_wasm.js": load a copy
// of the layer next to the names glue so that parseResponse runs exactly as shipped.
const api = await import(pathToFileURL(resolve(namesDir, "api.js")).href);

const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((ok, fail) => session.post(method, params, (err, res) => (err ? fail(err) : ok(res))));

// Phases: the outermost frame on a sample's stack that matches one of these names decides the
// phase of that sample (so malloc, memcpy and drops inside a phase count for that phase).
const PHASES = [
  ["args in: strings/bytes copied into wasm, headers", /^(passArray8ToWasm0|passStringToWasm0|headersText|credentialsText|paramsText)$|read_headers|core_operation/],
  ["envelope pre-scan (RawValue of result)", /RawEnvelope|deserialize_raw_value/],
  ["shape check of the result (cloudflare_tenant::shape)", /cloudflare_tenant::shape::/],
  ["JSON.parse of the body (builds the result)", /^resultOf$/],
  ["params/credentials JSON -> core types", /cloudflare_tenant::host::(read_json|read_credentials)/],
  ["build the request (typed params -> http::Request)", /request_named/],
  ["to_string (meta/request -> JSON text)", /cloudflare_tenant::host::(answer_json|request_json)/],
  ["drop (wasm)", /drop_in_place/],
  ["text out: wasm string -> JS string (TextDecoder)", /^getStringFromWasm0$/],
  ["GC", /^\(garbage collector\)$/],
];

function phaseOf(name) {
  for (const [label, re] of PHASES) if (re.test(name)) return label;
  return null;
}

async function profile(label, fn, iterations) {
  for (let i = 0; i < 3; i++) fn();
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  for (let i = 0; i < iterations; i++) fn();
  const { profile } = await post("Profiler.stop");
  await post("Profiler.disable");
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const phases = new Map();
  const top = new Map();
  let total = 0;
  const walk = (node, phase) => {
    const { functionName: name, url } = node.callFrame;
    phase ??= phaseOf(name);
    const t = selfTime.get(node.id) ?? 0;
    if (t > 0 && !["(idle)", "(program)", "(root)"].includes(name) && !url.startsWith("node:") && !(name === "dispatch" && url === "")) {
      // Outside every phase: wasm code is "other wasm"; JS self time is mostly JSON.parse
      // (V8 counts builtins as their caller's self time) and the package's JS glue.
      const p = phase ?? (url.startsWith("wasm://") ? "other wasm" : "JS: JSON.parse of the output, glue");
      phases.set(p, (phases.get(p) ?? 0) + t);
      const key = name.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "") || "(anonymous)";
      top.set(key, (top.get(key) ?? 0) + t);
      total += t;
    }
    for (const child of node.children ?? []) walk(byId.get(child), phase);
  };
  walk(profile.nodes[0], null);
  const share = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / total]);
  console.log(`\n-- ${label}: where the time goes (${iterations} calls, ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [k, v] of share(phases)) if (v >= 0.005) console.log(`  ${(v * 100).toFixed(1).padStart(5)}%  ${k}`);
  console.log("  top functions by self time:");
  for (const [k, v] of share(top).slice(0, 12)) console.log(`  ${(v * 100).toFixed(1).padStart(5)}%  ${k.slice(0, 110)}`);
  return { phases: Object.fromEntries(share(phases)), top: share(top).slice(0, 25) };
}

const summary = {};
const members = new Uint8Array(readFileSync(join(dataDir, "members_page.json")));
summary.members_page = await profile(
  "parseResponse, members page (bytes)",
  () => api.parseResponse("accounts.members.list", { status: 200, headers: {}, body: members }),
  15,
);
const single = new Uint8Array(readFileSync(join(dataDir, "single_account.json")));
summary.single_account = await profile(
  "parseResponse, single account",
  () => api.parseResponse("accounts.get", { status: 200, headers: {}, body: single }),
  3000,
);
summary.build = await profile(
  "buildRequest accounts.create",
  () => api.buildRequest("accounts.create", { name: "Acme Corp" }, { apiToken: "bench-token" }),
  3000,
);
session.disconnect();
if (outFile) writeFileSync(outFile, JSON.stringify(summary, null, 2));
