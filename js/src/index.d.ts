// Type declarations of the npm package `cloudflare-tenant`.
//
// Params and results use the API's own snake_case field names. Results are lenient, as the API
// is: every field may be missing, and fields this version does not know are kept (hence the
// index signatures). Enumerations in results may hold values this version does not know.

import type {
  OperationName,
  OperationParams,
  OperationResult,
  PaginatedOperationName,
  PolicyInput,
  TenantOperations,
} from "./operations.js";
import type { MemberSpec, OnboardingReport, OnboardingSpec, Progress } from "./flows.js";

export * from "./operations.js";
export * from "./flows.js";

// ---- shared ---------------------------------------------------------------------------------

/** A string enum of results: the known values, or any other string the API may add. */
export type Open<T extends string> = T | (string & {});

/** Fields this version does not know yet, kept as the API sent them. */
export interface Extra {
  [field: string]: unknown;
}

export type Direction = "asc" | "desc";
export type AccountType = "standard" | "enterprise";
export type MemberStatus = "accepted" | "pending" | "rejected";
export type Access = "allow" | "deny";

/** A reference by id: the bare id, or the API's own `{id}`. */
export type IdRef = string | { id: string };

/** Paging facts. `total_pages` is only in newer responses. */
export interface ResultInfo extends Extra {
  page?: number;
  per_page?: number;
  count?: number;
  total_count?: number;
  total_pages?: number;
}

/** One `errors[]` or `messages[]` entry. */
export interface ApiMessage extends Extra {
  code?: number;
  message: string;
  documentation_url?: string;
  source?: { pointer?: string; [field: string]: unknown };
}

/** What parseResponse and TenantClient.call return. */
export interface ApiResponse<R> {
  result: R;
  /** Present when the response had one. */
  result_info?: ResultInfo;
  messages: ApiMessage[];
}

/**
 * A secret string (a created user's `api_key`): `String(secret)`, template strings,
 * `JSON.stringify` and `util.inspect` (so `console.log`) give `***`. Pass it as a credential as
 * it is; `expose()` gives the value, for a secret store.
 */
export class Secret {
  constructor(value: string);
  /** The value itself. Call it only where the value must leave the program. */
  expose(): string;
  /** `***`. */
  toString(): string;
  /** `***`. */
  toJSON(): string;
}

// ---- the operations -------------------------------------------------------------------------

export type ParamsOf<N extends OperationName> = OperationParams[N];
export type ResultOf<N extends OperationName> = OperationResult[N];
/** One element of a paginated list. */
export type ItemOf<N extends PaginatedOperationName> = OperationResult[N] extends Array<infer I> ? I : never;

export interface OperationInfo {
  name: OperationName;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  paginated: boolean;
  /** The result fields that hold secrets; they come back as Secrets. */
  secret_fields: string[];
}

// ---- sans-IO --------------------------------------------------------------------------------

/** A credential value: a string (visible ASCII), or a Secret such as a created user's `api_key`. */
export type CredentialValue = string | Secret;

/** Exactly one of the three forms. */
export type Credentials =
  | { apiToken: CredentialValue; apiEmail?: undefined; apiKey?: undefined; userServiceKey?: undefined }
  | { apiEmail: string; apiKey: CredentialValue; apiToken?: undefined; userServiceKey?: undefined }
  | { userServiceKey: CredentialValue; apiToken?: undefined; apiEmail?: undefined; apiKey?: undefined };

/** No default credentials: each call brings its own. */
export type NoCredentials = { apiToken?: undefined; apiEmail?: undefined; apiKey?: undefined; userServiceKey?: undefined };

export interface BuildOptions {
  /** Default `https://api.cloudflare.com/client/v4`. */
  baseUrl?: string;
  /** Default `cloudflare-tenant/<version>`. */
  userAgent?: string;
}

/** A request ready for `fetch(url, {method, headers, body})`. */
export interface HttpRequest {
  method: string;
  url: string;
  /** Lower-case names. Holds the credential headers: do not log it. */
  headers: Record<string, string>;
  /** The names of the headers that carry a secret (lower-case): mask them in any log. */
  sensitive_headers: string[];
  body: string | null;
}

export type HeadersInput =
  | Headers
  | Map<string, string>
  | Iterable<readonly [string, string]>
  | Record<string, string | string[] | undefined>;

export type BodyInput = string | Uint8Array | ArrayBuffer | ArrayBufferView | null | undefined;

export interface HttpResponse {
  status: number;
  headers?: HeadersInput;
  /** Bytes keep a body that is not UTF-8 exactly as sent. */
  body?: BodyInput;
}

