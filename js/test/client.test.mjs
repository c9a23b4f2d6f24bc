// TenantClient over an injected fake fetch: method tree, pagination, per-call credentials,
// error classes, secrets kept out of errors, and the module working on after errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as lib from "cloudflare-tenant";
import { callCore } from "../dist/api.js";

const {
  TenantClient,
  CloudflareError,
  CloudflareApiError,
  ResponseDecodeError,
  TransportError,
  ValidationError,
  UnknownOperationError,
  OutcomeUnknownError,
  RedirectError,
  Secret,
} = lib;

const ACCOUNT = "2bab6ace8c72ed3f09b9eca6db1396bb";
const TOKEN = "tok-SECRET-0123456789";
const BASE = "http://api.test/client/v4";

const ok = (result, result_info) =>
  Response.json({ success: true, errors: [], messages: [], result, ...(result_info ? { result_info } : {}) });
const fail = (status, errors, headers = {}) =>
  new Response(JSON.stringify({ success: false, errors, messages: [], result: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A fake fetch: `route(url, init)` returns a Response; every call is recorded. */
function fakeFetch(route) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    calls.push({ url: new URL(url), method: init.method, headers: { ...init.headers }, body: init.body, redirect: init.redirect, signal: init.signal });
    return route(new URL(url), init);
  };
  fetch.calls = calls;
  return fetch;
}

const hex = (n) => n.toString(16).padStart(32, "0");
const member = (i) => ({ id: hex(i), email: `m${i}@example.com`, status: "accepted" });

describe("TenantClient: methods", () => {
  test("one method per operation, at its dotted name", () => {
    const client = new TenantClient({ apiToken: TOKEN, fetch: fakeFetch(() => ok(null)) });
    for (const { name } of lib.operations()) {
      const method = name.split(".").reduce((node, part) => node?.[part], client);
      assert.equal(typeof method, "function", name);
    }
    assert.equal(typeof client.accounts.members.list, "function");
    assert.equal(typeof client.user.tenants.list, "function");
    assert.equal(typeof client.tenants.accounts.list, "function");
    assert.equal(typeof client.accounts.permission_groups.get, "function");
  });

  test("a call sends what buildRequest builds and resolves to the result", async () => {
    const fetch = fakeFetch(() => ok({ id: ACCOUNT, name: "Acme", type: "standard", brand_new: 1 }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const account = await client.accounts.create({ name: "Acme", unit_id: "f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b", business_name: "Acme Corp" });
    assert.deepEqual(account, { id: ACCOUNT, name: "Acme", type: "standard", brand_new: 1 });
    const [call] = fetch.calls;
    const expected = lib.buildRequest("accounts.create", { name: "Acme", unit_id: "f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b", business_name: "Acme Corp" }, { apiToken: TOKEN }, { baseUrl: BASE });
    assert.equal(call.url.href, expected.url);
    assert.equal(call.method, "POST");
    // The client draws a key per create; buildRequest, pure, sends only a key it is given.
    const { "idempotency-key": key, ...headers } = call.headers;
    assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(headers, expected.headers);
    const keyed = lib.buildRequest("accounts.create", { name: "Acme", idempotency_key: key }, { apiToken: TOKEN });
    assert.equal(keyed.headers["idempotency-key"], key);
    // What a log must mask: the credential headers, named by the core.
    assert.deepEqual(expected.sensitive_headers, ["authorization"]);
    const global = lib.buildRequest("user.get", {}, { apiEmail: "a@b.example", apiKey: "k" });
    assert.deepEqual(global.sensitive_headers, ["x-auth-email", "x-auth-key"]);
    assert.deepEqual(JSON.parse(call.body), { name: "Acme", unit: { id: "f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b" }, business_name: "Acme Corp" });
  });

  test("GET sends no body; call() gives the whole response", async () => {
    const fetch = fakeFetch(() => ok([{ id: "t1", name: "Partner" }], { page: 1, per_page: 20, count: 1, total_count: 1 }));
    const client = new TenantClient({ apiEmail: "admin@tenant.example", apiKey: "global-key", fetch, baseUrl: BASE });
    const tenants = await client.user.tenants.list();
    assert.deepEqual(tenants, [{ id: "t1", name: "Partner" }]);
    assert.equal(fetch.calls[0].body, undefined);
    assert.equal(fetch.calls[0].headers["x-auth-email"], "admin@tenant.example");
    assert.equal(fetch.calls[0].headers["x-auth-key"], "global-key");
    const whole = await client.call("user.tenants.list");
    assert.deepEqual(whole.result_info, { page: 1, per_page: 20, count: 1, total_count: 1 });
    assert.deepEqual(whole.messages, []);
  });

  test("users.create hands back the api_key as a Secret, usable as userServiceKey per call", async () => {
    const fetch = fakeFetch((url, init) => {
      if (url.pathname.endsWith("/users")) return ok({ id: hex(7), email: "c1@partner.example", api_key: "svc-KEY-42" });
      return ok([{ id: hex(9), status: "pending" }], { page: 1, per_page: 20, count: 1, total_count: 1 });
    });
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const user = await client.users.create({ email: "c1@partner.example" });
    assert.ok(user.api_key instanceof Secret);
    assert.equal(user.api_key.expose(), "svc-KEY-42");
    assert.equal(JSON.stringify(user.api_key), '"***"');
    assert.ok(!inspect(user).includes("svc-KEY-42"));
    const memberships = await client.memberships.list({ status: "pending" }, { credentials: { userServiceKey: user.api_key } }).all();
    assert.equal(memberships.length, 1);
    const headers = fetch.calls[1].headers;
    assert.equal(headers["x-auth-user-service-key"], "svc-KEY-42");
    assert.equal(headers.authorization, undefined, "the client's token is not sent as well");
    // The client's own credentials again on the next call.
    await client.users.create({ email: "c2@partner.example" });
    assert.equal(fetch.calls[2].headers.authorization, `Bearer ${TOKEN}`);
  });

  test("the default transport is globalThis.fetch, looked up at call time", async () => {
    const saved = globalThis.fetch;
    const fetch = fakeFetch(() => ok({ id: "u1" }));
    try {
      const client = new TenantClient({ apiToken: TOKEN });
      globalThis.fetch = fetch;
      assert.deepEqual(await client.user.get(), { id: "u1" });
      assert.equal(fetch.calls[0].url.href, "https://api.cloudflare.com/client/v4/user");
      assert.match(fetch.calls[0].headers["user-agent"], /^cloudflare-tenant\//);
    } finally {
      globalThis.fetch = saved;
    }
  });

  test("options: baseUrl, userAgent, signal; redirects not followed; unknown keys refused", async () => {
    const fetch = fakeFetch(() => ok({ id: "u1" }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: "http://127.0.0.1:9/client/v4/", userAgent: "my-platform/2" });
    assert.equal(client.baseUrl, "http://127.0.0.1:9/client/v4");
    const controller = new AbortController();
    await client.user.get({}, { signal: controller.signal });
    assert.equal(fetch.calls[0].url.href, "http://127.0.0.1:9/client/v4/user");
    assert.equal(fetch.calls[0].headers["user-agent"], "my-platform/2");
    // The call's signal, combined with the attempt's deadline.
    assert.ok(fetch.calls[0].signal instanceof AbortSignal);
    assert.equal(fetch.calls[0].signal.aborted, false);
    assert.equal(fetch.calls[0].redirect, "manual");
    assert.throws(() => new TenantClient({ apiToken: TOKEN, apitoken: "x" }), (e) => e instanceof ValidationError && e.field === "options");
    assert.throws(() => new TenantClient({ apiToken: TOKEN, baseUrl: "ftp://x" }), (e) => e instanceof ValidationError && e.field === "base_url");
    assert.throws(() => new TenantClient({ apiToken: TOKEN, apiKey: "k" }), (e) => e instanceof ValidationError && e.field === "credentials");
    await assert.rejects(client.user.get({}, { credential: {} }), (e) => e instanceof ValidationError && e.field === "options");
  });

  test("credentials and options may come as two arguments", async () => {
    const fetch = fakeFetch(() => ok({ id: "u1" }));
    const client = new TenantClient({ apiToken: TOKEN }, { fetch, baseUrl: "http://127.0.0.1:9/client/v4" });
    await client.user.get();
    assert.equal(fetch.calls[0].url.href, "http://127.0.0.1:9/client/v4/user");
    assert.equal(fetch.calls[0].headers.authorization, `Bearer ${TOKEN}`);
    assert.throws(() => new TenantClient({ apiToken: TOKEN, fetch }, { fetch }), (e) => e instanceof ValidationError && e.field === "fetch");
    assert.throws(() => new TenantClient({ apiToken: TOKEN }, "http://x"), (e) => e instanceof ValidationError && e.field === "options");
  });

  test("without credentials the client reads the conventional environment variables; given ones win", async () => {
    const names = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    const fetch = fakeFetch(() => ok({ id: "u1" }));
    try {
      for (const n of names) delete process.env[n];
      const error = await new TenantClient({ fetch }).user.get().catch((e) => e);
      assert.ok(error instanceof ValidationError && error.field === "credentials", String(error));
      assert.match(error.message, /CLOUDFLARE_API_TOKEN/, "the error says where it looked");
      process.env.CLOUDFLARE_EMAIL = "env@partner.example";
      process.env.CLOUDFLARE_API_KEY = "env-global-key";
      await new TenantClient({ fetch }).user.get();
      process.env.CLOUDFLARE_API_TOKEN = "env-token";
      await new TenantClient({ fetch }).user.get();
      await new TenantClient({ apiToken: TOKEN, fetch }).user.get();
      const seen = fetch.calls.map((c) => c.headers.authorization ?? c.headers["x-auth-email"]);
      assert.deepEqual(seen, ["env@partner.example", "Bearer env-token", `Bearer ${TOKEN}`]);
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  });

  test("the environment's edge cases are the core's: pairs only together, empty is unset, bad values name the variable", async () => {
    const names = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    const withEnv = (vars) => {
      for (const n of names) delete process.env[n];
      Object.assign(process.env, vars);
    };
    const fetch = fakeFetch(() => ok({ id: "u1" }));
    const signer = async () => {
      const before = fetch.calls.length;
      const error = await new TenantClient({ fetch }).user.get().catch((e) => e);
      if (fetch.calls.length === before) return error instanceof ValidationError ? `none: ${error.field}` : error;
      const { headers } = fetch.calls.at(-1);
      return headers.authorization ?? `${headers["x-auth-email"]} ${headers["x-auth-key"]}`;
    };
    try {
      withEnv({ CLOUDFLARE_EMAIL: "env@partner.example" });
      assert.equal(await signer(), "none: credentials", "an e-mail without its key is no credentials");
      withEnv({ CLOUDFLARE_API_KEY: "env-global-key" });
      assert.equal(await signer(), "none: credentials", "a key without its e-mail is no credentials");
      withEnv({ CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_EMAIL: "env@partner.example", CLOUDFLARE_API_KEY: "env-global-key" });
      assert.equal(await signer(), "env@partner.example env-global-key", "an empty token counts as unset");
      withEnv({ CLOUDFLARE_API_TOKEN: "env-token", CLOUDFLARE_EMAIL: "env@partner.example", CLOUDFLARE_API_KEY: "env-global-key" });
      assert.equal(await signer(), "Bearer env-token", "the token wins");
      withEnv({ CLOUDFLARE_API_TOKEN: "tok-SECRET with spaces", CLOUDFLARE_EMAIL: "env@partner.example", CLOUDFLARE_API_KEY: "env-global-key" });
      assert.throws(
        () => new TenantClient({ fetch }),
        (e) => e instanceof ValidationError && e.field === "CLOUDFLARE_API_TOKEN" && !e.message.includes("SECRET"),
        "the token chosen is checked, and the error names the variable without the value",
      );
      withEnv({ CLOUDFLARE_EMAIL: "env@partner.example", CLOUDFLARE_API_KEY: "key\r\nX-Evil: 1" });
      assert.throws(
        () => new TenantClient({ fetch }),
        (e) => e instanceof ValidationError && e.field === "CLOUDFLARE_API_KEY" && !e.message.includes("Evil"),
      );
      // Given credentials win: the bad environment is not even read.
      await new TenantClient({ apiToken: TOKEN, fetch }).user.get();
      assert.equal(fetch.calls.at(-1).headers.authorization, `Bearer ${TOKEN}`);
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  });
});

describe("TenantClient: pagination", () => {
  test("walks every page and says why it stopped", async () => {
    const fetch = fakeFetch((url) => {
      const page = Number(url.searchParams.get("page"));
      const per = Number(url.searchParams.get("per_page"));
      const items = Array.from({ length: page < 3 ? per : 2 }, (_, i) => member(page * 100 + i));
      return ok(items, { page, per_page: per, count: items.length, total_count: 12 });
    });
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const list = client.accounts.members.list({ account_id: ACCOUNT, per_page: 5 });
    const seen = [];
    for await (const m of list) seen.push(m.id);
    assert.equal(seen.length, 12);
    assert.deepEqual(
      fetch.calls.map((c) => c.url.search),
      ["?page=1&per_page=5", "?page=2&per_page=5", "?page=3&per_page=5"],
    );
    assert.equal(fetch.calls[0].url.pathname, `/client/v4/accounts/${ACCOUNT}/members`);
    assert.equal(list.stop.reason, "short_page");
    assert.equal(list.stop.anomaly, false);
    // Iterating again starts over.
    assert.equal((await list.all()).length, 12);
    const pages = [];
    for await (const page of list.pages()) pages.push(page);
    assert.deepEqual(pages.map((p) => p.result_info.page), [1, 2, 3]);
    assert.deepEqual(pages.map((p) => p.items.length), [5, 5, 2]);
  });

  test("a server that ignores `page` is stopped and reported", async () => {
    const warnings = [];
    const fetch = fakeFetch(() => ok(Array.from({ length: 20 }, (_, i) => member(i)), { per_page: 20 }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, onWarning: (m, d) => warnings.push([m, d]) });
    const list = client.accounts.list();
    assert.equal((await list.all()).length, 20);
    assert.equal(fetch.calls.length, 2);
    assert.equal(list.stop.reason, "repeated_page");
    assert.equal(list.stop.anomaly, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0][0], /^accounts\.list: page 2 repeated page 1/);
  });

  test("maxPages caps the walk; an error page rejects the iteration", async () => {
    let n = 0;
    const fetch = fakeFetch((url) => {
      n += 1;
      const page = Number(url.searchParams.get("page"));
      if (n === 3) return fail(500, [{ code: 1000, message: "boom" }]);
      return ok(Array.from({ length: 5 }, (_, i) => member(page * 10 + i)), { page, per_page: 5, total_count: 500 });
    });
    const warnings = [];
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: false, onWarning: (m) => warnings.push(m) });
    const capped = client.accounts.roles.list({ account_id: ACCOUNT, per_page: 5 }, { maxPages: 2 });
    assert.equal((await capped.all()).length, 10);
    assert.equal(capped.stop.reason, "page_cap");
    assert.equal(warnings.length, 1);
    await assert.rejects(client.accounts.roles.list({ account_id: ACCOUNT, per_page: 5 }).all(), (e) => e instanceof CloudflareApiError && e.status === 500);
  });

  test("bad list params are refused when the list is made, before any fetch", () => {
    const fetch = fakeFetch(() => ok([]));
    const client = new TenantClient({ apiToken: TOKEN, fetch });
    assert.throws(() => client.accounts.members.list({ account_id: "nope" }), (e) => e instanceof ValidationError && e.field === "account_id");
    assert.throws(() => client.accounts.list({ per_page: 500 }), (e) => e instanceof ValidationError && e.field === "per_page");
    assert.throws(() => client.accounts.list({}, { maxPages: 0 }), (e) => e instanceof ValidationError && e.field === "maxPages");
    assert.equal(fetch.calls.length, 0);
  });
});

describe("errors", () => {
  test("a 403 is a CloudflareApiError with every field", async () => {
    const fetch = fakeFetch(() =>
      fail(403, [{ code: 1002, message: "Forbidden: tenant entitlement required", documentation_url: "https://developers.cloudflare.com/x", source: { pointer: "/name" } }], {
        "cf-ray": "8f3c2a1b0d9e8f7a-AMS",
      }),
    );
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const error = await client.accounts.create({ name: "Acme" }).catch((e) => e);
    assert.ok(error instanceof CloudflareApiError);
    assert.ok(error instanceof CloudflareError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "CloudflareApiError");
    assert.equal(error.kind, "api");
    assert.equal(error.status, 403);
    assert.equal(error.code, 1002);
    assert.ok(error.hasCode(1002));
    assert.equal(error.rayId, "8f3c2a1b0d9e8f7a-AMS");
    assert.equal(error.retryAfter, null);
    assert.equal(error.operation, "accounts.create");
    assert.deepEqual(error.errors, [
      { code: 1002, message: "Forbidden: tenant entitlement required", documentation_url: "https://developers.cloudflare.com/x", source: { pointer: "/name" } },
    ]);
    assert.deepEqual(error.messages, []);
    assert.match(error.message, /accounts\.create failed with HTTP 403: \[1002\] Forbidden/);
    assert.ok(typeof error.stack === "string");
  });

  test("a 429 carries retryAfter in seconds", async () => {
    const fetch = fakeFetch(() => fail(429, [{ code: 971, message: "slow down" }], { "retry-after": "7" }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: false });
    const error = await client.user.get().catch((e) => e);
    assert.ok(error instanceof CloudflareApiError);
    assert.equal(error.retryAfter, 7);
  });

  test("an HTML 502 is a ResponseDecodeError with status, ray and snippet", async () => {
    const html = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
    const fetch = fakeFetch(() => new Response(html, { status: 502, headers: { "content-type": "text/html", "cf-ray": "7d1e5f0a9b8c7d6e-SJC" } }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: { maxRetries: 1, initialBackoff: 0.001 } });
    const error = await client.tenants.get({ tenant_id: "4f1d1e3a9b7c4e2d8a6f5b3c1d0e9f8a" }).catch((e) => e);
    assert.ok(error instanceof ResponseDecodeError);
    assert.ok(error instanceof CloudflareError);
    assert.ok(!(error instanceof CloudflareApiError));
    assert.equal(error.kind, "decode");
    assert.equal(error.status, 502);
    assert.equal(error.rayId, "7d1e5f0a9b8c7d6e-SJC");
    assert.equal(error.snippet, html);
    assert.equal(error.operation, "tenants.get");
    assert.equal(fetch.calls.length, 2, "a GET is retried once, then fails with the last response's error");
  });

  test("bad params are a ValidationError naming the field, and nothing is sent", async () => {
    const fetch = fakeFetch(() => ok(null));
    const client = new TenantClient({ apiToken: TOKEN, fetch });
    const cases = [
      [() => client.accounts.get({ account_id: "../../user" }), "account_id"],
      [() => client.accounts.create({ name: "Acme", business_name: "x".repeat(121) }), "business_name"],
      [() => client.accounts.members.create({ account_id: ACCOUNT, email: "a@b.example", roles: [hex(1)], policies: [] }), "roles"],
      [() => client.accounts.create({ name: "Acme", colour: "red" }), "colour"],
      [() => client.accounts.create({ name: 10n }), "params"],
      [() => client.accounts.get({ account_id: ACCOUNT }, { credentials: { apiToken: "a\nb" } }), "api_token"],
    ];
    for (const [call, field] of cases) {
      await assert.rejects(call(), (e) => {
        assert.ok(e instanceof ValidationError, `${field}: ${e}`);
        assert.equal(e.field, field);
        assert.equal(e.kind, "invalid");
        return true;
      });
    }
    await assert.rejects(client.call("accounts.explode", {}), (e) => e instanceof UnknownOperationError && e instanceof ValidationError);
    assert.equal(fetch.calls.length, 0);
    const anonymous = new TenantClient({ fetch });
    await assert.rejects(anonymous.user.get(), (e) => e instanceof ValidationError && e.field === "credentials");
  });

  test("a failing fetch: a GET or a keyed create is retried; a POST is OutcomeUnknownError, never resent", async () => {
    const cause = new TypeError("fetch failed");
    let calls = 0;
    const keys = [];
    const client = new TenantClient({
      apiToken: TOKEN,
      fetch: async (url, init) => {
        calls += 1;
        keys.push(init.headers["idempotency-key"]);
        throw cause;
      },
      baseUrl: BASE,
      retry: { initialBackoff: 0.001 },
    });
    const post = await client.users.create({ email: "svc@partner.example" }).catch((e) => e);
    assert.ok(post instanceof OutcomeUnknownError, String(post));
    assert.equal(post.cause, cause);
    assert.equal(post.method, "POST");
    assert.equal(post.status, null);
    assert.match(post.message, /may or may not have been carried out/);
    assert.equal(calls, 1);
    assert.equal(keys[0], undefined, "users.create takes no key");
    // accounts.create carries a key: resent with it, still unknown once the retries run out.
    const create = await client.accounts.create({ name: "Acme" }).catch((e) => e);
    assert.ok(create instanceof OutcomeUnknownError, String(create));
    assert.equal(calls, 4, "the create: the first attempt and 2 retries");
    assert.ok(keys[1] !== undefined && keys.slice(1).every((k) => k === keys[1]), "one key for every attempt");
    const get = await client.user.get().catch((e) => e);
    assert.ok(get instanceof TransportError, String(get));
    assert.equal(get.sent, true);
    assert.equal(get.reason, "fetch failed");
    assert.equal(calls, 7, "the GET: the first attempt and 2 retries");
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    const notSent = new TenantClient({ apiToken: TOKEN, fetch: async () => { throw refused; }, retry: { maxRetries: 1, initialBackoff: 0.001 } });
    const e = await notSent.accounts.create({ name: "Acme" }).catch((x) => x);
    assert.ok(e instanceof TransportError, "a POST that never left may be resent");
    assert.equal(e.sent, false);
  });

  test("no secret in any error, its JSON, or the client's inspection", async () => {
    const secrets = [TOKEN, "svc-SECRET-987", "global-SECRET-555"];
    const fetch = fakeFetch(() => fail(403, [{ code: 10000, message: "Authentication error" }]));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const errors = [
      await client.user.get().catch((e) => e),
      await client.user.get({}, { credentials: { userServiceKey: "svc-SECRET-987" } }).catch((e) => e),
      await client.user.get({}, { credentials: { apiEmail: "a@b.example", apiKey: "global-SECRET-555\r\n" } }).catch((e) => e),
      await client.user.get({}, { credentials: { apiToken: TOKEN, userServiceKey: "svc-SECRET-987" } }).catch((e) => e),
      await client.user.get({}, { credentials: { token: TOKEN } }).catch((e) => e),
      await new TenantClient({ apiToken: TOKEN, retry: false, fetch: async () => { throw new Error("down"); } }).user.get().catch((e) => e),
    ];
    assert.throws(() => new TenantClient({ apiToken: `${TOKEN}\n` }), (e) => errors.push(e) && true);
    for (const error of errors) {
      assert.ok(error instanceof CloudflareError, String(error));
      const shown = [error.message, error.stack, JSON.stringify(error), JSON.stringify(error.detail), inspect(error, { depth: 5 })].join("\n");
      for (const secret of secrets) assert.ok(!shown.includes(secret), `${secret} shown in ${shown}`);
    }
    const shownClient = inspect(client, { depth: 5, showHidden: true });
    for (const secret of secrets) assert.ok(!shownClient.includes(secret), shownClient);
  });

  test("the module keeps working after errors of every kind", async () => {
    const fetch = fakeFetch((url) => (url.pathname.endsWith("/user") ? ok({ id: "u1" }) : new Response("<html>", { status: 502 })));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: false });
    for (let i = 0; i < 200; i++) {
      assert.throws(() => lib.buildRequest("accounts.get", { account_id: "x" }, { apiToken: TOKEN }), ValidationError);
      assert.throws(() => lib.buildRequest("nope", {}, { apiToken: TOKEN }), UnknownOperationError);
      assert.throws(() => lib.parseResponse("accounts.get", { status: 403, body: '{"success":false,"errors":[],"messages":[]}' }), CloudflareApiError);
      assert.throws(() => lib.parseResponse("accounts.get", { status: 502, body: new Uint8Array([0xff, 0xfe, 0x3c]) }), ResponseDecodeError);
      assert.throws(() => lib.parseResponse("accounts.get", { status: "200", body: "" }), ValidationError);
      assert.throws(() => new lib.Paginator("accounts.get", {}), ValidationError);
    }
    await assert.rejects(client.accounts.get({ account_id: ACCOUNT }), ResponseDecodeError);
    assert.deepEqual(await client.user.get(), { id: "u1" });
    assert.equal(lib.parseResponse("user.get", { status: 200, body: '{"success":true,"errors":[],"messages":[],"result":{"id":"u2"}}' }).result.id, "u2");
  });

  test("a redirect is a RedirectError, never followed, never resent; a browser's opaque one too", async () => {
    const fetch = fakeFetch(() => new Response(null, { status: 308, headers: { location: "https://evil.example/steal" } }));
    const client = new TenantClient({ apiEmail: "a@example.com", apiKey: "global-SECRET", fetch, baseUrl: BASE });
    const error = await client.user.get().catch((e) => e);
    assert.ok(error instanceof RedirectError && error instanceof CloudflareError, `${error}`);
    assert.deepEqual([error.kind, error.status, error.location, error.operation], ["redirect", 308, "https://evil.example/steal", "user.get"]);
    assert.equal(fetch.calls.length, 1);
    assert.equal(fetch.calls[0].redirect, "manual");
    // What a browser hands back for `redirect: "manual"`: no status, no Location, no body.
    const opaque = { type: "opaqueredirect", status: 0, headers: new Headers(), body: null };
    const browser = new TenantClient({ apiToken: TOKEN, fetch: async () => opaque, baseUrl: BASE });
    const hidden = await browser.accounts.create({ name: "Acme" }).catch((e) => e);
    assert.ok(hidden instanceof RedirectError, `${hidden}`);
    assert.deepEqual([hidden.status, hidden.location], [0, null]);
    await assert.rejects(lib.parseFetchResponse("user.get", { ...opaque, arrayBuffer: async () => new ArrayBuffer(0) }), RedirectError);
  });

  test("parseResponse: a 3xx or 0 is a RedirectError; a status the core cannot take is a ValidationError", () => {
    const redirect = (status, headers) => {
      try {
        lib.parseResponse("user.get", { status, headers, body: "" });
      } catch (e) {
        return e;
      }
    };
    for (const status of [300, 301, 302, 303, 304, 307, 308, 399, 0]) {
      const e = redirect(status, { location: "/elsewhere" });
      assert.ok(e instanceof RedirectError, `${status}: ${e}`);
      assert.equal(e.status, status);
    }
    for (const status of [-1, 1.5, 99, 600, 999, 70000, Number.NaN, "200"]) {
      const e = redirect(status);
      assert.ok(e instanceof ValidationError && e.field === "status", `${status}: ${e}`);
    }
  });

  test("a trap in the core becomes a CloudflareError, not a bare RuntimeError", () => {
    const trap = new WebAssembly.RuntimeError("unreachable");
    assert.throws(
      () => callCore(() => { throw trap; }),
      (e) => e instanceof CloudflareError && e.kind === "internal" && e.cause === trap && /internal error/.test(e.message),
    );
    // Anything else passes through untouched.
    const other = new RangeError("x");
    assert.throws(() => callCore(() => { throw other; }), (e) => e === other);
  });
});

describe("TenantClient: retries (decided by the core)", () => {
  test("a GET that meets 503s is resent after the backoff, then succeeds", async () => {
    let n = 0;
    const fetch = fakeFetch(() => (++n < 3 ? fail(503, [{ code: 1, message: "busy" }]) : ok({ id: "u1" })));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: { initialBackoff: 0.02 } });
    const started = Date.now();
    assert.deepEqual(await client.user.get(), { id: "u1" });
    assert.equal(fetch.calls.length, 3);
    assert.ok(Date.now() - started >= 0.02 * 0.75 * 1000 + 0.04 * 0.75 * 1000 - 5, "waited the backoff");
  });

  test("a 429 is resent for any method after the server's wait", async () => {
    let n = 0;
    const fetch = fakeFetch(() =>
      ++n === 1 ? fail(429, [{ code: 971, message: "wait" }], { "retry-after-ms": "30" }) : ok({ id: ACCOUNT, name: "Acme" }),
    );
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const started = Date.now();
    assert.equal((await client.accounts.create({ name: "Acme" })).id, ACCOUNT);
    assert.ok(Date.now() - started >= 25);
    assert.equal(fetch.calls.length, 2);
  });

  test("a POST answered 502 is not resent: OutcomeUnknownError", async () => {
    const fetch = fakeFetch(() => new Response("<html>502</html>", { status: 502, headers: { "cf-ray": "ray-502" } }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const error = await client.users.create({ email: "svc@partner.example" }).catch((e) => e);
    assert.ok(error instanceof OutcomeUnknownError, String(error));
    assert.equal(error.status, 502);
    assert.equal(error.rayId, "ray-502");
    assert.equal(error.operation, "users.create");
    assert.equal(fetch.calls.length, 1);
  });

  test("a create answered 502 is resent with its key; the next create draws another", async () => {
    let n = 0;
    const fetch = fakeFetch(() => (++n % 2 === 1 ? new Response("<html>502</html>", { status: 502 }) : ok({ id: ACCOUNT, name: "Acme" })));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: { initialBackoff: 0.001 } });
    assert.equal((await client.accounts.create({ name: "Acme" })).id, ACCOUNT);
    assert.equal((await client.accounts.create({ name: "Acme" })).id, ACCOUNT);
    const keys = fetch.calls.map((c) => c.headers["idempotency-key"]);
    assert.equal(keys.length, 4);
    assert.equal(keys[0], keys[1], "a resend carries its first attempt's key");
    assert.equal(keys[2], keys[3]);
    assert.notEqual(keys[0], keys[2], "one key per create");
    await client.accounts.create({ name: "Acme", idempotency_key: "crm-42" });
    assert.deepEqual(fetch.calls.slice(4).map((c) => c.headers["idempotency-key"]), ["crm-42", "crm-42"], "the caller's key, as given");
  });

  test("a wait longer than maxRetryAfter fails at once with the API error", async () => {
    const fetch = fakeFetch(() => fail(429, [{ code: 971, message: "wait" }], { "retry-after": "600" }));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE });
    const error = await client.user.get().catch((e) => e);
    assert.ok(error instanceof CloudflareApiError);
    assert.equal(error.retryAfter, 600);
    assert.equal(fetch.calls.length, 1);
  });

  test("an abort during the wait rejects with the abort reason", async () => {
    const fetch = fakeFetch(() => fail(503, [{ code: 1, message: "busy" }]));
    const client = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, retry: { initialBackoff: 10 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await assert.rejects(client.user.get({}, { signal: controller.signal }), /stop/);
    assert.equal(fetch.calls.length, 1);
  });

  test("bad retry options are refused", () => {
    for (const retry of [{ maxRetries: -1 }, { initialBackoff: -1 }, { maxBackoff: Number.NaN }, { tries: 2 }, "often"]) {
      assert.throws(() => new TenantClient({ apiToken: TOKEN, retry }), ValidationError, JSON.stringify(retry));
    }
    // The core's rule: an integer count that fits in 32 bits, not silently rounded or wrapped.
    for (const maxRetries of [1.5, 2 ** 40, -1, "3"]) {
      assert.throws(() => new TenantClient({ apiToken: TOKEN, retry: { maxRetries } }), (e) => e instanceof ValidationError && e.field === "maxRetries", String(maxRetries));
    }
  });
});

