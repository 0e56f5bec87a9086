import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILES, DIGESTED_FILES } from '@warden/ledger';

/**
 * Reads POST /v1/exports/stream as it arrives and writes the bundle's files into `out`, holding no
 * more than one network chunk: each frame is a line `<name>\t<text>` — a line of a bundle file;
 * `begin\t{exportEventId, events}` first; `end\t{exportEventId, manifest}` last (the manifest is
 * written only then, so a cut stream leaves no bundle); `error\t{code, message}` if the server
 * failed midway (the files written are removed). Progress every 10,000 events.
 */
export interface ReceivedExport {
  exportEventId: string;
  manifestText: string;
  events: number;
}

const NEWLINE = 0x0a;
const TAB = 0x09;
const PROGRESS_EVERY = 10_000;

export async function receiveExportFrames(body: AsyncIterable<Uint8Array>, out: string, progress: (line: string) => void): Promise<ReceivedExport> {
  const fds = new Map<string, number>();
  const allowed = new Set<string>(DIGESTED_FILES);
  let rest = Buffer.alloc(0);
  let begun: { exportEventId: string; events: number } | undefined;
  let ended: { exportEventId: string; manifest: string } | undefined;
  let events = 0;
  let reported = 0;
  const fdOf = (name: string): number => {
    let fd = fds.get(name);
    if (fd === undefined) {
      fd = openSync(join(out, name), 'wx', 0o600);
      fds.set(name, fd);
    }
    return fd;
  };
  const frame = (line: Buffer): void => {
    if (ended) throw new Error('the export stream went on after its end');
    const tab = line.indexOf(TAB);
    if (tab < 0) throw new Error('the export stream is not framed as expected (no tab)');
    const name = line.subarray(0, tab).toString('utf8');
    const text = line.subarray(tab + 1);
    if (name === 'begin') begun = JSON.parse(text.toString('utf8'));
    else if (name === 'end') ended = JSON.parse(text.toString('utf8'));
    else if (name === 'error') {
      const failure = JSON.parse(text.toString('utf8')) as { code?: string; message?: string };
      throw new Error(`the server stopped the export: ${failure.code ?? 'EXPORT.FAILED'}: ${failure.message ?? ''}`);
    } else if (!begun || !allowed.has(name)) throw new Error(`the export stream names no bundle file: ${name.slice(0, 40)}`);
    else {
      writeSync(fdOf(name), text);
      writeSync(fdOf(name), '\n');
      if (name === BUNDLE_FILES.events) events++;
    }
  };
  try {
    for await (const chunk of body) {
      let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let end = data.indexOf(NEWLINE); end >= 0; end = data.indexOf(NEWLINE)) {
        frame(data.subarray(0, end));
        data = data.subarray(end + 1);
      }
      rest = Buffer.from(data);
      if (begun && events - reported >= PROGRESS_EVERY) {
        reported = events;
        progress(`warden export: ${events} / ${begun.events} events`);
      }
    }
    if (rest.length > 0 || !ended || !begun) throw new Error('the export stream was cut short (no end frame): nothing usable was written, export again');
    for (const name of DIGESTED_FILES) fdOf(name);
    writeFileSync(join(out, BUNDLE_FILES.manifest), ended.manifest, { mode: 0o600, flag: 'wx' });
    return { exportEventId: ended.exportEventId, manifestText: ended.manifest, events };
  } catch (error) {
    for (const fd of fds.values()) closeSync(fd);
    fds.clear();
    for (const name of Object.values(BUNDLE_FILES)) rmSync(join(out, name), { force: true });
    throw error;
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
}
