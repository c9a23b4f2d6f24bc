// The package in the real Workers runtime: a Worker importing "cloudflare-tenant" from the
// packed tarball, bundled by wrangler (`deploy --dry-run`), run by Miniflare's workerd, talking
// to the sandbox over fetch. Needs CLOUDFLARE_TENANT_BASE_URL (scripts/with-sandbox.sh) and
// CLOUDFLARE_TENANT_FAULT_BASE_URL (a second sandbox started with --fault-html-502 1.0).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { loadCorpus } from "./support/corpus.mjs";

const JS = fileURLToPath(new URL("..", import.meta.url));
const BASE_URL = process.env.CLOUDFLARE_TENANT_BASE_URL;
const FAULT_BASE_URL = process.env.CLOUDFLARE_TENANT_FAULT_BASE_URL;

let dir;
let mf;
/** Answers 307 to /stolen on itself; counts what reached /stolen (nothing should). */
let redirector;
const redirected = { requests: 0, stolen: 0 };
/**
 * Carries out each POST and loses its answer (an edge's 502) the first time it sees its
 * `Idempotency-Key` (none counts as one); answers a resend with a key seen before, as the API
 * replays the first answer. Keeps each request's key.
 */
let loser;
const lostKeys = [];
const ACCOUNT = "0123456789abcdef0123456789abcdef";

