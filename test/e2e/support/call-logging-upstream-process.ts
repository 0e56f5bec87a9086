import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UPSTREAM_LISTENING_MARKER, type LoggedToolCall } from '../../fixtures/call-logging-upstream';
import { ROOT } from './gateway-process';

const FIXTURE_JS = join(ROOT, 'dist', 'test', 'fixtures', 'call-logging-upstream.js');

export interface CallLoggingUpstreamProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every tools/call the upstream received so far, in arrival order, read back from its file. */
  received(): LoggedToolCall[];
  /** SIGTERM (SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts test/fixtures/call-logging-upstream.ts (compiled) as its own process, writing to `logFile`. */
export async function startCallLoggingUpstreamProcess(logFile: string, timeoutMs = 20_000): Promise<CallLoggingUpstreamProcess> {
  if (!existsSync(FIXTURE_JS)) throw new Error(`${FIXTURE_JS} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [FIXTURE_JS, logFile], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the call-logging upstream did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the call-logging upstream exited with ${code}:\n${output}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', () => {
      const line = output.split('\n').find((l) => l.startsWith(UPSTREAM_LISTENING_MARKER));
      if (line === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(line.slice(UPSTREAM_LISTENING_MARKER.length).trim());
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url,
    child,
    received: () => readLoggedCalls(logFile),
    stop,
  };
}

export function readLoggedCalls(logFile: string): LoggedToolCall[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as LoggedToolCall);
}
