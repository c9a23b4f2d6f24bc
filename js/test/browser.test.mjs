// The package in headless Chromium: a page served on 127.0.0.1 imports "cloudflare-tenant"
// (resolved through the package's exports["."].browser), runs the golden corpus and a
// TenantClient over the browser's fetch, and reports; any failed check fails this test.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { loadCorpus } from "./support/corpus.mjs";

const JS = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };

const pkg = JSON.parse(readFileSync(join(JS, "package.json"), "utf8"));
const browserEntry = pkg.exports["."].browser;
const corpus = JSON.stringify(loadCorpus());

const envelope = (result, extra = {}) => JSON.stringify({ success: true, errors: [], messages: [], result, ...extra });
const hex = (n) => n.toString(16).padStart(32, "0");

/** A small stand-in for the API, same-origin with the page. */
function api(req, res, url) {
  const send = (status, body, type = "application/json") => {
    res.writeHead(status, { "content-type": type, "cf-ray": "0123456789abcdef-SJC" });
    res.end(body);
  };
  const path = url.pathname.replace("/client/v4", "");
  if (req.headers.authorization !== "Bearer browser-token") return send(403, JSON.stringify({ success: false, errors: [{ code: 9109, message: "bad credentials" }], messages: [], result: null }));
  if (path === "/user") return send(200, envelope({ id: hex(1), email: "browser@example.com" }));
  if (path === "/accounts" && req.method === "GET") {
    const page = Number(url.searchParams.get("page") ?? 1);
    const per = Number(url.searchParams.get("per_page") ?? 20);
    const all = Array.from({ length: 12 }, (_, i) => ({ id: hex(100 + i), name: `Account ${i}` }));
    const items = all.slice((page - 1) * per, page * per);
    return send(200, envelope(items, { result_info: { page, per_page: per, count: items.length, total_count: all.length, total_pages: Math.ceil(all.length / per) } }));
  }
  if (path === "/accounts" && req.method === "POST") return send(403, JSON.stringify({ success: false, errors: [{ code: 1002, message: "not a tenant" }], messages: [], result: null }));
  return send(502, "<html><body>502 Bad Gateway</body></html>", "text/html");
}

let server;
let browser;
let origin;
/** Requests that reached the redirect's target: none may. */
let stolen = 0;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
  server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/client/v4/")) return api(req, res, url);
    if (url.pathname.startsWith("/redirecting/")) {
      res.writeHead(307, { location: `/stolen${url.pathname}` });
      return res.end();
    }
    if (url.pathname.startsWith("/stolen/")) {
      stolen += 1;
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(envelope({ id: hex(1) }));
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204);
      return res.end();
    }
    let file;
    if (url.pathname === "/" || url.pathname === "/index.html") {
      const map = { imports: { "cloudflare-tenant": `/pkg/${browserEntry.replace(/^\.\//, "")}` } };
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(readFileSync(join(JS, "test/browser/index.html"), "utf8").replace("__IMPORT_MAP__", JSON.stringify(map)));
    }
    if (url.pathname === "/fixtures.json") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(corpus);
    }
    if (url.pathname === "/page.mjs") file = join(JS, "test/browser/page.mjs");
    else if (url.pathname === "/fixture-cases.mjs") file = join(JS, "test/fixture-cases.mjs");
    else if (url.pathname.startsWith("/pkg/dist/")) file = join(JS, normalize(url.pathname.slice("/pkg/".length)));
    if (!file || !file.startsWith(JS) || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the package in headless Chromium: golden corpus and TenantClient over fetch", async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(result.fixtures.failed, []);
  assert.equal(result.fixtures.passed, result.fixtures.total);
  assert.ok(result.fixtures.total > 400);
  assert.deepEqual(result.client.failed, []);
  assert.equal(stolen, 0, "the redirect was not followed");
  // The 403 and 502 answers are logged by Chromium as failed loads; nothing else may be.
  const unexpected = problems.filter((p) => !/status of (403|502)/.test(p));
  assert.deepEqual(unexpected, []);
  console.log(`# chromium: ${result.userAgent.match(/Chrome\/[\d.]+/)?.[0]}: ${result.fixtures.passed}/${result.fixtures.total} fixture cases, ${result.client.total - result.client.failed.length}/${result.client.total} client checks`);
});
