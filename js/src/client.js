// TenantClient: the sans-IO core plus `fetch`. One method per operation, named by its dotted
// name (client.accounts.members.list). Paginated lists return a PageIterator; every other
// operation returns a Promise of its result.

import * as core from "./cloudflare_tenant_wasm.js";
import {
  Pacer,
  Paginator,
  callCore,
  credentialsText,
  headersText,
  operations,
  paramsText,
  parseResponse,
  rejectUnknownOptions,
  monotonicSeconds,
  statusOf,
} from "./api.js";
import { CloudflareError, ValidationError } from "./errors.js";
import { maskFields } from "./secret.js";

const CLIENT_OPTIONS = [
  "apiToken", "apiEmail", "apiKey", "userServiceKey", "fetch", "baseUrl", "userAgent", "retry", "pace", "timeout", "maxBodyBytes", "onWarning",
];
const RETRY_OPTIONS = ["maxRetries", "initialBackoff", "maxBackoff", "maxRetryAfter"];
const CALL_OPTIONS = ["credentials", "signal", "timeout", "maxPages"];
const ONBOARD_OPTIONS = ["credentials", "signal", "timeout"];
/** Past this many identities, pacers idle for a whole window are dropped (they would let a send through). */
const PACERS_KEPT = 256;
/** Seconds one attempt may take, from the hand-off to fetch to the body's last byte. */
const DEFAULT_TIMEOUT = 60;
/** The largest body read: the API's biggest pages are well under 1 MiB. */
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** setTimeout's longest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The default transport: the global fetch, looked up at call time and called unbound. */
const globalFetch = (input, init) => globalThis.fetch(input, init);

/**
 * A client for the Tenant API.
 *
 *   const client = new TenantClient({ apiToken });               // or {apiEmail, apiKey}, {userServiceKey}
 *   const account = await client.accounts.create({ name: "Acme" });
 *   for await (const member of client.accounts.members.list({ account_id: account.id })) { ... }
 *
 * Options: `fetch` (default globalThis.fetch), `baseUrl` (default the public API), `userAgent`,
 * `retry` (false, or `{maxRetries, initialBackoff, maxBackoff, maxRetryAfter}` in seconds; the
 * core decides what is retried and how long to wait), `onWarning(message, detail)` (default
 * console.warn; told when a listing stopped early), `pace` (true for Cloudflare's budget of 1,200
 * requests per 300 s, or `{limit, window}` in seconds: every send first waits for the budget of
 * the identity that signs it; default off), `timeout` (seconds one attempt may take, connecting
 * and the whole body included; default 60), `maxBodyBytes` (the largest answer read; default
 * 32 MiB). Redirects are never followed: they would carry the credentials to another host.
 * Credentials may be left out and given with each call instead. Credentials and options come
 * in one object, or as two: `new TenantClient({apiToken}, {fetch, baseUrl})`.
 */
export class TenantClient {
  #core;
  #fetch;
  #onWarning;
  #retry;
  #timeout;
  #maxBodyBytes;
  /** `{create, window}` when pacing, else null. */
  #pace;
  /** One Pacer per identity, keyed by a salted hash of the credential headers (never the secret). */
  #pacers = new Map();
  #salt = Math.random().toString(36).slice(2) + Date.now().toString(36);