/**
 * Builds the request for an operation; throws ValidationError on bad params or credentials.
 * Pure: `accounts.create` carries an `Idempotency-Key` only when `idempotency_key` is given
 * (TenantClient draws one per create; a resend must carry the same one).
 */
export function buildRequest<N extends OperationName>(
  operation: N,
  params: ParamsOf<N> | undefined,
  credentials: Credentials,
  options?: BuildOptions,
): HttpRequest;

/** Reads a response to an operation; throws CloudflareApiError, ResponseDecodeError, ValidationError. */
export function parseResponse<N extends OperationName>(operation: N, response: HttpResponse): ApiResponse<ResultOf<N>>;

/** parseResponse for a `fetch` Response (consumes its body); an opaque redirect is a RedirectError. */
export function parseFetchResponse<N extends OperationName>(
  operation: N,
  response: Response,
): Promise<ApiResponse<ResultOf<N>>>;

/** Every operation, in the order of the API reference. */
export function operations(): OperationInfo[];

/** The `User-Agent` sent unless told otherwise. */
export function defaultUserAgent(): string;

/** Why a paginator stopped. `anomaly`: the listing may be incomplete. */
export interface PaginationStop {
  reason: "last_page" | "short_page" | "empty_page" | "total_count" | "repeated_page" | "page_cap" | "other";
  message: string;
  anomaly: boolean;
  /** For `repeated_page`. */
  page?: number;
  first_seen?: number;
  /** For `page_cap`. */
  max_pages?: number;
}

export interface Page<T> {
  items: T[];
  result_info?: ResultInfo;
  messages: ApiMessage[];
}

/** The sans-IO pagination state machine. */
export class Paginator<N extends PaginatedOperationName = PaginatedOperationName> {
  constructor(operation: N, params?: ParamsOf<N>, options?: { maxPages?: number });
  readonly operation: N;
  /** The params of the next page, or null when done. */
  nextParams(): ParamsOf<N> | null;
  nextParamsText(): string | null;
  /** The request for the next page, or null when done. */
  nextRequest(credentials: Credentials, options?: BuildOptions): HttpRequest | null;
  /** The page's new items; throws what an error response carries (the page is asked again). */
  feed(response: HttpResponse): ItemOf<N>[];
  feedPage(response: HttpResponse): Page<ItemOf<N>>;
  readonly stop: PaginationStop | null;
  readonly done: boolean;
  free(): void;
}

// ---- errors ---------------------------------------------------------------------------------

export type ErrorKind = "invalid" | "api" | "decode" | "unknown_operation" | "transport" | "outcome_unknown" | "redirect" | "internal";

/** Base class of every error of this package. */
export class CloudflareError extends Error {
  readonly kind: ErrorKind;
  /** The dotted operation name, when the error belongs to one. */
  readonly operation: string | null;
  /** The core's JSON view of the error (shared with the Rust and Python hosts). */
  readonly detail: Record<string, unknown> | null;
  toJSON(): Record<string, unknown>;
}

/** Bad input, refused before any request existed. */
export class ValidationError extends CloudflareError {
  readonly kind: "invalid" | "unknown_operation";
  /** The parameter at fault, as the caller named it (`account_id`, `policies[0].access`). */
  readonly field: string | null;
  readonly reason: string;
}

export class UnknownOperationError extends ValidationError {
  readonly kind: "unknown_operation";
}

/** The API answered with an error envelope (a non-2xx status, or `success: false`). */
export class CloudflareApiError extends CloudflareError {
  readonly kind: "api";
  readonly status: number;
  readonly errors: ApiMessage[];
  readonly messages: ApiMessage[];
  /** The `cf-ray` header. */
  readonly rayId: string | null;
  /** Seconds to wait before retrying, when the server said. */
  readonly retryAfter: number | null;
  /** The first error code. */
  readonly code: number | null;
  hasCode(code: number): boolean;
}

/** The body was not the API's envelope (HTML from the edge, truncated), or had the wrong shape. */
export class ResponseDecodeError extends CloudflareError {
  readonly kind: "decode";
  readonly status: number;
  readonly rayId: string | null;
  /** The first 512 bytes of the body. */
  readonly snippet: string;
  readonly reason: string;
  readonly retryAfter: number | null;
}

/**
 * The answer was a redirect, which is never followed (it would carry the credentials to another
 * host): a proxy or a wrong `baseUrl`.
 */
export class RedirectError extends CloudflareError {
  readonly kind: "redirect";
  /** The 3xx status; 0 in a browser, which hides it. */
  readonly status: number;
  /** The `Location` header, when known. */
  readonly location: string | null;
}

