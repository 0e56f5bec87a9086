import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receiveExportFrames } from './export-frames';

/** The CLI side of POST /v1/exports/stream: frames cut anywhere (mid-line, mid-character) still write the exact bytes; a cut or failed stream leaves no bundle. */
describe('receiveExportFrames', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'warden-frames-'));
    dirs.push(made);
    return made;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const event = (n: number) => JSON.stringify({ id: `e${n}`, data: { text: `héllo ✓ ${n}` } });
  const frames = (end = true) =>
    [
      `begin\t${JSON.stringify({ exportEventId: 'x1', events: 3 })}`,
      `keys.jsonl\t{"k":1}`,
      ...[1, 2, 3].map((n) => `events.jsonl\t${event(n)}`),
      'log.json\t{"origin":"o"}',
      ...(end ? [`end\t${JSON.stringify({ exportEventId: 'x1', manifest: '{\n  "format": "warden-export-bundle"\n}\n' })}`] : []),
    ].join('\n') + '\n';
  async function* inPieces(text: string, size: number) {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += size) yield Uint8Array.from(bytes.subarray(i, i + size));
  }

  it.each([1, 7, 4096])('writes every file exactly, chunks of %i bytes', async (size) => {
    const out = dir();
    const progress: string[] = [];
    const received = await receiveExportFrames(inPieces(frames(), size), out, (l) => progress.push(l));
    expect(received).toMatchObject({ exportEventId: 'x1', events: 3 });
    expect(readFileSync(join(out, 'events.jsonl'), 'utf8')).toBe([1, 2, 3].map((n) => `${event(n)}\n`).join(''));
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe('{\n  "format": "warden-export-bundle"\n}\n');
    expect(readFileSync(join(out, 'payloads.jsonl'), 'utf8')).toBe('');
    expect(readdirSync(out).sort()).toEqual(['checkpoints.jsonl', 'events.jsonl', 'keys.jsonl', 'log.json', 'manifest.json', 'payloads.jsonl']);
  });

  it('a stream cut before its end frame: an error, and no file left behind (no manifest: not a bundle)', async () => {
    const out = dir();
    await expect(receiveExportFrames(inPieces(frames(false), 16), out, () => undefined)).rejects.toThrow(/cut short/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('an error frame from the server: its code and message, and no file left behind', async () => {
    const out = dir();
    const failed = frames(false) + `error\t${JSON.stringify({ code: 'EXPORT.PAYLOAD_UNAVAILABLE', message: 'the payload of event e2 is missing' })}\n`;
    await expect(receiveExportFrames(inPieces(failed, 64), out, () => undefined)).rejects.toThrow(/EXPORT\.PAYLOAD_UNAVAILABLE: the payload of event e2/);
    expect(existsSync(join(out, 'events.jsonl'))).toBe(false);
  });

  it('a frame naming no bundle file (a path, say) is refused', async () => {
    const out = dir();
    const evil = `begin\t{"exportEventId":"x","events":0}\n../../etc/passwd\troot\n`;
    await expect(receiveExportFrames(inPieces(evil, 64), out, () => undefined)).rejects.toThrow(/names no bundle file/);
    expect(readdirSync(out)).toEqual([]);
  });
});
