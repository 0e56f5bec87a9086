import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LineFraming } from './line-framing';
import { ProgressHops } from './progress-hops';
import type { StdioLaunch } from './stdio-launch';
import { forwardStderrLines } from './stdio-stderr';
import { UpstreamExchangeError, UpstreamRpcError } from './upstream-errors';
import { RELAYED_SESSION_NOTIFICATIONS, type UpstreamAnswer, type UpstreamRequestOptions } from './upstream-session';

type Message = Record<string, unknown>;

/** The longest line warden reads from a child's stdout (a longer one is dropped, up to its newline). */
export const MAX_STDIO_LINE_BYTES = 64 * 1024 * 1024;
/** After the child exits, how long its stdout may stay open (held by a descendant) before its requests fail. */
const STDOUT_DRAIN_MS = 250;

export interface StdioPeerOptions {
  /** The vault's `env` variables, added to the SDK's safe default set; their values are redacted from stderr. */
  env: Record<string, string>;
  onStderr(line: string): void;
  /** Lines about the peer itself (an ignored stdout line): never a line's content. */
  onWarning(message: string): void;
  onToolsChanged?: () => void;
  /** What the child sends outside any request that a session relays (log messages, resource updates, list changes). */
  onNotification?: (message: Message) => void;
  /** The child exited or closed its stdout: every request in flight has failed. Called once. */
  onGone(): void;
}

interface Pending {
  resolve(result: Message): void;
  reject(error: Error): void;
  onNotification?: UpstreamRequestOptions['onNotification'];
  onServerRequest?: UpstreamRequestOptions['onServerRequest'];
}

const METHOD_NOT_FOUND: UpstreamAnswer = { error: { code: -32601, message: 'Method not found' } };

/**
 * warden's own JSON-RPC 2.0 peer over a child's stdin / stdout (newline-delimited, UTF-8), with
 * no schema on the hot path: results are relayed unchanged, so each line is parsed once and
 * checked only for the JSON-RPC shape. Requests are multiplexed by numeric id, each with its
 * timeout and cancellation (notifications/cancelled); progress is routed by hop token; the
 * child's requests are answered (ping; others relayed or "method not found"); its stderr goes
 * to the log, the injected secrets redacted. The child runs without a shell.
 */
export class StdioPeer {
  readonly pid: number | null;
  /** Resolves when the process has exited (or could not be started). */
  readonly exited: Promise<void>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private readonly progress = new ProgressHops();
  private nextId = 0;
  private processExited = false;
  private gone = false;
  private ignoredLines = 0;

  constructor(launch: StdioLaunch, private readonly options: StdioPeerOptions) {
    this.child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: { ...getDefaultEnvironment(), ...options.env },
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.pid = this.child.pid ?? null;
    let markExited!: () => void;
    this.exited = new Promise<void>((resolve) => (markExited = resolve));
    const exited = () => {
      this.processExited = true;
      markExited();
    };
    this.child.once('exit', () => {
      exited();
      // What it wrote before exiting is read first (stdout closes after); a descendant that keeps stdout open does not keep the requests waiting.
      setTimeout(() => this.lose(), STDOUT_DRAIN_MS).unref();
    });
    this.child.once('error', () => (exited(), this.lose())); // could not be started (ENOENT, EACCES): no 'exit' follows
    // A write to a child that is gone (EPIPE) must not take warden down: the exit handling fails the requests.
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.on('error', () => undefined);
    const framing = new LineFraming((line) => this.receive(line), MAX_STDIO_LINE_BYTES, () => this.ignore(`a line over ${MAX_STDIO_LINE_BYTES} bytes`));
    this.child.stdout.on('data', (chunk: Buffer) => framing.push(chunk));
    this.child.stdout.once('close', () => this.lose());
    forwardStderrLines(this.child.stderr, Object.values(options.env), options.onStderr);
  }

  hasExited(): boolean {
    return this.processExited;
  }

