// client.onboardMany (the core's bulk flow driven over fetch, several requests in flight): against
// an injected fake of the API that answers after a delay and counts what is in flight
// (concurrency respected, reports in order, progress, secrets masked, bad specs, abort), then
// against the sandbox at a scaled-down rate limit: 30 customers, each with an admin and an
// account-owned token, no 429, no account twice. Runs on its own (`node --test
// js/test/bulk.test.mjs`: builds the sandbox first) or through onboard.test.mjs, which imports it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import * as lib from "cloudflare-tenant";

const { TenantClient, Secret, ValidationError } = lib;

const TOKEN = "tok-SECRET-0123456789";
const BASE = "http://api.test/client/v4";
const ADMINISTRATOR = "05784afa30c1afe1440e79d9351c7430";
const SETTINGS_READ = "f78cca9cbe2786b39f52628f5cdfdf15";
const hex = (n) => n.toString(16).padStart(32, "0");

const envelope = (result) => Response.json({ success: true, errors: [], messages: [], result });
const page = (items) =>
  Response.json({ success: true, errors: [], messages: [], result: items, result_info: { page: 1, per_page: 50, count: items.length, total_count: items.length, total_pages: 1 } });
const failure = (status, code, message) => Response.json({ success: false, errors: [{ code, message }], messages: [], result: null }, { status });

/**
 * A fake of the API answering after `delayMs` (a function of the call's number), counting the
 * requests in flight. `faults` maps a route to faults, one per matching call: "refused" (never
 * sent) or null. Honours `Idempotency-Key` on POST /accounts.
 */
function fakeApi({ delayMs = () => 2, faults = {} } = {}) {
  const state = { accounts: [], members: [], tokens: [], keys: new Map(), next: 1 };
  const calls = [];
  const stats = { inFlight: 0, most: 0, aborted: 0 };
  const fetch = (url, init = {}) => {
    const u = new URL(url);
    const path = u.pathname.replace(/^\/client\/v4/, "");
    const route = `${init.method} ${path.replace(/[0-9a-f]{32}/g, ":id")}`;
    const call = { route, path, query: u.searchParams, headers: { ...init.headers }, body: init.body ? JSON.parse(init.body) : null };
    calls.push(call);
    stats.inFlight += 1;
    stats.most = Math.max(stats.most, stats.inFlight);
    const fault = faults[route]?.shift() ?? null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        init.signal?.removeEventListener("abort", abort);
        stats.inFlight -= 1;
        if (fault === "refused") return reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }));
        resolve(answer(call));
      }, delayMs(calls.length));
      function abort() {
        clearTimeout(timer);
        stats.inFlight -= 1;
        stats.aborted += 1;
        reject(init.signal.reason);
      }
      init.signal?.addEventListener("abort", abort, { once: true });
    });
  };

  function answer({ route, path, query, headers, body }) {
    if (headers.authorization !== `Bearer ${TOKEN}`) return failure(403, 10000, "Authentication error");
    const accountId = path.split("/")[2];
    switch (route) {
      case "GET /accounts":
        return page(state.accounts.filter((a) => a.name === query.get("name")));
      case "POST /accounts": {
        const key = headers["idempotency-key"];
        if (key !== undefined && state.keys.has(key)) return envelope(state.keys.get(key));
        const account = { id: hex(state.next++), name: body.name };
        state.accounts.push(account);
        if (key !== undefined) state.keys.set(key, account);
        return envelope(account);
      }
      case "GET /accounts/:id/roles":
        return page([{ id: ADMINISTRATOR, name: "Administrator" }]);
      case "GET /accounts/:id/members":
        return page(state.members.filter((m) => m.account_id === accountId));
      case "POST /accounts/:id/members": {
        const member = { id: hex(state.next++), account_id: accountId, email: body.email, status: "pending" };
        state.members.push(member);
        return envelope({ id: member.id, email: member.email, status: member.status });
      }
      case "GET /accounts/:id/tokens/permission_groups":
        return page([{ id: SETTINGS_READ, name: "Account Settings Read", scopes: ["com.cloudflare.api.account"] }]);
      case "GET /accounts/:id/tokens":
        return page(state.tokens.filter((t) => t.account_id === accountId).map(({ id, name }) => ({ id, name })));
      case "POST /accounts/:id/tokens": {
        const token = { id: hex(state.next++), account_id: accountId, name: body.name, value: `token-value-${state.next}` };
        state.tokens.push(token);
        return envelope({ id: token.id, name: token.name, value: token.value });
      }
      default:
        return failure(404, 7003, `no route ${route}`);
    }
  }

  return { fetch, calls, state, stats };
}