/** `fetch` failed (no response, the timeout, a body over `maxBodyBytes`) and retries did not help. */
export class TransportError extends CloudflareError {
  readonly kind: "transport";
  /** Whether the request may have left. */
  readonly sent: boolean;
  /** The transport's own words. */
  readonly reason: string;
}

/**
 * A POST (or PATCH) got a 408 or 5xx, or no response: it may have been carried out, so it was
 * not resent. A keyed create (`accounts.create`, which always carries an idempotency key) is
 * resent with its key instead, and fails so only once its retries ran out. Look before
 * retrying (the account by name, the member by e-mail).
 */
export class OutcomeUnknownError extends CloudflareError {
  readonly kind: "outcome_unknown";
  readonly method: string | null;
  /** The status of the answer, when one came. */
  readonly status: number | null;
  readonly rayId: string | null;
  readonly reason: string;
}

// ---- the client -----------------------------------------------------------------------------

export type Fetch = (
  input: string,
  init: { method: string; headers: Record<string, string>; body?: string; redirect: "manual"; signal: AbortSignal },
) => Promise<Response>;

/**
 * Retries, as the core decides them: 429 for every method after the server's wait; 408, 5xx and
 * transport errors for GET, PUT and DELETE only. Durations in seconds.
 */
export interface RetryOptions {
  /** Default 2. */
  maxRetries?: number;
  /** Default 0.5, doubling. */
  initialBackoff?: number;
  /** Default 8. */
  maxBackoff?: number;
  /** The longest wait a server may ask for; past it the call fails. Default 120. */
  maxRetryAfter?: number;
}

/** The client's options without credentials: the second argument of `new TenantClient(credentials, options)`. */
export type TenantClientSettings = {
  /** Default: `globalThis.fetch`, looked up at each call. In a Worker, bind service fetches. */
  fetch?: Fetch;
  baseUrl?: string;
  userAgent?: string;
  /** `false`: never retry. */
  retry?: false | RetryOptions;
  /**
   * Keep under a request budget instead of running into 429s: before each send, wait until the
   * identity signing it (the client's credentials, each per-call credential, each service user)
   * is within budget. `true`: Cloudflare's 1,200 requests per 300 s. Default off. Or a pacer
   * shared with other clients (other isolates, other Workers), such as a `TenantPacer` Durable
   * Object's stub: every send of this client waits for a place in its one budget instead.
   */
  pace?: boolean | PaceOptions | SharedPacer;
  /**
   * Seconds one attempt may take, connecting, headers and the whole body included; past it the
   * attempt counts as lost (a GET or a keyed create is retried, another POST fails with
   * OutcomeUnknownError). Default 60.
   */
  timeout?: number;
  /** The largest response body read, in bytes; a larger one counts as lost. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Told when a listing stopped early (a repeated page, the page cap). Default console.warn. */
  onWarning?: (message: string, detail: PaginationStop) => void;
};

export type TenantClientOptions = (Credentials | NoCredentials) & TenantClientSettings;

export interface CallOptions {
  /** Sign this call with other credentials (e.g. a service user's `{userServiceKey}`). */
  credentials?: Credentials;
  signal?: AbortSignal;
  /** Seconds each attempt of this call may take, instead of the client's `timeout`. */
  timeout?: number;
}

/** At most `limit` sends in any `window` seconds. */
export interface PaceOptions {
  limit: number;
  window: number;
}

/** The answer a send got, as a shared pacer is told of it: its headers, for the server's count. */
export interface PaceAnswer {
  headers: [string, string][];
}

/**
 * A budget shared by many clients (`pace`), such as a `TenantPacer` Durable Object's stub:
 * `acquire()` resolves once a place in the budget is taken, to a ticket; the client sends at once
 * and then hands the ticket back with `settle(ticket, {headers})`, or `settle(ticket)` when no
 * answer came. It is never given a credential.
 */
export interface SharedPacer {
  acquire(): Promise<string> | string;
  settle(ticket: string, answer?: PaceAnswer): Promise<void> | void;
}

/**
 * Workers only (exported by the `workerd` entry): a Durable Object holding one credential's rate
 * limit budget for every isolate and Worker that sends with it. Export it from your Worker and
 * bind it (`class_name = "TenantPacer"`), then pass a stub as the client's `pace`:
 * `env.TENANT_PACER.get(env.TENANT_PACER.idFromName("partner@example.com"))`. One object per
 * budget: name it after the Cloudflare user or account-owned token, never after the secret.
 * The budget is 1,200 requests per 300 s unless the bindings `TENANT_PACER_LIMIT` and
 * `TENANT_PACER_WINDOW` (seconds) say otherwise. The pacing is the core's (`Pacer`).
 */
