// A Queue consumer Worker that onboards the customers it receives. Each message is one
// customer's onboarding spec with the partner's `customer_ref`:
//   { "customer_ref": "crm-0042", "name": "Acme Corp", "unit_id": "...",
//     "members": [{ "email": "admin@acme.example", "roles": ["Administrator"] }] }
// Cloudflare runs as many consumers at once as the queue needs, each in an isolate of its own;
// all their requests go out with one credential, whose budget (1,200 requests per 5 minutes;
// going over blocks every call for 5 minutes) they share through the TenantPacer Durable
// Object. The `customer_ref` keys each account's create, so a message delivered twice, or
// retried after a half-finished try, never makes a second account.
import { TenantClient, ValidationError } from "cloudflare-tenant";

// The Durable Object class the TENANT_PACER binding names (wrangler.toml).
export { TenantPacer } from "cloudflare-tenant";

export default {
  /**
   * @param {{ messages: readonly QueueMessage[] }} batch
   * @param {Env} env
   */
  async queue(batch, env) {
    // One budget for every isolate: the object named after the credential's user.
    const pace = env.TENANT_PACER.get(env.TENANT_PACER.idFromName(env.TENANT_PACER_NAME));
    const client = new TenantClient({ apiToken: env.CLOUDFLARE_API_TOKEN, baseUrl: env.CLOUDFLARE_API_BASE_URL, pace });

    let messages = batch.messages.filter((message) => {
      if (typeof message.body?.customer_ref === "string") return true;
      console.error(`dropped message ${message.id}: no customer_ref`);
      message.ack();
      return false;
    });
    let specs = await Promise.all(messages.map((message) => specOf(message, env)));
    for (;;) {
      try {
        const reports = await client.onboardMany(specs, { concurrency: 8 });
        await Promise.all(messages.map((message, i) => finish(message, reports[i], env)));
        return;
      } catch (error) {
        // A bad spec is refused before any request, naming it (`specs[3].members[0].email`):
        // retrying it would not help. Drop its message and onboard the others.
        const bad = error instanceof ValidationError ? /^specs\[(\d+)\]/.exec(error.field ?? "") : null;
        if (!bad) throw error;
        const i = Number(bad[1]);
        console.error(`dropped message ${messages[i].id}: ${error.message}`);
        messages[i].ack();
        messages = messages.filter((_, j) => j !== i);
        specs = specs.filter((_, j) => j !== i);
      }
    }
  },
};

/** The message's spec, with the customer's last report (if any) as the checkpoint to go on from. */
async function specOf(message, env) {
  const spec = message.body;
  const checkpoint = await env.ONBOARDING.get(spec.customer_ref, "json");
  return checkpoint ? { ...spec, checkpoint } : spec;
}

/**
 * Keeps the report (the next try's checkpoint) and acknowledges a customer done; an incomplete
 * one is tried again later. Reports hold no secrets here: these specs ask for no token and no
 * service user. If yours do, put `report.token_value.expose()` (or `report.api_key.expose()`)
 * into your secret store before acknowledging: in JSON a Secret is `***`.
 */
async function finish(message, report, env) {
  await env.ONBOARDING.put(message.body.customer_ref, JSON.stringify(report));
  if (report.complete) message.ack();
  else message.retry({ delaySeconds: 30 });
}

/**
 * @typedef {{ id: string, body: any, ack(): void, retry(options?: { delaySeconds?: number }): void }} QueueMessage
 * @typedef {{
 *   CLOUDFLARE_API_TOKEN: string,
 *   CLOUDFLARE_API_BASE_URL?: string,
 *   TENANT_PACER_NAME: string,
 *   TENANT_PACER: { idFromName(name: string): unknown, get(id: unknown): import("cloudflare-tenant").SharedPacer },
 *   ONBOARDING: { get(key: string, type: "json"): Promise<any>, put(key: string, value: string): Promise<void> },
 * }} Env
 */