  constructor(options = {}, more = undefined) {
    // Credentials and options may come in one object or as two: `(credentials, options)`.
    for (const value of [options, more ?? {}]) {
      if (value === null || typeof value !== "object") {
        throw new ValidationError("invalid `options`: must be an object", { field: "options", reason: "must be an object" });
      }
    }
    const clash = Object.keys(more ?? {}).filter((key) => key in options);
    if (clash.length > 0) {
      throw new ValidationError(`invalid \`${clash[0]}\`: given twice`, { field: clash[0], reason: "given twice" });
    }
    options = { ...options, ...more };
    const { apiToken, apiEmail, apiKey, userServiceKey, fetch, baseUrl, userAgent, retry, pace, timeout, maxBodyBytes, onWarning, ...unknown } =
      options;
    rejectUnknownOptions(unknown, CLIENT_OPTIONS);
    if (fetch !== undefined && typeof fetch !== "function") {
      throw new ValidationError("invalid `fetch`: must be a function", { field: "fetch", reason: "must be a function" });
    }
    if (onWarning !== undefined && typeof onWarning !== "function") {
      throw new ValidationError("invalid `onWarning`: must be a function", { field: "onWarning", reason: "must be a function" });
    }
    const given = Object.fromEntries(
      Object.entries({ apiToken, apiEmail, apiKey, userServiceKey }).filter(([, v]) => v !== undefined),
    );
    const creds = Object.keys(given).length > 0 ? credentialsText(given) : undefined;
    this.#core = callCore(() => new core.Core(creds, baseUrl ?? undefined, userAgent ?? undefined));
    this.#fetch = fetch ?? globalFetch;
    this.#retry = retryPolicy(retry);
    // Check the policy once, now.
    callCore(() => new core.Retry("user.get", ...this.#retry)).free();
    this.#pace = paceOption(pace);
    this.#timeout = timeoutOption(timeout) ?? DEFAULT_TIMEOUT;
    this.#maxBodyBytes = maxBodyBytesOption(maxBodyBytes);
    this.#onWarning = onWarning ?? ((message) => console.warn(`cloudflare-tenant: ${message}`));
    for (const op of operations()) attach(this, op);
  }

  /** The base URL requests go to. */
  get baseUrl() {
    return this.#core.baseUrl;
  }

  /** Calls any operation by name; resolves to the whole `{result, result_info?, messages}`. */
  async call(operation, params, options = {}) {
    const { credentials, signal, timeout } = callOptions(options, operation);
    const text = paramsText(params, operation);
    const creds = credentialsText(credentials, operation);
    const request = JSON.parse(callCore(() => this.#core.request(String(operation), text, creds)));
    const response = await this.#send(String(operation), request, { signal, timeout });
    return parseResponse(String(operation), response);
  }

  /** Every item of a paginated list, page after page (see PageIterator). */
  paginate(operation, params, options = {}) {
    const { credentials, signal, timeout, maxPages } = callOptions(options, operation);
    return new PageIterator(this, String(operation), params, { credentials, signal, timeout, maxPages });
  }

  /**
   * Onboards one customer with the core's onboarding flow: the account (looked up by name
   * first, never created twice), its members, and optionally a service user that accepts its
   * own invitation. A create whose outcome is unknown (a 502, a lost connection) is looked up,
   * not resent. Resolves to the report `{account, members, service_user, api_key, invitation,
   * complete}`; failures of single steps are in the report, not thrown. Throws a
   * ValidationError for a bad spec (before any request) and the signal's reason on abort.
   * The report's `api_key` is the new service user's key, a Secret: `expose()` it to store it.
   */
  async onboard(spec, options = {}) {
    if (options === null || typeof options !== "object") {
      throw new ValidationError("invalid `options`: must be an object", { field: "options", reason: "must be an object", operation: "onboarding" });
    }
    const { credentials, signal, timeout, ...unknown } = options;
    rejectUnknownOptions(unknown, ONBOARD_OPTIONS, "onboarding");
    const attempt = { signal, timeout: timeoutOption(timeout, "onboarding") };
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      throw new ValidationError("invalid `spec`: must be an object", { field: "spec", reason: "must be an object", operation: "onboarding" });
    }
    const text = paramsText(spec, "onboarding");
    const creds = credentialsText(credentials, "onboarding");
    if (creds === undefined && !this.#core.hasCredentials) {
      throw new ValidationError("invalid `credentials`: the client has none; give them to the client or to this call", {
        field: "credentials",
        reason: "missing",
        operation: "onboarding",
      });
    }
    const flow = callCore(() => new core.Onboarding(this.#core, text, creds, ...this.#retry));
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const action = JSON.parse(callCore(() => flow.nextAction()));
        if (action.action === "done") break;
        if (action.action === "wait") {
          await sleep(action.seconds, signal);
          continue;
        }
        if (action.action !== "send") {
          throw new CloudflareError(`onboarding: unknown action ${action.action}`, { kind: "internal", operation: "onboarding" });
        }
        const outcome = await this.#attempt("onboarding", action.request, attempt);
        if (outcome.error !== undefined) {
          const { error } = outcome;
          callCore(() => flow.feedTransportError(!neverSent(error), errorText(error), Date.now(), Math.random()));
        } else {
          const { status, headers, body } = outcome.response;
          const h = headersText(headers);
          callCore(() => flow.feedResponse(status, h, body, Date.now(), Math.random()));
        }
      }
      return maskFields(JSON.parse(flow.report()), JSON.parse(core.Onboarding.secretFields()));
    } finally {
      flow.free();
    }
  }

  /** @internal */
  _build(operation, paramsJson, credentialsJson) {
    return JSON.parse(callCore(() => this.#core.request(operation, paramsJson, credentialsJson)));
  }

  /** @internal */
  async _page(paginator, credentialsJson, attempt) {
    const paramsJson = paginator.nextParamsText();
    if (paramsJson === null) return null;
    const operation = paginator.operation;
    const request = this._build(operation, paramsJson, credentialsJson);
    const response = await this.#send(operation, request, attempt);
    return paginator.feedPage(response);
  }

  /** @internal */
  _warn(message, detail) {
    try {
      this.#onWarning(message, detail);
    } catch {
      // a failing warning handler must not break the listing
    }
  }

  /** Sends `request` and resends it as the core's retry decisions say; `attempt`: `{signal, timeout}`. */
  async #send(operation, request, attempt) {
    const retry = callCore(() => new core.Retry(operation, ...this.#retry));
    try {
      for (;;) {
        const outcome = await this.#attempt(operation, request, attempt);
        let wait;
        if (outcome.error !== undefined) {
          const { error } = outcome;
          // Only the transport's own message (never the headers) reaches the core's error.
          wait = callCore(
            () => retry.afterTransportError(!neverSent(error), errorText(error), Date.now(), Math.random()),
            error,
          );
        } else {
          const response = outcome.response;
          const headers = headersText(response.headers);
          wait = callCore(() => retry.afterResponse(response.status, headers, response.body, Date.now(), Math.random()));
          if (wait === undefined) return response;
        }
        await sleep(wait, attempt.signal);
      }
    } finally {
      retry.free();
    }
  }

  /**
   * Sends `request` once (after the pacer's wait, when pacing): `{response: {status, headers,
   * body}}`, or `{error}` when fetch failed, the attempt ran out of time or the body was too
   * large or broke off. Throws the signal's reason on abort.
   */
  async #attempt(operation, request, { signal, timeout }) {
    const place = await this.#acquire(request.headers, signal);
    // Settled however the attempt ends: its place in the budget frees a window after this.
    try {
      return await this.#exchange(operation, request, signal, timeout ?? this.#timeout);
    } finally {
      this.#settle(place);
    }
  }

  async #exchange(operation, request, signal, timeout) {
    const deadline = new Deadline(signal, timeout);
    try {
      let response;
      try {
        response = await deadline.race(
          this.#fetch(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body ?? undefined,
            // A redirect would carry the credential headers (and a create's body) to whatever
            // host it names; the core turns the 3xx (a browser's status 0) into a RedirectError.
            redirect: "manual",
            signal: deadline.signal,
          }),
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        return { error: deadline.expired ?? error };
      }
      if (!response || typeof response.status !== "number") {
        throw new CloudflareError(`${operation}: fetch did not return a Response`, { kind: "transport", operation });
      }
      try {
        const body = await readBody(response, this.#maxBodyBytes, deadline);
        return { response: { status: statusOf(response), headers: response.headers, body } };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // The request left; its answer did not arrive whole (in time, under the cap, unbroken).
        return { error: deadline.expired ?? error ?? new Error("the response body could not be read") };
      }
    } finally {
      deadline.clear();
    }
  }

  /**
   * Takes a place in the budget of the identity that signs `headers`, waiting while it is
   * spent: `{entry, ticket}`, or null when not pacing.
   */
  async #acquire(headers, signal) {
    if (this.#pace === null) return null;
    const key = callCore(() => core.credentialKey(JSON.stringify(headers ?? {}), this.#salt));
    let entry = this.#pacers.get(key);
    if (entry === undefined) {
      this.#sweepPacers();
      entry = { pacer: this.#pace.create(), inFlight: 0, last: -Infinity };
      this.#pacers.set(key, entry);
    }
    for (;;) {
      // Asking and taking are one step in the core: concurrent sends cannot both pass.
      const { ticket, wait } = entry.pacer.acquire(monotonicSeconds());
      if (ticket !== undefined) {
        entry.inFlight += 1;
        return { entry, ticket };
      }
      await sleep(wait, signal);
    }
  }

  #settle(place) {
    if (place === null) return;
    const { entry, ticket } = place;
    const now = monotonicSeconds();
    entry.pacer.settle(ticket, now);
    entry.inFlight -= 1;
    entry.last = now;
  }

  #sweepPacers() {
    if (this.#pacers.size < PACERS_KEPT) return;
    const now = monotonicSeconds();
    for (const [key, entry] of this.#pacers) {
      if (entry.inFlight === 0 && now - entry.last >= this.#pace.window) {
        entry.pacer.free();
        this.#pacers.delete(key);
      }
    }
  }
}

/**
 * One attempt's deadline: `signal` aborts when the caller's signal does, or with a
 * TimeoutError once `seconds` have passed. One controller fed by both, rather than
 * AbortSignal.any: the same code in every runtime, and nothing left listening afterwards.
 */
class Deadline {
  #caller;
  #controller = new AbortController();
  #timer;
  #onCallerAbort = () => this.#controller.abort(this.#caller.reason);
  /** The TimeoutError, once the time ran out. */
  expired = undefined;

  constructor(caller, seconds) {
    this.#caller = caller;
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener?.("abort", this.#onCallerAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.expired = timeoutError(seconds);
      this.#controller.abort(this.expired);
    }, seconds * 1000);
  }

  get signal() {
    return this.#controller.signal;
  }

  /** `promise`, or a rejection as soon as the signal aborts: a fetch that ignores its signal cannot outlive the deadline. */
  race(promise) {
    const signal = this.#controller.signal;
    return new Promise((resolve, reject) => {
      const abort = () => reject(signal.reason);
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
      Promise.resolve(promise).then(
        (value) => {
          signal.removeEventListener("abort", abort);
          // Too late: let go of an answer nobody will read.
          if (signal.aborted) value?.body?.cancel?.().catch(() => {});
          resolve(value);
        },
        (error) => {
          signal.removeEventListener("abort", abort);
          reject(error);
        },
      );
    });
  }

  clear() {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener?.("abort", this.#onCallerAbort);
  }
}

function timeoutError(seconds) {
  const message = `no complete answer within the timeout (${seconds} s)`;
  return typeof DOMException === "function" ? new DOMException(message, "TimeoutError") : Object.assign(new Error(message), { name: "TimeoutError" });
}

/**
 * The whole body as bytes, read chunk by chunk: past `maxBytes` it stops, cancels the stream
 * and throws, so a huge or endless answer costs at most `maxBytes` of memory.
 */
async function readBody(response, maxBytes, deadline) {
  const tooLarge = () => new RangeError(`the response body is larger than maxBodyBytes (${maxBytes} bytes)`);
  const stream = response.body;
  if (stream === null) return new Uint8Array();
  if (typeof stream?.getReader !== "function") {
    // A Response-like object without a stream (a fetch of the caller's own).
    const body =
      typeof response.arrayBuffer === "function"
        ? new Uint8Array(await deadline.race(response.arrayBuffer()))
        : new TextEncoder().encode(typeof response.text === "function" ? await deadline.race(response.text()) : "");
    if (body.byteLength > maxBytes) throw tooLarge();
    return body;
  }
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await deadline.race(reader.read());
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** True when the request surely never left (Node's codes for a refused or unresolved connection). */
function neverSent(error) {
  const code = error?.cause?.code ?? error?.code;
  return ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(code);
}

/** Sleeps `seconds` (abortable); waits longer than setTimeout allows are taken in steps. */
async function sleep(seconds, signal) {
  let left = Math.max(0, seconds * 1000);
  do {
    const step = Math.min(left, MAX_TIMER_MS);
    await sleepMs(step, signal);
    left -= step;
  } while (left > 0);
}

function sleepMs(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener?.("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal?.addEventListener?.("abort", abort, { once: true });
  });
}

/** `pace: true | false | {limit, window}` (seconds) as `{limit, window}`, or null when off. */
function paceOption(pace) {
  if (pace === undefined || pace === null || pace === false) return null;
  // Cloudflare's budget is the core's (1,200 per 300 s); the window here only says when an idle
  // identity's pacer may be dropped.
  if (pace === true) return { create: () => Pacer.cloudflare(), window: 300 };
  if (typeof pace !== "object") {
    throw new ValidationError("invalid `pace`: must be true, false or {limit, window}", { field: "pace", reason: "must be true, false or an object" });
  }
  const { limit, window, ...unknown } = pace;
  rejectUnknownOptions(unknown, ["limit", "window"]);
  // Check the budget once, now.
  new Pacer({ limit, window }).free();
  return { create: () => new Pacer({ limit, window }), window };
}

/** `timeout`: seconds one attempt may take (undefined when not given). */
function timeoutOption(timeout, operation = null) {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || !(timeout > 0 && timeout <= MAX_TIMER_MS / 1000)) {
    throw new ValidationError(`invalid \`timeout\`: must be a number of seconds > 0 and at most ${Math.floor(MAX_TIMER_MS / 1000)}`, {
      field: "timeout",
      reason: "must be a number of seconds > 0",
      operation,
    });
  }
  return timeout;
}

/** `maxBodyBytes`: the largest response body read, in bytes. */
function maxBodyBytesOption(maxBodyBytes) {
  if (maxBodyBytes === undefined) return DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ValidationError("invalid `maxBodyBytes`: must be an integer >= 1", { field: "maxBodyBytes", reason: "must be an integer >= 1" });
  }
  return maxBodyBytes;
}

/** `retry: false | {maxRetries, initialBackoff, maxBackoff, maxRetryAfter}` (seconds). */
function retryPolicy(retry) {
  if (retry === undefined || retry === true) return [];
  if (retry === false) return [0];
  if (retry === null || typeof retry !== "object") {
    throw new ValidationError("invalid `retry`: must be false or an object", { field: "retry", reason: "must be false or an object" });
  }
  const { maxRetries, initialBackoff, maxBackoff, maxRetryAfter, ...unknown } = retry;
  rejectUnknownOptions(unknown, RETRY_OPTIONS);
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0 && maxRetries <= 0xffffffff)) {
    throw new ValidationError("invalid `retry.maxRetries`: must be an integer >= 0", { field: "maxRetries", reason: "must be an integer >= 0" });
  }
  for (const [field, value] of Object.entries({ initialBackoff, maxBackoff, maxRetryAfter })) {
    if (value !== undefined && typeof value !== "number") {
      throw new ValidationError(`invalid \`retry.${field}\`: must be a number of seconds`, { field, reason: "must be a number of seconds" });
    }
  }
  return [maxRetries, initialBackoff, maxBackoff, maxRetryAfter];
}

function errorText(error) {
  const text = error && typeof error.message === "string" ? error.message : String(error);
  return text.slice(0, 200);
}

function callOptions(options, operation) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") {
    throw new ValidationError("invalid `options`: must be an object", { field: "options", reason: "must be an object", operation });
  }
  const { credentials, signal, timeout, maxPages, ...unknown } = options;
  rejectUnknownOptions(unknown, CALL_OPTIONS, operation);
  return { credentials, signal, timeout: timeoutOption(timeout, operation), maxPages };
}

/**
 * The items of every page of a list, fetched as they are consumed:
 *
 *   for await (const account of client.accounts.list()) { ... }
 *   const all = await client.accounts.list().all();
 *   for await (const page of client.accounts.list().pages()) { page.items, page.result_info }
 *
 * `stop` tells why the last run ended (`{reason, message, anomaly}`); an anomaly (a repeated
 * page, the page cap) is also reported to the client's onWarning.
 */
export class PageIterator {
  #client;
  #operation;
  #params;
  #options;

