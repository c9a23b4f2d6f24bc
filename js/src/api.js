// The sans-IO surface: buildRequest, parseResponse, operations, Paginator, Pacer. Every
// Cloudflare decision is made by the core (Rust, compiled to WebAssembly); this file only
// converts JS values to the JSON text the core reads and the core's answers and errors back to
// JS values.

import * as core from "./cloudflare_tenant_wasm.js";
import { CloudflareError, ValidationError, fromCoreView } from "./errors.js";
import { Secret, maskFields } from "./secret.js";

// ---- calling the core -----------------------------------------------------------------------

/** Runs a core call, turning what it throws into this package's error classes. */
export function callCore(fn) {
  try {
    return fn();
  } catch (error) {
    throw translate(error);
  }
}

function translate(error) {
  if (error instanceof CloudflareError) return error;
  // The core throws its errors as the JSON text of their view.
  if (typeof error === "string") {
    let view = null;
    try {
      view = JSON.parse(error);
    } catch {
      // not the core's
    }
    if (view && typeof view === "object" && typeof view.kind === "string") return fromCoreView(view);
  }
  if (typeof WebAssembly !== "undefined" && error instanceof WebAssembly.RuntimeError) {
    let panic = null;
    try {
      panic = core.takePanic() ?? null;
    } catch {
      // the module may be unusable; report the trap itself
    }
    return new CloudflareError(
      `internal error in the cloudflare-tenant core: ${panic ?? error.message}; please report it`,
      { kind: "internal", cause: error },
    );
  }
  return error;
}

// ---- arguments to JSON text -----------------------------------------------------------------

const CREDENTIAL_KEYS = {
  apiToken: "api_token",
  apiEmail: "api_email",
  apiKey: "api_key",
  userServiceKey: "user_service_key",
  // The core's own spelling (the fixture corpus uses it) is taken as well.
  api_token: "api_token",
  api_email: "api_email",
  api_key: "api_key",
  user_service_key: "user_service_key",
};

/**
 * `{apiToken} | {apiEmail, apiKey} | {userServiceKey}` as the core's JSON, or undefined. A value
 * may be a Secret (a created user's `api_key`): its value is sent.
 */
export function credentialsText(credentials, operation = null) {
  if (credentials === undefined || credentials === null) return undefined;
  if (typeof credentials !== "object" || Array.isArray(credentials)) {
    throw new ValidationError(
      "invalid `credentials`: must be an object {apiToken} | {apiEmail, apiKey} | {userServiceKey}",
      { field: "credentials", reason: "must be an object", operation },
    );
  }
  const out = {};
  // for...in with an own-key check: the keys Object.entries gives, without its arrays.
  for (const key in credentials) {
    if (!Object.hasOwn(credentials, key)) continue;
    const value = credentials[key];
    if (value === undefined) continue;
    const name = CREDENTIAL_KEYS[key];
    if (name === undefined) {
      // The key is the caller's; the value may be a secret and is never echoed.
      throw new ValidationError(
        `invalid \`credentials\`: unknown key \`${String(key).slice(0, 40)}\`; expected apiToken, apiEmail + apiKey, or userServiceKey`,
        { field: "credentials", reason: "unknown key", operation },
      );
    }
    out[name] = value instanceof Secret ? value.expose() : value;
  }
  return JSON.stringify(out);
}

/** Parameters as JSON text (`undefined` fields are left out, as JSON.stringify does). */
export function paramsText(params, operation = null) {
  if (params === undefined) return "null";
  try {
    return JSON.stringify(params);
  } catch (error) {
    throw new ValidationError(`invalid \`params\`: not representable as JSON (${error.message})`, {
      field: "params",
      reason: "not representable as JSON",
      operation,
      cause: error,
    });
  }
}

/** Headers (Headers, Map, [[name, value]] or a plain object) as `[[name, value], ...]`. */
export function headerPairs(headers) {
  const pairs = [];
  if (headers === undefined || headers === null) return pairs;
  if (typeof headers.forEach === "function" && !Array.isArray(headers)) {
    // Headers and Map both call back with (value, name).
    headers.forEach((value, name) => pairs.push([String(name), String(value)]));
  } else if (Array.isArray(headers) || typeof headers[Symbol.iterator] === "function") {
    for (const [name, value] of headers) pairs.push([String(name), String(value)]);
  } else if (typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) pairs.push([name, String(v)]);
      else pairs.push([name, String(value)]);
    }
  }
  return pairs;
}