const spec = (i) => ({
  name: `Customer ${String(i).padStart(3, "0")}`,
  members: [{ email: `admin@c${i}.example`, roles: ["Administrator"] }],
  token: { name: "customer-api", permission_groups: ["Account Settings Read"] },
});
const specs = (n) => Array.from({ length: n }, (_, i) => spec(i));

const client = (api, more = {}) =>
  new TenantClient({ apiToken: TOKEN, fetch: api.fetch, baseUrl: BASE, retry: { maxRetries: 3, initialBackoff: 0.001, maxBackoff: 0.01 }, ...more });

/** Progress events only ever move forward. */
function assertMonotone(events) {
  for (const [a, b] of events.slice(1).map((e, i) => [events[i], e])) {
    assert.ok(b.done >= a.done && b.failed >= a.failed && b.remaining <= a.remaining && b.requests >= a.requests, `${JSON.stringify(a)} then ${JSON.stringify(b)}`);
  }
}

describe("client.onboardMany", () => {
  test("never more than `concurrency` requests in flight, and that many at once", async () => {
    for (const concurrency of [1, 3, 8]) {
      const api = fakeApi({ delayMs: (n) => 1 + (n % 4) });
      const reports = await client(api).onboardMany(specs(20), { concurrency });
      assert.equal(api.stats.most, concurrency, `concurrency ${concurrency}`);
      assert.equal(api.stats.inFlight, 0);
      assert.equal(reports.length, 20);
      assert.ok(reports.every((r) => r.complete), `concurrency ${concurrency}`);
    }
    // The default is 8.
    const api = fakeApi({ delayMs: () => 3 });
    await client(api).onboardMany(specs(20));
    assert.equal(api.stats.most, 8);
  });

  test("one report per spec, in order, secrets masked; names looked up only by the first onboardings; progress after each answer", async () => {
    // Answers come back out of order: later calls are answered sooner.
    const api = fakeApi({ delayMs: (n) => 1 + ((7 * n) % 9) });
    const events = [];
    const reports = await client(api).onboardMany(specs(25), { concurrency: 4, onProgress: (p) => events.push(p) });
    assert.equal(reports.length, 25);
    reports.forEach((report, i) => {
      assert.equal(report.complete, true, JSON.stringify(report));
      assert.equal(report.account.target, spec(i).name, "in the specs' order");
      const account = api.state.accounts.find((a) => a.name === spec(i).name);
      assert.equal(report.account.id, account.id);
      assert.equal(report.members[0].status, "created");
      assert.equal(report.token.status, "created");
      assert.ok(report.token_value instanceof Secret);
      assert.equal(report.token_value.expose(), api.state.tokens.find((t) => t.account_id === account.id).value);
    });
    const json = JSON.stringify(reports);
    const shown = inspect(reports, { depth: Infinity });
    for (const token of api.state.tokens) {
      assert.ok(!json.includes(token.value) && !shown.includes(token.value), "the token values never show");
    }
    assert.match(json, /"token_value":"\*\*\*"/);
    assert.equal(api.state.accounts.length, 25, "no account twice");
    // Only the onboardings started before the first lookup ended look names up.
    const lookups = api.calls.filter((c) => c.route.endsWith("/roles") || c.route.endsWith("/permission_groups")).length;
    assert.ok(lookups <= 2 * 4, `${lookups} lookups`);
    // One event per answer, each after its consequences, the last at the end of the run.
    assert.equal(events.length, api.calls.length);
    assertMonotone(events);
    assert.deepEqual(events.at(-1), { done: 25, failed: 0, remaining: 0, requests: api.calls.length, current_wait: 0 });
    assert.equal(new Set(api.calls.filter((c) => c.route === "POST /accounts").map((c) => c.headers["idempotency-key"])).size, 25, "a key per account");
  });

  test("a request that never left is resent for its own onboarding; a failed step is in its report", async () => {
    const api = fakeApi({ faults: { "POST /accounts": [null, "refused", null] } });
    const mixed = specs(4);
    mixed[2] = { ...spec(2), members: [{ email: "x@c2.example", roles: ["No Such Role"] }] };
    const events = [];
    const reports = await client(api).onboardMany(mixed, { concurrency: 2, onProgress: (p) => events.push(p) });
    assert.equal(api.calls.filter((c) => c.route === "POST /accounts").length, 5, "one create resent");
    assert.equal(api.state.accounts.length, 4);
    assert.deepEqual(reports.map((r) => r.complete), [true, true, false, true]);
    assert.equal(reports[2].members[0].status, "failed");
    assert.match(reports[2].members[0].error.message, /No Such Role/);
    assert.deepEqual(events.at(-1), { done: 3, failed: 1, remaining: 0, requests: api.calls.length, current_wait: 0 });
  });

  test("bad input is a ValidationError naming the field, before any request", async () => {
    const api = fakeApi();
    const c = client(api);
    const cases = [
      [[spec(0), {}], {}, "specs[1].name"],
      [[spec(0), spec(1), { ...spec(2), nmae: "typo" }], {}, "specs[2].nmae"],
      [[{ ...spec(0), members: [{ email: "a@b.example" }] }], {}, "specs[0].members[0].roles"],
      [[spec(0), null], {}, "specs[1]"],
      [[spec(0), [spec(1)]], {}, "specs[1]"],
      [spec(0), {}, "specs"],
      ["Acme", {}, "specs"],
      [[spec(0)], { concurrency: 0 }, "concurrency"],
      [[spec(0)], { concurrency: 1.5 }, "concurrency"],
      [[spec(0)], { concurrency: "8" }, "concurrency"],
      [[spec(0)], { onProgress: "log" }, "onProgress"],
      [[spec(0)], { timeout: -1 }, "timeout"],
      [[spec(0)], { retries: 3 }, "options"],
      [[spec(0)], { credentials: { apiToken: "a\nb" } }, "api_token"],
    ];
    for (const [input, options, field] of cases) {
      await assert.rejects(c.onboardMany(input, options), (e) => {
        assert.ok(e instanceof ValidationError, `${field}: ${e}`);
        assert.equal(e.field, field, `${JSON.stringify(input)} ${JSON.stringify(options)}: ${e.message}`);
        assert.equal(e.operation, "onboarding");
        return true;
      });
    }
    const anonymous = new TenantClient({ fetch: api.fetch, baseUrl: BASE });
    await assert.rejects(anonymous.onboardMany([spec(0)]), (e) => e instanceof ValidationError && e.field === "credentials");
    assert.equal(api.calls.length, 0);
    assert.deepEqual(await c.onboardMany([]), []);
    // Per-call credentials stand in for the client's.
    const reports = await anonymous.onboardMany([spec(0)], { credentials: { apiToken: TOKEN } });
    assert.equal(reports[0].complete, true);
  });

  test("an abort rejects with the signal's reason, aborts the requests in flight and frees their places", async () => {
    const api = fakeApi({ delayMs: () => 60_000 });
    const c = client(api, { pace: { limit: 3, window: 0.4 } });
    const controller = new AbortController();
    const events = [];
    const started = performance.now();
    setTimeout(() => controller.abort(new Error("stop the run")), 50);
    await assert.rejects(c.onboardMany(specs(10), { concurrency: 3, signal: controller.signal, onProgress: (p) => events.push(p) }), /stop the run/);
    assert.ok(performance.now() - started < 2000);
    // The first onboarding runs alone until it is over: one send out, hanging.
    assert.equal(api.calls.length, 1, "one send, in flight");
    assert.equal(api.stats.aborted, 1, "aborted");
    assert.equal(api.stats.inFlight, 0);
    assert.deepEqual(events, []);
    // The places free a window after the abort: another call waits for them, no longer.
    const quick = fakeApi();
    const paced = client(quick, { pace: { limit: 1, window: 0.3 } });
    const early = new AbortController();
    early.abort(new Error("before anything"));
    await assert.rejects(paced.onboardMany(specs(2), { signal: early.signal }), /before anything/);
    assert.equal(quick.calls.length, 0);
    const abortedLater = new AbortController();
    const hanging = fakeApi({ delayMs: () => 60_000 });
    const shared = new TenantClient({ apiToken: TOKEN, fetch: (...args) => (hanging.calls.length === 0 ? hanging.fetch(...args) : quick.fetch(...args)), baseUrl: BASE, pace: { limit: 1, window: 0.3 } });
    setTimeout(() => abortedLater.abort(new Error("gave up")), 30);
    await assert.rejects(shared.onboardMany(specs(1), { signal: abortedLater.signal }), /gave up/);
    const t0 = performance.now();
    await shared.user.get().catch(() => {});
    const waited = (performance.now() - t0) / 1000;
    assert.ok(waited > 0.15 && waited < 1.5, `waited ${waited} s for the abandoned place`);
  });

  test("an error thrown by onProgress stops the run", async () => {
    const api = fakeApi({ delayMs: () => 5 });
    const boom = new Error("progress bar broke");
    await assert.rejects(
      client(api).onboardMany(specs(6), {
        concurrency: 3,
        onProgress: (p) => {
          if (p.requests >= 4) throw boom;
        },
      }),
      (e) => e === boom,
    );
    const count = api.calls.length;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(api.calls.length, count, "nothing sent after it");
    assert.equal(api.stats.inFlight, 0, "what was in flight was aborted");
  });
});

