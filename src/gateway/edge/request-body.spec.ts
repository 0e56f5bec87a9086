import { PassThrough } from 'node:stream';
import { decodeUtf8Body, readEdgeBody } from './request-body';

const streamOf = (...chunks: Buffer[]) => {
  const s = new PassThrough();
  for (const c of chunks) s.write(c);
  s.end();
  return s;
};

describe('readEdgeBody', () => {
  it('returns the bytes of a body within the limit', async () => {
    await expect(readEdgeBody(streamOf(Buffer.from('{"a"'), Buffer.from(':1}')), 16, 16)).resolves.toEqual({ kind: 'bytes', bytes: Buffer.from('{"a":1}') });
  });

  it('reads a body over the limit to its end, keeping none of it', async () => {
    const s = streamOf(Buffer.alloc(10), Buffer.alloc(10));
    await expect(readEdgeBody(s, 15, 100)).resolves.toEqual({ kind: 'too_large', limitBytes: 15, drained: true });
    expect(s.readableEnded).toBe(true);
  });

  it('stops reading past the limit plus what it drains', async () => {
    await expect(readEdgeBody(streamOf(Buffer.alloc(10), Buffer.alloc(10), Buffer.alloc(10)), 5, 10)).resolves.toEqual({ kind: 'too_large', limitBytes: 5, drained: false });
  });
});

describe('decodeUtf8Body', () => {
  it('decodes UTF-8 exactly', () => {
    expect(decodeUtf8Body(Buffer.from('{"note":"naïve"}'))).toEqual({ text: '{"note":"naïve"}' });
  });

  it('names bytes that are not UTF-8 as such, and keeps a lossy text to read the id from', () => {
    const decoded = decodeUtf8Body(Buffer.concat([Buffer.from('{"id":7,"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    expect(decoded).toMatchObject({ invalid: { code: 'EDGE.INVALID_UTF8' } });
    expect('lossy' in decoded && JSON.parse(decoded.lossy).id).toBe(7);
  });
});
