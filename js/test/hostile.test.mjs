// TenantClient against the project's hostile server (the sandbox crate's `hostile` binary): a
// stand-in for the API that redirects credentials elsewhere, leaks a created secret in answers
// that cannot be decoded, nests JSON millions deep, sends huge, dripping, endless or no bodies,
// answers 429 with every form of Retry-After, and loses the answer to a create (hanging up, or
// as an edge's 502) to see what its resend carries. Each test picks a base URL
// `<main>/<scenario>/<args>/<tag>` and reads the server's log to see what arrived where.
//   node --test js/test/hostile.test.mjs     (builds the binary first)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { inspect, promisify } from "node:util";
import * as lib from "cloudflare-tenant";

const { TenantClient, CloudflareError, RedirectError, ValidationError, TransportError, OutcomeUnknownError, CloudflareApiError, Secret } = lib;

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./support/hostile-child.mjs", import.meta.url));
const SECRET = "hostile-secret-api-key-7f3a9c";
const CREDENTIALS = {
  apiToken: { apiToken: "hostile-token-0123456789" },
  "apiEmail+apiKey": { apiEmail: "partner@example.com", apiKey: "hostile-global-key-0123456789" },
  userServiceKey: { userServiceKey: "v1.0-hostile-service-key-0123456789" },
};
/** Retries that keep the test fast and tell a server's wait (>= 0.3 s here) from the backoff. */
const FAST_RETRY = { maxRetries: 2, initialBackoff: 0.1, maxBackoff: 0.2, maxRetryAfter: 5 };

let server;
let MAIN;
let ELSEWHERE;
let tags = 0;

/** A tag no other test uses, to find this test's requests in the log. */
const newTag = () => `t${process.pid}-${++tags}`;

/** The binary given by CLOUDFLARE_TENANT_HOSTILE_BIN, or the workspace's, built (or brought up to date) first. */
function hostileBinary() {
  if (process.env.CLOUDFLARE_TENANT_HOSTILE_BIN) return process.env.CLOUDFLARE_TENANT_HOSTILE_BIN;
  execFileSync("cargo", ["build", "--quiet", "-p", "cloudflare-tenant-sandbox", "--bin", "hostile"], { cwd: ROOT, stdio: "inherit" });
  const metadata = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: ROOT, encoding: "utf8" }));
  return `${metadata.target_directory}/debug/hostile`;
}

before(async () => {
  server = spawn(hostileBinary(), ["--port", "0", "--lifetime-secs", "300"], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: server.stdout }), "line");
  const match = /^hostile on (http:\S+) elsewhere (http:\S+)/.exec(line);
  assert.ok(match, `the hostile server's first line: ${line}`);
  [, MAIN, ELSEWHERE] = match;
});

after(() => server?.kill());

/** The requests the server logged whose path starts with `prefix` (both listeners). */
async function logged(prefix) {
  const response = await fetch(`${MAIN}/_log?prefix=${encodeURIComponent(prefix)}`);
  assert.equal(response.status, 200);
  return (await response.json()).requests;
}

/** The error `promise` rejects with (fails when it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

/** Every way an error can reach a log: message, stack, inspect, JSON, detail, cause. */
function errorSurfaces(error) {
  return [
    String(error),
    error.message,
    error.stack,
    inspect(error, { showHidden: true, depth: Infinity }),
    JSON.stringify(error),
    JSON.stringify(error.detail),
    String(error.snippet ?? ""),
    String(error.reason ?? ""),
    String(error.cause ?? ""),
    inspect(error.cause, { showHidden: true, depth: Infinity }),
  ].join("\n");
}

