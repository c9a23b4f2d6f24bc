// Run with plain Node from a folder where only the packed tarball is installed: the package
// imports by name, builds a request and parses a fixture response like the core does.
import { readFileSync, readdirSync } from "node:fs";
import { buildRequest, parseResponse, operations, CloudflareApiError, ResponseDecodeError, TenantClient, Pacer, ValidationError } from "cloudflare-tenant";

const fixtures = process.argv[2];
const read = (path) => JSON.parse(readFileSync(`${fixtures}/${path}`, "utf8"));
let checks = 0;
const check = (ok, what) => {
  if (!ok) throw new Error(`pack smoke test failed: ${what}`);
  checks += 1;
};

const fixtureFolders = readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith("_"));
check(operations().length === fixtureFolders.length, "an operation for each fixture folder");

const [build] = read("accounts.create/requests.json");
const request = buildRequest("accounts.create", build.params, { apiToken: "t" });
check(request.method === build.request.method && request.url === build.request.url, "the request line");
check(JSON.stringify(JSON.parse(request.body)) === JSON.stringify(build.request.body), "the request body");

const success = read("accounts.create/responses.json").find((c) => c.expect);
const parsed = parseResponse("accounts.create", { status: success.status, headers: success.headers ?? {}, body: JSON.stringify(success.body) });
check(JSON.stringify(parsed.result) === JSON.stringify(success.expect.result) || parsed.result.id === success.expect.result.id, "the parse");

const html = read("_envelope/responses.json").find((c) => c.body_text?.startsWith("<html>"));
try {
  parseResponse("accounts.get", { status: html.status, headers: html.headers, body: html.body_text });
  check(false, "the HTML 502 threw");
} catch (e) {
  check(e instanceof ResponseDecodeError && e.status === 502, "a ResponseDecodeError");
}
try {
  parseResponse("accounts.get", { status: 403, body: '{"success":false,"errors":[{"code":1002,"message":"no"}],"messages":[],"result":null}' });
} catch (e) {
  check(e instanceof CloudflareApiError && e.code === 1002, "a CloudflareApiError");
}
check(typeof new TenantClient({ apiToken: "t" }).accounts.members.list === "function", "the client");
const pacer = new Pacer({ limit: 1, window: 10 });
pacer.settle(pacer.acquire(1).ticket, 1);
check(pacer.acquire(2).wait === 9, "the pacer");
try {
  await new TenantClient({ apiToken: "t", pace: true }).onboard({ name: "A", members: [{ email: "", roles: ["Administrator"] }] });
  check(false, "a bad onboarding spec threw");
} catch (e) {
  check(e instanceof ValidationError && e.field === "members[0].email", "onboard refuses a bad spec");
}
console.log(`pack smoke test: ${checks} checks passed (node ${process.version})`);
