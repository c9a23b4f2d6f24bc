// The READMEs' JavaScript examples, as files that `tsc --strict` checks against the installed
// package: every ```js and ```ts block becomes a module (its imports kept at the top, the rest
// in a function, so each example may use the names the prose gives it: `client`, `env`, ...).
// Blocks that only describe a shape are fenced as ```text instead.
//
//   node readme-examples.mjs OUT_DIR README.md [README.md ...]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [out, ...readmes] = process.argv.slice(2);
mkdirSync(join(out, "readme"), { recursive: true });

// What the prose around the examples has already set up.
const globals = `
import type * as ct from "cloudflare-tenant";
declare global {
  const env: { CLOUDFLARE_API_TOKEN: string };
  const vault: { put(key: string, value: string): Promise<void> };
  const client: ct.TenantClient;
  const apiToken: string;
  const account_id: string;
  const tenant_id: string;
  const tenant_units: Array<{ unit_tag: string }>;
  const pg: string;
  const rg: string;
  const baseUrl: string;
  const userAgent: string;
  const request: { url: string; method: string; headers: Record<string, string>; body: string | null };
  const TenantClient: typeof ct.TenantClient;
  const CloudflareApiError: typeof ct.CloudflareApiError;
  const OutcomeUnknownError: typeof ct.OutcomeUnknownError;
  const ValidationError: typeof ct.ValidationError;
  const RedirectError: typeof ct.RedirectError;
  const process: { env: Record<string, string | undefined> };
  const Paginator: typeof ct.Paginator;
}
export {};
`;
writeFileSync(join(out, "readme", "globals.d.ts"), globals);

let count = 0;
for (const readme of readmes) {
  const text = readFileSync(readme, "utf8");
  for (const [, lang, body] of text.matchAll(/^```(js|ts)\n([\s\S]*?)^```$/gm)) {
    const lines = body.split("\n");
    const imports = lines.filter((l) => l.startsWith("import "));
    const rest = lines.filter((l) => !l.startsWith("import ")).join("\n");
    const module = /^export default/m.test(rest)
      ? `${imports.join("\n")}\n${rest}`
      : `${imports.join("\n")}\nexport async function example()${lang === "ts" ? ": Promise<void>" : ""} {\n${rest}\n}\n`;
    count += 1;
    writeFileSync(join(out, "readme", `example${count}.${lang === "ts" ? "ts" : "js"}`), module);
  }
}
writeFileSync(
  join(out, "tsconfig.readme.json"),
  JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        strict: true,
        allowJs: true,
        checkJs: true,
        noEmit: true,
        types: [],
      },
      include: ["readme/*"],
    },
    null,
    2,
  ),
);
console.log(`readme: ${count} examples written`);