/** One call in a child process capped at 256 MB of heap: `{error, peakRssMiB, seconds}`. */
async function inChild(call) {
  const { stdout } = await promisify(execFile)(process.execPath, ["--max-old-space-size=256", CHILD, JSON.stringify(call)], { encoding: "utf8", timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").pop());
}

/** The largest number of `times` (ms) inside any window of `windowMs` that starts at one of them. */
function busiestWindow(times, windowMs) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe("redirects are never followed", { concurrency: true }, () => {
  for (const code of [301, 302, 303, 307, 308]) {
    for (const [method, call] of [
      ["GET", (client) => client.user.get()],
      ["POST", (client) => client.users.create({ email: "svc@example.com" })],
    ]) {
      for (const [form, credentials] of Object.entries(CREDENTIALS)) {
        test(`${code} to another host, ${method}, ${form}: RedirectError, nothing reaches the other host`, async () => {
          const tag = newTag();
          const client = new TenantClient({ ...credentials, baseUrl: `${MAIN}/redirect/${code}/${tag}`, retry: FAST_RETRY });
          const error = await rejection(call(client));
          assert.ok(error instanceof RedirectError && error instanceof CloudflareError, `${error?.name}: ${error?.message}`);
          assert.equal(error.kind, "redirect");
          assert.equal(error.status, code);
          assert.ok(error.location?.startsWith(`${ELSEWHERE}/stolen/${tag}/`), error.location);
          assert.equal(error.toJSON().kind, "redirect");
          assert.deepEqual(await logged(`/stolen/${tag}/`), [], "nothing reached the other host");
          const sent = await logged(`/redirect/${code}/${tag}/`);
          assert.equal(sent.length, 1, "sent once, not retried");
          assert.equal(sent[0].method, method);
          for (const value of Object.values(credentials)) assert.ok(!errorSurfaces(error).includes(value) || value.includes("@"), "no credential in the error");
        });
      }
    }
  }
});

describe("a created secret stays out of every error", { concurrency: true }, () => {
  for (const variant of ["wrong-type", "no-success", "trailing", "html", "truncated", "key-number", "error-500"]) {
    test(`users.create answered with ${variant}`, async () => {
      const tag = newTag();
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/secret/${variant}/${tag}` });
      const error = await rejection(client.users.create({ email: "svc@example.com" }));
      assert.ok(error instanceof CloudflareError, `${error?.name}: ${error?.message}`);
      assert.ok(["decode", "api", "outcome_unknown"].includes(error.kind), error.kind);
      assert.ok(!errorSurfaces(error).includes(SECRET), `the secret is in the ${error.name}: ${errorSurfaces(error)}`);
      assert.equal((await logged(`/secret/${variant}/${tag}/`)).length, 1);
    });
  }

  test("an account token's value answered with the wrong type", async (t) => {
    const create = lib.operations().find((op) => op.name === "accounts.tokens.create");
    if (!create) return t.skip("no accounts.tokens.create in this version");
    const tag = newTag();
    const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/secret/token-wrong-type/${tag}` });
    const account = "0123456789abcdef0123456789abcdef";
    const policy = { effect: "allow", permission_groups: ["c8fed203ed3043cba015a93ad1616f1f"], resources: { [`com.cloudflare.api.account.${account}`]: "*" } };
    const error = await rejection(client.call("accounts.tokens.create", { account_id: account, name: "t", policies: [policy] }));
    assert.ok(error instanceof CloudflareError, `${error?.name}: ${error?.message}`);
    assert.equal(error.kind, "decode", "the create reached the server, and its answer was refused");
    assert.equal((await logged(`/secret/token-wrong-type/${tag}/`)).length, 1);
    assert.ok(!errorSurfaces(error).includes(SECRET), errorSurfaces(error));
  });

  test("a created user's api_key is a Secret: masked when shown, revealed on request, usable as a credential", async () => {
    const user = { id: "0123456789abcdef0123456789abcdef", email: "svc@example.com", api_key: SECRET };
    const sent = [];
    const fetch = async (url, init) => {
      sent.push(init.headers);
      return Response.json({ success: true, errors: [], messages: [], result: url.endsWith("/users") ? user : { id: user.id } });
    };
    const client = new TenantClient({ ...CREDENTIALS.apiToken, fetch, baseUrl: "http://api.test/client/v4" });
    const created = await client.users.create({ email: "svc@example.com" });
    assert.ok(created.api_key instanceof Secret);
    assert.equal(created.api_key.expose(), SECRET);
    for (const shown of [inspect(created, { showHidden: true, depth: Infinity }), JSON.stringify(created), `${created.api_key}`, String(created.api_key), created.api_key + ""]) {
      assert.ok(!shown.includes(SECRET), shown);
      assert.ok(shown.includes("***"), shown);
    }
    assert.equal(inspect(created.api_key), "Secret(***)");
    assert.deepEqual(Object.keys(created.api_key), []);
    await client.user.get({}, { credentials: { userServiceKey: created.api_key } });
    assert.equal(sent[1]["x-auth-user-service-key"], SECRET, "a Secret is sent as its value");
    const whole = lib.parseResponse("users.create", { status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: user }) });
    assert.ok(whole.result.api_key instanceof Secret, "parseResponse masks it too");
    assert.deepEqual(lib.operations().find((op) => op.name === "users.create").secret_fields, ["api_key"]);
  });
});