// ---- against the sandbox ------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CUSTOMERS = 30;
const LIMIT = 60;
const WINDOW = 2;

/** The sandbox binary: CLOUDFLARE_TENANT_SANDBOX_BIN, or the workspace's, built first. */
function sandboxBinary() {
  if (process.env.CLOUDFLARE_TENANT_SANDBOX_BIN) return process.env.CLOUDFLARE_TENANT_SANDBOX_BIN;
  execFileSync("cargo", ["build", "--quiet", "-p", "cloudflare-tenant-sandbox", "--bin", "cloudflare-tenant-sandbox"], { cwd: ROOT, stdio: "inherit" });
  const metadata = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: ROOT, encoding: "utf8" }));
  return `${metadata.target_directory}/debug/cloudflare-tenant-sandbox`;
}

describe(`client.onboardMany against the sandbox (--rate-limit ${LIMIT} --rate-window ${WINDOW})`, () => {
  let sandbox;
  let url;

  before(async () => {
    sandbox = spawn(sandboxBinary(), ["--port", "0", "--seed", "1", "--rate-limit", String(LIMIT), "--rate-window", String(WINDOW)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    for await (const line of createInterface({ input: sandbox.stdout })) {
      const match = /^listening on (http\S+)/.exec(line);
      if (match) {
        url = match[1];
        break;
      }
    }
    assert.ok(url, "the sandbox started");
    // Keep reading its output, so that it never blocks on a full pipe.
    sandbox.stdout.resume();
  });

  after(() => sandbox?.kill());

  const inspectSandbox = async (path) => (await fetch(`${url}${path}`)).json();

  test(`${CUSTOMERS} customers with a token and an admin each: all complete, none twice, no 429`, { timeout: 120_000 }, async () => {
    const unit = (await inspectSandbox("/__sandbox/state")).tenants[0].units[0].unit_tag;
    /** Requests by route, and the pages of each list route asked for. */
    const routes = new Map();
    const pages = new Map();
    const countingFetch = (input, init) => {
      const u = new URL(input);
      const route = `${init.method} ${u.pathname.replace(/^\/client\/v4/, "").replace(/[0-9a-f]{32}/g, ":id")}`;
      routes.set(route, (routes.get(route) ?? 0) + 1);
      pages.set(route, Math.max(pages.get(route) ?? 1, Number(u.searchParams.get("page") ?? 1)));
      return fetch(input, init);
    };
    const client = new TenantClient(
      { apiEmail: "admin@tenant.example", apiKey: "sandbox-global-key" },
      { baseUrl: `${url}/client/v4`, fetch: countingFetch, pace: { limit: LIMIT, window: WINDOW } },
    );
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({
      name: `JS Bulk Customer ${String(i).padStart(3, "0")}`,
      unit_id: unit,
      members: [{ email: `admin@jsbulk${i}.example`, roles: ["Administrator"] }],
      token: { name: "customer-api", permission_groups: ["Account Settings Read"] },
    }));
    const concurrency = 8;
    const events = [];
    const started = performance.now();
    const reports = await client.onboardMany(customers, { concurrency, onProgress: (p) => events.push(p) });
    const seconds = (performance.now() - started) / 1000;

    const state = await inspectSandbox("/__sandbox/state");
    const names = new Map();
    for (const account of state.accounts) names.set(account.name, (names.get(account.name) ?? 0) + 1);
    const duplicates = customers.reduce((sum, c) => sum + Math.max(0, (names.get(c.name) ?? 0) - 1), 0);
    const last = events.at(-1);
    const perCustomer = last.requests / CUSTOMERS;
    const http429 = state.counters.http_429;
    const sent = [...routes.values()].reduce((a, b) => a + b, 0);
    // The name lookups: every page of the roles, then of the token permission groups.
    const lookupRoutes = ["GET /accounts/:id/roles", "GET /accounts/:id/tokens/permission_groups"];
    const lookups = lookupRoutes.map((route) => routes.get(route) ?? 0);
    const lookingUp = lookupRoutes.map((route, i) => lookups[i] / (pages.get(route) ?? 1));
    console.log(
      `# js bulk run: customers ${CUSTOMERS}, concurrency ${concurrency}, requests ${last.requests}, requests_per_customer ${perCustomer.toFixed(2)}, ` +
        `name lookups ${lookups[0] + lookups[1]} (roles by ${lookingUp[0]} onboardings, token groups by ${lookingUp[1]}), ` +
        `http_429 ${http429}, duplicate_accounts ${duplicates}, incomplete ${reports.filter((r) => !r.complete).length} (${seconds.toFixed(1)} s)`,
    );

    assert.equal(reports.length, CUSTOMERS);
    reports.forEach((report, i) => {
      assert.equal(report.complete, true, JSON.stringify(report));
      assert.equal(report.account.target, customers[i].name);
      assert.equal(names.get(customers[i].name), 1, `${customers[i].name} once`);
      assert.ok(report.token_value instanceof Secret, "the token's value is a Secret");
    });
    assert.equal(duplicates, 0);
    assert.equal(http429, 0, "no 429");
    assertMonotone(events);
    assert.equal(last.done, CUSTOMERS);
    assert.equal(last.remaining, 0);
    assert.equal(last.requests, sent, "progress counts every request sent");
    // Four requests per customer (look the account up, create it, invite, create the token),
    // and names looked up by one onboarding only: the first runs alone, the others reuse its ids.
    for (const route of ["GET /accounts", "POST /accounts", "POST /accounts/:id/members", "POST /accounts/:id/tokens"]) {
      assert.equal(routes.get(route), CUSTOMERS, route);
    }
    assert.ok(lookingUp.every((n) => n === 1), `lookups by ${lookingUp} onboardings`);
    assert.ok(perCustomer <= 4 + (pages.get(lookupRoutes[0]) + pages.get(lookupRoutes[1])) / CUSTOMERS, `${perCustomer}`);
    const json = JSON.stringify(reports);
    const shown = inspect(reports, { depth: Infinity });
    for (const report of reports) {
      const value = report.token_value.expose();
      assert.ok(value.length > 0 && !json.includes(value) && !shown.includes(value), "secrets masked in JSON and inspect");
    }
  });
});