  /** One request; its result as the child sent it (a JSON-RPC error rejects with UpstreamRpcError). */
  request(method: string, params: Message | undefined, options: UpstreamRequestOptions & { timeoutMs: number }): Promise<Message> {
    if (this.gone) return Promise.reject(exitedDuringRequest());
    if (options.signal?.aborted) return Promise.reject(cancelledByCaller());
    const id = this.nextId++;
    const hop = this.progress.open(params, options.onNotification);
    return new Promise<Message>((resolve, reject) => {
      const end = () => {
        this.pending.delete(id);
        hop.close();
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
      };
      const timer = setTimeout(() => {
        end();
        // initialize is never cancelled (MCP): the child is stopped instead.
        if (method !== 'initialize') this.notify('notifications/cancelled', { requestId: id, reason: 'the request timed out' });
        reject(new UpstreamExchangeError('timeout', `the stdio upstream did not answer ${method} in time`));
      }, options.timeoutMs);
      const abort = () => {
        end();
        this.notify('notifications/cancelled', { requestId: id, reason: 'cancelled by the agent' });
        reject(cancelledByCaller());
      };
      options.signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, {
        resolve: (result) => (end(), resolve(result)),
        reject: (error) => (end(), reject(error)),
        onNotification: options.onNotification,
        onServerRequest: options.onServerRequest,
      });
      this.write(hop.params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: hop.params });
    });
  }

  notify(method: string, params?: Message): void {
    this.write(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** Sends a signal to the process if it is still there. */
  kill(signal: NodeJS.Signals): void {
    if (this.processExited) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** After the process is gone: its pipes are released. */
  release(): void {
    this.child.stdin.destroy();
    this.child.stdout.destroy();
    this.child.stderr.destroy();
  }

  private write(message: Message): void {
    if (this.gone || !this.child.stdin.writable) return;
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private receive(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return this.ignore('a line that is not JSON');
    }
    if (!isObject(message) || message.jsonrpc !== '2.0') return this.ignore('a line that is not a JSON-RPC message');
    const { id, method } = message;
    if (typeof method === 'string') {
      if (id === undefined) return this.onNotification(method, message);
      if (typeof id === 'string' || typeof id === 'number') return this.answer(id, method, message.params);
      return this.ignore('a request with an invalid id');
    }
    if (typeof id !== 'number') return this.ignore('an answer to no request of warden’s');
    const waiting = this.pending.get(id);
    if (!waiting) return; // answered after its timeout or cancellation
    if ('result' in message) {
      if (isObject(message.result)) waiting.resolve(message.result);
      else waiting.reject(new UpstreamExchangeError('bad_response', 'the stdio upstream answered a result that is not an object'));
      return;
    }
    const error = message.error;
    if (isObject(error) && Number.isInteger(error.code) && typeof error.message === 'string') {
      waiting.reject(new UpstreamRpcError(error.code as number, error.message, error.data));
    } else {
      waiting.reject(new UpstreamExchangeError('bad_response', 'the stdio upstream answered neither a result nor an error'));
    }
  }

  /**
   * Progress goes by token to its request; list changes and resource updates (only a URI) are
   * the session's. A log message may be about a call — stdio does not say which — so it is the
   * session's only while no request is in flight, the one request's while exactly one is (as an
   * HTTP upstream's on that call's stream), and dropped when several are: one agent's call must
   * not be told to the others.
   */
  private onNotification(method: string, message: Message): void {
    if (method === 'notifications/progress') return this.progress.deliver(message);
    if (method === 'notifications/tools/list_changed') return this.options.onToolsChanged?.();
    if (!(RELAYED_SESSION_NOTIFICATIONS as readonly string[]).includes(method)) return;
    if (method !== 'notifications/message' || this.pending.size === 0) return this.options.onNotification?.(message);
    const only = this.onlyInFlight();
    if (only) only.onNotification?.(message);
    else this.ignore('a log message while several requests were in flight (stdio does not say which it is about)');
  }

  /** The one request in flight (undefined: none, or several). */
  private onlyInFlight(): Pending | undefined {
    if (this.pending.size !== 1) return undefined;
    const [only] = this.pending.values();
    return only;
  }

  /**
   * A request of the child's. `ping` is answered at once. stdio says nothing of which request of
   * warden's it is about, so it is relayed only when exactly one is in flight and that one's caller
   * can answer (the agent of that call); otherwise — never guessing across agents — "method not found".
   */
  private answer(id: string | number, method: string, params: unknown): void {
    if (method === 'ping') return this.write({ jsonrpc: '2.0', id, result: {} });
    const relay = this.onlyInFlight()?.onServerRequest;
    const asked = { method, ...(isObject(params) ? { params } : {}) };
    const answer = relay ? relay(asked).catch(() => METHOD_NOT_FOUND) : Promise.resolve(METHOD_NOT_FOUND);
    void answer.then((a) => this.write({ jsonrpc: '2.0', id, ...a }));
  }

  private ignore(what: string): void {
    this.ignoredLines++;
    // Each of the first few, then every power of ten: a child that writes its own log to stdout must not flood warden's.
    if (this.ignoredLines <= 3 || /^10+$/.test(String(this.ignoredLines))) {
      this.options.onWarning(`ignored ${what} on stdout (${this.ignoredLines} ignored so far)`);
    }
  }

  private lose(): void {
    if (this.gone) return;
    this.gone = true;
    for (const waiting of [...this.pending.values()]) waiting.reject(exitedDuringRequest());
    this.options.onGone();
  }
}

const exitedDuringRequest = () => new UpstreamExchangeError('unavailable', 'the stdio upstream exited during the request');
const cancelledByCaller = () => new UpstreamExchangeError('cancelled', 'cancelled by the caller');
const isObject = (value: unknown): value is Message => typeof value === 'object' && value !== null && !Array.isArray(value);