export class TenantPacer implements SharedPacer {
  constructor(ctx: unknown, env: TenantPacerEnv);
  acquire(): Promise<string>;
  settle(ticket: string, answer?: PaceAnswer): void;
}

/** The bindings a `TenantPacer` reads: its budget, as strings (wrangler `[vars]`) or numbers. */
export interface TenantPacerEnv {
  TENANT_PACER_LIMIT?: string | number;
  TENANT_PACER_WINDOW?: string | number;
}

/** What `Pacer.acquire` says: send now with this ticket, or sleep `wait` seconds and ask again. */
export type Acquired = { ticket: number; wait?: undefined } | { wait: number; ticket?: undefined };

/**
 * A request budget, sans-IO: `acquire(now)` right before a send; on `{wait}` sleep and ask
 * again; on `{ticket}` send, and once the answer came (or the send failed or was abandoned)
 * `settle(ticket, now)`, always, then `observe(headers)` the answer's headers. A send holds its
 * place from hand-off until a window after its answer. `now` is a monotonic clock in seconds
 * (default `performance.now() / 1000`).
 */
export class Pacer {
  /** No options: Cloudflare's documented budget, 1,200 requests per 300 s. */
  constructor(options?: PaceOptions);
  /** Cloudflare's documented budget, 1,200 requests per 300 s (per credential). */
  static cloudflare(): Pacer;
  /** Takes a place in the budget at `now` (`{ticket}`), or says how long to wait (`{wait}`). */
  acquire(now?: number): Acquired;
  /** The send of `ticket` ended at `now`. */
  settle(ticket: number, now?: number): void;
  /** After `settle`: the answer's headers, whose `Ratelimit` count holds the budget back when others spend it too. */
  observe(headers: HeadersInput, now?: number): void;
  free(): void;
}

// ---- onboarding -----------------------------------------------------------------------------

/** A member to invite: the name {@link MemberSpec} has in every host. */
export type OnboardingMember = MemberSpec;

export interface OnboardOptions {
  /** The partner's credentials for this onboarding, instead of the client's. */
  credentials?: Credentials;
  signal?: AbortSignal;
  /** Seconds each request may take, instead of the client's `timeout`. */
  timeout?: number;
}

export interface OnboardManyOptions extends OnboardOptions {
  /** Onboardings run at once, each with at most one request in flight. Default 8. */
  concurrency?: number;
  /** Told after each answer; a throw stops the run, as an abort does. */
  onProgress?: (progress: Progress) => void;
}

export interface ListOptions extends CallOptions {
  /** Stop after this many pages (default 1000). */
  maxPages?: number;
}

/** Every item of every page, fetched as consumed. */
export class PageIterator<T> implements AsyncIterable<T> {
  readonly operation: string;
  /** Why the last run stopped, once it has. */
  stop: PaginationStop | null;
  [Symbol.asyncIterator](): AsyncIterator<T>;
  pages(): AsyncGenerator<Page<T>, void, undefined>;
  all(): Promise<T[]>;
}

export class TenantClient {
  constructor(options?: TenantClientOptions);
  constructor(credentials: Credentials, options: TenantClientSettings);
  readonly baseUrl: string;
  /** Any operation by name; resolves to the whole response. */
  call<N extends OperationName>(operation: N, params?: ParamsOf<N>, options?: CallOptions): Promise<ApiResponse<ResultOf<N>>>;
  paginate<N extends PaginatedOperationName>(operation: N, params?: ParamsOf<N>, options?: ListOptions): PageIterator<ItemOf<N>>;
  /**
   * Onboards one customer with the core's flow: never a second account (looked up by name
   * first; its create carries an idempotency key, so a lost answer is resent with the same key,
   * and looked up by name should it stay unknown), members by role names,
   * and the service user accepting as itself. Failed steps are in the report; a bad spec is a
   * ValidationError before any request.
   */
  onboard(spec: OnboardingSpec, options?: OnboardOptions): Promise<OnboardingReport>;
  /**
   * Onboards many customers, `concurrency` at a time with several requests in flight: each as
   * `onboard` does it, ids resolved by name looked up by the first onboardings and reused by
   * every one started after, every request paced by the budget of the identity that signs it
   * (the client's `pace`), each account create keyed. One report per spec, in order. A bad spec is a ValidationError naming it (`specs[3].name`) before any
   * request; an abort rejects with the signal's reason.
   */
  onboardMany(specs: OnboardingSpec[], options?: OnboardManyOptions): Promise<OnboardingReport[]>;
}

export interface TenantClient extends TenantOperations {}
