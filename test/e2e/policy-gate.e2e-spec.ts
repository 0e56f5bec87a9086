import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

const POLICY = {
  defaults: { read: 'allow', write: { decision: 'allow', when: 'trust >= 60' }, destructive: 'step_up' },
  rules: [
    { id: 'no-secret-notes', tool: 'read_note', when: 'mcp.tool.arguments.id.startsWith("secret")', decision: 'deny' },
    { id: 'echo-observed', server: 'notes', tool: 'echo', decision: 'observe' },
    { id: 'count-needs-field', tool: 'count', when: 'mcp.tool.arguments.nothere == 1', decision: 'allow' },
  ],
};

/** The policy gate end to end: real MCP clients of both generations, a real upstream, the real SQLite ledger. */
describe('policy gate', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let serverId: string;
  let agentKey: string;
  const agents: Agent[] = [];

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_STEP_UP_WAIT_MS: '0' });
    serverId = (await h.api.registerServer('Notes', 'notes', upstream.url)).serverId;
    for (const [tool, riskClass] of [['echo', 'read'], ['read_note', 'read'], ['write_note', 'write'], ['delete_everything', 'destructive'], ['count', 'read']] as const) {
      await h.api.approve(serverId, tool, riskClass);
    }
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
    upstream.notes.set('n1', 'public text');
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await upstream.close();
  });

  const connect = async (revision: '2025-11-25' | '2026-07-28') => {
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent;
  };

  it('without a policy set, keeps the foundation’s behaviour and says so in the record', async () => {
    const a = await connect('2025-11-25');
    await a.callTool('echo', { text: 'before' });
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided');
    expect(decided[decided.length - 1].data.reasons).toContainEqual({ gate: 'policy', code: 'POLICY.NONE', decision: 'allow' });
  });

  it('applies a set as one signed PolicySetApplied with version and digest, with warnings and the diff', async () => {
    const res = await h.api.request('PUT', '/v1/policies?baseVersion=0', { ...POLICY, rules: [...POLICY.rules, { id: 'ghost', tool: 'no_such_tool', decision: 'deny' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 1, applied: true, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(res.body.warnings).toEqual([expect.objectContaining({ code: 'POLICY.TOOL_UNKNOWN', ruleId: 'ghost' })]);
    expect(res.body.diff.rulesAdded).toEqual(['no-secret-notes', 'echo-observed', 'count-needs-field', 'ghost']);
    const back = await h.api.request('PUT', '/v1/policies?baseVersion=1', POLICY);
    expect(back.body).toMatchObject({ version: 2, diff: { rulesRemoved: ['ghost'], rulesAdded: [] } });
    const applied = eventsOfType(h.dataDir, 'PolicySetApplied');
    expect(applied.map((e) => [e.stream, e.data.version])).toEqual([[`policy-${h.orgId}`, 1], [`policy-${h.orgId}`, 2]]);
    expect(applied[1].data.digest).toBe(back.body.digest);
    expect(applied[1].sig).toBeTruthy();
  });

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    describe(`an agent on ${revision}`, () => {
      it('is allowed a read by the class default', async () => {
        const a = await connect(revision);
        expect(textOf(await a.callTool('read_note', { id: 'n1' }))).toBe('public text');
      });

      it('is denied by a CEL rule on the arguments, and nothing reaches the upstream', async () => {
        const a = await connect(revision);
        const before = upstream.requests.withRpcMethod('tools/call').length;
        await expect(a.callTool('read_note', { id: 'secret-plan' })).rejects.toMatchObject({
          code: -32003,
          data: { reason: 'POLICY.RULE_MATCHED', gate: 'policy', decision: 'deny', rules: ['no-secret-notes'] },
        });
        expect(upstream.requests.withRpcMethod('tools/call')).toHaveLength(before);
      });

      it('is denied a write by the class default that needs a trust score of 60 (a new agent has 50)', async () => {
        const a = await connect(revision);
        await expect(a.callTool('write_note', { id: 'n2', text: 'x' })).rejects.toMatchObject({ data: { reason: 'POLICY.CLASS_DEFAULT', rules: ['default.write'] } });
      });

      it('passes an observed call', async () => {
        const a = await connect(revision);
        expect(JSON.parse(textOf(await a.callTool('echo', { text: 'watched' })))).toEqual({ text: 'watched' });
      });

      it('holds a step_up call for an approver, answering GATE.STEP_UP_PENDING with the approval id', async () => {
        const a = await connect(revision);
        await expect(a.callTool('delete_everything', {})).rejects.toMatchObject({
          code: -32003,
          data: { reason: 'GATE.STEP_UP_PENDING', decision: 'step_up', rules: ['default.destructive'], retryable: true, state: 'pending', approvalId: expect.any(String) },
        });
        expect(upstream.notes.get('n1')).toBe('public text');
      });

      it('fails closed on a rule that reads a missing field', async () => {
        const a = await connect(revision);
        await expect(a.callTool('count', {})).rejects.toMatchObject({ data: { reason: 'POLICY.EVAL_ERROR', rules: ['count-needs-field'] } });
      });
    });
  }

  it('records every decision with its policy rules and version in the ledger (the SQLite file)', async () => {
    await h.settled();
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.policyVersion === 2);
    const byTool = (tool: string, decision: string) => decided.filter((e) => e.data.tool === tool && e.data.decision === decision);
    expect(byTool('read_note', 'allow')).toHaveLength(2);
    expect(byTool('read_note', 'deny')).toHaveLength(2);
    expect(byTool('write_note', 'deny')).toHaveLength(2);
    expect(byTool('echo', 'observe')).toHaveLength(2);
    expect(byTool('delete_everything', 'step_up')).toHaveLength(2);
    expect(byTool('count', 'deny')).toHaveLength(2);
    const denied = byTool('read_note', 'deny')[0].data;
    expect(denied.rules).toEqual(['no-secret-notes']);
    expect(denied.reasons).toContainEqual({ gate: 'policy', code: 'POLICY.RULE_MATCHED', decision: 'deny', matches: [{ rule: 'no-secret-notes', decision: 'deny', code: 'POLICY.RULE_MATCHED' }] });
    expect(byTool('count', 'deny')[0].data.reasons).toContainEqual(expect.objectContaining({ gate: 'policy', code: 'POLICY.EVAL_ERROR', matches: [expect.objectContaining({ rule: 'count-needs-field', code: 'POLICY.EVAL_ERROR' })] }));
    // The arguments stay in the encrypted payload store.
    expect(JSON.stringify(readLedger(h.dataDir))).not.toContain('secret-plan');
  });

  it('simulates a proposed set over the recorded calls and writes nothing', async () => {
    const eventsBefore = readLedger(h.dataDir).length;
    const proposed = { ...POLICY, rules: [...POLICY.rules, { id: 'no-public', tool: 'read_note', when: 'mcp.tool.arguments.id == "n1"', decision: 'deny' }] };
    const res = await h.api.request('POST', '/v1/policies/simulate', { set: proposed, since: '1h' });
    expect(res.status).toBe(200);
    // The two reads of n1 would be denied; the echo made before any policy would have been observed.
    expect(res.body.changed).toBe(3);
    expect(res.body.differences.map((d: any) => [d.tool, d.recorded, d.simulated])).toEqual([['echo', 'allow', 'observe'], ['read_note', 'allow', 'deny'], ['read_note', 'allow', 'deny']]);
    expect(res.body.totals.byRule).toEqual({ 'echo-observed': 1, 'no-public': 2 });
    expect(res.body.totals.byTool).toEqual({ 'notes/echo': 1, 'notes/read_note': 2 });
    expect(readLedger(h.dataDir).length).toBe(eventsBefore);
    expect((await h.api.request('GET', '/v1/policies')).body.version).toBe(2);
  });

  it('rolls back to an earlier version as a new version', async () => {
    const res = await h.api.request('POST', '/v1/policies/rollback', { version: 1 });
    expect(res.body).toMatchObject({ version: 3, rollbackOf: 1 });
    const versions = (await h.api.request('GET', '/v1/policies/versions')).body.versions;
    expect(versions.map((v: any) => v.version)).toEqual([1, 2, 3]);
    expect(versions[2].digest).toBe(versions[0].digest);
  });

  describe('bad input changes nothing', () => {
    const applied = () => eventsOfType(h.dataDir, 'PolicySetApplied').length;
    const refused = async (body: unknown, code = 'POLICY.INVALID') => {
      const before = applied();
      const version = (await h.api.request('GET', '/v1/policies')).body.version;
      const res = await h.api.request('PUT', `/v1/policies?baseVersion=${version}`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
      expect(applied()).toBe(before);
      return res.body.issues as any[];
    };

    it('a CEL expression that does not compile: refused with the rule id and the position', async () => {
      const issues = await refused({ ...POLICY, rules: [{ id: 'broken', when: 'true\n && agent.name == ', decision: 'deny' }] });
      expect(issues).toEqual([expect.objectContaining({ code: 'POLICY.CEL_COMPILE_ERROR', ruleId: 'broken', path: 'rules[0].when', position: expect.objectContaining({ line: 2 }) })]);
    });

    it('a CEL expression that is too costly', async () => {
      const when = 'mcp.tool.arguments.a.all(x, mcp.tool.arguments.b.all(y, mcp.tool.arguments.c.exists(z, z == x + y)))';
      expect(await refused({ ...POLICY, rules: [{ id: 'costly', when, decision: 'deny' }] })).toEqual([expect.objectContaining({ code: 'POLICY.CEL_TOO_COSTLY', ruleId: 'costly' })]);
    });

    it('unknown keys and duplicate rule ids', async () => {
      expect((await refused({ ...POLICY, owner: 'me' })).map((i) => i.code)).toEqual(['POLICY.UNKNOWN_KEY']);
      expect((await refused({ ...POLICY, rules: [POLICY.rules[0], POLICY.rules[0]] })).map((i) => i.code)).toEqual(['POLICY.DUPLICATE_RULE_ID']);
    });

    it('a rule for another organisation’s server', async () => {
      const other = await h.newOrganisation('other');
      const theirs = await startLegacyMcpServer();
      try {
        const theirServer = await other.api.registerServer('Theirs', 'theirs', theirs.url);
        const issues = await refused({ ...POLICY, rules: [{ id: 'reach-over', server: theirServer.serverId, decision: 'allow' }] }, 'POLICY.FOREIGN_SERVER');
        expect(issues).toEqual([expect.objectContaining({ ruleId: 'reach-over', path: 'rules[0].server' })]);
      } finally {
        await theirs.close();
      }
    });

    it('two operators applying at once: one wins, the other gets 409 POLICY.STALE_VERSION', async () => {
      const before = applied();
      const version = (await h.api.request('GET', '/v1/policies')).body.version;
      const a = { ...POLICY, rules: [{ id: 'from-a', tool: 'echo', decision: 'deny' }] };
      const b = { ...POLICY, rules: [{ id: 'from-b', tool: 'echo', decision: 'allow' }] };
      const results = await Promise.all([h.api.request('PUT', `/v1/policies?baseVersion=${version}`, a), h.api.request('PUT', `/v1/policies?baseVersion=${version}`, b)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('POLICY.STALE_VERSION');
      expect(applied()).toBe(before + 1);
    });
  });
});
