// TenantClient: the core's exchange machines driven over `fetch`. One method per operation,
// named by its dotted name (client.accounts.members.list). Paginated lists return a
// PageIterator; every other operation returns a Promise of its result.

import * as core from "./cloudflare_tenant_wasm.js";
import {
  budgetOf,
  callCore,
  checkMaxPages,
  credentialsText,
  headerPairs,
  headersText,
  monotonicMs,
  operations,
  paramsText,
  readResult,
  rejectUnknownOptions,
  statusOf,
} from "./api.js";
import { CloudflareError, ValidationError, fromCoreView } from "./errors.js";
import { maskFields } from "./secret.js";

const CLIENT_OPTIONS = [
  "apiToken", "apiEmail", "apiKey", "userServiceKey", "fetch", "baseUrl", "userAgent", "retry", "pace", "timeout", "maxBodyBytes", "onWarning",
];
const RETRY_OPTIONS = ["maxRetries", "initialBackoff", "maxBackoff", "maxRetryAfter"];
const CALL_OPTIONS = ["credentials", "signal", "timeout", "maxPages"];
const ONBOARD_OPTIONS = ["credentials", "signal", "timeout"];
const ONBOARD_MANY_OPTIONS = ["concurrency", "onProgress", "credentials", "signal", "timeout"];
/** Onboardings run at once by `onboardMany` unless told otherwise. */
/** The most bytes one `crypto.getRandomValues` call fills. */
const MAX_RANDOM_BYTES = 65536;
/** Seconds one attempt may take, from the hand-off to fetch to the body's last byte. */
const DEFAULT_TIMEOUT = 60;
/** The largest body read: the API's biggest pages are well under 1 MiB. */
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** setTimeout's longest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * 16 random bytes, drawn once per call and per onboarding (never per resend): the core makes
 * the idempotency key of a create from them. Web Crypto: workerd, browsers, Node >= 20.
 */
const randomBytes = () => globalThis.crypto.getRandomValues(new Uint8Array(16));

/** 16 random bytes for each of `count` onboardings, one after the other. */
function randomBytesFor(count) {
  const bytes = new Uint8Array(16 * count);
  for (let at = 0; at < bytes.length; at += MAX_RANDOM_BYTES) {
    globalThis.crypto.getRandomValues(bytes.subarray(at, at + MAX_RANDOM_BYTES));
  }
  return bytes;
}

/** The default transport: the global fetch, looked up at call time and called unbound. */
const globalFetch = (input, init) => globalThis.fetch(input, init);

/**
 * Credentials from the environment, when the runtime has one (Node; a Worker's bindings are not
 * global), as JSON text: which variables and in which order is the core's to say.
 */
