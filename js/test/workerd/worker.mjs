// A Worker that uses the package as a user would: `import ... from "cloudflare-tenant"`,
// bundled by wrangler (the .wasm becomes a CompiledWasm module) and run by workerd.
//   GET  /onboard  onboards a customer against the sandbox (env.BASE_URL)
//   GET  /onboard-flow  onboards a customer with client.onboard (the core's flow), paced
//   GET  /errors   checks that failures arrive as the right classes (env.FAULT_BASE_URL: a
//                  sandbox that answers every request with the edge's HTML 502)
//   POST /fixtures runs the golden corpus (the body) through buildRequest / parseResponse
//   GET  /redirect a call against env.REDIRECT_URL, which answers 307 to another path: a
//                  RedirectError, and the redirect not followed
//   GET  /idempotency  creates against env.LOST_URL, which loses the first answer to each
//                  idempotency key (an edge's 502): each create is resent with its own key
import {
  TenantClient,
  CloudflareError,
  CloudflareApiError,
  OutcomeUnknownError,
  RedirectError,
  ResponseDecodeError,
  Secret,
  ValidationError,
  operations,
} from "cloudflare-tenant";
import * as lib from "cloudflare-tenant";
import { runFixtureCases } from "./fixture-cases.mjs";

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === "/onboard") return Response.json(await onboard(env));
      if (pathname === "/onboard-flow") return Response.json(await onboardFlow(env));
      if (pathname === "/errors") return Response.json(await errors(env));
      if (pathname === "/fixtures") return Response.json(runFixtureCases(lib, await request.json()));
      if (pathname === "/redirect") return Response.json(await redirect(env));
      if (pathname === "/idempotency") return Response.json(await idempotency(env));
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json({ uncaught: describe(error) }, { status: 500 });
    }
  },
};

function describe(error) {
  return { name: error?.name, message: error?.message, kind: error?.kind, stack: error?.stack };
}

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function onboard(env) {
  const steps = {};
  const client = new TenantClient({ apiToken: env.API_TOKEN, baseUrl: env.BASE_URL });
  steps.operations = operations().length;

  // 1. The tenants the partner administers, and the units of the first one.
  const tenants = await client.user.tenants.list();
  check(tenants.length >= 1, "a tenant");
  const tenantId = tenants[0].id;
  const tenant = await client.tenants.get({ tenant_id: tenantId });
  const unit = tenant.tenant_units[0];
  steps.tenant = { id: tenantId, name: tenant.tenant_name, units: tenant.tenant_units.length };

  // 2. An account for the customer on that unit, with KYC fields.
  const customer = `cust-${Date.now().toString(36)}`;
  const account = await client.accounts.create({
    name: `Customer ${customer}`,
    type: "standard",
    unit_id: unit.unit_tag,
    business_name: "Acme Corporation",
    business_address: "101 Townsend St, San Francisco, CA 94107",
    business_email: "it@acme.example",
    business_phone: "+1 415 555 0100",
    external_metadata: `crm:${customer}`,
  });
  check(/^[0-9a-f]{32}$/.test(account.id), "the account id");
  steps.account = { id: account.id, name: account.name };

  // 3. The Administrator role, by name, through every page of the roles list.
  const roles = client.accounts.roles.list({ account_id: account.id, per_page: 20 });
  let administrator = null;
  let pagesRead = 0;
  for await (const page of roles.pages()) {
    pagesRead += 1;
    administrator = page.items.find((role) => role.name === "Administrator");
    if (administrator) break;
  }
  check(administrator, "the Administrator role");
  steps.administrator = { id: administrator.id, pagesRead };

  // 4. Invite the customer's service user, then create that user.
  const email = `${customer}@partner.example`;
  const member = await client.accounts.members.create({ account_id: account.id, email, roles: [administrator.id] });
  check(member.status === "pending", "the member is pending");
  const user = await client.users.create({ email });
  check(user.api_key instanceof Secret && user.api_key.expose().length > 0, "the service user's api_key, a Secret");
  check(JSON.stringify(user).includes('"api_key":"***"'), "the api_key masked in JSON");
  steps.member = { id: member.id, status: member.status };
  steps.serviceUser = { id: user.id, email: user.email, hasApiKey: true };

  // 5. Acting as the service user: its pending memberships, and accepting the invitation.
  const asCustomer = { credentials: { userServiceKey: user.api_key } };
  const pending = await client.memberships.list({ status: "pending" }, asCustomer).all();
  const invitation = pending.find((m) => m.account?.id === account.id);
  check(invitation, "the invitation among the pending memberships");
  const accepted = await client.memberships.update({ membership_id: invitation.id, status: "accepted" }, asCustomer);
  check(accepted.status === "accepted", "the membership is accepted");
  const after = await client.accounts.members.get({ account_id: account.id, member_id: member.id });
  steps.membership = { id: invitation.id, pending: pending.length, status: accepted.status, memberStatus: after.status };

  // 6. A few more accounts, then the tenant's accounts page by page.
  for (let i = 0; i < 6; i++) await client.accounts.create({ name: `Customer ${customer} #${i}`, unit_id: unit.unit_tag });
  const listing = client.tenants.accounts.list({ tenant_id: tenantId, per_page: 5 });
  const pages = [];
  const ids = [];
  for await (const page of listing.pages()) {
    pages.push({ page: page.result_info?.page, count: page.items.length, total_count: page.result_info?.total_count });
    ids.push(...page.items.map((a) => a.id));
  }
  check(ids.includes(account.id), "the new account in the tenant's list");
  check(new Set(ids).size === ids.length, "no account twice");
  steps.tenantAccounts = { pages, total: ids.length, stop: listing.stop };
  return { ok: true, steps };
}

