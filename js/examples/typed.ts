// A typed example, checked by `tsc --noEmit` (js/tsconfig.json) against the package's
// declarations: every line marked @ts-expect-error must be refused by the types.
import {
  TenantClient,
  CloudflareApiError,
  OutcomeUnknownError,
  ResponseDecodeError,
  ValidationError,
  buildRequest,
  parseResponse,
  operations,
  Paginator,
  Pacer,
  RedirectError,
  Secret,
  type SharedPacer,
  type Account,
  type ApiResponse,
  type Member,
  type OnboardingReport,
  type OnboardingSpec,
  type OperationName,
  type ParamsOf,
  type ResultOf,
} from "cloudflare-tenant";

export async function onboard(apiToken: string, customer: string): Promise<string> {
  const client = new TenantClient({ apiToken, baseUrl: "https://api.cloudflare.com/client/v4", retry: { maxRetries: 3 }, timeout: 30, maxBodyBytes: 1 << 20 });

  const [tenant] = await client.user.tenants.list();
  const details = await client.tenants.get({ tenant_id: tenant.id! });
  const unit = details.tenant_units?.[0]?.unit_tag;

  const account: Account = await client.accounts.create({
    name: `Customer ${customer}`,
    type: "standard",
    unit_id: unit ?? undefined, // results may hold null where the API sent it
    business_name: "Acme Corporation",
    external_metadata: `crm:${customer}`,
  });
  const accountId = account.id!;

  let administrator: string | undefined;
  for await (const role of client.accounts.roles.list({ account_id: accountId, per_page: 50 })) {
    if (role.name === "Administrator") administrator = role.id ?? undefined;
  }

  const member: Member = await client.accounts.members.create({
    account_id: accountId,
    email: `${customer}@partner.example`,
    roles: [administrator!],
  });

  const user = await client.users.create({ email: `${customer}@partner.example` });
  const asCustomer = { credentials: { userServiceKey: user.api_key! } };
  for await (const membership of client.memberships.list({ status: "pending" }, asCustomer)) {
    if (membership.account?.id === accountId) {
      await client.memberships.update({ membership_id: membership.id!, status: "accepted" }, asCustomer);
    }
  }

  const pages = client.tenants.accounts.list({ tenant_id: tenant.id!, per_page: 5, direction: 1 });
  for await (const page of pages.pages()) {
    const n: number | undefined = page.result_info?.total_count;
    void n;
  }
  if (pages.stop?.anomaly) console.warn(pages.stop.message);

  const whole: ApiResponse<Account[]> = await client.call("accounts.list", { per_page: 5 });
  void whole.result_info?.page;

  try {
    await client.accounts.delete({ account_id: accountId }, { timeout: 10 });
  } catch (error) {
    if (error instanceof CloudflareApiError) console.log(error.status, error.code, error.rayId, error.errors[0]?.source?.pointer);
    else if (error instanceof ResponseDecodeError) console.log(error.status, error.snippet);
    else if (error instanceof OutcomeUnknownError) console.log(error.method, error.status);
    else if (error instanceof RedirectError) console.log(error.status, error.location);
    else if (error instanceof ValidationError) console.log(error.field, error.reason);
  }
  return member.id ?? "";
}

export function sansIo(): string {
  const request = buildRequest("accounts.members.update", { account_id: "a".repeat(32), member_id: "b".repeat(32), roles: ["c".repeat(32)] }, { apiEmail: "a@b.example", apiKey: "k" });
  const method: string = request.method;
  const body: string | null = request.body;
  const parsed = parseResponse("accounts.get", { status: 200, headers: { "cf-ray": "x" }, body: "{}" });
  const name: string | null | undefined = parsed.result.name;
  const names: OperationName[] = operations().map((op) => op.name);
  const pager = new Paginator("accounts.roles.list", { account_id: "a".repeat(32) });
  const next: ParamsOf<"accounts.roles.list"> | null = pager.nextParams();
  const created: ResultOf<"users.create"> = { id: "2".repeat(32), api_key: new Secret("k") };
  const key: string | undefined = created.api_key?.expose();
  // @ts-expect-error a Secret is not a string: expose() it
  const plain: string = created.api_key!;
  void [key, plain];
  void [method, body, name, names, next, created];
  return request.url;
}

export async function onboardWithTheFlow(apiToken: string, unit: string): Promise<string | null> {
  const client = new TenantClient({ apiToken, pace: true, retry: { maxRetries: 6 } });
  const spec: OnboardingSpec = {
    name: "Acme Corp",
    type: "standard",
    unit_id: unit ?? undefined, // results may hold null where the API sent it
    business_name: "Acme Corporation",
    members: [
      { email: "admin@acme.example", roles: ["Administrator"] },
      { email: "ops@acme.example", policies: [{ access: "allow", permission_groups: ["p".repeat(32)], resource_groups: [{ id: "r".repeat(32) }] }] },
    ],
    service_user: { email: "svc-acme@partner.example" },
  };
  const controller = new AbortController();
  const report: OnboardingReport = await client.onboard(spec, { signal: controller.signal });
  for (const step of [report.account, ...report.members, report.service_user, report.invitation]) {
    if (step?.status === "failed") console.log(step.target, step.error?.kind, step.error?.message, step.reconciled);
  }
  const paced = new TenantClient({ apiToken }, { pace: { limit: 100, window: 60 } });
  await paced.onboard({ name: "Tyrell" }, { credentials: { apiEmail: "a@b.example", apiKey: "k" } });
  const pacer = new Pacer({ limit: 2, window: 1 });
  const acquired = pacer.acquire(performance.now() / 1000);
  if (acquired.ticket !== undefined) pacer.settle(acquired.ticket);
  else await new Promise((resolve) => setTimeout(resolve, acquired.wait * 1000));
  pacer.observe(new Headers({ ratelimit: '"default";r=50;t=30' }));
  // A budget shared with other clients: anything with acquire() and settle(), such as a
  // TenantPacer Durable Object's stub.
  const shared: SharedPacer = { acquire: async () => "ticket", settle: (_ticket, answer) => void answer?.headers.length };
  new TenantClient({ apiToken, pace: shared });
  Pacer.cloudflare().free();
  return report.complete && report.api_key ? report.api_key.expose() : null;
}

export async function refusedByTheTypes(client: TenantClient) {
  // @ts-expect-error account_id is required
  await client.accounts.get({});
  // @ts-expect-error unknown field
  await client.accounts.create({ name: "x", colour: "red" });
  // @ts-expect-error roles and policies together
  await client.accounts.members.create({ account_id: "a", email: "e", roles: ["r"], policies: [] });
  // @ts-expect-error a list is iterated, not awaited for an array
  const accounts: Account[] = await client.accounts.list();
  // @ts-expect-error credentials take one form
  new TenantClient({ apiToken: "t", userServiceKey: "k" });
  // @ts-expect-error not an operation
  buildRequest("accounts.explode", {}, { apiToken: "t" });
  // @ts-expect-error status accepted or rejected only
  await client.memberships.update({ membership_id: "m", status: "pending" });
  // @ts-expect-error an onboarding needs a name
  await client.onboard({ members: [] });
  // @ts-expect-error a member has roles or policies, not both
  await client.onboard({ name: "x", members: [{ email: "e", roles: ["Administrator"], policies: [] }] });
  // @ts-expect-error a pace is a budget, not a number
  new TenantClient({ apiToken: "t", pace: 1200 });
  // @ts-expect-error a shared pacer takes its places back
  new TenantClient({ apiToken: "t", pace: { acquire: async () => "ticket" } });
  void accounts;
}
