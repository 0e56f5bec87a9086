import { tokenScopeGate } from './token-scope.gate';
import type { CallContext } from '../../gateway/tool-call/gate';

const agent = { agentId: 'a1', orgId: 'o1', name: 'a', hint: '#', servers: null, labels: {}, status: 'active' as const, revision: 0, registeredAt: '', updatedAt: '' };
const server = (serverId: string) => ({ serverId, orgId: 'o1', slug: serverId, name: serverId, url: 'http://127.0.0.1/mcp', protocolVersion: null, status: 'active' as const, revision: 0, registeredAt: '', updatedAt: '', health: { status: 'healthy' as const, reason: null, since: '' }, hasCredential: false, tools: new Map() });
const call = (over: Partial<CallContext>): CallContext => ({ agent, requestedName: 'echo', server: server('s1'), toolName: 'echo', method: 'tools/call', at: new Date(), ...over });
const token = { jti: 'j', server: 's1', tools: ['echo'] };

describe('token-scope gate', () => {
  it('does not apply to calls made with the agent key', () => {
    expect(tokenScopeGate.evaluate(call({}))).toMatchObject({ decision: 'allow', code: 'GATE.NOT_APPLICABLE' });
  });

  it('allows the token’s tool on the token’s server only', () => {
    expect(tokenScopeGate.evaluate(call({ token }))).toMatchObject({ decision: 'allow', code: 'GATE.OK' });
    expect(tokenScopeGate.evaluate(call({ token, toolName: 'read_note' }))).toMatchObject({ decision: 'deny', code: 'GATE.TOKEN_SCOPE' });
    expect(tokenScopeGate.evaluate(call({ token, server: server('s2') }))).toMatchObject({ decision: 'deny', code: 'GATE.TOKEN_SCOPE' });
    expect(tokenScopeGate.evaluate(call({ token, server: undefined, toolName: undefined }))).toMatchObject({ decision: 'deny', code: 'GATE.TOKEN_SCOPE' });
  });
});
