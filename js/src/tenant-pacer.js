// TenantPacer: one request budget shared by every client that sends with one credential, in
// every isolate and every Worker, as a Durable Object. Workers only: the `workerd` entry
// exports it. The budget's arithmetic and the reading of the server's headers are the core's
// pacer (the same as the client's own `pace`); this class only queues callers, sleeps as the
// core says, and hands out its tickets.

import { DurableObject } from "cloudflare:workers";
import * as core from "./cloudflare_tenant_wasm.js";
import { callCore, headersText, monotonicMs } from "./api.js";

/**
 * A ticket nobody settled is settled after this long: its client died mid-send (or its settle
 * was lost), and its place must not stay taken. Far longer than any attempt takes to reach the
 * server, which is where it is counted.
 */
const LEASE_MS = 300_000;

const now = () => monotonicMs() / 1000;

/**
 * The rate-limit budget of one credential, shared through Workers RPC:
 *
 *   export { TenantPacer } from "cloudflare-tenant";          // bound as TENANT_PACER
 *   const pace = env.TENANT_PACER.get(env.TENANT_PACER.idFromName("partner@example.com"));
 *   const client = new TenantClient({ apiToken: env.CLOUDFLARE_API_TOKEN, pace });
 *
 * One object per budget: name it after the Cloudflare user (or account-owned token) whose
 * budget it is, never after the secret. The budget is Cloudflare's, 1,200 requests per 300 s,
 * unless the bindings `TENANT_PACER_LIMIT` and `TENANT_PACER_WINDOW` (seconds) say otherwise.
 * It never sees a credential: only tickets and the answers' headers.
 *
 * `acquire()` resolves, first come first served, to a ticket once a place in the budget is
 * taken; the caller sends at once, then hands the ticket back with `settle(ticket, {headers})`
 * (or `settle(ticket)` when no answer came). A fresh object (a first start, or a restart that
 * lost what it knew) lets one send through alone until its answer's `Ratelimit` headers say
 * what the server has left.
 */
export class TenantPacer extends DurableObject {
  /** The core's pacer. */
  #pacer;
  /** This instance's mark on its tickets: a settle meant for a former instance is ignored. */
  #epoch = crypto.randomUUID();
  /** The callers waiting for a place, in order of arrival. */
  #waiting = [];
  /** Ticket id -> when it was handed out (ms), until it is settled. */
  #out = new Map();
  /** The loop handing out places is running. */
  #pumping = false;
  /** Ends the pump's sleep early: an answer came, and the pacer may say otherwise now. */
  #wake = () => {};

  constructor(ctx, env) {
    super(ctx, env);
    const limit = Number(env?.TENANT_PACER_LIMIT ?? 1200);
    const window = Number(env?.TENANT_PACER_WINDOW ?? 300);
    this.#pacer = callCore(() => core.Pacer.takingOver(limit, window));
  }

  /** Resolves to a ticket once a place in the budget is taken: send at once, then settle it. */
  acquire() {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#pump();
    });
  }

  /**
   * The send of `ticket` ended: `answer.headers` are its response's headers (`[[name,
   * value], ...]`), whose `Ratelimit` count the core reads; no answer when none came.
   */
  settle(ticket, answer = undefined) {
    const [epoch, id] = String(ticket).split(":");
    const key = Number(id);
    if (epoch !== this.#epoch || !this.#out.delete(key)) return;
    const at = now();
    this.#pacer.settle(key, at);
    if (answer?.headers) {
      const text = headersText(answer.headers);
      callCore(() => this.#pacer.observe(text, at, Date.now()));
    }
    this.#wake();
  }

  /** Hands out places to the waiting callers in order, sleeping as long as the core says. */
  async #pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#waiting.length > 0) {
        this.#endLeases();
        const step = JSON.parse(this.#pacer.acquire(now()));
        if (step.ticket === undefined) {
          await this.#sleep(step.wait);
          continue;
        }
        this.#out.set(step.ticket, monotonicMs());
        this.#waiting.shift().resolve(`${this.#epoch}:${step.ticket}`);
      }
    } catch (error) {
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    } finally {
      this.#pumping = false;
    }
  }

  /** Sleeps `seconds`, or until the next settle. */
  #sleep(seconds) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Settles the tickets held past their lease. */
  #endLeases() {
    const at = monotonicMs();
    for (const [id, since] of this.#out) {
      if (at - since < LEASE_MS) continue;
      this.#out.delete(id);
      this.#pacer.settle(id, at / 1000);
    }
  }
}
