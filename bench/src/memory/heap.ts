import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onboardingBatch, type BatchPhase } from './batch.ts';

/**
 * What the server's JavaScript heap holds during a batch of onboardings (docs/BENCHMARKS.md "Memory"): the
 * batch of batch.ts with `--heapsnapshot-signal=SIGUSR2`, a heap snapshot at each phase (idle, connected, every
 * run started, every run ended), then the live heap of each by kind and constructor and what grew from idle. A
 * snapshot collects garbage first, so it shows what is retained, not what V8 has committed.
 *
 *   node bench/src/memory/heap.ts <tenants> [node flags…]
 *
 * The snapshots (40–60 MB each at 200 onboardings) stay in a temporary directory, printed at the end, for Chrome's
 * DevTools (Memory tab, Load). Taking one pauses the server for a few seconds: the batch's wall time and CPU are
 * not comparable with batch.ts's.
 */

type Group = { count: number; bytes: number };
export type HeapSummary = {
  /** Self sizes of every node, backing stores of ArrayBuffers (PGlite's WebAssembly memory) apart. */
  jsBytes: number;
  arrayBufferBytes: number;
  groups: Map<string, Group>;
};

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
};

/** Sums a V8 heap snapshot's nodes by kind and name (strings, code and arrays each as one group). */
export function summarizeHeapSnapshot(json: string): HeapSummary {
  const s = JSON.parse(json) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [width, iType, iName, iSize] = [
    fields.length,
    fields.indexOf('type'),
    fields.indexOf('name'),
    fields.indexOf('self_size'),
  ];
  const groups = new Map<string, Group>();
  let jsBytes = 0;
  let arrayBufferBytes = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    const name = s.strings[s.nodes[i + iName]!]!;
    const bytes = s.nodes[i + iSize]!;
    const key = /string$/.test(type)
      ? 'strings'
      : type === 'code'
        ? 'compiled code'
        : type === 'array' || type === 'hidden'
          ? `(${type}) ${name.slice(0, 40)}`
          : `${type} ${name.slice(0, 60)}`;
    if (key === 'native system / JSArrayBufferData') arrayBufferBytes += bytes;
    else jsBytes += bytes;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += bytes;
    groups.set(key, g);
  }
  return { jsBytes, arrayBufferBytes, groups };
}

const MB = (b: number) => Math.round((b / 1048576) * 10) / 10;

/** The groups that grew most from `from` to `to`, largest first. */
export function heapGrowth(from: HeapSummary, to: HeapSummary, top = 15) {
  const keys = new Set([...from.groups.keys(), ...to.groups.keys()]);
  return [...keys]
    .map((key) => {
      const [a, b] = [from.groups.get(key), to.groups.get(key)];
      return {
        key,
        grew: (b?.bytes ?? 0) - (a?.bytes ?? 0),
        more: (b?.count ?? 0) - (a?.count ?? 0),
        now: b,
      };
    })
    .sort((x, y) => y.grew - x.grew)
    .slice(0, top)
    .map((g) => ({
      group: g.key,
      'grew KB': Math.round(g.grew / 1024),
      'more objects': g.more,
      'now KB': Math.round((g.now?.bytes ?? 0) / 1024),
    }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (import.meta.main) {
  const [tenants, ...flags] = process.argv.slice(2);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-heap-'));
  const taken: { phase: BatchPhase; file: string }[] = [];
  const files = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  // The snapshot is written on the server's main thread: it is done once the server answers again and the file is
  // there.
  const snapshot = async (phase: BatchPhase, pid: number) => {
    const before = files().length;
    process.kill(pid, 'SIGUSR2');
    for (let until = Date.now() + 300_000; files().length === before; await sleep(250))
      if (Date.now() > until) throw new Error(`no heap snapshot at ${phase}`);
    await sleep(500);
    const file = files().sort().at(-1)!;
    for (let size = -1; size !== statSync(path.join(dir, file)).size; await sleep(1_000))
      size = statSync(path.join(dir, file)).size;
    taken.push({ phase, file: path.join(dir, file) });
    process.stderr.write(`[heap] ${phase}: ${file}\n`);
  };
  const r = await onboardingBatch({
    tenants: Number(tenants ?? 20),
    nodeFlags: [...flags, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
    progress: (w) => process.stderr.write(`[memory] ${w}\n`),
    onPhase: (phase, pid) => snapshot(phase, pid).catch((e: unknown) => console.error(e)),
  });
  console.log(JSON.stringify(r));
  const summaries = taken.map((t) => ({
    ...t,
    summary: summarizeHeapSnapshot(readFileSync(t.file, 'utf8')),
  }));
  console.table(
    Object.fromEntries(
      summaries.map((s) => [
        s.phase,
        {
          'live JS heap MB': MB(s.summary.jsBytes),
          'ArrayBuffer data MB': MB(s.summary.arrayBufferBytes),
          objects: [...s.summary.groups.values()].reduce((n, g) => n + g.count, 0),
        },
      ]),
    ),
  );
  const idle = summaries.find((s) => s.phase === 'idle');
  for (const s of summaries.filter((x) => x.phase !== 'idle'))
    if (idle) {
      console.log(`\ngrowth idle → ${s.phase}`);
      console.table(heapGrowth(idle.summary, s.summary));
    }
  console.log(`snapshots in ${dir}`);
}
