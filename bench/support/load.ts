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
