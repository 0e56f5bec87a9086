import { until } from '../../test/e2e/support/until';
import { openStdioSession, type StdioSessionOptions } from './stdio-session';
import { UpstreamExchangeError } from './upstream-errors';

/**
 * A minimal MCP server over stdio, inline: answers initialize and `ping`-like requests with its
 * pid; exits on tools/call (a crash); closes its stdout and runs on at resources/read; with
 * IGNORE_TERM it ignores SIGTERM.
 */
const SERVER = `
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => {});
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === 'initialize') out({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'inline', version: '1' } } });
  else if (m.method === 'tools/call') process.exit(1);
  else if (m.method === 'resources/read') { require('fs').closeSync(1); setInterval(() => {}, 1000); }
  else if (m.id !== undefined) out({ jsonrpc: '2.0', id: m.id, result: { pid: process.pid } });
});`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stdio session', () => {
  const lifecycle: string[] = [];
  const options = (extra: Partial<StdioSessionOptions> = {}): StdioSessionOptions => ({
    timeoutMs: 5_000,
    stopGraceMs: 100,
    onStderr: () => undefined,
    onLifecycle: (_level, message) => lifecycle.push(message),
    ...extra,
  });
  const launch = { command: process.execPath, args: ['-e', SERVER] };
  const pidOf = async (session: Awaited<ReturnType<typeof openStdioSession>>) => (await session.request('tools/list', undefined, { timeoutMs: 5_000 })).pid as number;
  const crash = (session: Awaited<ReturnType<typeof openStdioSession>>) => session.request('tools/call', { name: 'x' }, { timeoutMs: 5_000 });

  beforeEach(() => (lifecycle.length = 0));

  it('restarts after each crash with a doubling back-off, resets it after a success, and gives up after too many crashes in a row', async () => {
    const session = await openStdioSession(launch, options({ restart: { baseMs: 20, maxMs: 50, maxRestarts: 2 } }));
    try {
      const first = await pidOf(session);
      await expect(crash(session)).rejects.toMatchObject({ failure: 'unavailable' });
      const second = await pidOf(session); // waits out the back-off
      expect(second).not.toBe(first);
      expect(alive(first)).toBe(false);
      // The success reset the count: the next crash waits the base delay again.
      await expect(crash(session)).rejects.toMatchObject({ failure: 'unavailable' });
      await expect(crash(session)).rejects.toMatchObject({ failure: 'unavailable' });
      await expect(crash(session)).rejects.toMatchObject({ failure: 'unavailable' });
      expect(lifecycle.filter((l) => l.includes('restarting in'))).toEqual([
        'the stdio upstream exited (crash 1 in a row): restarting in 20 ms',
        'the stdio upstream exited (crash 1 in a row): restarting in 20 ms',
        'the stdio upstream exited (crash 2 in a row): restarting in 40 ms',
      ]);
      expect(lifecycle.at(-1)).toContain('exited 3 times in a row: no longer restarted');
      expect(session.process!()).toMatchObject({ state: 'failed', pid: null, restarts: 3, crashesInRow: 3 });
      const lost = await crash(session).catch((error: unknown) => error);
      expect(lost).toBeInstanceOf(UpstreamExchangeError);
      expect(lost).toMatchObject({ failure: 'session_lost' });
    } finally {
      await session.close();
    }
  });

  it('treats a child that closed its stdout as crashed: the call fails, the process is stopped, a new one serves the next call', async () => {
    const session = await openStdioSession(launch, options({ restart: { baseMs: 20, maxMs: 50, maxRestarts: 2 } }));
    try {
      const first = await pidOf(session);
      await expect(session.request('resources/read', { uri: 'x' }, { timeoutMs: 5_000 })).rejects.toMatchObject({ failure: 'unavailable' });
      await until(() => !alive(first));
      expect(alive(first)).toBe(false);
      const second = await pidOf(session);
      expect(second).not.toBe(first);
      expect(session.process!()).toMatchObject({ state: 'running', pid: second, restarts: 1 });
    } finally {
      await session.close();
    }
  });

  it('caps the back-off at its maximum', async () => {
    const session = await openStdioSession(launch, options({ restart: { baseMs: 30, maxMs: 45, maxRestarts: 5 } }));
    try {
      for (let i = 0; i < 3; i++) await expect(crash(session)).rejects.toMatchObject({ failure: 'unavailable' });
      expect(lifecycle.filter((l) => l.includes('restarting in')).map((l) => l.replace(/.*restarting in /, ''))).toEqual(['30 ms', '45 ms', '45 ms']);
    } finally {
      await session.close();
    }
  });

  it('without restarts (discovery), a crash ends the session', async () => {
    const session = await openStdioSession(launch, options());
    await expect(crash(session)).rejects.toMatchObject({ failure: 'unavailable' });
    await expect(crash(session)).rejects.toMatchObject({ failure: 'session_lost' });
    await session.close();
  });

  it('stops a child that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const session = await openStdioSession({ ...launch }, options({ credentials: async () => ({ headers: {}, query: {}, env: { IGNORE_TERM: '1' } }) }));
    const pid = await pidOf(session);
    await session.close();
    expect(alive(pid)).toBe(false);
    expect(session.process!()).toMatchObject({ state: 'stopped', pid: null });
  });

  it('refuses to open (unavailable) when the command cannot be started at all', async () => {
    const error = await openStdioSession({ command: '/nonexistent/warden-test-mcp-server', args: [] }, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamExchangeError);
    expect(error).toMatchObject({ failure: 'unavailable', message: 'the stdio upstream did not start' });
  });

  it('refuses to open (timeout) when the command does not answer the handshake', async () => {
    const error = await openStdioSession({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }, options({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'timeout' });
  });
});
