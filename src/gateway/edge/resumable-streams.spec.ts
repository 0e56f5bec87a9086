import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { WardenError } from '../../common/warden-error';
import { ResumableStreams } from './resumable-streams';

/** A response body collector standing in for a ServerResponse (the streams only write and end it). */
function sink(): { response: ServerResponse; text: () => string; ended: () => boolean } {
  const stream = new PassThrough();
  let text = '';
  let ended = false;
  stream.on('data', (chunk) => (text += chunk));
  stream.on('finish', () => (ended = true));
  return { response: stream as unknown as ServerResponse, text: () => text, ended: () => ended };
}

const refusedReason = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return error instanceof WardenError ? error.code : String(error);
  }
  return 'not refused';
};

describe('ResumableStreams', () => {
  it('keeps at most bytesPerStream of a stream: resuming before a dropped event is refused, after it works', async () => {
    const streams = new ResumableStreams({ streamsPerSession: 4, bytesPerStream: 300, keepFinishedMs: 60_000 });
    const stream = streams.begin('s1');
    for (let i = 0; i < 10; i++) stream.write({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: i } });
    expect(refusedReason(() => streams.resume('s1', `${stream.key}.0`, () => sink().response))).toBe('EDGE.STREAM_UNKNOWN');
    const out = sink();
    streams.resume('s1', `${stream.key}.8`, () => out.response);
    stream.finish({ jsonrpc: '2.0', id: 1, result: {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toContain(`id: ${stream.key}.9\n`);
    expect(out.text()).toContain(`id: ${stream.key}.10\n`);
    expect(out.text()).not.toContain(`id: ${stream.key}.8\n`);
    expect(out.ended()).toBe(true);
  });

  it('keeps at most streamsPerSession streams per session, the oldest forgotten first', () => {
    const streams = new ResumableStreams({ streamsPerSession: 2, bytesPerStream: 1 << 20, keepFinishedMs: 60_000 });
    const [a, b, c] = [streams.begin('s1'), streams.begin('s1'), streams.begin('s1')];
    for (const s of [a, b, c]) s.write(undefined);
    expect(refusedReason(() => streams.resume('s1', `${a.key}.0`, () => sink().response))).toBe('EDGE.STREAM_UNKNOWN');
    expect(refusedReason(() => streams.resume('s1', `${c.key}.0`, () => sink().response))).toBe('not refused');
    expect(streams.size).toBe(2);
  });

  it('forgets a finished stream after keepFinishedMs, and every stream of a dropped session', () => {
    let now = 1_000;
    const streams = new ResumableStreams({ streamsPerSession: 8, bytesPerStream: 1 << 20, keepFinishedMs: 100 }, () => now);
    const done = streams.begin('s1');
    done.write(undefined);
    done.finish({ jsonrpc: '2.0', id: 1, result: {} });
    now += 101;
    expect(refusedReason(() => streams.resume('s1', `${done.key}.0`, () => sink().response))).toBe('EDGE.STREAM_UNKNOWN');
    const open = streams.begin('s2');
    open.write(undefined);
    streams.drop('s2');
    expect(refusedReason(() => streams.resume('s2', `${open.key}.0`, () => sink().response))).toBe('EDGE.STREAM_UNKNOWN');
    expect(streams.size).toBe(0);
  });

  it('opens no response for a refused id', () => {
    const streams = new ResumableStreams();
    const other = streams.begin('s1');
    other.write(undefined);
    let opened = false;
    expect(refusedReason(() => streams.resume('s2', `${other.key}.0`, () => ((opened = true), sink().response)))).toBe('EDGE.STREAM_UNKNOWN');
    expect(opened).toBe(false);
  });
});