describe("bad credentials and base URLs are refused before any request", () => {
  for (const [form, credentials] of [
    ["apiToken", { apiToken: "tökén-0123456789" }],
    ["apiKey", { apiEmail: "partner@example.com", apiKey: "kéy-0123456789" }],
    ["userServiceKey", { userServiceKey: "v1.0-sérvice" }],
  ]) {
    test(`a non-ASCII ${form}: ValidationError, nothing sent`, async () => {
      let calls = 0;
      const fetch = async () => {
        calls += 1;
        return Response.json({});
      };
      const error = await rejection(
        (async () => {
          const client = new TenantClient({ ...credentials, fetch, baseUrl: `${MAIN}/ok/${newTag()}` });
          await client.users.create({ email: "svc@example.com" });
        })(),
      );
      assert.ok(error instanceof ValidationError, `${error?.name}: ${error?.message}`);
      assert.equal(calls, 0);
    });
  }

  test("a base URL with userinfo: ValidationError without the password", async () => {
    const error = await rejection((async () => new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: "http://user:hunter2-pw@127.0.0.1:1/client/v4" }))());
    assert.ok(error instanceof ValidationError, `${error?.name}: ${error?.message}`);
    assert.ok(!errorSurfaces(error).includes("hunter2-pw"));
  });
});