/** Headers in any form `headerPairs` takes, as JSON text of pairs. */
export function headersText(headers) {
  return JSON.stringify(headerPairs(headers));
}

/**
 * Refuses a status the core could not be given (it takes 0..65535); which statuses make sense
 * is the core's call (0 is a browser's opaque redirect).
 */
function checkStatus(status, operation) {
  if (!Number.isInteger(status) || status < 0 || status > 0xffff) {
    throw new ValidationError("invalid `status`: must be an HTTP status code (an integer)", {
      field: "status",
      reason: "must be an integer",
      operation,
    });
  }
}

/**
 * The status to hand the core for a `fetch` Response: a browser's opaque redirect (`redirect:
 * "manual"`) has status 0 and is still a redirect, which the core refuses.
 */
export function statusOf(response) {
  return response.type === "opaqueredirect" ? 0 : response.status;
}

/** A body as the core reads it: a string, or bytes. */
function bodyOf(body, operation) {
  if (body === undefined || body === null) return "";
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new ValidationError("invalid `body`: must be a string, a Uint8Array or an ArrayBuffer (read the response first)", {
    field: "body",
    reason: "must be a string, a Uint8Array or an ArrayBuffer",
    operation,
  });
}

// ---- the sans-IO functions ------------------------------------------------------------------

/**
 * The request for `operation`: `{method, url, headers, sensitive_headers, body}`, ready for
 * `fetch(url, {method, headers, body})`. Headers are a plain object with lower-case names;
 * `sensitive_headers` names those that carry a secret; body is a string or null.
 * Pure: an `Idempotency-Key` goes out only when `params` holds `idempotency_key` (the client
 * draws one per create; here, draw one per create and send it again on every resend).
 */
export function buildRequest(operation, params, credentials, options = undefined) {
  const creds = credentialsText(credentials, operation);
  const text = paramsText(params, operation);
  const { baseUrl, userAgent } = options === undefined || options === null ? NO_OPTIONS : requestOptions(options, operation);
  const name = String(operation);
  let built;
  try {
    built = core.buildRequest(name, text, creds, baseUrl ?? undefined, userAgent ?? undefined);
  } catch (error) {
    throw translate(error);
  }
  return JSON.parse(built);
}

const NO_OPTIONS = Object.freeze({});

/** buildRequest's `options`: `{baseUrl, userAgent}`, nothing else. */
function requestOptions(options, operation) {
  const { baseUrl, userAgent, ...unknown } = options;
  rejectUnknownOptions(unknown, ["baseUrl", "userAgent"], operation);
  return { baseUrl, userAgent };
}

export function rejectUnknownOptions(unknown, known, operation = null) {
  const keys = Object.keys(unknown);
  if (keys.length > 0) {
    throw new ValidationError(
      `invalid \`options\`: unknown key \`${keys[0].slice(0, 40)}\`; expected ${known.join(", ")}`,
      { field: "options", reason: "unknown key", operation },
    );
  }
}

/**
 * Reads a response to `operation`: `{status, headers, body}` with the body as a string or
 * bytes. Returns `{result, result_info?, messages}` or throws CloudflareApiError,
 * ResponseDecodeError or ValidationError.
 */
