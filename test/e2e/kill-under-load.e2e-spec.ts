import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggedToolCall } from '../fixtures/call-logging-upstream';
import { startCallLoggingUpstreamProcess, type CallLoggingUpstreamProcess } from './support/call-logging-upstream-process';
import { AdminApi, freePort } from './support/gateway-harness';
import { CLI_JS, runProcess, startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { startTaggedLoad, type LoadRevision, type TaggedLoadReport } from './support/tagged-call-load';
import { readRows, type LedgerRow } from './support/tamper';
import { until } from './support/until';

/**
 * DESIGN.md §5 step 3 under the harshest crash a process can have: `ToolCallDecided` is durable
 * BEFORE anything reaches the upstream, so no call ever reaches a server unrecorded.
 *
 * The compiled gateway runs as a child process (as `npm start` does) with WARDEN_SQLITE_SYNCHRONOUS=FULL;
 * 24 raw-HTTP agents (half 2025-11-25 sessions, half 2026-07-28 stateless) call `echo` in a loop,
 * each call with a unique tag; once calls reach the upstream, after a random short delay, the
 * gateway is SIGKILLed, then started again on the same data dir and port. Three rounds.
 *
 * The witness is the upstream, in its OWN process (so the kill cannot touch it, and its event loop
 * is not the one generating the load): it appends every tools/call it receives to a file,
 * synchronously, before answering. The ledger file is then read directly, decrypting nothing:
 * a decision names its call by `requestId` (the agent's JSON-RPC id = the tag).
 */
const ROUNDS = 3;
const CLIENTS: LoadRevision[] = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? '2025-11-25' : '2026-07-28'));
const MAX_CALLS_PER_CLIENT = 2_000;
const ROUND_DEADLINE_MS = 15_000;

interface Round {
  killDelayMs: number;
  load: TaggedLoadReport;
}