describe("bodies nested deep are refused by the core with bounded memory", { concurrency: 2 }, () => {
  for (const scenario of ["deep", "deep-result"]) {
    for (const depth of [200, 1_000_000, 10_000_000]) {
      test(`${scenario} ${depth.toLocaleString("en")}: ResponseDecodeError`, async () => {
        const run = await inChild({ baseUrl: `${MAIN}/${scenario}/${depth}/${newTag()}`, operation: "user.get", params: {} });
        assert.equal(run.error?.name, "ResponseDecodeError", JSON.stringify(run));
        assert.ok(run.peakRssMiB < 400, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
        console.log(`hostile: ${scenario} ${depth}: ${run.error.name} in ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
      });
    }
  }
});

describe("bodies past maxBodyBytes are cut off", { concurrency: true }, () => {
  for (const scenario of ["huge", "huge-chunked"]) {
    test(`${scenario} 64 MiB, GET, maxBodyBytes 1 MiB: TransportError naming the cap`, async () => {
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/${scenario}/64/${newTag()}`, maxBodyBytes: 1 << 20, retry: false });
      const error = await rejection(client.user.get());
      assert.ok(error instanceof TransportError, `${error?.name}: ${error?.message}`);
      assert.match(error.reason, /maxBodyBytes/);
    });

    test(`${scenario} 64 MiB, POST, maxBodyBytes 1 MiB: OutcomeUnknownError`, async () => {
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/${scenario}/64/${newTag()}`, maxBodyBytes: 1 << 20 });
      const error = await rejection(client.users.create({ email: "svc@example.com" }));
      assert.ok(error instanceof OutcomeUnknownError, `${error?.name}: ${error?.message}`);
      assert.match(error.reason, /maxBodyBytes/);
    });
  }

  test("huge 256 MiB with the default cap (32 MiB): refused with bounded memory", async () => {
    const run = await inChild({ baseUrl: `${MAIN}/huge-chunked/256/${newTag()}`, operation: "user.get", params: {} });
    assert.equal(run.error?.name, "TransportError", JSON.stringify(run));
    assert.match(run.error.reason, /maxBodyBytes \(33554432 bytes\)/);
    assert.ok(run.peakRssMiB < 250, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
    console.log(`hostile: huge-chunked 256 MiB: ${run.error.name} in ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
  });
});

describe("every attempt has a deadline", { concurrency: true }, () => {
  for (const scenario of ["drip", "endless", "stall"]) {
    test(`${scenario}, POST, timeout 1.5: OutcomeUnknownError within 3 s`, async () => {
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/${scenario}/${newTag()}`, timeout: 1.5 });
      const started = performance.now();
      const error = await rejection(client.users.create({ email: "svc@example.com" }));
      const seconds = (performance.now() - started) / 1000;
      assert.ok(error instanceof OutcomeUnknownError, `${error?.name}: ${error?.message}`);
      assert.ok(seconds < 3, `${seconds} s`);
      // An endless body may reach the size cap first; either way the answer did not arrive whole.
      assert.match(error.reason, scenario === "endless" ? /timeout|maxBodyBytes/ : /timeout \(1\.5 s\)/);
    });

    test(`${scenario}, GET, per-call timeout 1.5, no retries: TransportError within 3 s`, async () => {
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/${scenario}/${newTag()}`, retry: false });
      const started = performance.now();
      const error = await rejection(client.user.get({}, { timeout: 1.5 }));
      const seconds = (performance.now() - started) / 1000;
      assert.ok(error instanceof TransportError, `${error?.name}: ${error?.message}`);
      assert.equal(error.cause?.name, scenario === "endless" && !/timeout/.test(error.reason) ? "RangeError" : "TimeoutError");
      assert.ok(seconds < 3, `${seconds} s`);
    });
  }

  test("endless with the default cap, in a process capped at 256 MB: refused with bounded memory", async () => {
    const run = await inChild({ baseUrl: `${MAIN}/endless/${newTag()}`, operation: "user.get", params: {}, options: { timeout: 20 } });
    assert.equal(run.error?.name, "TransportError", JSON.stringify(run));
    assert.ok(run.peakRssMiB < 250, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
    console.log(`hostile: endless: ${run.error.name} (${run.error.reason}) in ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
  });

  test("a GET that times out is retried, then fails as a TransportError", async () => {
    const tag = newTag();
    const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/stall/${tag}`, timeout: 0.3, retry: { maxRetries: 1, initialBackoff: 0.05 } });
    const error = await rejection(client.user.get());
    assert.ok(error instanceof TransportError, `${error?.name}: ${error?.message}`);
    assert.equal((await logged(`/stall/${tag}/`)).length, 2);
  });

  test("the caller's abort is not a timeout: it rejects with the signal's reason", async () => {
    const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/stall/${newTag()}`, timeout: 5 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 200);
    const error = await rejection(client.user.get({}, { signal: controller.signal }));
    assert.equal(error.message, "stop");
  });

  test("timeout and maxBodyBytes are checked", () => {
    for (const timeout of [-1, 0, Number.NaN, Infinity, "1", 1e10]) {
      assert.throws(() => new TenantClient({ timeout }), (e) => e instanceof ValidationError && e.field === "timeout", String(timeout));
    }
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN, "1", 2 ** 60]) {
      assert.throws(() => new TenantClient({ maxBodyBytes }), (e) => e instanceof ValidationError && e.field === "maxBodyBytes", String(maxBodyBytes));
    }
    const client = new TenantClient(CREDENTIALS.apiToken);
    assert.throws(() => client.accounts.list({}, { timeout: -1 }), (e) => e instanceof ValidationError && e.field === "timeout");
  });
});

describe("Retry-After in every form", { concurrency: true }, () => {
  // [form, requests sent, the shortest and longest gap between them in seconds, the error's retryAfter]
  const cases = [
    ["seconds-1", 3, 0.95, 1.6, 1],
    ["ms-300", 3, 0.28, 0.8, 0.3],
    ["date-2", 2, 0.9, 2.6, null],
    ["date-past", 3, 0.05, 0.6, null],
    ["zero", 3, 0.05, 0.6, null],
    ["zero-body-1", 3, 0.95, 1.6, 1],
    ["garbage", 3, 0.05, 0.6, null],
    ["negative", 3, 0.05, 0.6, null],
    ["nan", 3, 0.05, 0.6, null],
    ["none", 3, 0.05, 0.6, null],
    ["huge", 1, null, null, 172800],
  ];
  for (const [form, count, shortest, longest, retryAfter] of cases) {
    test(`429 with ${form}: ${count} request(s)${shortest === null ? ", fails at once" : ` ${shortest}..${longest} s apart`}`, async () => {
      const tag = newTag();
      const retry = form.startsWith("date-") && form !== "date-past" ? { ...FAST_RETRY, maxRetries: 1 } : FAST_RETRY;
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}/retry-after/${form}/${tag}`, retry });
      const error = await rejection(client.user.get());
      assert.ok(error instanceof CloudflareApiError, `${error?.name}: ${error?.message}`);
      assert.equal(error.status, 429);
      if (retryAfter !== null) assert.equal(error.retryAfter, retryAfter);
      const times = (await logged(`/retry-after/${form}/${tag}/`)).map((r) => r.t_ms / 1000);
      assert.equal(times.length, count, JSON.stringify(times));
      for (let i = 1; i < times.length; i++) {
        const gap = times[i] - times[i - 1];
        assert.ok(gap >= shortest && gap <= longest, `gap ${gap.toFixed(3)} s not in ${shortest}..${longest}`);
      }
    });
  }
});

