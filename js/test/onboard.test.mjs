// client.onboard (the core's onboarding flow driven over fetch) and pacing, against an injected
// fake of the API that keeps state: a new customer end to end, a POST /accounts answered 502
// that is resent with its idempotency key (and looked up by name once retries run out), the
// service user's own key used for accepting, a bad spec refused before any request; and the
// Pacer, sans-IO and in the client.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as lib from "cloudflare-tenant";

const { TenantClient, Pacer, ValidationError } = lib;

const TOKEN = "tok-SECRET-0123456789";
const BASE = "http://api.test/client/v4";
const UNIT = "f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b";
const ADMINISTRATOR = "05784afa30c1afe1440e79d9351c7430";
const hex = (n) => n.toString(16).padStart(32, "0");
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const envelope = (result, result_info) =>
  Response.json({ success: true, errors: [], messages: [], result, ...(result_info ? { result_info } : {}) });
const failure = (status, code, message) =>
  Response.json({ success: false, errors: [{ code, message }], messages: [], result: null }, { status });
const page = (items) => envelope(items, { page: 1, per_page: 50, count: items.length, total_count: items.length, total_pages: 1 });
const edge502 = () => new Response("<html><body>502 Bad Gateway</body></html>", { status: 502, headers: { "content-type": "text/html", "cf-ray": "8f0000000000abcd-SJC" } });

/**
 * A stateful fake of the Tenant API. `faults` maps "METHOD /path-pattern" to a list of faults,
 * one per matching call: "502" (done, then the edge's 502), "drop" (done, then the connection
 * breaks), "refused" (never sent), or null (no fault). `POST /accounts` honours
 * `Idempotency-Key` as the API does: a resend with a key seen before gets the first answer.
 */
function fakeApi({ faults = {} } = {}) {
  const state = { accounts: [], members: [], users: [], keys: new Map(), next: 1 };
  const calls = [];
  const id = () => hex(state.next++);
  const fetch = async (url, init = {}) => {
    const u = new URL(url);
    const path = u.pathname.replace(/^\/client\/v4/, "");
    const route = `${init.method} ${path.replace(/[0-9a-f]{32}/g, ":id")}`;
    const call = { route, method: init.method, path, query: u.searchParams, headers: { ...init.headers }, body: init.body ? JSON.parse(init.body) : null };
    calls.push(call);
    const fault = faults[route]?.shift() ?? null;
    if (fault === "refused") throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    const response = answer(call);
    if (fault === "502") return edge502();
    if (fault === "drop") throw Object.assign(new TypeError("fetch failed"), { cause: { code: "UND_ERR_SOCKET" } });
    return response;
  };

  function answer({ route, path, query, headers, body }) {
    const serviceKey = headers["x-auth-user-service-key"];
    const user = serviceKey && state.users.find((u) => u.api_key === serviceKey);
    if (!user && headers.authorization !== `Bearer ${TOKEN}`) return failure(403, 10000, "Authentication error");
    const accountId = path.split("/")[2];
    switch (route) {
      case "GET /accounts":
        return page(state.accounts.filter((a) => !query.get("name") || a.name === query.get("name")));
      case "POST /accounts": {
        const key = headers["idempotency-key"];
        if (key !== undefined && state.keys.has(key)) return envelope(state.keys.get(key));
        const account = { id: id(), name: body.name, type: body.type ?? "standard", unit: body.unit, business_name: body.business_name };
        state.accounts.push(account);
        if (key !== undefined) state.keys.set(key, account);
        return envelope(account);
      }
      case "GET /accounts/:id/roles":
        return page([
          { id: hex(0xb111), name: "Billing" },
          { id: ADMINISTRATOR, name: "Administrator" },
        ]);
      case "GET /accounts/:id/members":
        return page(state.members.filter((m) => m.account_id === accountId).map(({ id, email, status }) => ({ id, email, status })));
      case "POST /accounts/:id/members": {
        const member = { id: id(), membership: id(), account_id: accountId, email: body.email, status: "pending", roles: body.roles };
        state.members.push(member);
        return envelope({ id: member.id, email: member.email, status: member.status });
      }
      case "POST /users": {
        if (state.users.some((u) => u.email === body.email)) return failure(409, 1001, "a user with this e-mail exists");
        const created = { id: id(), email: body.email, api_key: `svc-key-${state.next}` };
        state.users.push(created);
        return envelope(created);
      }
      case "GET /memberships": {
        const mine = state.members.filter((m) => user && m.email === user.email);
        return page(mine.map((m) => ({ id: m.membership, status: m.status, account: { id: m.account_id } })));
      }
      case "PUT /memberships/:id": {
        const member = state.members.find((m) => m.membership === path.split("/")[2] && user && m.email === user.email);
        if (!member) return failure(404, 1003, "no such membership");
        member.status = body.status;
        return envelope({ id: member.membership, status: member.status, account: { id: member.account_id } });
      }
      default:
        return failure(404, 7003, `no route ${route}`);
    }
  }

  return { fetch, calls, state };
}

