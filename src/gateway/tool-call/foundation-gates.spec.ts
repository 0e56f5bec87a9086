import type { Agent } from '../../agents/agents.read-model';
import type { RegisteredServer, RegisteredTool } from '../../registry/servers.read-model';
import { combine } from './gate';
import { FOUNDATION_GATES } from './foundation-gates';

const agent: Agent = { agentId: 'a1', orgId: 'o1', name: 'bot', hint: 'wdn_agent_x', servers: null, labels: {}, status: 'active', revision: 0, registeredAt: '', updatedAt: '' };
const tool = (state: RegisteredTool['state']): RegisteredTool => ({ name: 'echo', state, riskClass: 'read', definition: { name: 'echo' }, definitionDigest: 'd' });
const server = (t?: RegisteredTool): RegisteredServer => ({
  serverId: 's1', orgId: 'o1', slug: 'notes', name: 'Notes', url: 'http://127.0.0.1:1/mcp', protocolVersion: null, status: 'active', revision: 0, registeredAt: '', updatedAt: '', health: { status: 'healthy', reason: null, since: '' }, hasCredential: false,
  tools: new Map(t ? [[t.name, t]] : []),
});
type Ctx = Parameters<(typeof FOUNDATION_GATES)[0]['evaluate']>[0];
const decide = (ctx: Omit<Ctx, 'method' | 'at'>) => combine(FOUNDATION_GATES.map((g) => g.evaluate({ method: 'tools/call', at: new Date(), ...ctx })));

describe('foundation gates', () => {
  it('allows an approved tool on a permitted server, with every gate’s reason recorded', () => {
    const s = server(tool('approved'));
    const result = decide({ agent, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.decision).toBe('allow');
    expect(result.reasons.map((r) => r.gate)).toEqual(['server-scope', 'server-state', 'tool-state']);
  });

  it('denies a tool in review', () => {
    const s = server(tool('review'));
    const result = decide({ agent, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.decision).toBe('deny');
    expect(result.reasons.find((r) => r.decision === 'deny')?.code).toBe('GATE.TOOL_IN_REVIEW');
  });

  it('denies an unknown tool and an unknown server', () => {
    expect(decide({ agent, requestedName: 'nope', server: server(), toolName: 'nope' }).reasons.map((r) => r.code)).toEqual(['GATE.OK', 'GATE.OK', 'GATE.UNKNOWN_TOOL']);
    const unresolved = decide({ agent, requestedName: 'x__nope' });
    expect(unresolved.decision).toBe('deny');
    expect(unresolved.reasons.map((r) => r.code)).toEqual(['GATE.NOT_APPLICABLE', 'GATE.NOT_APPLICABLE', 'GATE.UNKNOWN_TOOL']);
  });

  it('denies a server outside the agent’s allow-list, and records both reasons', () => {
    const s = server(tool('review'));
    const result = decide({ agent: { ...agent, servers: ['other'] }, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.reasons.map((r) => r.code)).toEqual(['GATE.SERVER_NOT_PERMITTED', 'GATE.OK', 'GATE.TOOL_IN_REVIEW']);
  });

  it.each([
    ['disabled', 'GATE.SERVER_DISABLED'],
    ['removed', 'GATE.SERVER_REMOVED'],
  ] as const)('denies every tool of a %s server with %s, even an approved one', (status, code) => {
    const s = { ...server(tool('approved')), status };
    const result = decide({ agent, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.decision).toBe('deny');
    expect(result.reasons.find((r) => r.decision === 'deny')).toMatchObject({ gate: 'server-state', code });
  });
});