async function onboardFlow(env) {
  const client = new TenantClient({ apiToken: env.API_TOKEN, baseUrl: env.BASE_URL, pace: true });
  const tenants = await client.user.tenants.list();
  const { tenant_units } = await client.tenants.get({ tenant_id: tenants[0].id });
  const customer = `flow-${Date.now().toString(36)}`;
  const report = await client.onboard({
    name: `Customer ${customer}`,
    type: "standard",
    unit_id: tenant_units[0].unit_tag,
    business_name: "Flow Corporation",
    business_email: "it@flow.example",
    external_metadata: `crm:${customer}`,
    members: [{ email: `admin@${customer}.example`, roles: ["Administrator"] }],
    service_user: { email: `svc-${customer}@partner.example` },
  });
  // The report holds the service user's key: say whether it is there, never show it.
  const { api_key, ...steps } = report;
  const asUser = { credentials: { userServiceKey: api_key } };
  const memberships = await client.memberships.list({}, asUser).all();
  const mine = memberships.find((m) => m.account?.id === report.account.id);
  return { ...steps, hasApiKey: api_key instanceof Secret && api_key.expose().length > 0, membershipStatus: mine?.status ?? null };
}

async function errors(env) {
  const results = {};
  const client = new TenantClient({ apiToken: env.API_TOKEN, baseUrl: env.BASE_URL });

  // Bad params: refused before any request, naming the field.
  try {
    await client.accounts.get({ account_id: "../../user" });
    results.validation = { thrown: false };
  } catch (e) {
    results.validation = { name: e.name, isValidation: e instanceof ValidationError, isBase: e instanceof CloudflareError, field: e.field, kind: e.kind, operation: e.operation };
  }

  // A plain user may not create accounts: 403, code 1002.
  const plain = new TenantClient({ apiToken: env.PLAIN_TOKEN, baseUrl: env.BASE_URL });
  try {
    await plain.accounts.create({ name: "Not allowed" });
    results.forbidden = { thrown: false };
  } catch (e) {
    results.forbidden = {
      name: e.name,
      isApiError: e instanceof CloudflareApiError,
      status: e.status,
      code: e.code,
      errors: e.errors,
      rayId: e.rayId,
      operation: e.operation,
      leaksToken: JSON.stringify([e.message, e.stack, e.detail]).includes(env.PLAIN_TOKEN),
    };
  }

  // The edge's HTML 502: a GET is retried, then fails as a ResponseDecodeError ...
  const faulty = new TenantClient({ apiToken: env.API_TOKEN, baseUrl: env.FAULT_BASE_URL, retry: { maxRetries: 1, initialBackoff: 0.01 } });
  try {
    await faulty.user.get();
    results.html502 = { thrown: false };
  } catch (e) {
    results.html502 = { name: e.name, isDecode: e instanceof ResponseDecodeError, isApiError: e instanceof CloudflareApiError, status: e.status, rayId: e.rayId, snippet: e.snippet.slice(0, 60), operation: e.operation };
  }
  // ... and a POST without an idempotency key is not resent: its outcome is unknown.
  try {
    await faulty.users.create({ email: "maybe@example.com" });
    results.post502 = { thrown: false };
  } catch (e) {
    results.post502 = { name: e.name, isOutcomeUnknown: e instanceof OutcomeUnknownError, status: e.status, method: e.method };
  }

  // And the module works on.
  results.afterwards = (await client.user.get()).email;
  return results;
}

async function redirect(env) {
  const client = new TenantClient({ apiToken: env.API_TOKEN, baseUrl: env.REDIRECT_URL, retry: { initialBackoff: 0.01 } });
  try {
    await client.users.create({ email: "svc@example.com" });
    return { thrown: false };
  } catch (e) {
    return { name: e.name, isRedirect: e instanceof RedirectError, isBase: e instanceof CloudflareError, status: e.status, location: e.location };
  }
}

async function idempotency(env) {
  const client = new TenantClient({ apiToken: env.API_TOKEN, baseUrl: env.LOST_URL, retry: { maxRetries: 2, initialBackoff: 0.01 } });
  const ids = [];
  ids.push((await client.accounts.create({ name: "Acme" })).id);
  ids.push((await client.accounts.create({ name: "Acme" })).id);
  ids.push((await client.accounts.create({ name: "Acme", idempotency_key: "crm-42" })).id);
  let users;
  try {
    await client.users.create({ email: "svc@example.com" });
    users = { thrown: false };
  } catch (e) {
    users = { name: e.name, isOutcomeUnknown: e instanceof OutcomeUnknownError, status: e.status };
  }
  return { ids, users };
}