const SPEC = {
  name: "Acme Corp",
  unit_id: UNIT,
  business_name: "Acme Corporation",
  business_email: "it@acme.example",
  members: [{ email: "admin@acme.example", roles: ["Administrator"] }],
  service_user: { email: "svc-acme@partner.example" },
};

const client = (api, more = {}) =>
  new TenantClient({ apiToken: TOKEN, fetch: api.fetch, baseUrl: BASE, retry: { maxRetries: 3, initialBackoff: 0.001, maxBackoff: 0.01 }, ...more });

describe("client.onboard", () => {
  test("a new customer, end to end: account, roles by name, members, service user accepting", async () => {
    const api = fakeApi();
    const report = await client(api).onboard(SPEC);
    const [account] = api.state.accounts;
    const [admin, svc] = api.state.members;
    const [user] = api.state.users;
    assert.equal(report.complete, true);
    assert.deepEqual(report.account, { target: "Acme Corp", id: account.id, status: "created", error: null, reconciled: false });
    assert.deepEqual(report.members, [
      { target: "admin@acme.example", id: admin.id, status: "created", error: null, reconciled: false },
      { target: "svc-acme@partner.example", id: svc.id, status: "created", error: null, reconciled: false },
    ]);
    assert.deepEqual(report.service_user, { target: "svc-acme@partner.example", id: user.id, status: "created", error: null, reconciled: false });
    assert.equal(report.api_key.expose(), user.api_key);
    assert.equal(JSON.stringify(report.api_key), '"***"', "the report's key is masked");
    assert.deepEqual(report.invitation, { target: "svc-acme@partner.example", id: svc.membership, status: "created", error: null, reconciled: false });
    assert.deepEqual(api.calls.map((c) => c.route), [
      "GET /accounts",
      "POST /accounts",
      "GET /accounts/:id/roles",
      "POST /accounts/:id/members",
      "POST /users",
      "POST /accounts/:id/members",
      "GET /memberships",
      "PUT /memberships/:id",
    ]);
    // The account went out with its unit and KYC fields; roles were resolved by name.
    assert.deepEqual(api.calls[1].body, { name: "Acme Corp", unit: { id: UNIT }, business_name: "Acme Corporation", business_email: "it@acme.example" });
    assert.deepEqual(admin.roles, [ADMINISTRATOR]);
    assert.equal(svc.status, "accepted");
    assert.equal(api.calls[0].query.get("name"), "Acme Corp");

    // Run again: the account of that name was there before this run, so it is a conflict and
    // nothing is touched ...
    const conflict = await client(api).onboard(SPEC);
    assert.equal(conflict.account.status, "conflict");
    assert.equal(conflict.account.id, account.id);
    assert.equal(conflict.complete, false);
    assert.equal(api.state.accounts.length, 1);
    assert.equal(api.state.members.length, 2);
    // ... unless the spec adopts it: then everything is found, nothing is created twice.
    const again = await client(api).onboard({ ...SPEC, adopt: true });
    assert.equal(api.state.accounts.length, 1);
    assert.equal(api.state.members.length, 2);
    assert.equal(again.account.status, "existed");
    assert.deepEqual(again.members.map((m) => m.status), ["existed", "existed"]);
    assert.equal(again.service_user.status, "existed");
    assert.equal(again.api_key, null, "no key: this run did not create the user");
    // Its membership is accepted already: done, though this run has no key for it.
    assert.equal(again.invitation.status, "existed");
    assert.equal(again.complete, true);
    // The first run's report as a checkpoint: nothing looked up, nothing sent.
    const calls = api.calls.length;
    const resumed = await client(api).onboard({ ...SPEC, checkpoint: report });
    assert.equal(api.calls.length, calls, "no request");
    assert.equal(resumed.complete, true);
    assert.equal(resumed.account.id, account.id);
    assert.deepEqual(resumed.members.map((m) => m.status), ["existed", "existed"]);
  });

  test("a POST /accounts answered 502 is resent with its idempotency key, and answered as the first", async () => {
    const api = fakeApi({ faults: { "POST /accounts": ["502"] } });
    const report = await client(api).onboard(SPEC);
    const creates = api.calls.filter((c) => c.route === "POST /accounts");
    assert.equal(creates.length, 2, "resent once");
    const key = creates[0].headers["idempotency-key"];
    assert.match(key, UUID_V4);
    assert.equal(creates[1].headers["idempotency-key"], key, "the resend carries the same key");
    assert.equal(api.state.accounts.length, 1);
    assert.deepEqual(report.account, { target: "Acme Corp", id: api.state.accounts[0].id, status: "created", error: null, reconciled: false });
    assert.deepEqual(api.calls.slice(0, 4).map((c) => c.route), ["GET /accounts", "POST /accounts", "POST /accounts", "GET /accounts/:id/roles"]);
    assert.equal(report.complete, true);
    // Another onboarding draws another key.
    await client(api).onboard({ ...SPEC, name: "Beta Corp" });
    const next = api.calls.filter((c) => c.route === "POST /accounts")[2].headers["idempotency-key"];
    assert.match(next, UUID_V4);
    assert.notEqual(next, key);
  });

  test("a POST /accounts whose retries all meet a 502 is looked up by name, not created twice", async () => {
    const api = fakeApi({ faults: { "POST /accounts": ["502", "502", "502", "502"] } });
    const report = await client(api).onboard(SPEC);
    const creates = api.calls.filter((c) => c.route === "POST /accounts");
    assert.equal(creates.length, 4, "the first attempt and 3 retries");
    assert.equal(new Set(creates.map((c) => c.headers["idempotency-key"])).size, 1, "one key for all");
    assert.equal(api.state.accounts.length, 1);
    assert.deepEqual(report.account, { target: "Acme Corp", id: api.state.accounts[0].id, status: "created", error: null, reconciled: true });
    assert.deepEqual(api.calls[5].route, "GET /accounts", "then looked up by name");
    assert.equal(report.complete, true);
  });

  test("a POST whose answer was lost is reconciled; a request that never left is resent", async () => {
    const api = fakeApi({ faults: { "POST /accounts/:id/members": ["drop"], "POST /users": ["refused"] } });
    const report = await client(api).onboard(SPEC);
    assert.equal(report.complete, true, JSON.stringify(report));
    assert.equal(api.state.members.length, 2, "no member twice");
    assert.equal(api.state.users.length, 1);
    assert.equal(report.members[0].status, "created");
    assert.equal(report.members[0].reconciled, true);
    assert.equal(api.calls.filter((c) => c.route === "POST /users").length, 2, "refused, then sent");
    assert.equal(report.api_key.expose(), api.state.users[0].api_key);
  });

  test("the service user's own key signs the acceptance; per-call credentials stand in for the client's", async () => {
    const api = fakeApi();
    const anonymous = new TenantClient({ fetch: api.fetch, baseUrl: BASE });
    await assert.rejects(anonymous.onboard(SPEC), (e) => e instanceof ValidationError && e.field === "credentials");
    assert.equal(api.calls.length, 0);
    const report = await anonymous.onboard(SPEC, { credentials: { apiToken: TOKEN } });
    assert.equal(report.complete, true);
    const key = api.state.users[0].api_key;
    for (const call of api.calls) {
      if (call.route === "GET /memberships" || call.route === "PUT /memberships/:id") {
        assert.equal(call.headers["x-auth-user-service-key"], key, call.route);
        assert.equal(call.headers.authorization, undefined, `${call.route}: only the service user's key`);
      } else {
        assert.equal(call.headers.authorization, `Bearer ${TOKEN}`, call.route);
        assert.equal(call.headers["x-auth-user-service-key"], undefined, call.route);
      }
    }
    assert.deepEqual(api.calls.at(-1).body, { status: "accepted" });
  });

  test("a bad spec is a ValidationError naming the field, before any request", async () => {
    const api = fakeApi();
    const c = client(api);
    const cases = [
      [{}, "name"],
      [{ name: "" }, "name"],
      [{ name: "A", nmae: "typo" }, "nmae"],
      [{ name: "A", type: "premium" }, "type"],
      [{ name: "A", business_name: "x".repeat(121) }, "business_name"],
      [{ name: "A", members: [{ roles: ["Administrator"] }] }, "members[0].email"],
      [{ name: "A", members: [{ email: "a@b.example", roles: ["Administrator"], policies: [] }] }, "members[0].roles"],
      [{ name: "A", members: [{ email: "a@b.example" }] }, "members[0].roles"],
      [{ name: "A", members: [{ email: 5, roles: [] }] }, "members[0].email"],
      [{ name: "A", service_user: { email: "s@b.example", role: ["x"] } }, "service_user.role"],
    ];
    for (const [spec, field] of cases) {
      await assert.rejects(c.onboard(spec), (e) => {
        assert.ok(e instanceof ValidationError, `${JSON.stringify(spec)}: ${e}`);
        assert.equal(e.field, field, JSON.stringify(spec));
        assert.equal(e.operation, "onboarding");
        return true;
      });
    }
    for (const spec of [null, "Acme", []]) {
      await assert.rejects(c.onboard(spec), (e) => e instanceof ValidationError && e.field === "spec");
    }
    await assert.rejects(c.onboard(SPEC, { retries: 3 }), (e) => e instanceof ValidationError && e.field === "options");
    assert.equal(api.calls.length, 0);
  });

  test("an AbortSignal stops the flow, waits included", async () => {
    const api = fakeApi({ faults: { "GET /accounts": ["refused", "refused", "refused"] } });
    const slow = client(api, { retry: { maxRetries: 3, initialBackoff: 30 } });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await assert.rejects(slow.onboard(SPEC, { signal: controller.signal }), /stop/);
    assert.ok(Date.now() - started < 5000);
    assert.equal(api.calls.length, 1);
  });

  test("a step that fails is in the report, not thrown", async () => {
    const api = fakeApi();
    const report = await client(api).onboard({ name: "Acme Corp", members: [{ email: "a@acme.example", roles: ["No Such Role"] }] });
    assert.equal(report.account.status, "created");
    assert.equal(report.members[0].status, "failed");
    assert.equal(report.members[0].error.kind, "invalid");
    assert.match(report.members[0].error.message, /No Such Role/);
    assert.equal(report.service_user, null);
    assert.equal(report.complete, false);
  });
});

