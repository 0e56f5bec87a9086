import { summarise, round, type LatencySummary } from './stats';

/** One measured series: per-call latency and the rate over the whole series' wall time. */
export interface LoadResult {
  calls: number;
  clients: number;
  seconds: number;
  callsPerSecond: number;
  latencyMs: LatencySummary;
}

export type Call = () => Promise<unknown>;

/** `count` calls one after another on one client. */
export async function sequential(call: Call, count: number): Promise<LoadResult> {
  const samples = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call();
    samples[i] = performance.now() - t0;
  }
  return resultOf(samples, 1, performance.now() - started);
}

/** Every client runs `perClient` calls back to back, all clients at once (closed loop). */
export async function concurrent(clients: Call[], perClient: number): Promise<LoadResult> {
  const samples = new Float64Array(clients.length * perClient);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (call) => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        await call();
        samples[next++] = performance.now() - t0;
      }
    }),
  );
  return resultOf(samples, clients.length, performance.now() - started);
}

/** Warm-up: `count` calls spread over the clients, results discarded. */
export async function warmUp(clients: Call[], count: number): Promise<void> {
  const perClient = Math.max(1, Math.ceil(count / clients.length));
  await Promise.all(clients.map(async (call) => {
    for (let i = 0; i < perClient; i++) await call();
  }));
}

function resultOf(samples: Float64Array, clients: number, wallMs: number): LoadResult {
  return {
    calls: samples.length,
    clients,
    seconds: round(wallMs / 1000),
    callsPerSecond: round(samples.length / (wallMs / 1000), 1),
    latencyMs: summarise(samples),
  };
}

export interface SteadyWarmUp {
  /** Calls made before the p50 stopped falling (results discarded). */
  calls: number;
  /** p50 (ms) of each window, in order: the last ones are the steady state. */
  windowP50s: number[];
  /** False when maxCalls ran out before two windows in a row agreed. */
  steady: boolean;
}

/**
 * Sequential warm-up until the latency settles (the JIT, caches and pools of both ends): windows
 * of `window` calls, until a window's p50 is within `tolerance` of the one before it — at least
 * `minCalls`, at most `maxCalls`. A fixed few hundred calls is not enough for warden (measured:
 * its p50 kept falling for ~5,000 calls), and a series measured before that reports the warm-up.
 */
export async function warmUntilSteady(
  call: Call,
  options: { window?: number; minCalls?: number; maxCalls?: number; tolerance?: number } = {},
): Promise<SteadyWarmUp> {
  const window = options.window ?? 250;
  const minCalls = options.minCalls ?? 1000;
  const maxCalls = options.maxCalls ?? 8000;
  const tolerance = options.tolerance ?? 0.03;
  const windowP50s: number[] = [];
  let calls = 0;
  while (calls < maxCalls) {
    windowP50s.push((await sequential(call, window)).latencyMs.p50);
    calls += window;
    const [before, last] = windowP50s.slice(-2);
    if (calls >= minCalls && windowP50s.length >= 2 && last >= before * (1 - tolerance)) return { calls, windowP50s, steady: true };
  }
  return { calls, windowP50s, steady: false };
}

/** How long the sequential series were warmed up, and whether each settled before its cap. */
export function warmUpNote(warmUps: ReadonlyArray<SteadyWarmUp | undefined>): string {
  const known = warmUps.filter((w): w is SteadyWarmUp => w !== undefined);
  if (known.length === 0) return 'no warm-up recorded';
  const calls = known.map((w) => w.calls);
  const unsettled = known.filter((w) => !w.steady).length;
  return `each sequential series follows a warm-up of ${Math.min(...calls)}–${Math.max(...calls)} calls, until its p50 settled (within 3% of the window before)${unsettled > 0 ? `; ${unsettled} of ${known.length} reached the cap unsettled` : ''}`;
}
