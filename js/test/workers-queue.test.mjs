// Scaled out in Workers: the Queue consumer of js/examples/queue-consumer (bundled by wrangler
// from the packed tarball) runs as several consumer Workers at once in workerd (Miniflare), each
// with a queue and a client of its own, all sharing one TenantPacer Durable Object, against the
// sandbox at a scaled-down rate limit. Every customer complete, no account twice, no 429. And
// the same consumers, each with a budget of its own instead, do run into 429s.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { startSandbox } from "./support/sandbox.mjs";

const JS = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLE = join(JS, "examples/queue-consumer");
const CONSUMERS = 3;
const CUSTOMERS = 90;
/** The sandbox's limit, scaled down from Cloudflare's 1,200 per 300 s; going over blocks for a window. */
const LIMIT = 60;
const WINDOW = 3;

let dir;
let bundle;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "cloudflare-tenant-queue-"));
  let tarball = process.env.CLOUDFLARE_TENANT_TARBALL;
  if (!tarball) {
    const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: JS, encoding: "utf8" }).trim().split("\n").pop();
    tarball = join(dir, name);
  }
  mkdirSync(join(dir, "src"));
  copyFileSync(join(EXAMPLE, "wrangler.toml"), join(dir, "wrangler.toml"));
  copyFileSync(join(EXAMPLE, "src/index.js"), join(dir, "src/index.js"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tarball], { cwd: dir, stdio: "inherit" });
  execFileSync(join(JS, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", "out"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  const wasm = readdirSync(join(dir, "out")).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, "wrangler bundled the .wasm as a module of its own");
  bundle = join(dir, "out");
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The example bundle as the Worker `consumer-<i>` (an isolate of its own), consuming the queue
 * `onboarding-<i>`. The TenantPacer class lives in consumer-0; every consumer binds it.
 */
function consumer(i, bindings) {
  return {
    name: `consumer-${i}`,
    modules: true,
    scriptPath: join(bundle, "index.js"),
    modulesRoot: bundle,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    bindings: { TENANT_PACER_LIMIT: String(LIMIT), TENANT_PACER_WINDOW: String(WINDOW), ...bindings },
    durableObjects: { TENANT_PACER: { className: "TenantPacer", scriptName: "consumer-0" } },
    kvNamespaces: { ONBOARDING: "onboarding" },
    queueConsumers: { [`onboarding-${i}`]: { maxBatchSize: 10, maxBatchTimeout: 0.5, maxRetries: 3 } },
  };
}

/** `CONSUMERS` consumers and a producer for their queues; consumer i names the budget `pacerName(i)`. */
function workers(baseUrl, pacerName) {
  const consumers = Array.from({ length: CONSUMERS }, (_, i) =>
    consumer(i, { CLOUDFLARE_API_TOKEN: "sandbox-token", CLOUDFLARE_API_BASE_URL: baseUrl, TENANT_PACER_NAME: pacerName(i) }),
  );
  const queues = Object.fromEntries(consumers.map((_, i) => [`QUEUE_${i}`, `onboarding-${i}`]));
  const producer = { name: "producer", modules: true, script: "export default {};", compatibilityDate: "2025-09-01", queueProducers: queues };
  return new Miniflare({ workers: [...consumers, producer] });
}

/**
 * Sends `customers` onboarding specs round robin to the consumers' queues, then waits until
 * each has a report in KV, or `until(state)` (the sandbox's) says to stop. The figures.
 */
async function run(sandbox, pacerName, customers, until = () => false) {
  const mf = workers(`${sandbox.url}/client/v4`, pacerName);
  try {
    await mf.ready;
    const unit = (await sandbox.state()).tenants[0].units[0].unit_tag;
    const specs = Array.from({ length: customers }, (_, n) => ({
      customer_ref: `crm-${String(n).padStart(4, "0")}`,
      name: `Queue Customer ${String(n).padStart(4, "0")}`,
      unit_id: unit,
      members: [{ email: `admin@q${n}.example`, roles: ["Administrator"] }],
    }));
    const started = performance.now();
    for (let i = 0; i < CONSUMERS; i++) {
      const queue = await mf.getQueueProducer(`QUEUE_${i}`, "producer");
      await queue.sendBatch(specs.filter((_, n) => n % CONSUMERS === i).map((body) => ({ body })));
    }
    const kv = await mf.getKVNamespace("ONBOARDING", "consumer-0");
    let reports = [];
    let state;
    for (;;) {
      // The keys first: a state read after them holds every account their reports name.
      const { keys } = await kv.list();
      state = await sandbox.state();
      if (keys.length === customers || until(state)) {
        reports = await Promise.all(keys.map(({ name }) => kv.get(name, "json")));
        break;
      }
      assert.ok(performance.now() - started < 100_000, `${keys.length} of ${customers} reports after 100 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const elapsed = (performance.now() - started) / 1000;
    const names = new Map();
    for (const account of state.accounts) names.set(account.name, (names.get(account.name) ?? 0) + 1);
    const duplicates = specs.reduce((sum, spec) => sum + Math.max(0, (names.get(spec.name) ?? 0) - 1), 0);
    return { specs, reports, names, duplicates, elapsed, requests: state.counters.requests, http429: state.counters.http_429 };
  } finally {
    await mf.dispose();
  }
}

describe(`${CONSUMERS} Queue consumer Workers, one credential (--rate-limit ${LIMIT} --rate-window ${WINDOW})`, () => {
  let sandbox;
  before(async () => {
    sandbox = await startSandbox(["--rate-limit", String(LIMIT), "--rate-window", String(WINDOW)]);
  });
  after(() => sandbox?.stop());

  test(`${CUSTOMERS} customers through one TenantPacer: all complete, none twice, no 429`, { timeout: 120_000 }, async () => {
    const r = await run(sandbox, () => "admin@tenant.example", CUSTOMERS);
    // What the limit allows in the windows the run began: LIMIT in each.
    const allowed = LIMIT * Math.ceil(r.elapsed / WINDOW);
    const share = r.requests / allowed;
    const incomplete = r.reports.filter((report) => !report?.complete).length;
    console.log(
      `workers queue run: customers ${CUSTOMERS}, consumers ${CONSUMERS}, requests ${r.requests}, http_429 ${r.http429}, ` +
        `duplicate_accounts ${r.duplicates}, incomplete ${incomplete}, elapsed ${r.elapsed.toFixed(1)} s, ` +
        `share of the limit ${(100 * share).toFixed(0)}% (${r.requests} of the ${allowed} that ${LIMIT} per ${WINDOW} s allows)`,
    );
    assert.equal(r.reports.length, CUSTOMERS);
    for (const report of r.reports) {
      assert.equal(report.complete, true, JSON.stringify(report));
      assert.deepEqual(report.members.map((m) => m.status), ["created"]);
    }
    for (const spec of r.specs) assert.equal(r.names.get(spec.name), 1, `${spec.name} once`);
    assert.equal(r.duplicates, 0);
    assert.equal(r.http429, 0, "no 429");
    // Enough requests that the budget matters (several windows' worth), and never more than
    // the limit allows in the time taken.
    assert.ok(r.requests > 3 * LIMIT, `${r.requests} requests`);
    assert.ok(share <= 1, `${r.requests} requests in ${r.elapsed} s`);
  });

  // Each consumer alone keeps to the limit; only consumers running at once can go over it.
  test("the same consumers with a budget each (no shared pacer) run into 429s", { timeout: 120_000 }, async () => {
    const control = await startSandbox(["--rate-limit", String(LIMIT), "--rate-window", String(WINDOW)]);
    try {
      const r = await run(control, (i) => `isolate-${i}`, CUSTOMERS, (state) => state.counters.http_429 > 0);
      console.log(`workers queue run without a shared budget: http_429 ${r.http429} after ${r.requests} requests (${r.elapsed.toFixed(1)} s)`);
      assert.ok(r.http429 > 0, "three budgets of one credential go over its limit");
    } finally {
      control.stop();
    }
  });

  test("a TenantPacer starting afresh sends alone until the first answer, then keeps to the server's count", { timeout: 30_000 }, async () => {
    const mf = new Miniflare(consumer(0, { TENANT_PACER_LIMIT: "2", TENANT_PACER_WINDOW: "1" }));
    try {
      const namespace = await mf.getDurableObjectNamespace("TENANT_PACER");
      const pacer = namespace.get(namespace.idFromName("admin@tenant.example"));
      const first = await pacer.acquire();
      let second;
      const waiting = pacer.acquire().then((ticket) => (second = ticket));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(second, undefined, "the others wait for the first answer");
      // A ticket of another instance (one before a restart) is no answer.
      await pacer.settle(first.replace(/^[^:]+/, "another-instance"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(second, undefined);
      // The first answer: others took the budget, one request left until the reset, 1 s away.
      await pacer.settle(first, { headers: [["ratelimit", '"default";r=1;t=1']] });
      const settled = performance.now();
      await waiting;
      assert.ok(performance.now() - settled < 500, "the second goes at the answer");
      await pacer.acquire();
      const waited = (performance.now() - settled) / 1000;
      assert.ok(waited > 0.9 && waited < 2, `the third waited for the server's reset: ${waited} s`);
    } finally {
      await mf.dispose();
    }
  });
});
