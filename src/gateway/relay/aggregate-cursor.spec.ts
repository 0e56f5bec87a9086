import { AggregateCursors } from './aggregate-cursor';

const secret = Buffer.alloc(32, 7);
const binding = { method: 'resources/list', orgId: 'org-1', agentId: 'agent-1' };

describe('AggregateCursors', () => {
  const cursors = new AggregateCursors(secret);

  it('opens what it sealed, on any node holding the same deployment secret', () => {
    const cursor = cursors.seal({ serverId: 'srv-2', upstreamCursor: 'page=3' }, binding);
    expect(new AggregateCursors(Buffer.from(secret)).open(cursor, binding)).toEqual({ serverId: 'srv-2', upstreamCursor: 'page=3' });
    expect(cursors.open(cursors.seal({ serverId: 'srv-1', upstreamCursor: null }, binding), binding)).toEqual({ serverId: 'srv-1', upstreamCursor: null });
  });

  it('refuses a cursor sealed under another secret, altered, or made up', () => {
    const cursor = cursors.seal({ serverId: 'srv-2', upstreamCursor: null }, binding);
    const [body, mac] = cursor.split('.');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), o: 'org-2' })).toString('base64url');
    for (const bad of [new AggregateCursors(Buffer.alloc(32, 8)).seal({ serverId: 'srv-2', upstreamCursor: null }, binding), `${altered}.${mac}`, 'abc', '', `${body}.`, '.x', 42, 'x'.repeat(5000)]) {
      expect(() => cursors.open(bad, binding)).toThrow(expect.objectContaining({ code: 'EDGE.INVALID_CURSOR', details: { field: 'cursor' } }));
    }
  });

  it.each([
    { ...binding, method: 'prompts/list' },
    { ...binding, orgId: 'org-2' },
    { ...binding, agentId: 'agent-2' },
  ])('refuses a genuine cursor presented for another list, organisation or agent: %p', (other) => {
    const cursor = cursors.seal({ serverId: 'srv-2', upstreamCursor: null }, binding);
    expect(() => cursors.open(cursor, other)).toThrow(expect.objectContaining({ code: 'EDGE.INVALID_CURSOR' }));
  });
});