before(async () => {
  assert.ok(BASE_URL, "CLOUDFLARE_TENANT_BASE_URL is not set: run under scripts/with-sandbox.sh");
  assert.ok(FAULT_BASE_URL, "CLOUDFLARE_TENANT_FAULT_BASE_URL is not set");
  dir = mkdtempSync(join(tmpdir(), "cloudflare-tenant-worker-"));
  let tarball = process.env.CLOUDFLARE_TENANT_TARBALL;
  if (!tarball) {
    const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: JS, encoding: "utf8" }).trim().split("\n").pop();
    tarball = join(dir, name);
  }
  for (const file of ["test/workerd/worker.mjs", "test/workerd/wrangler.toml", "test/fixture-cases.mjs"]) {
    copyFileSync(join(JS, file), join(dir, file.split("/").pop()));
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tarball], { cwd: dir, stdio: "inherit" });
  execFileSync(join(JS, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", "out"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  redirector = createServer((req, res) => {
    if (req.url.startsWith("/stolen")) {
      redirected.stolen += 1;
      res.writeHead(200, { "content-type": "application/json" });
      return res.end('{"success":true,"errors":[],"messages":[],"result":{"id":"stolen"}}');
    }
    redirected.requests += 1;
    res.writeHead(307, { location: `/stolen${req.url}` });
    res.end();
  });
  await new Promise((resolve) => redirector.listen(0, "127.0.0.1", resolve));
  loser = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const key = req.headers["idempotency-key"] ?? null;
      lostKeys.push({ path: req.url, key });
      if (lostKeys.filter((k) => k.key === key).length === 1) {
        res.writeHead(502, { "content-type": "text/html" });
        return res.end("<html><body>502 Bad Gateway</body></html>");
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result: { id: ACCOUNT, name: "Acme", email: "svc@example.com" } }));
    });
  });
  await new Promise((resolve) => loser.listen(0, "127.0.0.1", resolve));
  const wasm = readdirSync(join(dir, "out")).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, "wrangler bundled the .wasm as a module of its own");
  mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, "out", "worker.js"),
    modulesRoot: join(dir, "out"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    bindings: {
      BASE_URL,
      FAULT_BASE_URL,
      API_TOKEN: "sandbox-token",
      PLAIN_TOKEN: "sandbox-plain-token",
      REDIRECT_URL: `http://127.0.0.1:${redirector.address().port}/client/v4`,
      LOST_URL: `http://127.0.0.1:${loser.address().port}/client/v4`,
    },
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  redirector?.close();
  loser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(path, init) {
  const response = await mf.dispatchFetch(`http://worker${path}`, init);
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

describe("workerd (Miniflare) against the sandbox", () => {
  test("onboards a customer end to end", async () => {
    const { ok, steps } = await call("/onboard");
    if (process.env.VERBOSE) console.log(JSON.stringify(steps));
    assert.equal(ok, true);
    assert.equal(steps.operations, Object.keys(loadCorpus().operations).length, "the Worker sees every operation");
    assert.ok(steps.tenant.units >= 1);
    assert.equal(steps.administrator.id, "05784afa30c1afe1440e79d9351c7430");
    assert.ok(steps.administrator.pagesRead > 1, "the Administrator role is past the first page");
    assert.equal(steps.member.status, "pending");
    assert.equal(steps.serviceUser.hasApiKey, true);
    assert.equal(steps.membership.status, "accepted");
    assert.equal(steps.membership.memberStatus, "accepted");
    const { pages, total, stop } = steps.tenantAccounts;
    assert.ok(pages.length >= 2, `several pages: ${JSON.stringify(pages)}`);
    assert.equal(total, pages[0].total_count);
    assert.deepEqual(pages.map((p) => p.page), pages.map((_, i) => i + 1));
    assert.equal(stop.anomaly, false);
  });

  test("client.onboard runs the core's onboarding flow in workerd", async () => {
    const report = await call("/onboard-flow");
    if (process.env.VERBOSE) console.log(JSON.stringify(report));
    assert.equal(report.complete, true, JSON.stringify(report));
    assert.equal(report.account.status, "created");
    assert.match(report.account.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(report.members.map((m) => m.status), ["created", "created"]);
    assert.equal(report.service_user.status, "created");
    assert.equal(report.invitation.status, "created");
    assert.equal(report.hasApiKey, true);
    assert.equal(report.membershipStatus, "accepted");
  });

  test("failures arrive as the right classes", async () => {
    const r = await call("/errors");
    assert.deepEqual(r.validation, { name: "ValidationError", isValidation: true, isBase: true, field: "account_id", kind: "invalid", operation: "accounts.get" });
    assert.equal(r.forbidden.name, "CloudflareApiError");
    assert.equal(r.forbidden.isApiError, true);
    assert.equal(r.forbidden.status, 403);
    assert.equal(r.forbidden.code, 1002);
    assert.equal(r.forbidden.operation, "accounts.create");
    assert.match(r.forbidden.rayId, /^[0-9a-f]{16}-SJC$/);
    assert.equal(r.forbidden.leaksToken, false);
    assert.equal(r.html502.name, "ResponseDecodeError");
    assert.equal(r.html502.isDecode, true);
    assert.equal(r.html502.isApiError, false);
    assert.equal(r.html502.status, 502);
    assert.match(r.html502.rayId, /-SJC$/);
    assert.match(r.html502.snippet, /<html/i);
    assert.equal(r.post502.name, "OutcomeUnknownError");
    assert.equal(r.post502.isOutcomeUnknown, true);
    assert.equal(r.post502.status, 502);
    assert.equal(r.afterwards, "admin@tenant.example");
  });

  test("a redirect is never followed: RedirectError, nothing reaches its target", async () => {
    const r = await call("/redirect");
    assert.deepEqual(r, { name: "RedirectError", isRedirect: true, isBase: true, status: 307, location: "/stolen/client/v4/users" });
    assert.deepEqual(redirected, { requests: 1, stolen: 0 });
  });

  test("a create whose answer was lost is resent with the key it first carried; another POST is not", async () => {
    const r = await call("/idempotency");
    assert.deepEqual(r.ids, [ACCOUNT, ACCOUNT, ACCOUNT]);
    assert.deepEqual(r.users, { name: "OutcomeUnknownError", isOutcomeUnknown: true, status: 502 });
    const keys = lostKeys.map((k) => k.key);
    assert.deepEqual(lostKeys.map((k) => k.path), [...Array(6).fill("/client/v4/accounts"), "/client/v4/users"]);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    assert.match(keys[0], uuid, "a key from crypto.getRandomValues");
    assert.equal(keys[1], keys[0], "the resend carries the same key");
    assert.match(keys[2], uuid);
    assert.equal(keys[3], keys[2]);
    assert.notEqual(keys[2], keys[0], "one key per create");
    assert.deepEqual(keys.slice(4), ["crm-42", "crm-42", null], "the caller's key as given; none for users.create, sent once");
  });

  test("the golden corpus gives the same requests and parses in workerd", async () => {
    const report = await call("/fixtures", { method: "POST", body: JSON.stringify(loadCorpus()) });
    assert.deepEqual(report.failed, []);
    assert.equal(report.passed, report.total);
    assert.ok(report.total > 400, `${report.total} cases`);
  });
});