function credentialsFromEnvironment() {
  const env = globalThis.process?.env;
  return env ? callCore(() => core.credentialsFromEnvironment(env)) : undefined;
}

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
 * the identity that signs it; or a pacer shared with other clients, such as a TenantPacer
 * Durable Object's stub, whose one budget every send waits for; default off), `timeout`
 * (seconds one attempt may take, connecting
 * and the whole body included; default 60), `maxBodyBytes` (the largest answer read; default
 * 32 MiB). Redirects are never followed: they would carry the credentials to another host.
 * Without credentials, the client reads `CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and
 * `CLOUDFLARE_API_KEY`, from the environment where there is one (Node); given ones always win.
 * Credentials may also be left out and given with each call instead. Credentials and options come
 * in one object, or as two: `new TenantClient({apiToken}, {fetch, baseUrl})`.
 */
export class TenantClient {
  /** The core's client: base URL, user agent, credentials and retry policy. */
  #core;
  /** The core's budgets, one per identity, shared by every call, list and onboarding. */
  #pacers;
  /** A budget shared with other clients (`pace: {acquire, settle}`); then `#pacers` is off. */
  #shared;
  #fetch;
  #onWarning;
  #timeout;
  #maxBodyBytes;

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
    const creds = Object.keys(given).length > 0 ? credentialsText(given) : credentialsFromEnvironment();
    const policy = retryPolicy(retry);
    this.#core = callCore(() => new core.Core(creds, baseUrl ?? undefined, userAgent ?? undefined, ...policy));
    this.#shared = isSharedPacer(pace) ? pace : undefined;
    this.#pacers = this.#shared ? core.Pacers.off() : pacersOf(pace);
    this.#fetch = fetch ?? globalFetch;
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
    const call = callCore(() => core.Machine.call(this.#core, String(operation), text, creds, randomBytes()));
    try {
      const { done, body } = await this._drive(call, { signal, timeout, operation });
      const { secret_fields, ...meta } = done;
      return { result: readResult(body, secret_fields), ...meta };
    } finally {
      call.free();
    }
  }

  /** Every item of a paginated list, page after page (see PageIterator). */
  paginate(operation, params, options = {}) {
    const { credentials, signal, timeout, maxPages } = callOptions(options, operation);
    return new PageIterator(this, String(operation), params, { credentials, signal, timeout, maxPages });
  }

  /**
   * Onboards one customer with the core's onboarding flow: the account (looked up by name
   * first, never created twice), its members, and optionally a service user that accepts its
   * own invitation. The account's create carries an idempotency key (one per onboarding): when
   * its answer is lost (a 502, a lost connection) it is resent with that key, and looked up by
   * name if it stays unknown; any other create whose outcome is unknown is looked up, not
   * resent. Resolves to the report `{account, members, service_user, api_key, invitation,
   * complete}`; failures of single steps are in the report, not thrown. Throws a
   * ValidationError for a bad spec (before any request) and the signal's reason on abort.
   * The report's `api_key` is the new service user's key, a Secret: `expose()` it to store it.
   */
  async onboard(spec, options = {}) {
    const operation = "onboarding";
    if (options === null || typeof options !== "object") {
      throw new ValidationError("invalid `options`: must be an object", { field: "options", reason: "must be an object", operation });
    }
    const { credentials, signal, timeout, ...unknown } = options;
    rejectUnknownOptions(unknown, ONBOARD_OPTIONS, operation);
    const attempt = { signal, timeout: timeoutOption(timeout, operation), operation };
    const text = paramsText(spec, operation);
    const creds = credentialsText(credentials, operation);
    const flow = callCore(() => core.Machine.onboarding(this.#core, text, creds, randomBytes()));
    try {
      const { done } = await this._drive(flow, attempt);
      return maskFields(done.report, done.secret_fields);
    } finally {
      flow.free();
    }
  }

  /**
   * Onboards many customers with the core's bulk flow: each spec as `onboard` does it, at most
   * `concurrency` (default 8) at once, with several requests in flight. Ids resolved by name
   * (roles, permission groups, token permission groups) are looked up by the first onboardings
   * and reused by every onboarding started after the lookup; every request waits for the budget of the identity that signs it (the client's `pace`),
   * and each account create carries an idempotency key of its own. Resolves to one report per
   * spec, in the specs' order; `onProgress({done, failed, remaining, requests, current_wait})`
   * is called after each answer (a throw from it stops the run, as an abort does). Throws a
   * ValidationError for a bad spec (`specs[3].members[0].email`) before any request, and the
   * signal's reason on abort, after giving up the places of the requests in flight.
   */
  async onboardMany(specs, options = {}) {
    const operation = "onboarding";
    if (options === null || typeof options !== "object") {
      throw new ValidationError("invalid `options`: must be an object", { field: "options", reason: "must be an object", operation });
    }
    const { concurrency, onProgress, credentials, signal, timeout, ...unknown } = options;
    rejectUnknownOptions(unknown, ONBOARD_MANY_OPTIONS, operation);
    if (onProgress !== undefined && typeof onProgress !== "function") {
      throw new ValidationError("invalid `onProgress`: must be a function", { field: "onProgress", reason: "must be a function", operation });
    }
    const attempt = { signal, timeout: timeoutOption(timeout, operation), operation };
    const text = paramsText(specs, operation);
    const creds = credentialsText(credentials, operation);
    const bulk = callCore(() => core.Machine.bulk(this.#core, text, creds, concurrency, randomBytesFor(specs.length)));
    try {
      const onAnswer = onProgress && (() => onProgress(JSON.parse(bulk.progress())));
      const { done } = await this._drive(bulk, attempt, { slots: bulk.slots(), onAnswer });
      return done.reports.map((report) => maskFields(report, done.secret_fields));
    } finally {
      bulk.free();
    }
  }

  /** @internal A core list machine for `operation` (see PageIterator). */
  _list(operation, params, { credentials, maxPages }) {
    const text = paramsText(params, operation);
    const creds = credentialsText(credentials, operation);
    return callCore(() => core.Machine.list(this.#core, operation, text, creds, maxPages));
  }

  /** @internal */
  _warn(message, detail) {
    try {
      this.#onWarning(message, detail);
    } catch {
      // a failing warning handler must not break the listing
    }
  }

  /**
   * @internal The driver of every machine (a call, a list page, an onboarding, a bulk run):
   * runs it until it hands something back. A send is handed to fetch at once (it holds its
   * place in the identity's budget); while a slot is free the machine is asked again right
   * away (only a bulk run has more than one). A sleep lasts until it ends or an answer in
   * flight comes back, whichever is first; each answer and each failed attempt is fed to its
   * slot, and `onAnswer()` is told once the machine saw it. Resolves to the `{done}` or `{page}` step with `body`, the
   * bytes of the last answer, where the result is; rejects with the machine's error. Whatever
   * is thrown (the signal's reason on abort, `onAnswer`'s error), the machine first gives up
   * every place it holds and the fetches still out are aborted.
   */
  async _drive(machine, { signal, timeout, operation }, { slots = 1, onAnswer } = {}) {
    const pacers = this.#pacers;
    // The sends' own signal: the caller's, or this run's end when it fails.
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    if (signal?.aborted) stop.abort(signal.reason);
    else signal?.addEventListener?.("abort", onAbort, { once: true });
    /** slot -> the promise of its answer, `{slot, outcome}` or `{slot, thrown}`; never rejects. */
    const inFlight = new Map();
    let body;
    /** What the transport threw when the last attempt got no answer: the cause of the error. */
    let lost;
    /** An answer was fed since `onAnswer` was last told. */
    let answered = false;
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        // With every slot busy, only an answer can move the machine on.
        const busy = inFlight.size >= slots;
        const step = busy ? { sleep: Infinity } : JSON.parse(callCore(() => machine.next(pacers, monotonicMs(), Date.now())));
        // Told once the machine saw the answer's consequences (an onboarding it ended counts).
        if (answered && !busy) {
          answered = false;
          onAnswer?.();
        }
        if (step.send !== undefined) {
          const { slot, ...request } = step.send;
          const answer = this.#send(request, stop.signal, timeout ?? this.#timeout, operation).then(
            (outcome) => ({ slot, outcome }),
            (thrown) => ({ slot, thrown }),
          );
          inFlight.set(slot, answer);
        } else if (step.sleep !== undefined) {
          const first = await sleepOrFirst(step.sleep, signal, inFlight.values());
          if (first === undefined) continue;
          inFlight.delete(first.slot);
          if (first.thrown !== undefined) throw first.thrown;
          const { slot, outcome } = first;
          lost = outcome.error;
          if (lost !== undefined) {
            // Only the transport's own words (never the headers) reach the core's error.
            const sent = outcome.sent ?? !neverSent(lost);
            callCore(() => machine.feedError(slot, pacers, sent, errorText(lost), monotonicMs(), Date.now(), Math.random()));
          } else {
            const { status, headers } = outcome.response;
            body = outcome.response.body;
            const h = headersText(headers);
            callCore(() => machine.feedResponse(slot, pacers, status, h, body, monotonicMs(), Date.now(), Math.random()));
          }
          answered = true;
        } else if (step.error !== undefined) {
          throw fromCoreView(step.error, lost);
        } else {
          return { ...step, body };
        }
      }
    } catch (error) {
      stop.abort(error);
      try {
        machine.abandon(pacers, monotonicMs(), Date.now());
      } catch {
        // the first error is the one to report
      }
      throw error;
    } finally {
      signal?.removeEventListener?.("abort", onAbort);
    }
  }

  /**
   * Sends `request` once (see #exchange). With a shared pacer, first waits for a place in its
   * budget (abortable), and hands the place back once the attempt ended, with the answer's
   * headers for the server's count. A pacer that fails to give a place is an attempt that was
   * never sent: `{error, sent: false}`, retried as the core says.
   */
  async #send(request, signal, timeout, operation) {
    const shared = this.#shared;
    if (shared === undefined) return this.#exchange(request, signal, timeout, operation);
    let ticket;
    try {
      ticket = await untilAborted(shared.acquire(), signal, (late) => this.#settle(late, undefined));
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return { error: new Error(`no place from the shared pacer: ${errorText(error)}`, { cause: error }), sent: false };
    }
    let outcome;
    try {
      outcome = await this.#exchange(request, signal, timeout, operation);
      return outcome;
    } finally {
      await this.#settle(ticket, outcome?.response?.headers);
    }
  }

  /** Hands a shared pacer's place back; a failure only costs the place until the pacer's lease ends. */
  async #settle(ticket, headers) {
    try {
      await this.#shared.settle(ticket, headers === undefined ? undefined : { headers: headerPairs(headers) });
    } catch (error) {
      this._warn(`pace: the shared pacer did not take its place back (${errorText(error)})`, { error });
    }
  }

  /**
   * Sends `request` once: `{response: {status, headers, body}}`, or `{error}` when fetch
   * failed, the attempt ran out of time or the body was too large or broke off. Throws the
   * signal's reason on abort.
   */
  async #exchange(request, signal, timeout, operation) {
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
    // Too late: let go of an answer nobody will read.
    return untilAborted(promise, this.#controller.signal, (value) => value?.body?.cancel?.().catch(() => {}));
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

/**
 * Waits `seconds` (abortable) or until the first of `answers` settles, whichever comes first:
 * that answer, or undefined when the time ran out.
 */
function sleepOrFirst(seconds, signal, answers) {
  const pending = [...answers];
  if (pending.length === 0) return sleep(seconds, signal).then(() => undefined);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => settle(resolve, undefined), Math.min(Math.max(0, seconds * 1000), MAX_TIMER_MS));
    function settle(how, value) {
      clearTimeout(timer);
      signal?.removeEventListener?.("abort", abort);
      how(value);
    }
    function abort() {
      settle(reject, signal.reason);
    }
    signal?.addEventListener?.("abort", abort, { once: true });
    Promise.race(pending).then((first) => settle(resolve, first));
  });
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

/**
 * Resolves as `promise` does, or rejects with the signal's reason once it aborts; what
 * `promise` gives after that goes to `late` (a place in a budget, to give back).
 */
function untilAborted(promise, signal, late) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) late(value);
        else resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

/**
 * A pacer shared with other clients: `{acquire(), settle(ticket, answer?)}`, such as a
 * TenantPacer Durable Object's stub (every property of a stub is a function).
 */
function isSharedPacer(pace) {
  return (typeof pace === "object" || typeof pace === "function") && pace !== null && typeof pace.acquire === "function" && typeof pace.settle === "function";
}

/** `pace: true | false | {limit, window}` (seconds) as the core's Pacers. */
function pacersOf(pace) {
  if (pace === undefined || pace === null || pace === false) return core.Pacers.off();
  if (pace === true) return core.Pacers.cloudflare();
  if (typeof pace !== "object") {
    throw new ValidationError("invalid `pace`: must be true, false, {limit, window} or a shared pacer", { field: "pace", reason: "must be true, false or an object" });
  }
  const { limit, window } = budgetOf(pace);
  return callCore(() => new core.Pacers(limit, window));
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
  for (const [field, value] of Object.entries({ maxRetries, initialBackoff, maxBackoff, maxRetryAfter })) {
    if (value !== undefined && typeof value !== "number") {
      throw new ValidationError(`invalid \`retry.${field}\`: must be a number`, { field, reason: "must be a number" });
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
  return { credentials, signal, timeout: timeoutOption(timeout, operation), maxPages: checkMaxPages(maxPages, operation) };
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
    // Refuse bad params and credentials now, not at the first page.
    client._list(operation, params, options).free();
  }

  get operation() {
    return this.#operation;
  }

  /** Each page: `{items, result_info?, messages}`. */
  async *pages() {
    const list = this.#client._list(this.#operation, this.#params, this.#options);
    const { signal, timeout } = this.#options;
    this.stop = null;
    try {
      for (;;) {
        const { page, done, body } = await this.#client._drive(list, { signal, timeout, operation: this.#operation });
        if (done !== undefined) {
          this.stop = done.stop;
          break;
        }
        // A page that repeats an earlier one (`fresh` false) is passed on without its items.
        const { fresh, secret_fields, ...meta } = page;
        yield { items: fresh ? readResult(body, secret_fields) ?? [] : [], ...meta };
      }
    } finally {
      list.free();
    }
    if (this.stop.anomaly) this.#client._warn(`${this.#operation}: ${this.stop.message}`, this.stop);
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
