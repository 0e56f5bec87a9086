import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { connectAgent, textOf, type Agent, type AgentRevision } from '../fixtures/agent-clients';
import { STDIO_FIXTURE_JS } from '../fixtures/stdio-mcp-server';
import { CapturedLogs } from './support/captured-logs';
import { dataDirFiles } from './support/data-dir-bytes';
import { startHarness, type Harness } from './support/gateway-harness';
import { ROOT } from './support/gateway-process';
import { eventsOfType } from './support/ledger-reader';
import { until } from './support/until';

/**
 * stdio upstreams: warden runs the compiled fixture (test/fixtures/stdio-mcp-server.ts) as its
 * child with `node`, governs it like a remote server, restarts it after a crash, stops it on
 * removal, and keeps the environment secrets it injects out of logs, ledger and responses.
 */
const FIXTURE_JS = join(ROOT, 'dist', 'test', 'fixtures', basename(STDIO_FIXTURE_JS));
const CANARY = 'stdio-canary-7f3a91c4e2d8b6a0';
const ROTATED = 'stdio-rotated-canary-0c5e2b9d';
const TOOLS = ['echo', 'fail', 'crash', 'pid', 'argv', 'env_is_set', 'env_sha256', 'log_env'];
const GENERATIONS: AgentRevision[] = ['2025-11-25', '2026-07-28'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stdio upstreams', () => {
  const logs = new CapturedLogs();
  const responses: string[] = [];
  let h: Harness;
  let agentKey: string;
  let serverId: string;
  let scratch: string;
  let marker: string;

  const register = async (body: Record<string, unknown>) => {
    const res = await h.api.request('POST', '/v1/servers', body);
    responses.push(JSON.stringify(res.body));
    return res;
  };
  const withAgent = async <T>(revision: AgentRevision, work: (agent: Agent) => Promise<T>): Promise<T> => {
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    try {
      return await work(agent);
    } finally {
      await agent.close();
    }
  };
  const call = (revision: AgentRevision, tool: string, args: Record<string, unknown> = {}) =>
    withAgent(revision, async (agent) => {
      const result = await agent.callTool(tool, args);
      responses.push(JSON.stringify(result));
      return textOf(result);
    });

  beforeAll(async () => {
    if (!existsSync(FIXTURE_JS)) throw new Error(`${FIXTURE_JS} is missing: run \`npm run build\` first (npm test does)`);
    scratch = mkdtempSync(join(tmpdir(), 'warden-stdio-'));
    marker = join(scratch, 'shell-ran');
    h = await startHarness({ WARDEN_STDIO_RESTART_BASE_MS: '50', WARDEN_STDIO_RESTART_MAX_MS: '400', WARDEN_STDIO_STOP_GRACE_MS: '1000' }, { logger: logs.logger });
    const res = await register({
      name: 'Notes',
      slug: 'notes',
      transport: 'stdio',
      command: process.execPath,
      args: [FIXTURE_JS, `; touch ${marker}`, `$(touch ${marker})`, `| touch ${marker}`],
      cwd: scratch,
      env: { FIXTURE_TOKEN: CANARY, FIXTURE_MODE: 'test' },
    });
    expect(res.status).toBe(201);
    serverId = res.body.serverId;
    for (const tool of TOOLS) await h.api.approve(serverId, tool, 'read');
    agentKey = (await h.api.registerAgent('stdio-agent')).apiKey;
  });

  let stopped = false;
  afterAll(async () => {
    if (!stopped) await h?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('records the command and arguments, and only the names of the environment', () => {
    const [registered] = eventsOfType(h.dataDir, 'ServerRegistered');
    expect(registered.data.stdio).toEqual({
      command: process.execPath,
      args: [FIXTURE_JS, `; touch ${marker}`, `$(touch ${marker})`, `| touch ${marker}`],
      cwd: scratch,
      envNames: ['FIXTURE_MODE', 'FIXTURE_TOKEN'],
    });
    expect(registered.data.url).toBe(`stdio:${process.execPath}`);
  });

  it.each(GENERATIONS)('serves a %s agent: lists the approved tools, calls through, relays the tool error', async (revision) => {
    const names = await withAgent(revision, async (agent) => (await agent.listTools()).map((t) => t.name).sort());
    expect(names).toEqual([...TOOLS].sort());
    expect(JSON.parse(await call(revision, 'echo', { via: revision }))).toEqual({ via: revision });
    const failed = await withAgent(revision, (agent) => agent.callTool('fail', { reason: 'expected' }));
    expect(failed.isError).toBe(true);
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.protocolVersion === revision && e.data.tool === 'echo');
    expect(decided.length).toBeGreaterThanOrEqual(1);
  });

  it('passes the arguments as they are, without a shell: metacharacters run nothing', async () => {
    expect(JSON.parse(await call('2025-11-25', 'argv'))).toEqual([`; touch ${marker}`, `$(touch ${marker})`, `| touch ${marker}`]);
    expect(existsSync(marker)).toBe(false);
  });

  it('shares one child between agents of both generations', async () => {
    const [a, b] = await Promise.all(GENERATIONS.map((revision) => call(revision, 'pid')));
    expect(a).toBe(b);
    expect((await h.api.request('GET', `/v1/servers/${serverId}`)).body.pool.process).toMatchObject({ state: 'running', pid: Number(a) });
  });

  it('injects the vault’s environment into the child, and keeps its values out of logs, ledger and responses', async () => {
    expect(await call('2026-07-28', 'env_is_set', { name: 'FIXTURE_TOKEN' })).toBe('set');
    expect(await call('2026-07-28', 'env_is_set', { name: 'WARDEN_DATA_DIR' })).toBe('unset'); // warden's own environment is not inherited
    expect(await call('2025-11-25', 'log_env', { name: 'FIXTURE_TOKEN' })).toBe('logged');
    await until(() => logs.matching('log_env FIXTURE_TOKEN=').length > 0);
    expect(logs.matching('log_env FIXTURE_TOKEN=')[0].msg).toContain('log_env FIXTURE_TOKEN=[redacted]');
    expect(logs.matching('stdio fixture starting with FIXTURE_TOKEN=[redacted]').length).toBeGreaterThan(0);
    responses.push(JSON.stringify((await h.api.request('GET', `/v1/servers/${serverId}`)).body));
    responses.push(JSON.stringify((await h.api.request('GET', '/v1/servers')).body));
    await h.settled();
    expect(logs.text()).not.toContain(CANARY);
    expect(logs.text()).not.toContain(ROTATED);
    expect(dataDirFiles(h.dataDir).filter((f) => f.bytes.includes(Buffer.from(CANARY))).map((f) => f.file)).toEqual([]);
    expect(responses.join('\n')).not.toContain(CANARY);
    expect(responses.join('\n')).toContain('FIXTURE_TOKEN');
  });

  it('restarts a child that crashed, with back-off; the next call works on the new process', async () => {
    const before = Number(await call('2025-11-25', 'pid'));
    await expect(withAgent('2025-11-25', (agent) => agent.callTool('crash', {}))).rejects.toMatchObject({ data: { reason: 'UPSTREAM.UNAVAILABLE' } });
    await until(() => !alive(before));
    expect(alive(before)).toBe(false);
    const after = Number(await call('2026-07-28', 'pid'));
    expect(after).not.toBe(before);
    expect(alive(after)).toBe(true);
    const pool = (await h.api.request('GET', `/v1/servers/${serverId}`)).body.pool;
    expect(pool.process).toMatchObject({ state: 'running', pid: after, restarts: 1, crashesInRow: 0 });
    expect(logs.matching('restarting in 50 ms').length).toBe(1);
    expect(eventsOfType(h.dataDir, 'ToolCallFailed').filter((e) => e.data.reason === 'UPSTREAM.UNAVAILABLE')).toHaveLength(1);
  });

  it('checks health on the pooled child (no second process)', async () => {
    const pid = Number(await call('2025-11-25', 'pid'));
    const res = await h.api.request('POST', `/v1/servers/${serverId}/health`);
    expect(res.body.check).toMatchObject({ status: 'healthy' });
    expect(Number(await call('2025-11-25', 'pid'))).toBe(pid);
  });

  it.each([
    ['a relative path', { command: './server.js' }, 'UPSTREAM.INVALID_COMMAND', 'command'],
    ['a program not on PATH', { command: 'no-such-mcp-server-7f3a' }, 'UPSTREAM.INVALID_COMMAND', 'command'],
    ['a file that is not executable', { command: FIXTURE_JS }, 'UPSTREAM.INVALID_COMMAND', 'command'],
    ['arguments that are not strings', { command: process.execPath, args: [FIXTURE_JS, 1] }, 'UPSTREAM.INVALID_COMMAND', 'args[1]'],
    ['args that are not an array', { command: process.execPath, args: 'server.js' }, 'VALIDATION.FAILED', undefined],
    ['a credential in the arguments', { command: process.execPath, args: [FIXTURE_JS, `--api-key=${CANARY}`] }, 'UPSTREAM.CREDENTIALS_IN_ARGS', 'args[1]'],
    ['a relative cwd', { command: process.execPath, args: [FIXTURE_JS], cwd: 'tmp' }, 'UPSTREAM.INVALID_COMMAND', 'cwd'],
    ['a bad environment name', { command: process.execPath, args: [FIXTURE_JS], env: { 'NOT-A-NAME': 'x' } }, 'VAULT.INVALID_CREDENTIAL', 'variables'],
    ['a url besides the command', { command: process.execPath, args: [FIXTURE_JS], url: 'http://127.0.0.1:1/mcp' }, 'UPSTREAM.INVALID_COMMAND', 'url'],
    ['an http credential', { command: process.execPath, args: [FIXTURE_JS], credential: { scheme: 'bearer', token: CANARY } }, 'VAULT.INVALID_CREDENTIAL', 'credential'],
  ])('refuses %s (400) and registers nothing', async (_what, launch, reason, field) => {
    const before = (await h.api.request('GET', '/v1/servers')).body.servers.length;
    const res = await register({ name: 'Bad', slug: 'bad', transport: 'stdio', ...launch });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(reason);
    if (field) expect(res.body).toMatchObject({ field });
    expect((await h.api.request('GET', '/v1/servers')).body.servers.length).toBe(before);
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
  });

  it('survives a command that exits before the handshake (no uncaught error takes the process down)', () => {
    // Regression: the child's close handler ran before the session existed and threw (TDZ), uncaught: it ended the process.
    const session = join(ROOT, 'dist', 'src', 'upstream', 'stdio-session.js');
    const script = `require(${JSON.stringify(session)}).openStdioSession({ command: process.execPath, args: ['-e', 'process.exit(0)'] }, { timeoutMs: 5000, stopGraceMs: 500, onStderr() {}, onLifecycle() {} })
      .then(() => console.log('opened'), (e) => setTimeout(() => console.log('survived ' + e.failure), 300));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: run.status, stdout: run.stdout.trim(), stderr: run.stderr }).toEqual({ status: 0, stdout: 'survived unavailable', stderr: '' });
  });

  it('refuses stdio fields on an http registration, and an env credential for an http server', async () => {
    const stray = await register({ name: 'Bad', slug: 'bad', url: 'http://127.0.0.1:1/mcp', command: process.execPath });
    expect(stray.status).toBe(400);
    const env = await register({ name: 'Bad', slug: 'bad', url: 'http://127.0.0.1:1/mcp', credential: { scheme: 'env', variables: { A: 'b' } } });
    expect(env.status).toBe(400);
    expect(JSON.stringify(env.body)).toContain('VAULT.INVALID_CREDENTIAL');
  });

  it('takes only an env credential for a stdio server', async () => {
    const bearer = await h.api.request('PUT', `/v1/servers/${serverId}/credential`, { scheme: 'bearer', token: CANARY });
    expect(bearer.status).toBe(400);
    expect(bearer.body).toMatchObject({ code: 'VAULT.INVALID_CREDENTIAL', field: 'scheme' });
    expect((await h.api.request('GET', `/v1/servers/${serverId}/credential`)).body).toMatchObject({ scheme: 'env', version: 1 });
  });

  it('stops the child on disable; enabled again, the next call starts one with the rotated environment', async () => {
    const pid = Number(await call('2025-11-25', 'pid'));
    expect(await call('2026-07-28', 'env_sha256', { name: 'FIXTURE_TOKEN' })).toBe(createHash('sha256').update(CANARY).digest('hex'));
    const rotated = await h.api.request('POST', `/v1/servers/${serverId}/credential/rotate`, { variables: { FIXTURE_TOKEN: ROTATED } });
    expect(rotated.status).toBe(204);
    expect((await h.api.request('POST', `/v1/servers/${serverId}/disable`)).status).toBe(200);
    await until(() => !alive(pid));
    expect(alive(pid)).toBe(false);
    expect((await h.api.request('POST', `/v1/servers/${serverId}/enable`)).status).toBe(200);
    const next = Number(await call('2025-11-25', 'pid'));
    expect(next).not.toBe(pid);
    expect(await call('2026-07-28', 'env_sha256', { name: 'FIXTURE_TOKEN' })).toBe(createHash('sha256').update(ROTATED).digest('hex'));
    expect(await call('2025-11-25', 'log_env', { name: 'FIXTURE_TOKEN' })).toBe('logged');
    await until(() => logs.matching('log_env FIXTURE_TOKEN=').length > 1);
    expect(logs.matching('log_env FIXTURE_TOKEN=').map((l) => l.msg.replace(/.*log_env/, 'log_env'))).toEqual(['log_env FIXTURE_TOKEN=[redacted]', 'log_env FIXTURE_TOKEN=[redacted]']);
    expect(logs.text()).not.toContain(ROTATED);
    expect(dataDirFiles(h.dataDir).filter((f) => f.bytes.includes(Buffer.from(ROTATED))).map((f) => f.file)).toEqual([]);
  });

  it('stops the child when the server is removed (its pid is gone)', async () => {
    const pid = Number(await call('2025-11-25', 'pid'));
    expect(alive(pid)).toBe(true);
    expect((await h.api.request('POST', `/v1/servers/${serverId}/remove`)).status).toBe(200);
    await until(() => !alive(pid), 5000);
    expect(alive(pid)).toBe(false);
    expect((await h.api.request('GET', `/v1/servers/${serverId}`)).body.pool.process).toBeUndefined();
  });

  it('stops the child when warden shuts down', async () => {
    const res = await register({ name: 'Second', slug: 'second', transport: 'stdio', command: process.execPath, args: [FIXTURE_JS] });
    expect(res.status).toBe(201);
    await h.api.approve(res.body.serverId, 'pid', 'read');
    const second = await connectAgent(`${h.url}/mcp/second`, { revision: '2026-07-28', headers: { authorization: `Bearer ${agentKey}` } });
    const pid = Number(textOf(await second.callTool('pid', {})));
    await second.close();
    expect(alive(pid)).toBe(true);
    stopped = true;
    await h.cleanup();
    expect(alive(pid)).toBe(false);
  });
});
