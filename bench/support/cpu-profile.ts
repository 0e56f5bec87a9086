import { readFileSync } from 'node:fs';
import { round } from './stats';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTimeRow {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the non-idle sampled time. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  topFunctions: SelfTimeRow[];
  /** Self time grouped by where the code lives: a package under node_modules, our dist/ tree, node internals, GC. */
  byModule: SelfTimeRow[];
  /** Time by gateway component: each sample goes to the deepest frame of its stack that a component claims. */
  byComponent: SelfTimeRow[];
}

type Frame = CpuProfile['nodes'][number]['callFrame'];

/**
 * Gateway components. A sample goes to the deepest frame of its stack claimed by a specific
 * component; failing that, to the deepest frame claimed by a generic one (GENERIC).
 */
const SPECIFIC: Array<[string, (f: Frame) => boolean]> = [
  ['ledger: hashEvent (JCS + SHA-256; Ed25519 runs on the signature worker)', (f) => f.functionName === 'hashEvent' || f.functionName === 'sealEvent'],
  ['ledger: SQLite group-commit transaction (events + payloads; fsync under FULL)', (f) => f.functionName === 'commitBatch' && f.url.includes('sqlite-database')],
  ['payload store: write (salt, digest, AES-GCM)', (f) => f.functionName === 'write' && f.url.includes('sqlite-payload-store')],
  ['projector: catch-up reads of committed events', (f) => /catch-up-subscription|read-model-projector/.test(f.url)],
  ['upstream hop: warden request path (undici request, JSON / SSE parse)', (f) => /json-rpc-exchange|sse-events|streamable-session/.test(f.url)],
  ['upstream hop: undici internals', (f) => /node_modules\/undici\//.test(f.url) || /node:internal\/deps\/undici/.test(f.url)],
  ['upstream hop: SDK 2.x client (+ zod)', (f) => /@modelcontextprotocol\/client|\/zod\//.test(f.url)],
];

const GENERIC: Array<[string, (f: Frame) => boolean]> = [
  ['warden gateway code (edge, pipeline, recorder, writer)', (f) => f.url.includes('/dist/src/')],
  ['warden libs (ledger, stores) outside the above', (f) => f.url.includes('/dist/libs/')],
  ['HTTP server: fastify + Nest', (f) => /node_modules\/(fastify|@fastify|@nestjs|find-my-way|middie|light-my-request|avvio)/.test(f.url)],
  ['sockets and node:http (both hops)', (f) => /^node:(_http|net|internal\/stream_base_commons|internal\/streams|stream)/.test(f.url)],
];

/** Self time per function and per module, from the samples (time deltas), idle excluded. */
export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const componentOf = (id: number): string => {
    const leaf = byId.get(id)!.callFrame;
    if (leaf.functionName.startsWith('(')) return leaf.functionName;
    for (const components of [SPECIFIC, GENERIC]) {
      for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
        const frame = byId.get(at)!.callFrame;
        const claim = components.find(([, matches]) => matches(frame));
        if (claim) return claim[0];
      }
    }
    return 'other (node internals, timers, microtasks…)';
  };
  const components = new Map<string, number>();
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the time to the next sample's node.
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, delta));
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const modules = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}|${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const component = componentOf(id);
    components.set(component, (components.get(component) ?? 0) + us);
    const module = moduleOf(frame.url, frame.functionName);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const row = (name: string, where: string, us: number): SelfTimeRow => ({
    name,
    where,
    selfMs: round(us / 1000, 1),
    percent: round((100 * us) / Math.max(1, busyUs), 1),
  });
  return {
    file,
    wallMs: round((profile.endTime - profile.startTime) / 1000, 1),
    busyMs: round(busyUs / 1000, 1),
    idleMs: round(idleUs / 1000, 1),
    topFunctions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => row(f.name, f.where, f.us)),
    byComponent: [...components.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => row(name, '', us)),
    byModule: [...modules.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => row(name, '', us)),
  };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  const dist = path.indexOf('/dist/');
  if (dist >= 0) return path.slice(dist + 1);
  return path;
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith('node:')) return `node:${path.slice(5).split('/').slice(0, 2).join('/')}`;
  const dist = path.indexOf('/dist/');
  if (dist >= 0) {
    const parts = path.slice(dist + '/dist/'.length).split('/');
    return `warden ${parts.slice(0, Math.min(parts.length - 1, 3)).join('/')}`;
  }
  return path;
}