describe('the ledger when the gateway is killed -9 under concurrent load', () => {
  let workDir: string;
  let dataDir: string;
  let upstream: CallLoggingUpstreamProcess | undefined;
  let gateway: GatewayProcess | undefined;
  let env: Record<string, string>;
  const rounds: Round[] = [];
  let received: LoggedToolCall[] = [];
  let rows: LedgerRow[] = [];

  const roundOf = (tag: string | null) => (tag === null ? -1 : Number(/^r(\d+)-/.exec(tag)?.[1] ?? -1));

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'warden-kill-'));
    dataDir = join(workDir, 'data');
    mkdirSync(dataDir);
    upstream = await startCallLoggingUpstreamProcess(join(workDir, 'upstream-calls.log'));
    env = { WARDEN_DATA_DIR: dataDir, WARDEN_PORT: String(await freePort()), WARDEN_SQLITE_SYNCHRONOUS: 'FULL' };
  }, 30_000);

  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
      const exited = once(gateway.child, 'exit');
      gateway.child.kill('SIGKILL');
      await exited;
    }
    await upstream?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs three rounds of load, each ended by SIGKILL, restarting on the same data dir', async () => {
    let agentKey = '';
    let slug = '';
    for (let round = 0; round < ROUNDS; round++) {
      gateway = await startGatewayProcess(env);
      if (round === 0) {
        const adminKey = /bootstrap admin API key[^:]*: (wdn_admin_\S+)/.exec(gateway.output())![1];
        const api = new AdminApi(gateway.url, adminKey);
        const server = await api.registerServer('Witness', 'witness', upstream!.url);
        await api.approve(server.serverId, 'echo', 'read');
        agentKey = (await api.registerAgent('kill-load')).apiKey;
        slug = server.slug;
      } else {
        expect(gateway.output()).not.toContain('bootstrap admin API key');
      }
      const before = upstream!.received().length;
      const load = startTaggedLoad({
        baseUrl: gateway.url,
        path: `/mcp/${slug}`,
        agentKey,
        tool: 'echo',
        clients: CLIENTS,
        tagPrefix: `r${round}`,
        maxCallsPerClient: MAX_CALLS_PER_CLIENT,
        deadlineMs: ROUND_DEADLINE_MS,
      });
      // Kill only once calls flow, at a random point of the following 0.5–2.5 s.
      await until(() => upstream!.received().length > before, 10_000);
      const killDelayMs = 500 + Math.floor(Math.random() * 2_000);
      await sleep(killDelayMs);
      const exited = once(gateway.child, 'exit');
      gateway.child.kill('SIGKILL');
      await exited;
      load.stop();
      rounds.push({ killDelayMs, load: await load.done });
    }
    received = upstream!.received();
    rows = readRows(dataDir);
    expect(rounds).toHaveLength(ROUNDS);
  }, 75_000);

  it('gets calls to the upstream in every round, from agents of both revisions (the checks below are not vacuous)', () => {
    for (let round = 0; round < ROUNDS; round++) {
      expect(received.filter((call) => roundOf(call.tag) === round).length).toBeGreaterThan(0);
    }
    const revisions = new Set(received.map((call) => rounds[roundOf(call.tag)]?.load.sent.get(call.tag!)));
    expect([...revisions].sort()).toEqual(['2025-11-25', '2026-07-28']);
  });

  it('has an allow decision in the ledger for every call the upstream received, and each reached it once', () => {
    const decisions = decisionsByTag(rows);
    const violations = received.flatMap((call) => {
      const held = call.tag === null ? [] : (decisions.get(call.tag) ?? []);
      if (held.length === 1 && held[0].env.data.decision === 'allow' && held[0].env.data.tool === 'echo') return [];
      return [{ tag: call.tag, tool: call.tool, ledgerHeld: held.map((row) => ({ position: row.position, id: row.id, data: row.env.data })) }];
    });
    expect(violations).toEqual([]);
    const tags = received.map((call) => call.tag);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('has no outcome without an earlier decision; a decision without an outcome (killed in flight) is allowed', () => {
    const decidedById = new Map(rows.filter((row) => row.type === 'ToolCallDecided').map((row) => [row.id, row]));
    const receivedTags = new Set(received.map((call) => call.tag));
    const outcomes = rows.filter((row) => row.type === 'ToolCallCompleted' || row.type === 'ToolCallFailed');
    const orphans = outcomes.filter((row) => {
      const decision = decidedById.get(row.env.data.callId);
      return decision === undefined || decision.position >= row.position;
    });
    expect(orphans.map((row) => ({ position: row.position, type: row.type, data: row.env.data }))).toEqual([]);
    // A completed call came back from the upstream: the witness must have seen it.
    const unseen = outcomes
      .filter((row) => row.type === 'ToolCallCompleted')
      .map((row) => decidedById.get(row.env.data.callId)!.env.data.requestId)
      .filter((tag) => !receivedTags.has(tag));
    expect(unseen).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(0);
  });

  it('answered an agent only for calls the upstream received and the ledger decided', () => {
    const decisions = decisionsByTag(rows);
    const receivedTags = new Set(received.map((call) => call.tag));
    const answered = rounds.flatMap((round) => [...round.load.answered]);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((tag) => !receivedTags.has(tag) || decisions.get(tag)?.length !== 1)).toEqual([]);
  });

  it('verifies with `warden verify` after every kill, and reports what each round saw', async () => {
    const verify = await runProcess([CLI_JS, 'verify', '--data-dir', dataDir]);
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/^ledger OK: /);
    expect(verify.code).toBe(0);

    const decisions = decisionsByTag(rows);
    const completedCallIds = new Set(rows.filter((row) => row.type === 'ToolCallCompleted').map((row) => row.env.data.callId));
    const table = rounds.map((round, index) => {
      const decided = [...decisions.entries()].filter(([tag]) => roundOf(tag) === index).map(([, held]) => held[0]);
      return {
        round: index,
        killAfterMs: round.killDelayMs,
        sent: round.load.sent.size,
        receivedUpstream: received.filter((call) => roundOf(call.tag) === index).length,
        decided: decided.length,
        completed: decided.filter((row) => completedCallIds.has(row.id)).length,
        answeredToAgents: round.load.answered.size,
        refusals: Object.fromEntries(round.load.refusals),
      };
    });
    console.log(`kill -9 under load (${CLIENTS.length} agents, ${rows.length} ledger events; ${verify.stdout.trim()}):\n${JSON.stringify(table, null, 1)}`);
  });
});

/** ToolCallDecided rows by the tag the agent used as its JSON-RPC id. */
function decisionsByTag(rows: LedgerRow[]): Map<string, LedgerRow[]> {
  const byTag = new Map<string, LedgerRow[]>();
  for (const row of rows.filter((r) => r.type === 'ToolCallDecided')) {
    const tag = String(row.env.data.requestId);
    byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
  }
  return byTag;
}
