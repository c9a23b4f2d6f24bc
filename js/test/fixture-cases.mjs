// The golden corpus (tests/fixtures/, format in tests/fixtures/README.md) as test cases over the
// package's public API. It asserts what the Rust test tests/fixtures.rs asserts, so the JS host
// builds the same requests and reads responses the same way as the core. Runs anywhere: Node
// (node --test), workerd (Miniflare) and Chromium; it needs no Node API.
//
// corpus: { operations: { [name]: { requests: [], invalid: [], responses: [] } }, envelope: [] }

/** Headers a fixture does not list: the credentials and the version-bearing user agent. */
const UNLISTED_HEADERS = new Set(["authorization", "x-auth-email", "x-auth-key", "x-auth-user-service-key", "user-agent"]);

const DEFAULT_CREDENTIALS = { api_token: "fixture-token" };

/** The corpus' snake_case credentials in the package's camelCase. */
function camelCredentials(credentials) {
  const names = { api_token: "apiToken", api_email: "apiEmail", api_key: "apiKey", user_service_key: "userServiceKey" };
  return Object.fromEntries(Object.entries(credentials).map(([k, v]) => [names[k] ?? k, v]));
}

export class Mismatch extends Error {
  name = "Mismatch";
}

function fail(label, what, actual, expected) {
  throw new Mismatch(`${label}: ${what}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
}

function show(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** JSON equality: objects by keys (any order), arrays in order. */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
}

function expectEqual(label, what, actual, expected) {
  if (!jsonEqual(actual, expected)) fail(label, what, actual, expected);
}

function expectPlain(lib, label, value) {
  // Results must be plain objects and arrays, never Maps or class instances (Secrets aside).
  if (value === null || typeof value !== "object" || value instanceof lib.Secret) return;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    value.forEach((v) => expectPlain(lib, label, v));
  } else if (proto === Object.prototype || proto === null) {
    Object.values(value).forEach((v) => expectPlain(lib, label, v));
  } else {
    fail(label, "result holds a non-plain object", proto?.constructor?.name, "Object");
  }
}

/** `value` with every Secret replaced by its value, to compare with the corpus. */
function revealed(lib, value) {
  if (value instanceof lib.Secret) return value.expose();
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => revealed(lib, v));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(lib, v)]));
}

/** The operation's secret fields hold Secrets, never plain strings. */
function expectSecretsMasked(lib, label, name, result) {
  const fields = lib.operations().find((op) => op.name === name)?.secret_fields ?? [];
  // The empty name stands for the result itself (a rolled token's value).
  if (typeof result === "string" && fields.includes("")) fail(label, "result", "a plain string", "a Secret");
  const objects = Array.isArray(result) ? result : [result];
  for (const object of objects) {
    for (const field of fields) {
      if (typeof object?.[field] === "string") fail(label, `result.${field}`, "a plain string", "a Secret");
    }
  }
}

/** The body as sent: `body_text` verbatim, or `body` serialized compactly. */
function bodyOf(c) {
  if (typeof c.body_text === "string") return c.body_text;
  if ("body" in c) return JSON.stringify(c.body);
  return "";
}

/** The error's JS property for each key of the core's view. */
const VIEW_TO_PROPERTY = {
  kind: "kind",
  operation: "operation",
  status: "status",
  errors: "errors",
  messages: "messages",
  ray_id: "rayId",
  retry_after: "retryAfter",
  snippet: "snippet",
  field: "field",
  reason: "reason",
};

function classFor(lib, kind) {
  return { api: lib.CloudflareApiError, decode: lib.ResponseDecodeError, invalid: lib.ValidationError }[kind];
}

function checkResponse(lib, name, c, label, asBytes) {
  const body = bodyOf(c);
  const response = {
    status: c.status,
    headers: c.headers ?? {},
    body: asBytes ? new TextEncoder().encode(body) : body,
  };
  let parsed;
  let error;
  try {
    parsed = lib.parseResponse(name, response);
  } catch (e) {
    error = e;
  }
  if (c.expect !== undefined) {
    if (error) fail(label, "parse failed", `${error.name}: ${error.message}`, c.expect);
    expectEqual(label, "parse result", revealed(lib, parsed), c.expect);
    expectPlain(lib, label, parsed);
    expectSecretsMasked(lib, label, name, parsed.result);
    return;
  }
  if (!error) fail(label, "parse succeeded, an error was expected", parsed, c.error);
  if (!(error instanceof lib.CloudflareError) || !(error instanceof Error)) fail(label, "error class", error?.name, "CloudflareError");
  const view = error.detail;
  expectEqual(label, "error.operation", error.operation, name);
  expectEqual(label, "detail.operation", view?.operation, name);
  for (const [key, expected] of Object.entries(errorExpectation(lib, name, c.error))) {
    if (key === "message_contains") {
      for (const part of expected) if (!error.message.includes(part)) fail(label, "error.message", error.message, `contains ${part}`);
    } else if (key === "snippet_starts") {
      if (!error.snippet.startsWith(expected)) fail(label, "error.snippet", error.snippet, `starts with ${expected}`);
    } else {
      expectEqual(label, `detail.${key}`, view?.[key], expected);
      const property = VIEW_TO_PROPERTY[key];
      if (property) expectEqual(label, `error.${property}`, error[property], expected);
      if (key === "kind") {
        const cls = classFor(lib, expected);
        if (cls && !(error instanceof cls)) fail(label, "error class", error.name, cls.name);
      }
    }
  }
}

/**
 * Every fixture as `{group, label, run}`; `run()` throws a Mismatch when the package disagrees
 * with the corpus. Groups: requests, invalid, responses, envelope, registry.
 */
export function fixtureCases(lib, corpus) {
  const cases = [];
  const names = Object.keys(corpus.operations).sort();

  cases.push({
    group: "registry",
    label: "every operation has fixtures and every fixture an operation",
    run() {
      const known = lib.operations().map((op) => op.name).sort();
      expectEqual("registry", "fixture folders = operations()", names, known);
      for (const name of names) {
        const ops = corpus.operations[name];
        if (!(ops.requests?.length > 0)) fail(name, "no request case", ops.requests, "[...]");
        if (!ops.responses?.some((c) => c.expect !== undefined)) fail(name, "no success response", null, "expect");
        if (!ops.responses?.some((c) => c.error !== undefined)) fail(name, "no error response", null, "error");
      }
    },
  });

  for (const name of names) {
    const { requests = [], invalid = [], responses = [] } = corpus.operations[name];
    for (const c of requests) {
      const label = `${name} / ${c.name}`;
      cases.push({
        group: "requests",
        label,
        run() {
          const credentials = camelCredentials(c.credentials ?? DEFAULT_CREDENTIALS);
          let request;
          try {
            request = lib.buildRequest(name, c.params, credentials);
          } catch (e) {
            fail(label, "build failed", `${e.name}: ${e.message}`, c.request);
          }
          expectEqual(label, "method", request.method, c.request.method);
          expectEqual(label, "url", request.url, c.request.url);
          const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => !UNLISTED_HEADERS.has(k)));
          expectEqual(label, "headers", headers, c.request.headers);
          for (const k of Object.keys(request.headers)) if (k !== k.toLowerCase()) fail(label, "header name case", k, k.toLowerCase());
          if (request.body !== null && typeof request.body !== "string") fail(label, "body type", typeof request.body, "string | null");
          expectEqual(label, "body", request.body === null ? null : JSON.parse(request.body), c.request.body);
          // The credential headers are there, exactly as the credentials say.
          const creds = c.credentials ?? DEFAULT_CREDENTIALS;
          if (creds.api_token) expectEqual(label, "authorization", request.headers.authorization, `Bearer ${creds.api_token}`);
          if (creds.api_key) expectEqual(label, "x-auth-key", request.headers["x-auth-key"], creds.api_key);
          if (creds.user_service_key) expectEqual(label, "x-auth-user-service-key", request.headers["x-auth-user-service-key"], creds.user_service_key);
        },
      });
    }
    for (const c of invalid) {
      const label = `${name} / ${c.name}`;
      cases.push({
        group: "invalid",
        label,
        run() {
          let error;
          try {
            lib.buildRequest(name, c.params, camelCredentials(DEFAULT_CREDENTIALS));
          } catch (e) {
            error = e;
          }
          if (!error) fail(label, "params were accepted", c.params, `refused naming ${c.field}`);
          if (!(error instanceof lib.ValidationError)) fail(label, "error class", error.name, "ValidationError");
          expectEqual(label, "error.kind", error.kind, "invalid");
          expectEqual(label, "error.operation", error.operation, name);
          expectEqual(label, "error.field", error.field, c.field);
          expectEqual(label, "detail.field", error.detail?.field, c.field);
          if (error.message.includes("fixture-token")) fail(label, "secret in message", error.message, "no secret");
        },
      });
    }
    for (const c of responses) {
      for (const asBytes of [false, true]) {
        const label = `${name} / ${c.name} (${asBytes ? "bytes" : "text"})`;
        cases.push({ group: "responses", label, run: () => checkResponse(lib, name, c, label, asBytes) });
      }
    }
  }

  for (const c of corpus.envelope ?? []) {
    const label = `_envelope / ${c.name}`;
    cases.push({
      group: "envelope",
      label: `${label} (x ${names.length} operations)`,
      run() {
        for (const op of lib.operations()) checkResponse(lib, op.name, c, `${label} [${op.name}]`, false);
      },
    });
  }
  return cases;
}

/**
 * The keys an error must match: for an operation whose result holds secrets, `when_secret`
 * replaces `snippet_starts` and overrides keys of the same name (see tests/fixtures/README.md).
 */
function errorExpectation(lib, name, error) {
  const { when_secret: whenSecret, ...expected } = error;
  const secret = (lib.operations().find((op) => op.name === name)?.secret_fields ?? []).length > 0;
  if (!secret || whenSecret === undefined) return expected;
  const { snippet_starts: _ignored, ...rest } = expected;
  return { ...rest, ...whenSecret };
}

/** Runs every case; returns `{total, passed, failed: [{label, message}], byGroup}`. */
export function runFixtureCases(lib, corpus) {
  const report = { total: 0, passed: 0, failed: [], byGroup: {} };
  for (const c of fixtureCases(lib, corpus)) {
    report.total += 1;
    const group = (report.byGroup[c.group] ??= { total: 0, passed: 0 });
    group.total += 1;
    try {
      c.run();
      report.passed += 1;
      group.passed += 1;
    } catch (e) {
      report.failed.push({ label: c.label, message: String(e && e.message) });
    }
  }
  return report;
}
