// The JS fault run: many onboardings through client.onboard in Node against a sandbox that
// injects faults (edge 502s, responses lost after the write, dropped connections, 429s with the
// wait in the body, latency), a few at a time; then the sandbox's state is counted as
// examples/faults.rs counts it: no account or member twice, and no report that disagrees with
// the state about what exists ("lost"). Run under
//   scripts/with-sandbox.sh --sandbox-args "--faults 0.25 --latency-ms 20 --rate-limit 1000000" \
//     node --test js/test/faults.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { TenantClient } from "cloudflare-tenant";

const SANDBOX = process.env.CLOUDFLARE_TENANT_SANDBOX_URL;
const ONBOARDINGS = Number(process.env.CLOUDFLARE_TENANT_ONBOARDINGS ?? 48);
const CONCURRENCY = 8;

const pad = (i) => String(i).padStart(4, "0");

function spec(i, unit) {
  return {
    name: `JS Customer ${pad(i)}`,
    unit_id: unit,
    business_name: `JS Customer ${pad(i)} Ltd`,
    business_email: `it@js${pad(i)}.example`,
    members: [{ email: `admin@js${pad(i)}.example`, roles: ["Administrator"] }],
    service_user: { email: `svc-js${pad(i)}@partner.example` },
  };
}

async function inspect(path) {
  const response = await fetch(`${SANDBOX}${path}`);
  assert.equal(response.status, 200, path);
  return response.json();
}

/** examples/faults.rs's tally: duplicates in the state, and reports that disagree with it. */
function tally(state, reports) {
  const t = { duplicate_accounts: 0, duplicate_members: 0, lost: 0, complete: 0, incomplete: 0, reconciled: 0, lostReports: [] };
  const byName = new Map();
  for (const a of state.accounts ?? []) {
    if (typeof a.name === "string" && typeof a.id === "string") byName.set(a.name, [...(byName.get(a.name) ?? []), a.id]);
  }
  const members = new Map();
  for (const m of state.members ?? []) {
    const key = `${m.account_id ?? ""}\n${String(m.email ?? "").toLowerCase()}`;
    members.set(key, (members.get(key) ?? 0) + 1);
  }
  const users = new Set((state.service_users ?? []).map((u) => u.email).filter((e) => typeof e === "string"));
  const exists = (status) => status === "created" || status === "existed";
  for (const [name, report] of reports) {
    const ids = byName.get(name) ?? [];
    t.duplicate_accounts += Math.max(0, ids.length - 1);
    const accountOk = report.account.id !== null && exists(report.account.status) ? ids.includes(report.account.id) : ids.length === 0;
    const membersOk = report.members.every((m) => {
      const present = ids.length > 0 && members.has(`${ids[0]}\n${m.target.toLowerCase()}`);
      return exists(m.status) === present || (m.status === "pending" && !present);
    });
    const userOk = report.service_user === null || exists(report.service_user.status) === users.has(report.service_user.target);
    if (!(accountOk && membersOk && userOk)) {
      t.lost += 1;
      // The report holds the service user's key: show the steps only.
      const { api_key, ...steps } = report;
      t.lostReports.push({ name, ...steps });
    }
    if (report.complete) t.complete += 1;
    else t.incomplete += 1;
    t.reconciled += [report.account, ...report.members, report.service_user].filter((s) => s?.reconciled).length;
  }
  for (const n of members.values()) t.duplicate_members += Math.max(0, n - 1);
  return t;
}

test(`${ONBOARDINGS} onboardings through client.onboard under injected faults: no duplicate, nothing lost`, { timeout: 180_000 }, async () => {
  assert.ok(SANDBOX, "CLOUDFLARE_TENANT_SANDBOX_URL is not set: run under scripts/with-sandbox.sh");
  const client = new TenantClient(
    { apiEmail: "admin@tenant.example", apiKey: "sandbox-global-key" },
    // Generous retries with short backoffs: a quarter of all requests meet a fault.
    { baseUrl: `${SANDBOX}/client/v4`, retry: { maxRetries: 6, initialBackoff: 0.01, maxBackoff: 0.2 } },
  );
  const unit = (await inspect("/__sandbox/state")).tenants?.[0]?.units?.[0]?.unit_tag;
  assert.ok(unit, "the sandbox has a unit");

  const reports = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < ONBOARDINGS; i = next++) {
        const s = spec(i, unit);
        reports.push([s.name, await client.onboard(s)]);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;

  const state = await inspect("/__sandbox/state");
  const faults = state.counters?.faults ?? {};
  const requests = state.counters?.requests ?? 0;
  const injected = Object.values(faults).reduce((sum, n) => sum + (typeof n === "number" ? n : 0), 0);
  const t = tally(state, reports);
  console.log(
    `js fault run: onboardings ${reports.length}, requests ${requests}, faults injected ${injected} ` +
      `(${((100 * injected) / Math.max(1, requests)).toFixed(1)}%) ${JSON.stringify(faults)}, complete ${t.complete}, ` +
      `reported incomplete ${t.incomplete}, unknown outcomes reconciled ${t.reconciled}, ` +
      `duplicate_accounts: ${t.duplicate_accounts}, duplicate_members: ${t.duplicate_members}, lost: ${t.lost} (${seconds.toFixed(1)} s)`,
  );
  if (process.env.VERBOSE) {
    for (const [name, report] of reports.filter(([, r]) => !r.complete)) {
      const failed = [report.account, ...report.members, report.service_user, report.invitation].filter((s) => s?.status === "failed");
      console.log(`incomplete: ${name}: ${failed.map((s) => `${s.target}: ${s.error?.message}`).join("; ")}`);
    }
  }
  assert.equal(reports.length, ONBOARDINGS);
  assert.ok(injected > 0, "faults were injected");
  assert.equal(t.duplicate_accounts, 0, "no account twice");
  assert.equal(t.duplicate_members, 0, "no member twice");
  assert.deepEqual(t.lostReports, [], "every report agrees with the state");
  assert.equal(t.lost, 0);
});
