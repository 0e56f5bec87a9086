import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { Handlers } from './child-rpc';
import { warningCounts } from './warnings';

/** What a benchmark child reports about itself between measured phases. */
export interface CpuSample {
  /** process.cpuUsage(): user + system, microseconds since the process started. */
  userUs: number;
  systemUs: number;
  rssBytes: number;
  /** Process warnings counted (not printed) so far, by name. */
  warnings: Record<string, number>;
}

export function cpuSample(): CpuSample {
  const usage = process.cpuUsage();
  return { userUs: usage.user, systemUs: usage.system, rssBytes: process.memoryUsage.rss(), warnings: warningCounts() };
}

/** CPU milliseconds a child spent between two samples. */
export function cpuMsBetween(before: CpuSample, after: CpuSample): { userMs: number; systemMs: number; totalMs: number } {
  const userMs = (after.userUs - before.userUs) / 1000;
  const systemMs = (after.systemUs - before.systemUs) / 1000;
  return { userMs, systemMs, totalMs: userMs + systemMs };
}

/**
 * The probes every benchmark child serves: `cpu` (a CpuSample), and a V8 CPU profile of just the
 * phase the parent brackets with `profileStart` / `profileStop` (written as a .cpuprofile file,
 * readable by Chrome DevTools and by bench/support/cpu-profile.ts).
 */
export function probeHandlers(): Handlers {
  let session: Session | undefined;
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session!.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  return {
    cpu: () => cpuSample(),
    profileStart: async (arg) => {
      const { intervalUs } = (arg ?? {}) as { intervalUs?: number };
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: intervalUs ?? 250 });
      await post('Profiler.start');
      return null;
    },
    profileStop: async (arg) => {
      const { file } = arg as { file: string };
      if (!session) throw new Error('no profile running');
      const { profile } = await post<{ profile: unknown }>('Profiler.stop');
      session.disconnect();
      session = undefined;
      writeFileSync(file, JSON.stringify(profile));
      return { file };
    },
  };
}