describe("sans-IO functions", () => {
  test("parseResponse takes Headers, Map, pairs or a plain object; body as string or bytes", () => {
    const body = JSON.stringify({ success: false, errors: [{ code: 7003, message: "no route" }], messages: [], result: null });
    const forms = [
      new Headers({ "CF-Ray": "r1-AMS" }),
      new Map([["cf-ray", "r1-AMS"]]),
      [["cf-ray", "r1-AMS"]],
      { "Cf-Ray": "r1-AMS" },
    ];
    for (const headers of forms) {
      for (const b of [body, new TextEncoder().encode(body), new TextEncoder().encode(body).buffer]) {
        const e = (() => {
          try {
            lib.parseResponse("accounts.get", { status: 404, headers, body: b });
          } catch (error) {
            return error;
          }
        })();
        assert.ok(e instanceof CloudflareApiError);
        assert.equal(e.rayId, "r1-AMS");
        assert.equal(e.code, 7003);
      }
    }
  });

  test("parseFetchResponse reads a fetch Response", async () => {
    const parsed = await lib.parseFetchResponse("accounts.get", ok({ id: ACCOUNT }));
    assert.deepEqual(parsed, { result: { id: ACCOUNT }, messages: [] });
  });

  test("the Paginator state machine, sans-IO", () => {
    const pages = new lib.Paginator("tenants.accounts.list", { tenant_id: "4f1d1e3a9b7c4e2d8a6f5b3c1d0e9f8a", per_page: 5, direction: "desc" });
    const request = pages.nextRequest({ apiToken: TOKEN });
    assert.equal(request.url, "https://api.cloudflare.com/client/v4/tenants/4f1d1e3a9b7c4e2d8a6f5b3c1d0e9f8a/accounts?page=1&per_page=5&direction=1");
    const items = pages.feed({ status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: [{ id: hex(1) }], result_info: { page: 1, per_page: 5, total_pages: 1 } }) });
    assert.deepEqual(items, [{ id: hex(1) }]);
    assert.equal(pages.nextParams(), null);
    assert.equal(pages.nextRequest({ apiToken: TOKEN }), null);
    assert.equal(pages.done, true);
    assert.equal(pages.stop.reason, "last_page");
    pages.free();
    assert.throws(() => pages.nextParams(), CloudflareError);
  });

  test("operations() lists each operation once with method, paging and secret fields", () => {
    const ops = lib.operations();
    assert.ok(ops.length > 0);
    assert.equal(new Set(ops.map((o) => o.name)).size, ops.length);
    assert.deepEqual(ops.find((o) => o.name === "accounts.members.list"), { name: "accounts.members.list", method: "GET", paginated: true, secret_fields: [] });
    assert.deepEqual(ops.find((o) => o.name === "users.create").secret_fields, ["api_key"]);
    ops[0].name = "mutated";
    ops[0].secret_fields.push("mutated");
    assert.notEqual(lib.operations()[0].name, "mutated");
    assert.deepEqual(lib.operations()[0].secret_fields, []);
  });
});

