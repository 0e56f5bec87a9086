import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Debian's chromium (.ci/run installs it). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export interface HeadlessPage {
  /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Sets the files of an <input type=file> as a user choosing them would (fires change). */
  setInputFiles(selector: string, paths: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no
 * port opened), one page at `url`, no network (a proxy that goes nowhere; file:// only).
 */
export async function openHeadlessPage(url: string): Promise<HeadlessPage> {
  if (!CHROMIUM) throw new Error('chromium is not installed (apt-get install chromium; .ci/run does)');
  const profile = mkdtempSync(join(tmpdir(), 'warden-chromium-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--proxy-server=127.0.0.1:9',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      url,
    ],
    // Its own process group: close() ends Chromium's helper processes (zygote, utility, crashpad) with it.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let buffered = '';
  let exited: Error | undefined;
  fromBrowser.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      const pending = message.id !== undefined ? waiting.get(message.id) : undefined;
      if (!pending) continue;
      waiting.delete(message.id);
      if (message.error) pending.reject(new Error(`${JSON.stringify(message.error)}`));
      else pending.resolve(message.result);
    }
  });
  child.on('exit', (code) => {
    exited = new Error(`chromium exited (${code}): ${stderr}`);
    for (const p of waiting.values()) p.reject(exited);
    waiting.clear();
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> => {
    if (exited) return Promise.reject(exited);
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  };

  let page: { targetId: string } | undefined;
  for (let i = 0; i < 500 && !page; i++) {
    const { targetInfos } = await send('Target.getTargets');
    page = (targetInfos as Array<{ type: string; targetId: string; url: string }>).find((t) => t.type === 'page' && t.url === url);
    if (!page) await new Promise((r) => setTimeout(r, 20));
  }
  if (!page) throw new Error(`chromium opened no page at ${url}`);
  const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });

  const evaluate = async <T>(expression: string): Promise<T> => {
    const { result, exceptionDetails } = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  };
  return {
    evaluate,
    async setInputFiles(selector, paths) {
      const { root } = await send('DOM.getDocument', {}, sessionId);
      const { nodeId } = await send('DOM.querySelector', { nodeId: root.nodeId, selector }, sessionId);
      if (!nodeId) throw new Error(`no ${selector} in the page`);
      await send('DOM.setFileInputFiles', { nodeId, files: paths }, sessionId);
    },
    async close() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        // Asked to close, the browser writes its profile out and exits; a signal to the group is the fallback.
        await Promise.race([send('Browser.close').catch(() => undefined), sleep(2_000)]);
        if (!(await Promise.race([gone.then(() => true), sleep(5_000).then(() => false)]))) signalGroup(child.pid!, 'SIGTERM');
        await gone;
      }
      // Its helper processes outlive it for a moment and may still write into the profile (two
      // fresh-clone runs failed here with ENOTEMPTY): wait until the group is gone, then remove it.
      if (!(await groupGone(child.pid!, 5_000))) signalGroup(child.pid!, 'SIGKILL');
      await groupGone(child.pid!, 2_000);
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** True once no process of the group is left (within `ms`). */
async function groupGone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) {
    try {
      process.kill(-pid, 0);
    } catch {
      return true;
    }
  }
  return false;
}
