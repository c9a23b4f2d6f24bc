// Starts a sandbox of the API for one test file: its own process, its own flags.
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The sandbox binary: CLOUDFLARE_TENANT_SANDBOX_BIN, or the workspace's, built first. */
function sandboxBinary() {
  if (process.env.CLOUDFLARE_TENANT_SANDBOX_BIN) return process.env.CLOUDFLARE_TENANT_SANDBOX_BIN;
  execFileSync("cargo", ["build", "--quiet", "-p", "cloudflare-tenant-sandbox", "--bin", "cloudflare-tenant-sandbox"], { cwd: ROOT, stdio: "inherit" });
  const metadata = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: ROOT, encoding: "utf8" }));
  return `${metadata.target_directory}/debug/cloudflare-tenant-sandbox`;
}

/**
 * A sandbox started with `args` (on a free port, seed 1): `{url, state(), stop()}`; `url` is the
 * server's root (the API is under `/client/v4`), `state()` its `/__sandbox/state`.
 */
export async function startSandbox(args = []) {
  const child = spawn(sandboxBinary(), ["--port", "0", "--seed", "1", ...args], { stdio: ["ignore", "pipe", "ignore"] });
  let url;
  for await (const line of createInterface({ input: child.stdout })) {
    url = /^listening on (http\S+)/.exec(line)?.[1];
    if (url) break;
  }
  if (!url) throw new Error("the sandbox did not start");
  // Keep reading its output, so that it never blocks on a full pipe.
  child.stdout.resume();
  return {
    url,
    state: async () => (await fetch(`${url}/__sandbox/state`)).json(),
    stop: () => child.kill(),
  };
}