describe("a create whose answer was lost is resent with the key it first carried", { concurrency: true }, () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  /** The Idempotency-Key of each request logged under `prefix` (null: none). */
  const keysOf = async (prefix) => (await logged(prefix)).map((r) => r.headers["idempotency-key"] ?? null);
  for (const how of ["close", "502"]) {
    test(`lost-answer/${how}: accounts.create is resent with the same key, each create draws its own`, async () => {
      const prefix = `/lost-answer/${how}/${newTag()}/`;
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}${prefix.slice(0, -1)}`, retry: FAST_RETRY });
      const account = await client.accounts.create({ name: "Acme" });
      assert.equal(account.id, "0123456789abcdef0123456789abcdef");
      let keys = await keysOf(prefix);
      assert.equal(keys.length, 2, JSON.stringify(keys));
      assert.match(keys[0], UUID_V4);
      assert.equal(keys[1], keys[0], "the resend carries the first attempt's key");
      await client.accounts.create({ name: "Acme" });
      keys = await keysOf(prefix);
      assert.equal(keys.length, 4, JSON.stringify(keys));
      assert.match(keys[2], UUID_V4);
      assert.equal(keys[3], keys[2]);
      assert.notEqual(keys[2], keys[0], "another create, another key");
      await client.accounts.create({ name: "Acme", idempotency_key: "crm-42" });
      assert.deepEqual((await keysOf(prefix)).slice(4), ["crm-42", "crm-42"], "the caller's key, as given");
    });

    test(`lost-answer/${how}: users.create (no key) is OutcomeUnknownError, sent once`, async () => {
      const prefix = `/lost-answer/${how}/${newTag()}/`;
      const client = new TenantClient({ ...CREDENTIALS.apiToken, baseUrl: `${MAIN}${prefix.slice(0, -1)}`, retry: FAST_RETRY });
      const error = await rejection(client.users.create({ email: "svc@example.com" }));
      assert.ok(error instanceof OutcomeUnknownError, `${error?.name}: ${error?.message}`);
      assert.deepEqual(await keysOf(prefix), [null]);
    });
  }
});

test("50 concurrent paced calls: no 2 s window holds more than 10, on the wire or at the server", async () => {
  const tag = newTag();
  const starts = [];
  const fetch = (url, init) => {
    starts.push(performance.now());
    return globalThis.fetch(url, init);
  };
  const client = new TenantClient({ ...CREDENTIALS.apiToken, fetch, baseUrl: `${MAIN}/ok/${tag}`, pace: { limit: 10, window: 2 } });
  const users = await Promise.all(Array.from({ length: 50 }, () => client.user.get()));
  assert.equal(users.length, 50);
  assert.equal(users[0].name, "ok");
  const arrivals = (await logged(`/ok/${tag}/`)).map((r) => r.t_ms);
  assert.equal(starts.length, 50);
  assert.equal(arrivals.length, 50);
  console.log(`hostile: 50 paced calls (10 per 2 s): at most ${busiestWindow(starts, 2000)} sends and ${busiestWindow(arrivals, 2000)} arrivals in any 2 s window`);
  assert.ok(busiestWindow(starts, 2000) <= 10, `sends: ${busiestWindow(starts, 2000)} in one window`);
  assert.ok(busiestWindow(arrivals, 2000) <= 10, `arrivals: ${busiestWindow(arrivals, 2000)} in one window`);
});
