import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { WardenError } from '../../common/warden-error';

/** An MCP POST body as the edge read it: its bytes, or only that it was over the limit. */
export type EdgeBody = { kind: 'bytes'; bytes: Buffer } | { kind: 'too_large'; limitBytes: number; drained: boolean };

/**
 * Reads a request body up to `limitBytes`. Past the limit nothing more is kept, but the rest is
 * read and dropped (up to `drainBytes` more) so the client, which may still be writing, can read
 * the answer; `drained: false` means it sent more than that too, and the connection is to be closed.
 */
export function readEdgeBody(payload: Readable, limitBytes: number, drainBytes: number): Promise<EdgeBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (body: EdgeBody) => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', reject);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes) chunks.push(chunk);
      else if (received > limitBytes + drainBytes) {
        payload.pause();
        finish({ kind: 'too_large', limitBytes, drained: false });
      }
    };
    const onEnd = () => finish(received <= limitBytes ? { kind: 'bytes', bytes: Buffer.concat(chunks) } : { kind: 'too_large', limitBytes, drained: true });
    payload.on('data', onData);
    payload.once('end', onEnd);
    payload.once('error', reject);
    payload.resume();
  });
}

export function payloadTooLarge(limitBytes: number): WardenError {
  return new WardenError('bad_request', 'EDGE.PAYLOAD_TOO_LARGE', `the body is larger than ${limitBytes} bytes`, { limitBytes });
}

/**
 * The body as text, exactly: bytes that are not UTF-8 are refused (never replaced by U+FFFD, which
 * would forward a request other than the one sent). `lossy` is the best-effort text the error's
 * `id` can still be read from.
 */
export function decodeUtf8Body(bytes: Buffer): { text: string } | { invalid: WardenError; lossy: string } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8') };
  return { invalid: new WardenError('bad_request', 'EDGE.INVALID_UTF8', 'the body is not valid UTF-8'), lossy: bytes.toString('utf8') };
}