export function parseResponse(operation, response) {
  const { status, headers, body } = response ?? {};
  checkStatus(status, operation);
  const data = bodyOf(body, operation);
  const h = headersText(headers);
  const meta = callCore(() =>
    typeof data === "string"
      ? core.checkText(String(operation), status, h, data)
      : core.checkBytes(String(operation), status, h, data),
  );
  return { result: readResult(data, secretFieldsOf(String(operation))), ...JSON.parse(meta) };
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * The body's `result`, with `secretFields` as Secrets. Call it only once the core has accepted
 * the body: the core checks it against the operation's model (depth included) without
 * building it; JSON.parse then builds the objects, faster than any crossing out of
 * WebAssembly could.
 */
export function readResult(body, secretFields) {
  const result = JSON.parse(typeof body === "string" ? body : utf8.decode(body)).result ?? null;
  return maskFields(result, secretFields);
}

/** Reads a `fetch` Response (consumes its body) with parseResponse. */
export async function parseFetchResponse(operation, response) {
  const body = new Uint8Array(await response.arrayBuffer());
  return parseResponse(operation, { status: statusOf(response), headers: response.headers, body });
}

let operationList = null;
let secretFields = null;

function catalog() {
  operationList ??= Object.freeze(
    JSON.parse(core.operations()).map((op) => Object.freeze({ ...op, secret_fields: Object.freeze(op.secret_fields) })),
  );
  return operationList;
}

/**
 * Every operation: `[{name, method, paginated, secret_fields}]`, in the order of the API
 * reference; `secret_fields` names the result fields that come back as Secrets.
 */
export function operations() {
  return catalog().map((op) => ({ ...op, secret_fields: [...op.secret_fields] }));
}

/** The result fields of `operation` that hold secrets (the core's list). */
function secretFieldsOf(operation) {
  secretFields ??= new Map(catalog().map((op) => [op.name, op.secret_fields]));
  return secretFields.get(operation) ?? [];
}

/** The `User-Agent` sent unless told otherwise. */
export function defaultUserAgent() {
  return core.defaultUserAgent();
}

/**
 * Pages through a paginated list operation, sans-IO: `nextParams()` (or `nextRequest()`),
 * send it, then `feed(response)` returns the page's items. `stop` says why it ended; a stop with
 * `anomaly: true` (a repeated page, the page cap) means the listing may be incomplete.
 */
export class Paginator {
  #inner;
  #operation;

  constructor(operation, params, { maxPages } = {}) {
    const text = paramsText(params, operation);
    checkMaxPages(maxPages, operation);
    this.#inner = callCore(() => new core.Paginator(String(operation), text, maxPages));
    this.#operation = String(operation);
  }

  get operation() {
    this.#live();
    return this.#operation;
  }

  /** The params of the next page, or null when done. */
  nextParams() {
    const text = this.#live().nextParams();
    return text === undefined ? null : JSON.parse(text);
  }

  /** The next page's JSON params as text (what `buildRequest` would stringify), or null. */
  nextParamsText() {
    return this.#live().nextParams() ?? null;
  }

  /** The request for the next page (see buildRequest), or null when done. */
  nextRequest(credentials, options) {
    const params = this.nextParams();
    return params === null ? null : buildRequest(this.operation, params, credentials, options);
  }

  /**
   * Reads the response to the last page's request and returns its new items; throws what the
   * response carries (and the same page is asked for again next).
   */
  feed(response) {
    return this.feedPage(response).items;
  }

  /** Like feed, with the page's `result_info` and `messages`: `{items, result_info?, messages}`. */
  feedPage(response) {
    const inner = this.#live();
    const { status, headers, body } = response ?? {};
    checkStatus(status, this.#operation);
    const data = bodyOf(body, this.#operation);
    const h = headersText(headers);
    const meta = callCore(() => inner.feed(status, h, typeof data === "string" ? utf8Encoder.encode(data) : data));
    // `keep` is false for a page that repeats an earlier one: its items are dropped.
    const { keep, ...rest } = JSON.parse(meta);
    return { items: keep ? readResult(data, secretFieldsOf(this.#operation)) ?? [] : [], ...rest };
  }

  /** Why it stopped: `{reason, message, anomaly, ...}`, or null while pages remain. */
  get stop() {
    const text = this.#live().stop();
    return text === undefined ? null : JSON.parse(text);
  }

  get done() {
    return this.#live().nextParams() === undefined;
  }

  /** Frees the WebAssembly memory now (it is freed when collected otherwise). */
  free() {
    this.#inner?.free();
    this.#inner = null;
  }

  #live() {
    if (!this.#inner) throw new CloudflareError("this Paginator was freed", { kind: "internal" });
    return this.#inner;
  }
}

/** `maxPages`: a page cap, an integer >= 1 (or undefined for the core's default). */
export function checkMaxPages(maxPages, operation = null) {
  if (maxPages !== undefined && !(Number.isInteger(maxPages) && maxPages >= 1 && maxPages <= 0xffffffff)) {
    throw new ValidationError("invalid `maxPages`: must be a positive integer", {
      field: "maxPages",
      reason: "must be a positive integer",
      operation,
    });
  }
  return maxPages;
}

// ---- pacing ---------------------------------------------------------------------------------

/** A monotonic clock in milliseconds (`performance.now()`; `Date.now()` where there is none). */
export function monotonicMs() {
  const performance = globalThis.performance;
  return typeof performance?.now === "function" ? performance.now() : Date.now();
}

const monotonicSeconds = () => monotonicMs() / 1000;

const CLOUDFLARE_BUDGET = Symbol("cloudflare budget");

/**
 * A request budget, sans-IO: at most `limit` sends in any `window` seconds; `new Pacer()` and
 * `Pacer.cloudflare()` give Cloudflare's documented budget, 1,200 per 300 s (per credential).
 * Right before a send, `acquire(now)`: `{ticket}` means the place is taken, send now; `{wait}`
 * means sleep that many seconds and ask again. Once the answer came (or the send failed or was
 * abandoned) `settle(ticket, now)`, always: a send holds its place from hand-off until a window
 * after its answer, so however the server counts, no window of its sees more than `limit`; then
 * `observe(headers)` the answer's headers, for the server's own count.
 * `now` is a monotonic clock in seconds; it defaults to `performance.now() / 1000`.
 */
export class Pacer {
  #inner;

  constructor(options = CLOUDFLARE_BUDGET) {
    if (options === CLOUDFLARE_BUDGET) {
      this.#inner = core.Pacer.cloudflare();
      return;
    }
    const { limit, window } = budgetOf(options);
    this.#inner = callCore(() => new core.Pacer(limit, window));
  }

  /** Cloudflare's documented budget: 1,200 requests per 300 seconds. */
  static cloudflare() {
    return new Pacer(CLOUDFLARE_BUDGET);
  }

  /** `{ticket}`: the budget is taken, send now; `{wait}`: seconds to sleep before asking again. */
  acquire(now = monotonicSeconds()) {
    return JSON.parse(this.#live().acquire(checkNow(now)));
  }

  /** The send of `ticket` ended at `now` (answered, failed or abandoned). */
  settle(ticket, now = monotonicSeconds()) {
    if (!Number.isSafeInteger(ticket) || ticket < 0) {
      throw new ValidationError("invalid `ticket`: must be a ticket from acquire()", { field: "ticket", reason: "must be a ticket from acquire()" });
    }
    this.#live().settle(ticket, checkNow(now));
  }

  /**
   * What an answer's headers (Headers, a Map, pairs or a plain object) say of the budget:
   * when others spend the same credential's budget, the server's `Ratelimit` count holds this
   * pacer back until its reset. Call it after `settle`, with the answer's headers.
   */
  observe(headers, now = monotonicSeconds()) {
    const text = headersText(headers);
    callCore(() => this.#live().observe(text, checkNow(now), Date.now()));
  }

  /** Frees the WebAssembly memory now (it is freed when collected otherwise). */
  free() {
    this.#inner?.free();
    this.#inner = null;
  }

  #live() {
    if (!this.#inner) throw new CloudflareError("this Pacer was freed", { kind: "internal" });
    return this.#inner;
  }
}

/** `{limit, window}`: a budget of numbers (the core checks their values). */
export function budgetOf(options) {
  if (options === null || typeof options !== "object") {
    throw new ValidationError("invalid `options`: must be an object {limit, window}", { field: "options", reason: "must be an object" });
  }
  const { limit, window, ...unknown } = options;
  rejectUnknownOptions(unknown, ["limit", "window"]);
  if (typeof limit !== "number" || typeof window !== "number") {
    const field = typeof limit !== "number" ? "limit" : "window";
    throw new ValidationError(`invalid \`${field}\`: must be a number`, { field, reason: "must be a number" });
  }
  return { limit, window };
}

function checkNow(now) {
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0) {
    throw new ValidationError("invalid `now`: must be a monotonic clock reading in seconds (a number >= 0)", {
      field: "now",
      reason: "must be a number >= 0",
    });
  }
  return now;
}
