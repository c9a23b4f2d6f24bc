// `pace` given a shared pacer ({acquire, settle}, such as a TenantPacer Durable Object's stub):
// every send waits for its place and hands it back with the answer's headers, the pacer never
// sees a credential, a failing pacer is an attempt never sent, an abort gives back a place that
// came too late. And Pacer.observe: the server's count holds the core's pacer back.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as lib from "cloudflare-tenant";

const { TenantClient, Pacer, TransportError, ValidationError } = lib;

const TOKEN = "tok-SECRET-0123456789";
const BASE = "http://api.test/client/v4";
const RATELIMIT = '"default";r=41;t=17';

/** A shared pacer that writes what it is asked into `log`, as the fetch below does. */
function sharedPacer(log, { acquire = async () => undefined, settle = async () => undefined } = {}) {
  let tickets = 0;
  return {
    async acquire() {
      log.push(["acquire"]);
      await acquire();
      return `ticket-${++tickets}`;
    },
    async settle(ticket, answer) {
      log.push(["settle", ticket, answer]);
      await settle();
    },
  };
}

function client(log, pace, more = {}) {
  const fetch = async (url) => {
    log.push(["fetch", new URL(url).pathname]);
    const result = url.includes("/accounts") ? [{ id: "a".repeat(32), name: "Acme" }] : { id: "u".repeat(32) };
    return Response.json({ success: true, errors: [], messages: [], result }, { headers: { ratelimit: RATELIMIT, "cf-ray": "abc-SJC" } });
  };
  return new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, pace, ...more });
}

describe("pace: a shared pacer", () => {
  test("each send waits for a place, then hands it back with the answer's headers; no credential reaches it", async () => {
    const log = [];
    const c = client(log, sharedPacer(log));
    await c.user.get();
    await c.accounts.list().all();
    assert.deepEqual(
      log.map(([what, ticket]) => (ticket ? `${what} ${ticket}` : what)),
      ["acquire", "fetch /client/v4/user", "settle ticket-1", "acquire", "fetch /client/v4/accounts", "settle ticket-2"],
    );
    const [, , answer] = log[2];
    assert.deepEqual(answer.headers.find(([name]) => name === "ratelimit"), ["ratelimit", RATELIMIT]);
    assert.ok(!JSON.stringify(log).includes(TOKEN), "the pacer never sees the credential");
  });

  test("a pacer that gives no place: nothing is sent, retried as never sent, then a TransportError", async () => {
    const log = [];
    const pace = sharedPacer(log, {
      acquire: async () => {
        throw new Error("Durable Object reset");
      },
    });
    const c = client(log, pace, { retry: { maxRetries: 2, initialBackoff: 0.001 } });
    await assert.rejects(c.user.get(), (e) => e instanceof TransportError && e.sent === false && /no place from the shared pacer: Durable Object reset/.test(e.message));
    assert.deepEqual(log.map(([what]) => what), ["acquire", "acquire", "acquire"]);
  });

  test("an abort while waiting rejects at once; the place that comes later is handed back unused", async () => {
    const log = [];
    let grant;
    const pace = sharedPacer(log, { acquire: () => new Promise((resolve) => (grant = resolve)) });
    const c = client(log, pace);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("gave up")), 20);
    await assert.rejects(c.user.get({}, { signal: controller.signal }), /gave up/);
    grant();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(log, [["acquire"], ["settle", "ticket-1", undefined]]);
  });

  test("a send that got no answer hands its place back without headers", async () => {
    const log = [];
    const fetch = async () => {
      log.push(["fetch"]);
      throw new TypeError("fetch failed");
    };
    const c = new TenantClient({ apiToken: TOKEN, fetch, baseUrl: BASE, pace: sharedPacer(log), retry: false });
    await assert.rejects(c.user.get(), TransportError);
    assert.deepEqual(log, [["acquire"], ["fetch"], ["settle", "ticket-1", undefined]]);
  });

  test("a place not taken back is a warning, not a failed call", async () => {
    const log = [];
    const warnings = [];
    const pace = sharedPacer(log, {
      settle: async () => {
        throw new Error("connection lost");
      },
    });
    const c = client(log, pace, { onWarning: (message) => warnings.push(message) });
    assert.deepEqual(await c.user.get(), { id: "u".repeat(32) });
    assert.deepEqual(warnings, ["pace: the shared pacer did not take its place back (connection lost)"]);
  });

  test("an object with acquire but no settle is no shared pacer", () => {
    assert.throws(() => new TenantClient({ apiToken: TOKEN, pace: { acquire() {} } }), (e) => e instanceof ValidationError && e.field === "options");
  });
});

describe("Pacer.observe", () => {
  test("the server's count holds the pacer back until its reset", () => {
    const pacer = new Pacer({ limit: 100, window: 60 });
    const { ticket } = pacer.acquire(10);
    pacer.settle(ticket, 10);
    // Others spent the budget: 1 left for 5 s.
    pacer.observe(new Headers({ ratelimit: '"default";r=1;t=5' }), 10);
    assert.equal(typeof pacer.acquire(10).ticket, "number");
    assert.deepEqual(pacer.acquire(10), { wait: 5 });
    assert.equal(typeof pacer.acquire(15).ticket, "number", "after the reset, its own count");
    // Nothing it reads: no change.
    pacer.observe({ "content-type": "application/json" }, 15);
    assert.throws(() => pacer.observe({}, -1), (e) => e instanceof ValidationError && e.field === "now");
    pacer.free();
  });
});
