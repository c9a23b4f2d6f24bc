// One client call in a process of its own, so that its peak memory can be read: the test runs
//   node --max-old-space-size=256 hostile-child.mjs '{"baseUrl", "operation", "params", "options"}'
// and reads one line of JSON: {error, peakRssMiB, seconds}.
import { TenantClient } from "cloudflare-tenant";

const { baseUrl, operation, params, options } = JSON.parse(process.argv[2]);
const client = new TenantClient({ apiToken: "hostile-token-0123456789", baseUrl, retry: false, ...options });
const started = performance.now();
let error = null;
try {
  await client.call(operation, params);
} catch (e) {
  error = { name: e.name, kind: e.kind, message: e.message, reason: e.reason ?? null, causeName: e.cause?.name ?? null };
}
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ error, peakRssMiB, seconds: (performance.now() - started) / 1000 }));
