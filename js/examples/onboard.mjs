// Onboards three customers against the sandbox (or any base URL) with the npm package, the same
// flow as the Rust example: find the tenant and its units, create an account on a unit with KYC
// fields, resolve the Administrator role by name across every page of roles, invite the
// customer's admin, create a service user and accept its invitation as that user, then list the
// tenant's accounts page by page.
//
//   CLOUDFLARE_TENANT_BASE_URL=http://127.0.0.1:PORT/client/v4 node js/examples/onboard.mjs
import { TenantClient } from "../dist/node.js";

const baseUrl = process.env.CLOUDFLARE_TENANT_BASE_URL;
if (!baseUrl) {
  console.error("set CLOUDFLARE_TENANT_BASE_URL (the sandbox's URL; see scripts/with-sandbox.sh)");
  process.exit(2);
}
const client = new TenantClient({ apiEmail: "admin@tenant.example", apiKey: "sandbox-global-key" }, { baseUrl });

const [tenant] = await client.user.tenants.list();
const { tenant_name, tenant_units } = await client.tenants.get({ tenant_id: tenant.id });
const unit = tenant_units[0].unit_tag;
console.log(`[js] tenant "${tenant_name}" (${tenant.id}): ${tenant_units.length} unit(s)`);

for (const customer of ["Wayne", "Tyrell", "Cyberdyne"]) {
  const slug = customer.toLowerCase();
  const account = await client.accounts.create({
    name: customer,
    unit_id: unit,
    business_name: `${customer} Ltd`,
    business_email: `it@${slug}.example`,
    external_metadata: `crm:${customer.toUpperCase()}`,
  });
  let admin, count = 0;
  for await (const role of client.accounts.roles.list({ account_id: account.id, per_page: 50 })) {
    count += 1;
    if (role.name === "Administrator") admin ??= role.id;
  }
  const invite = (email) => client.accounts.members.create({ account_id: account.id, email, roles: [admin] });
  const member = await invite(`admin@${slug}.example`);
  const serviceEmail = `svc-${slug}@partner.example`;
  const user = await client.users.create({ email: serviceEmail });
  await invite(serviceEmail);
  const asCustomer = { credentials: { userServiceKey: user.api_key } };
  let accepted;
  for await (const m of client.memberships.list({ status: "pending" }, asCustomer)) {
    if (m.account?.id === account.id) {
      accepted = await client.memberships.update({ membership_id: m.id, status: "accepted" }, asCustomer);
    }
  }
  console.log(`[js] ${customer}: account ${account.id}; Administrator found among ${count} roles; ` +
    `admin invited (${member.status}); service user accepted as itself (${accepted?.status})`);
  if (accepted?.status !== "accepted") throw new Error(`${customer}: the invitation was not accepted`);
}

const pages = client.tenants.accounts.list({ tenant_id: tenant.id, per_page: 5 });
let page = 0;
for await (const { items: accounts } of pages.pages()) {
  page += 1;
  console.log(`[js] tenant accounts, page ${page}: ${accounts.map((a) => a.name).join(", ")}`);
}
console.log(`[js] onboarding complete (${pages.stop?.message})`);
