import { forwardableParams } from './hop-meta';

describe('forwardableParams', () => {
  it('drops the agent hop’s envelope keys and keeps every other _meta key', () => {
    const params = {
      name: 'echo',
      arguments: { a: 1 },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'agent', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
        progressToken: 7,
        'example.com/workflow': 'w-1',
      },
    };
    expect(forwardableParams(params)).toEqual({ name: 'echo', arguments: { a: 1 }, _meta: { progressToken: 7, 'example.com/workflow': 'w-1' } });
  });

  it('removes _meta when only envelope keys were in it, and leaves params without _meta alone', () => {
    expect(forwardableParams({ name: 'x', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } })).toEqual({ name: 'x' });
    const plain = { name: 'x' };
    expect(forwardableParams(plain)).toBe(plain);
  });
});
