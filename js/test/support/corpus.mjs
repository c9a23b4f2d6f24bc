// Loads the golden corpus (the repository's tests/fixtures/) into one object for fixture-cases.mjs.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const FIXTURES_DIR =
  process.env.CLOUDFLARE_TENANT_FIXTURES ?? fileURLToPath(new URL("../../../tests/fixtures/", import.meta.url));

function read(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : [];
}

export function loadCorpus(dir = FIXTURES_DIR) {
  const operations = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith("_") || !statSync(path).isDirectory()) continue;
    operations[name] = {
      requests: read(join(path, "requests.json")),
      invalid: read(join(path, "invalid.json")),
      responses: read(join(path, "responses.json")),
    };
  }
  return { operations, envelope: read(join(dir, "_envelope", "responses.json")) };
}
