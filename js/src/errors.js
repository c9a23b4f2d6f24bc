// Error classes of the package. Every failure is an instance of CloudflareError; what the core
// reports becomes one of its subclasses, with the core's fields under their JS names. No error
// ever holds a credential: the core's error views have none, and the client adds none.

/** Base class of every error this package throws. */
export class CloudflareError extends Error {
  constructor(message, { kind = "internal", operation = null, detail = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    /** `invalid` | `api` | `decode` | `unknown_operation` | `transport` | `outcome_unknown` | `redirect` | `internal`. */
    this.kind = kind;
    /** The dotted operation name, when the error belongs to one. */
    this.operation = operation;
    /** The core's JSON view of the error (the same view the Rust and Python hosts expose). */
    Object.defineProperty(this, "detail", { value: detail, enumerable: false, writable: true });
  }

  toJSON() {
    return this.detail ?? { kind: this.kind, operation: this.operation, message: this.message };
  }
}

/** The caller's input was refused before a request existed; `field` names the parameter. */
export class ValidationError extends CloudflareError {
  constructor(message, { field, reason, ...rest } = {}) {
    super(message, { kind: "invalid", ...rest });
    this.field = field ?? null;
    this.reason = reason ?? message;
  }
}

/** The operation name is not one of `operations()`. */
export class UnknownOperationError extends ValidationError {
  constructor(message, options = {}) {
    super(message, { field: "operation", reason: "is not a known operation", ...options });
    this.kind = "unknown_operation";
  }
}

/** The API answered with an error envelope: a non-2xx status, or `success: false`. */
export class CloudflareApiError extends CloudflareError {
  constructor(message, { status, errors = [], messages = [], rayId = null, retryAfter = null, ...rest } = {}) {
    super(message, { kind: "api", ...rest });
    this.status = status;
    /** Every `errors[]` entry: `{code?, message, documentation_url?, source?: {pointer?}}`. */
    this.errors = errors;
    /** Every `messages[]` entry. */
    this.messages = messages;
    /** The `cf-ray` header, which Cloudflare support asks for. */
    this.rayId = rayId;
    /** Seconds to wait before retrying, when the server said (`Retry-After` & co.). */
    this.retryAfter = retryAfter;
  }

  /** The first error code, the one the API leads with. */
  get code() {
    return this.errors[0]?.code ?? null;
  }

  /** True when any `errors[]` entry carries `code`. */
  hasCode(code) {
    return this.errors.some((e) => e.code === code);
  }
}

/**
 * The body was not the API's envelope (an HTML page from the edge, a truncated body) or the
 * result had an unexpected shape. Not the API speaking, so not a CloudflareApiError; it shares
 * `status`, `rayId` and `retryAfter` with it.
 */
export class ResponseDecodeError extends CloudflareError {
  constructor(message, { status, rayId = null, snippet = "", reason = "", retryAfter = null, ...rest } = {}) {
    super(message, { kind: "decode", ...rest });
    this.status = status;
    this.rayId = rayId;
    /** The first 512 bytes of the body, decoded leniently. */
    this.snippet = snippet;
    /** What did not parse. */
    this.reason = reason;
    this.retryAfter = retryAfter;
  }
}

/** `fetch` failed (no response) and retries did not help. */
export class TransportError extends CloudflareError {
  constructor(message, { sent = true, reason = "", ...rest } = {}) {
    super(message, { kind: "transport", ...rest });
    /** Whether the request may have left. */
    this.sent = sent;
    /** The transport's own words. */
    this.reason = reason;
  }
}

/**
 * A POST (or PATCH) got a 408 or 5xx, or no response at all: it may have been carried out, so
 * it was not resent (a second `users.create` could make a second user). A create that carries
 * an idempotency key (`accounts.create`) is resent with it instead, and fails so only once its
 * retries ran out. Look before retrying: find the account by name, the member by e-mail.
 */
export class OutcomeUnknownError extends CloudflareError {
  constructor(message, { method = null, status = null, rayId = null, reason = "", ...rest } = {}) {
    super(message, { kind: "outcome_unknown", ...rest });
    this.method = method;
    /** The status of the answer, when one came. */
    this.status = status;
    this.rayId = rayId;
    /** What happened. */
    this.reason = reason;
  }
}

/**
 * The answer was a redirect (3xx). Redirects are never followed: `fetch` would carry the
 * credential headers (and a create's body) to whatever host the `Location` names. The API does
 * not redirect, so a redirect means a proxy or a wrong `baseUrl`.
 */
export class RedirectError extends CloudflareError {
  constructor(message, { status = 0, location = null, ...rest } = {}) {
    super(message, { kind: "redirect", ...rest });
    /** The 3xx status; 0 in a browser, which hides a redirect's status and target. */
    this.status = status;
    /** Where it pointed (the `Location` header), when known. */
    this.location = location;
  }
}

/**
 * The error class for a core error view (`{kind, ...}`); `cause` is what the transport threw
 * when the last attempt got no answer.
 */
export function fromCoreView(view, cause = undefined) {
  const message = view.message ?? "cloudflare-tenant error";
  const common = { operation: view.operation ?? null, detail: view, cause };
  switch (view.kind) {
    case "invalid":
      return new ValidationError(message, { field: view.field, reason: view.reason, ...common });
    case "api":
      return new CloudflareApiError(message, {
        status: view.status,
        errors: view.errors ?? [],
        messages: view.messages ?? [],
        rayId: view.ray_id ?? null,
        retryAfter: view.retry_after ?? null,
        ...common,
      });
    case "decode":
      return new ResponseDecodeError(message, {
        status: view.status,
        rayId: view.ray_id ?? null,
        snippet: view.snippet ?? "",
        reason: view.reason ?? "",
        retryAfter: view.retry_after ?? null,
        ...common,
      });
    case "transport":
      return new TransportError(message, { sent: view.sent ?? true, reason: view.reason ?? "", ...common });
    case "outcome_unknown":
      return new OutcomeUnknownError(message, {
        method: view.method ?? null,
        status: view.status ?? null,
        rayId: view.ray_id ?? null,
        reason: view.detail ?? "",
        ...common,
      });
    case "redirect":
      return new RedirectError(message, { status: view.status ?? 0, location: view.location ?? null, ...common });
    case "unknown_operation":
      return new UnknownOperationError(message, common);
    default:
      return new CloudflareError(message, { kind: view.kind ?? "internal", ...common });
  }
}