  constructor(client, operation, params, options) {
    this.#client = client;
    this.#operation = operation;
    this.#params = params;
    this.#options = options;
    /** Why the last run stopped, once it has. */
    this.stop = null;
    // Refuse bad params and credentials now, not at the first page: build the first request.
    const first = new Paginator(operation, params, { maxPages: options.maxPages });
    try {
      client._build(operation, first.nextParamsText(), credentialsText(options.credentials, operation));
    } finally {
      first.free();
    }
  }

  get operation() {
    return this.#operation;
  }

  /** Each page: `{items, result_info?, messages}`. */
  async *pages() {
    const paginator = new Paginator(this.#operation, this.#params, { maxPages: this.#options.maxPages });
    const creds = credentialsText(this.#options.credentials, this.#operation);
    this.stop = null;
    try {
      for (;;) {
        const page = await this.#client._page(paginator, creds, { signal: this.#options.signal, timeout: this.#options.timeout });
        if (page === null) break;
        yield page;
      }
      this.stop = paginator.stop;
      if (this.stop?.anomaly) this.#client._warn(`${this.#operation}: ${this.stop.message}`, this.stop);
    } finally {
      paginator.free();
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Every item, as one array. */
  async all() {
    const items = [];
    for await (const item of this) items.push(item);
    return items;
  }
}

/** Adds `client.a.b.c(params, options)` for the operation `a.b.c`. */
function attach(client, { name, paginated }) {
  const parts = name.split(".");
  let node = client;
  for (const part of parts.slice(0, -1)) {
    if (!Object.prototype.hasOwnProperty.call(node, part)) {
      Object.defineProperty(node, part, { value: {}, enumerable: true });
    }
    node = node[part];
  }
  const method = paginated
    ? (params, options) => client.paginate(name, params, options)
    : async (params, options) => (await client.call(name, params, options)).result;
  Object.defineProperty(method, "name", { value: name });
  Object.defineProperty(node, parts[parts.length - 1], { value: method, enumerable: true });
}