describe("robustness", () => {
  test("random params, credentials and responses never trap the core (seeded)", () => {
    let seed = 0x2545f491;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const fields = ["account_id", "member_id", "role_id", "tenant_id", "membership_id", "permission_group_id", "name", "email", "roles", "policies", "status", "page", "per_page", "direction", "order", "unit_id", "type", "business_name", "first_name", "id", "label"];
    const values = () => pick([
      "", "a".repeat(32), "../x", "%2e%2e", "x\r\ny", "\u0000", "é".repeat(200), "😀", 0, -1, 1.5, 2 ** 53 + 2, 1e308, -0, true, null,
      [], ["a".repeat(32)], [{ id: "b".repeat(32) }], [{ access: "maybe", permission_groups: [], resource_groups: [] }],
      { id: "x" }, { deep: { deeper: { deepest: [1, [2, [3]]] } } }, "asc", "desc", 1, 0,
    ]);
    const bodies = ["", "{", "null", "[]", '{"success":true}', '{"success":"yes"}', '{"success":true,"result":{"id":5}}',
      '{"success":true,"errors":[1,2],"messages":{},"result":[],"result_info":{"page":"x","per_page":-1}}',
      '{"success":false,"errors":[{"code":1e400}],"messages":[],"result":null,"retry_after":-5}', "<html>", "\uFFFD\u0000"];
    const allowed = [ValidationError, CloudflareApiError, ResponseDecodeError];
    const ops = lib.operations().map((o) => o.name);
    let thrown = 0;
    for (let i = 0; i < 3000; i++) {
      const op = pick(ops);
      const params = Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [pick(fields), values()]));
      const credentials = pick([{ apiToken: "t" }, { apiToken: pick(["", "a\nb", "é"]) }, { apiEmail: "e", apiKey: "k" }, { userServiceKey: "k", apiToken: "t" }, {}]);
      const headers = pick([{}, { "retry-after": pick(["-1", "NaN", "1e309", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999"]) }, { "retry-after-ms": pick(["-5", "NaN", "1e20"]) }]);
      for (const attempt of [
        () => lib.buildRequest(op, params, credentials, pick([{}, { baseUrl: pick(["http://x", "ftp://x", "http://a b", "https://h/p?q"]) }, { userAgent: "ua\r\n" }])),
        () => lib.parseResponse(op, { status: pick([200, 201, 204, 400, 429, 502, 599, 999]), headers, body: pick(bodies) }),
      ]) {
        try {
          attempt();
        } catch (e) {
          thrown += 1;
          assert.ok(allowed.some((cls) => e instanceof cls), `${op} ${JSON.stringify(params)}: ${e?.name} ${e?.kind}: ${e?.message}`);
        }
      }
    }
    assert.ok(thrown > 1000);
    assert.deepEqual(lib.buildRequest("user.get", {}, { apiToken: "t" }).method, "GET");
  });
});
