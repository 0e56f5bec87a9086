import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startConformanceEverythingServer, type ConformanceEverythingServer } from '../fixtures/conformance-everything-server';
import type { LoopbackHttpServer } from '../fixtures/loopback-http';
import { AdminApi, freePort } from '../e2e/support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../e2e/support/gateway-process';
import { startAgentKeyProxy } from './support/agent-key-proxy';
import { ensureConformanceRunner, HARNESS_DIR, readChecks, runConformance, runServerSuite, totals, type SuiteOutcome } from './support/conformance-cli';

/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance` 0.1.16 on Node 22, both
 * pinned in test/conformance/package-lock.json), `conformance server --suite all`, against the
 * fixture server written here: directly, then through a real warden process (dist/) at
 * `/mcp/<slug>` and at the aggregated `/mcp`. A scenario that passes directly and fails through
 * warden fails this test, unless expected-failures.yaml lists it; an entry that passes is stale
 * and fails it too, so the file only ever shrinks. Then `conformance client`, with warden as the
 * client under test: a driver registers each scenario's mock server in warden and calls it as an agent.
 */
type Endpoint = 'slug' | 'aggregate';
const expected = parse(readFileSync(join(HARNESS_DIR, 'expected-failures.yaml'), 'utf8')) as Record<Endpoint, string[] | null>;

describe('MCP conformance suite, directly and through warden', () => {
  let fixture: ConformanceEverythingServer;
  let gateway: GatewayProcess;
  let dataDir: string;
  let resultsDir: string;
  const proxies: LoopbackHttpServer[] = [];
  const outcomes = {} as Record<'direct' | Endpoint, SuiteOutcome>;
  let clientEnv: Record<string, string>;

  beforeAll(async () => {
    ensureConformanceRunner();
    fixture = await startConformanceEverythingServer();
    dataDir = mkdtempSync(join(tmpdir(), 'warden-conformance-'));
    resultsDir = mkdtempSync(join(tmpdir(), 'warden-conformance-results-'));
    gateway = await startGatewayProcess({ WARDEN_DATA_DIR: dataDir, WARDEN_PORT: String(await freePort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_HEALTH_INTERVAL_MS: '0' });
    const adminKey = /bootstrap admin API key[^:]*: (wdn_admin_\S+)/.exec(gateway.output())![1];
    const api = new AdminApi(gateway.url, adminKey);
    const server = await api.registerServer('Conformance everything', 'everything', fixture.url);
    for (const tool of server.tools) await api.approve(server.serverId, tool.name, 'read');
    const { apiKey } = await api.registerAgent('conformance-runner');
    clientEnv = { WARDEN_URL: gateway.url, WARDEN_ADMIN_KEY: adminKey, WARDEN_AGENT_KEY: apiKey };
    const viaSlug = await startAgentKeyProxy(`${gateway.url}`, apiKey);
    const viaAggregate = await startAgentKeyProxy(`${gateway.url}`, apiKey);
    proxies.push(viaSlug, viaAggregate);

    outcomes.direct = await runServerSuite(fixture.url, join(resultsDir, 'direct'));
    outcomes.slug = await runServerSuite(`http://127.0.0.1:${viaSlug.port}/mcp/everything`, join(resultsDir, 'slug'));
    outcomes.aggregate = await runServerSuite(`http://127.0.0.1:${viaAggregate.port}/mcp`, join(resultsDir, 'aggregate'));
    const line = (name: string, o: SuiteOutcome) => `${name}: ${totals(o).passed} passed / ${totals(o).failed} failed (${o.size} scenarios)`;
    process.stdout.write(`conformance 0.1.16 --suite all: ${line('direct', outcomes.direct)}; ${line('/mcp/everything', outcomes.slug)}; ${line('/mcp', outcomes.aggregate)}\n`);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await gateway?.stop();
    await fixture?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (dataDir) rmSync(`${dataDir}-vault-kek.key`, { force: true });
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  it('the fixture server passes every scenario of the suite directly', () => {
    const failing = [...outcomes.direct].filter(([, o]) => o.failed > 0).map(([name, o]) => `${name}: ${o.failures.join('; ')}`);
    expect(failing).toEqual([]);
    expect(outcomes.direct.size).toBe(32);
    expect(totals(outcomes.direct).passed).toBeGreaterThanOrEqual(44);
  });

  it.each<[Endpoint, string]>([
    ['slug', '/mcp/<slug>'],
    ['aggregate', '/mcp'],
  ])('through warden at %s (%s): no scenario that passes directly fails, except the expected ones', (endpoint) => {
    const allowed = new Set(expected[endpoint] ?? []);
    const via = outcomes[endpoint];
    const regressions = [...outcomes.direct]
      .filter(([name, direct]) => direct.failed === 0 && (via.get(name)?.failed ?? 1) > 0 && !allowed.has(name))
      .map(([name]) => `${name}: ${via.get(name)?.failures.join('; ') ?? 'not run'}`);
    const stale = [...allowed].filter((name) => via.get(name)?.failed === 0).map((name) => `${name} passes now: remove it from expected-failures.yaml (${endpoint})`);
    const unknown = [...allowed].filter((name) => !outcomes.direct.has(name)).map((name) => `${name} is not a scenario of the suite`);
    expect([...regressions, ...stale, ...unknown]).toEqual([]);
  });

  it.each(['initialize', 'tools_call'])('warden as the client under test passes the client scenario %s', async (scenario) => {
    const driver = join(__dirname, 'support', 'warden-client-driver.js');
    const dir = join(resultsDir, `client-${scenario}`);
    const run = await runConformance(['client', '--command', `"${process.execPath}" "${driver}"`, '--scenario', scenario, '-o', dir, '--timeout', '20000'], clientEnv);
    const outcome = readChecks(dir, '').get(scenario);
    expect({ scenario, failures: outcome?.failures ?? [`no results (exit ${run.code}): ${run.output}`] }).toEqual({ scenario, failures: [] });
    expect(outcome!.passed).toBeGreaterThan(0);
  }, 60_000);
});