describe("Pacer", () => {
  test("sans-IO: at most `limit` sends per window, counted from hand-off to a window after the answer", () => {
    const pacer = new Pacer({ limit: 2, window: 1 });
    const first = pacer.acquire(10);
    const second = pacer.acquire(10.1);
    assert.equal(typeof first.ticket, "number");
    assert.equal(typeof second.ticket, "number");
    assert.notEqual(first.ticket, second.ticket);
    // Both in flight: the third asks again soon, however long ago they left.
    assert.ok(pacer.acquire(12).wait > 0);
    pacer.settle(first.ticket, 12);
    pacer.settle(second.ticket, 12.5);
    assert.ok(Math.abs(pacer.acquire(12.2).wait - 0.8) < 1e-9, "the third waits a window after the first answer");
    assert.equal(typeof pacer.acquire(13).ticket, "number");
    assert.ok(Math.abs(pacer.acquire(13).wait - 0.5) < 1e-9);
    pacer.settle(first.ticket, 20); // settled already: ignored
    pacer.free();
    assert.equal(typeof new Pacer().acquire(0).ticket, "number");
    assert.equal(typeof Pacer.cloudflare().acquire().ticket, "number");
  });

  test("sans-IO: bad budgets and clocks are refused", () => {
    for (const [options, field] of [[{ limit: 0, window: 1 }, "limit"], [{ limit: 1.5, window: 1 }, "limit"], [{ limit: 2, window: 0 }, "window"], [{ limit: 2, window: -1 }, "window"], [{ limit: 2 }, "window"], [{ limit: "2", window: 1 }, "limit"], [{ limit: 2, window: 1, burst: 3 }, "options"]]) {
      assert.throws(() => new Pacer(options), (e) => e instanceof ValidationError && e.field === field, JSON.stringify(options));
    }
    assert.throws(() => new Pacer({ limit: 1, window: 1 }).acquire(-1), (e) => e instanceof ValidationError && e.field === "now");
    assert.throws(() => new Pacer({ limit: 1, window: 1 }).settle(-1), (e) => e instanceof ValidationError && e.field === "ticket");
    assert.throws(() => new TenantClient({ apiToken: TOKEN, pace: { limit: 0, window: 1 } }), (e) => e instanceof ValidationError && e.field === "limit");
    assert.throws(() => new TenantClient({ apiToken: TOKEN, pace: "yes" }), (e) => e instanceof ValidationError && e.field === "pace");
    new TenantClient({ apiToken: TOKEN, pace: true });
    new TenantClient({ apiToken: TOKEN, pace: false });
  });

  test("the client waits for each identity's budget: 2 per second, the third call waits ~1 s", async () => {
    const api = fakeApi();
    const c = client(api, { pace: { limit: 2, window: 1 } });
    const timed = async (fn) => {
      const started = performance.now();
      await fn();
      return (performance.now() - started) / 1000;
    };
    assert.ok((await timed(() => c.accounts.list().all())) < 0.5);
    assert.ok((await timed(() => c.accounts.list().all())) < 0.5);
    // Another identity has a budget of its own; a new object with the same key is the same one.
    api.state.users.push({ id: hex(99), email: "svc@partner.example", api_key: "svc-key" });
    const asUser = () => ({ credentials: { userServiceKey: "svc-key" } });
    assert.ok((await timed(() => c.memberships.list({}, asUser()).all())) < 0.5);
    assert.ok((await timed(() => c.memberships.list({}, asUser()).all())) < 0.5);
    // A wait for the budget is abortable.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("no more waiting")), 50);
    const aborted = await timed(() => assert.rejects(c.memberships.list({}, { ...asUser(), signal: controller.signal }).all(), /no more waiting/));
    assert.ok(aborted < 0.5, `aborted after ${aborted} s`);
    const third = await timed(() => c.accounts.list().all());
    assert.ok(third > 0.8 && third < 2.5, `the third call waited ${third} s`);
    assert.equal(api.calls.length, 5, "the aborted call never went out");
  });

  test("a send aborted in flight gives its place back, a window after the abort", async () => {
    let hang = true;
    const fetch = (url, init) =>
      hang
        ? new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)))
        : Promise.resolve(envelope({ id: hex(1) }));
    const c = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, pace: { limit: 1, window: 0.3 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("gave up")), 50);
    await assert.rejects(c.user.get({}, { signal: controller.signal }), /gave up/);
    hang = false;
    const started = performance.now();
    assert.deepEqual(await c.user.get(), { id: hex(1) });
    const waited = (performance.now() - started) / 1000;
    assert.ok(waited > 0.2 && waited < 1.5, `waited ${waited} s`);
  });

  test("onboard is paced too", async () => {
    const api = fakeApi();
    const c = client(api, { pace: { limit: 4, window: 0.5 } });
    const started = performance.now();
    const report = await c.onboard(SPEC);
    const elapsed = (performance.now() - started) / 1000;
    assert.equal(report.complete, true);
    // 7 requests as the partner (4, then 3 after the window), 2 as the service user.
    assert.ok(elapsed > 0.4 && elapsed < 2, `took ${elapsed} s`);
  });
});
