// The golden corpus through the built package under Node: the same requests, parses and errors
// as the Rust core (tests/fixtures.rs asserts the same on the Rust side).
import { describe, test } from "node:test";
import * as lib from "cloudflare-tenant";
import { fixtureCases } from "./fixture-cases.mjs";
import { loadCorpus } from "./support/corpus.mjs";

const cases = fixtureCases(lib, loadCorpus());
const groups = [...new Set(cases.map((c) => c.group))];

for (const group of groups) {
  describe(`fixtures: ${group}`, () => {
    for (const c of cases.filter((c) => c.group === group)) test(c.label, () => c.run());
  });
}
