import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How busy the whole host is, from /proc/stat (Linux; null elsewhere). These machines are shared
 * with other work (builds, test runs): a series is only comparable with its baseline when the
 * CPU time of processes other than ours was small while it ran, so each series reports it.
 */
export interface HostTicks {
  busyMs: number;
  atMs: number;
}

export function hostTicks(): HostTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (USER_HZ = 100)
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busyMs: (user + nice + system + irq + softirq + steal) * 10, atMs: performance.now() };
  } catch {
    return null;
  }
}

/** Cores kept busy between two readings by processes other than ours (ourMs: our CPU time in that window). */
export function otherCores(before: HostTicks | null, after: HostTicks | null, ourMs: number): number | null {
  if (!before || !after) return null;
  const wall = after.atMs - before.atMs;
  if (wall <= 0) return null;
  return Math.max(0, (after.busyMs - before.busyMs - ourMs) / wall);
}

/**
 * Waits (bounded by `budget.remainingMs`, shared by a whole benchmark, and `maxMs` per call)
 * until the host has been quiet — under `threshold` cores busy — for one 400 ms window while
 * we are idle. Returns the cores busy in the last window.
 */
export async function waitForQuietHost(budget: { remainingMs: number }, log: (line: string) => void, maxMs = 6000, threshold = 0.35): Promise<number | null> {
  const started = performance.now();
  let announced = false;
  for (;;) {
    const before = hostTicks();
    await sleep(400);
    const busy = otherCores(before, hostTicks(), 0);
    const waited = performance.now() - started;
    if (busy === null || busy < threshold || waited >= maxMs || budget.remainingMs - waited <= 0) {
      budget.remainingMs -= Math.max(0, waited - 400); // the first window is the check itself
      return busy;
    }
    if (!announced) {
      log(`host busy with other work (${busy.toFixed(2)} cores): waiting up to ${Math.round(Math.min(maxMs, budget.remainingMs) / 1000)} s for it to settle`);
      announced = true;
    }
  }
}
