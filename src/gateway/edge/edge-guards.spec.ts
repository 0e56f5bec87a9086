import { checkRoutingHeaders, HostOriginPolicy } from './edge-guards';

describe('HostOriginPolicy', () => {
  const policy = new HostOriginPolicy(['127.0.0.1:7420', 'localhost:7420'], ['http://localhost:3000']);

  it('accepts the gateway’s own host without an Origin', () => {
    expect(() => policy.check('127.0.0.1:7420', undefined)).not.toThrow();
    expect(() => policy.check('LOCALHOST:7420', 'http://localhost:3000')).not.toThrow();
  });

  it.each([
    ['evil.example:7420', undefined, 'EDGE.HOST_NOT_ALLOWED'],
    [undefined, undefined, 'EDGE.HOST_NOT_ALLOWED'],
    ['127.0.0.1:7420', 'http://evil.example', 'EDGE.ORIGIN_NOT_ALLOWED'],
    ['127.0.0.1:7420', 'null', 'EDGE.ORIGIN_NOT_ALLOWED'],
  ])('rejects host %p origin %p', (host, origin, code) => {
    expect(() => policy.check(host, origin)).toThrow(expect.objectContaining({ code }));
  });
});

describe('checkRoutingHeaders', () => {
  const call = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'echo' } };

  it('accepts agreeing or absent headers', () => {
    expect(() => checkRoutingHeaders(call, 'tools/call', 'echo', true)).not.toThrow();
    expect(() => checkRoutingHeaders(call, undefined, undefined, false)).not.toThrow();
  });

  it('rejects a method header that disagrees with the body', () => {
    expect(() => checkRoutingHeaders(call, 'tools/list', undefined, false)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
  });

  it('rejects a name header that disagrees with the body', () => {
    expect(() => checkRoutingHeaders(call, 'tools/call', 'read_note', false)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
    const list = { jsonrpc: '2.0' as const, id: 2, method: 'tools/list' };
    expect(() => checkRoutingHeaders(list, 'tools/list', 'echo', false)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
  });

  it('decodes a base64-sentinel Mcp-Name before comparing (the SDK client sends one for non-ASCII names)', () => {
    const read = { jsonrpc: '2.0' as const, id: 4, method: 'resources/read', params: { uri: 'file:///tmp/naïve.txt' } };
    const encoded = `=?base64?${Buffer.from('file:///tmp/naïve.txt').toString('base64')}?=`;
    expect(() => checkRoutingHeaders(read, 'resources/read', encoded, true)).not.toThrow();
    const other = `=?base64?${Buffer.from('file:///etc/passwd').toString('base64')}?=`;
    expect(() => checkRoutingHeaders(read, 'resources/read', other, true)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
    expect(() => checkRoutingHeaders(read, 'resources/read', '=?base64?%%%?=', true)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
  });

  it('requires the headers on 2026-07-28 requests', () => {
    expect(() => checkRoutingHeaders(call, undefined, 'echo', true)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
    expect(() => checkRoutingHeaders(call, 'tools/call', undefined, true)).toThrow(expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH' }));
    expect(() => checkRoutingHeaders({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, 'tools/list', undefined, true)).not.toThrow();
  });
});
