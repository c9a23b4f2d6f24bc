// Cold start in workerd (Miniflare): from `new Miniflare(...)` to the first answered request,
// for a Worker that imports the package (from the packed tarball, bundled by wrangler as a user
// would: the .wasm becomes a CompiledWasm module) and builds a request, minus the same for a
// Worker that does not import it and answers the same way. Starts alternate between the two;
// the figure is the median of the paired differences.
//   node js/bench/workerd.mjs <npm tarball> <results.json> [starts]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const JS = fileURLToPath(new URL("..", import.meta.url));
const [tarball, outFile, startsArg = "21"] = process.argv.slice(2);
const STARTS = Number(startsArg);

const WORKERS = {
  with: `import { buildRequest } from "cloudflare-tenant";
export default {
  async fetch() {
    const request = buildRequest("accounts.create", { name: "Acme Corp" }, { apiToken: "bench-token" });
    return new Response(request.method + " " + request.url + " " + request.body);
  },
};
`,
  without: `export default {
  async fetch() {
    const request = { method: "POST", url: "https://api.cloudflare.com/client/v4/accounts", body: JSON.stringify({ name: "Acme Corp" }) };
    return new Response(request.method + " " + request.url + " " + request.body);
  },
};
`,
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), "cloudflare-tenant-bench-"));
try {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", resolve(tarball)], { cwd: dir, stdio: "inherit" });
  const bundles = {};
  for (const [name, source] of Object.entries(WORKERS)) {
    writeFileSync(join(dir, `${name}.mjs`), source);
    writeFileSync(join(dir, `${name}.toml`), `name = "bench-${name}"\nmain = "${name}.mjs"\ncompatibility_date = "2025-09-01"\n`);
    const outdir = join(dir, `out-${name}`);
    mkdirSync(outdir);
    execFileSync(join(JS, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--config", `${name}.toml`, "--outdir", outdir], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
    });
    const files = readdirSync(outdir).filter((f) => /\.(js|mjs|wasm)$/.test(f));
    bundles[name] = {
      outdir,
      script: join(outdir, files.find((f) => f.endsWith(".js") || f.endsWith(".mjs"))),
      bytes: Object.fromEntries(files.map((f) => [f, statSync(join(outdir, f)).size])),
    };
  }

  async function start(name) {
    const { outdir, script } = bundles[name];
    const t0 = performance.now();
    const mf = new Miniflare({
      modules: true,
      scriptPath: script,
      modulesRoot: outdir,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      compatibilityDate: "2025-09-01",
    });
    try {
      await mf.ready;
      const t1 = performance.now();
      const response = await mf.dispatchFetch("http://worker/");
      const text = await response.text();
      const t2 = performance.now();
      if (response.status !== 200 || !text.startsWith("POST https://api.cloudflare.com/client/v4/accounts")) {
        throw new Error(`${name}: unexpected answer ${response.status} ${text.slice(0, 200)}`);
      }
      return { total: t2 - t0, ready: t1 - t0, first: t2 - t1 };
    } finally {
      await mf.dispose();
    }
  }

  await start("without"); // warm the file cache and Miniflare's own first-use costs
  await start("with");
  const runs = { with: [], without: [] };
  const diffs = [];
  const firstDiffs = [];
  for (let i = 0; i < STARTS; i++) {
    const order = i % 2 === 0 ? ["without", "with"] : ["with", "without"];
    const pair = {};
    for (const name of order) {
      pair[name] = await start(name);
      runs[name].push(pair[name]);
    }
    diffs.push(pair.with.total - pair.without.total);
    firstDiffs.push(pair.with.first - pair.without.first);
  }
  const results = {
    workerd_cold_start_ms: median(diffs),
    "workerd.with_ms": median(runs.with.map((r) => r.total)),
    "workerd.without_ms": median(runs.without.map((r) => r.total)),
    "workerd.first_request_with_ms": median(runs.with.map((r) => r.first)),
    "workerd.first_request_without_ms": median(runs.without.map((r) => r.first)),
    "workerd.first_request_diff_ms": median(firstDiffs),
    "workerd.starts": STARTS,
    "workerd.bundle_wasm_bytes": Object.entries(bundles.with.bytes).filter(([f]) => f.endsWith(".wasm")).reduce((n, [, b]) => n + b, 0),
    "workerd.bundle_js_bytes": Object.entries(bundles.with.bytes).filter(([f]) => !f.endsWith(".wasm")).reduce((n, [, b]) => n + b, 0),
  };
  console.log(`${"worker".padEnd(28)} ${"start->answer".padStart(14)} ${"ready".padStart(9)} ${"1st request".padStart(12)}`);
  for (const name of ["without", "with"]) {
    const r = runs[name];
    console.log(
      `${(name === "with" ? "imports cloudflare-tenant" : "no import").padEnd(28)} ${median(r.map((x) => x.total)).toFixed(1).padStart(11)} ms ${median(r.map((x) => x.ready)).toFixed(1).padStart(6)} ms ${median(r.map((x) => x.first)).toFixed(1).padStart(9)} ms`,
    );
  }
  console.log(`cold start added by the package: ${results.workerd_cold_start_ms.toFixed(1)} ms (median of ${STARTS} paired differences; spread ${Math.min(...diffs).toFixed(0)}..${Math.max(...diffs).toFixed(0)} ms)`);
  console.log(`bundle: ${JSON.stringify(bundles.with.bytes)}`);
  if (outFile) writeFileSync(outFile, JSON.stringify(results, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
