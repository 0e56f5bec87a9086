import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchChild } from './child-rpc';
import { summariseProfile, type ProfileSummary } from './cpu-profile';
import { concurrent, sequential, warmUp, type Call } from './load';
import type { Table } from './report';

/** A client a profiled series opens for itself and closes after. */
export interface ProfiledClient {
  call: Call;
  close(): Promise<void>;
}

/**
 * A separate, profiled series against a benchmark child (its figures are not reported: profiling
 * slows it down): `clients` clients, one of them sequentially or all at once, written to
 * <resultsDir>/profiles/<name>.cpuprofile and summarised.
 */
export async function profileSeries(
  child: BenchChild<unknown>,
  open: () => Promise<ProfiledClient>,
  options: { name: string; clients: number; calls: number; resultsDir: string },
): Promise<ProfileSummary> {
  const dir = join(options.resultsDir, 'profiles');
  mkdirSync(dir, { recursive: true });
  // The repository ignores bench/results/*.json only: keep the profiles out of git status too.
  writeFileSync(join(dir, '.gitignore'), '*\n');
  const file = join(dir, `${options.name}.cpuprofile`);
  const many = await Promise.all(Array.from({ length: options.clients }, open));
  try {
    await warmUp(many.map((c) => c.call), options.clients * 5);
    await child.call('profileStart', { intervalUs: 250 });
    if (options.clients === 1) await sequential(many[0].call, options.calls);
    else await concurrent(many.map((c) => c.call), Math.ceil(options.calls / options.clients));
    await child.call('profileStop', { file });
  } finally {
    await Promise.all(many.map((c) => c.close().catch(() => undefined)));
  }
  return summariseProfile(file);
}

/** Two tables per profile: time by component, and the top functions by self time. */
export function profileTables(profiles: readonly ProfileSummary[], process = 'gateway'): Table[] {
  return profiles.flatMap((profile) => {
    const name = profile.file.split('/').pop();
    return [
      {
        title: `${process} CPU profile ${name} (busy ${profile.busyMs} ms of ${profile.wallMs} ms sampled): time by component`,
        columns: ['component', 'ms', '%'],
        rows: profile.byComponent.map((c) => [c.name, c.selfMs, c.percent]),
      },
      {
        title: `${process} CPU profile ${name}: top self time by function`,
        columns: ['function', 'where', 'self ms', '%'],
        rows: profile.topFunctions.slice(0, 15).map((f) => [f.name, f.where, f.selfMs, f.percent]),
      },
    ];
  });
}
