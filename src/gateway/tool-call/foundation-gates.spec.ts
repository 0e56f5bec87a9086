import type { Agent } from '../../agents/agents.read-model';
import type { RegisteredServer, RegisteredTool } from '../../registry/servers.read-model';
import { combine } from './gate';
import { FOUNDATION_GATES } from './foundation-gates';

const agent: Agent = { agentId: 'a1', orgId: 'o1', name: 'bot', hint: 'wdn_agent_x', servers: null, registeredAt: '' };
const tool = (state: RegisteredTool['state']): RegisteredTool => ({ name: 'echo', state, riskClass: 'read', definition: { name: 'echo' }, definitionDigest: 'd' });
const server = (t?: RegisteredTool): RegisteredServer => ({
  serverId: 's1', orgId: 'o1', slug: 'notes', name: 'Notes', url: 'http://127.0.0.1:1/mcp', protocolVersion: null, registeredAt: '', hasCredential: false,
  tools: new Map(t ? [[t.name, t]] : []),
});
const decide = (ctx: Parameters<(typeof FOUNDATION_GATES)[0]['evaluate']>[0]) => combine(FOUNDATION_GATES.map((g) => g.evaluate(ctx)));

describe('foundation gates', () => {
  it('allows an approved tool on a permitted server, with every gate’s reason recorded', () => {
    const s = server(tool('approved'));
    const result = decide({ agent, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.decision).toBe('allow');
    expect(result.reasons.map((r) => r.gate)).toEqual(['server-scope', 'tool-state']);
  });

  it('denies a tool in review', () => {
    const s = server(tool('review'));
    const result = decide({ agent, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.decision).toBe('deny');
    expect(result.reasons.find((r) => r.decision === 'deny')?.code).toBe('GATE.TOOL_IN_REVIEW');
  });

  it('denies an unknown tool and an unknown server', () => {
    expect(decide({ agent, requestedName: 'nope', server: server(), toolName: 'nope' }).reasons.map((r) => r.code)).toEqual(['GATE.OK', 'GATE.UNKNOWN_TOOL']);
    const unresolved = decide({ agent, requestedName: 'x__nope' });
    expect(unresolved.decision).toBe('deny');
    expect(unresolved.reasons.map((r) => r.code)).toEqual(['GATE.NOT_APPLICABLE', 'GATE.UNKNOWN_TOOL']);
  });

  it('denies a server outside the agent’s allow-list, and records both reasons', () => {
    const s = server(tool('review'));
    const result = decide({ agent: { ...agent, servers: ['other'] }, requestedName: 'echo', server: s, tool: s.tools.get('echo'), toolName: 'echo' });
    expect(result.reasons.map((r) => r.code)).toEqual(['GATE.SERVER_NOT_PERMITTED', 'GATE.TOOL_IN_REVIEW']);
  });
});
