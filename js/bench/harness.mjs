// Paired timing: a baseline and a subject run in alternating batches (the order flips every
// round), so that drift, GC pressure and other load on the machine hit both alike. Each batch
// takes about BATCH_MS; a side's time is the median of its batch means, and the ratio is the
// median of the per-round ratios.
import { performance } from "node:perf_hooks";

const BATCH_MS = 5;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

let sink;
/** Keeps results alive so that the engine cannot drop the work. */
export function consume(value) {
  sink = value;
  return sink;
}

/**
 * How many calls make a batch of BATCH_MS: doubled until a batch takes that long (as Python's
 * timeit autorange does), which warms the code up too. Sized from one call, a batch came out
 * far too short whenever that call was cold (V8 had not yet tiered the .wasm up).
 */
function calibrate(fn) {
  for (let n = 1; ; n *= 2) {
    const start = performance.now();
    for (let i = 0; i < n; i++) consume(fn());
    if (performance.now() - start >= BATCH_MS || n >= 1_000_000) return n;
  }
}

function batch(fn, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) consume(fn());
  return (performance.now() - start) / n;
}

/** Median time of one call of `fn`, in ms (no baseline). */
export function timeOne(fn, rounds = 31) {
  const n = calibrate(fn);
  const samples = [];
  for (let r = 0; r < rounds; r++) samples.push(batch(fn, n));
  return median(samples);
}

/** `{base, subject, ratio}`: median ms per call of each side, median per-round ratio. */
export function paired(base, subject, rounds = 31) {
  const nb = calibrate(base);
  const ns = calibrate(subject);
  const bs = [];
  const ss = [];
  const rs = [];
  for (let r = 0; r < rounds; r++) {
    let b;
    let s;
    if (r % 2 === 0) {
      b = batch(base, nb);
      s = batch(subject, ns);
    } else {
      s = batch(subject, ns);
      b = batch(base, nb);
    }
    bs.push(b);
    ss.push(s);
    rs.push(s / b);
  }
  return { base: median(bs), subject: median(ss), ratio: median(rs) };
}

export function fmtMs(ms) {
  if (Math.abs(ms) >= 1) return `${ms.toFixed(2)} ms`;
  if (Math.abs(ms) >= 1e-3) return `${(ms * 1e3).toFixed(2)} us`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}
