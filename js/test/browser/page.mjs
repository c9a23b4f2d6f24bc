// Runs in Chromium: the golden corpus through the package, and TenantClient over the browser's
// own fetch against the test server. The result goes to window.__result for the test to read.
import * as lib from "cloudflare-tenant";
import { runFixtureCases } from "./fixture-cases.mjs";

async function clientChecks() {
  const failed = [];
  const check = (ok, what) => ok || failed.push(what);
  const client = new lib.TenantClient({ apiToken: "browser-token", baseUrl: `${location.origin}/client/v4`, retry: { initialBackoff: 0.01 } });
  const user = await client.user.get();
  check(user.email === "browser@example.com", `user.get: ${JSON.stringify(user)}`);
  const accounts = await client.accounts.list({ per_page: 5 }).all();
  check(accounts.length === 12, `accounts.list paged: ${accounts.length}`);
  try {
    await client.accounts.create({ name: "Forbidden" });
    check(false, "403 not thrown");
  } catch (e) {
    check(e instanceof lib.CloudflareApiError && e.status === 403 && e.code === 1002, `403: ${e}`);
  }
  try {
    await client.accounts.get({ account_id: "2bab6ace8c72ed3f09b9eca6db1396bb" });
    check(false, "502 not thrown");
  } catch (e) {
    check(e instanceof lib.ResponseDecodeError && e.status === 502, `502: ${e}`);
  }
  try {
    await client.accounts.get({ account_id: "nope" });
  } catch (e) {
    check(e instanceof lib.ValidationError && e.field === "account_id", `validation: ${e}`);
  }
  // A redirect is an opaque redirect here (status 0, no Location): refused, never followed.
  try {
    const redirected = new lib.TenantClient({ apiToken: "browser-token", baseUrl: `${location.origin}/redirecting/client/v4` });
    await redirected.users.create({ email: "svc@example.com" });
    check(false, "redirect not thrown");
  } catch (e) {
    check(e instanceof lib.RedirectError && e.status === 0 && e.location === null, `redirect: ${e}`);
  }
  return { total: 6, failed };
}

try {
  const corpus = await (await fetch("./fixtures.json")).json();
  const fixtures = runFixtureCases(lib, corpus);
  const client = await clientChecks();
  window.__result = { fixtures, client, userAgent: navigator.userAgent };
} catch (error) {
  window.__result = { error: `${error.name}: ${error.message}\n${error.stack}` };
}
document.getElementById("out").textContent = JSON.stringify(window.__result, null, 2);
