import { stdioHandshake, type StdioHandshake } from './stdio-handshake';
import type { StdioLaunch } from './stdio-launch';
import { StdioPeer } from './stdio-rpc';
import type { UpstreamCredentials } from './upstream-credentials';
import { UpstreamExchangeError } from './upstream-errors';
import type { StdioProcessTelemetry, UpstreamSession } from './upstream-session';

export interface StdioSessionOptions {
  timeoutMs: number;
  /** The vault's credential: a scheme `env` credential's variables are the child's environment additions. */
  credentials?: UpstreamCredentials;
  onToolsChanged?: () => void;
  /**
   * Told of what the child sends outside any request that warden relays (log messages, resource
   * updates, resource / prompt list changes). stdio carries no request id with a notification, so
   * everything but progress (routed by token to its request) arrives here.
   */
  onNotification?: (message: Record<string, unknown>) => void;
  /**
   * Restart after a crash, after `baseMs` doubled per crash in a row (at most `maxMs`), at most
   * `maxRestarts` crashes in a row; then the session ends (the pool opens a new one at the next
   * call). Without it (discovery's short-lived sessions) a crash ends the session.
   */
  restart?: { baseMs: number; maxMs: number; maxRestarts: number };
  /** SIGTERM first; SIGKILL when the child is still there after this. */
  stopGraceMs: number;
  /** Each line the child writes to stderr, its injected secrets already redacted. */
  onStderr(line: string): void;
  /** Lifecycle lines (exited, restarting, gave up): never a secret. */
  onLifecycle(level: 'log' | 'warn', message: string): void;
}

interface Child {
  peer: StdioPeer;
  handshake?: StdioHandshake;
}

/**
 * A stdio upstream: one child process per server (node:child_process, `shell: false`; arguments
 * fixed at registration), MCP over its stdin/stdout through warden's own JSON-RPC peer
 * (stdio-rpc.ts: no schema on the hot path), requests multiplexed by id. The child's environment
 * is the SDK's safe default set (HOME, LOGNAME, PATH, SHELL, TERM, USER — never warden's own secrets) plus the vault's
 * `env` variables, resolved at each start (a rotation applies at the next start). A crash fails
 * the requests in flight (UPSTREAM.UNAVAILABLE) and, for a pooled session, restarts the child
 * with exponential back-off; requests that arrive meanwhile wait for it (within their timeout).
 */
export async function openStdioSession(launch: StdioLaunch, options: StdioSessionOptions): Promise<UpstreamSession> {
  let state: StdioProcessTelemetry['state'] = 'running';
  let restarts = 0;
  let crashesInRow = 0;
  let nextRestartAt: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let cancelWait: ((error: Error) => void) | undefined;

  const lost = () => new UpstreamExchangeError('session_lost', state === 'failed' ? 'the stdio upstream crashed too often in a row' : 'the stdio upstream was stopped');

  const start = async (): Promise<Child> => {
    const injected = await options.credentials?.();
    const env = injected?.env ?? {};
    // Assigned before the peer can report anything: a child that exits at once reaches onExit with it.
    const child = {} as Child;
    child.peer = new StdioPeer(launch, {
      env,
      onStderr: options.onStderr,
      onWarning: (message) => options.onLifecycle('warn', message),
      onToolsChanged: options.onToolsChanged,
      onNotification: options.onNotification,
      onGone: () => onExit(child),
    });
    try {
      child.handshake = await stdioHandshake(child.peer, options.timeoutMs);
    } catch (error) {
      await stop(child);
      throw new UpstreamExchangeError(error instanceof UpstreamExchangeError && error.failure === 'timeout' ? 'timeout' : 'unavailable', 'the stdio upstream did not start');
    }
    return child;
  };

  const stop = async (child: Child): Promise<void> => {
    const { peer } = child;
    peer.kill('SIGTERM');
    if (!(await within(peer.exited, options.stopGraceMs))) {
      peer.kill('SIGKILL');
      await within(peer.exited, 1_000);
    }
    peer.release();
  };

  // Declared before the first start: a child that exits during its handshake reaches onExit first.
  let current: Child | undefined;
  current = await start();
  let ready: Promise<Child> = Promise.resolve(current);

  function onExit(child: Child): void {
    if (child !== current || state === 'stopped') return;
    current = undefined;
    // Its stdout closed but the process runs on: it is stopped (SIGTERM, then SIGKILL) as a crashed one.
    if (!child.peer.hasExited()) void stop(child);
    crashesInRow++;
    const restart = options.restart;
    if (!restart || crashesInRow > restart.maxRestarts) {
      state = 'failed';
      ready = Promise.reject(lost());
      ready.catch(() => undefined);
      options.onLifecycle('warn', restart ? `the stdio upstream exited ${crashesInRow} times in a row: no longer restarted; the next call starts it again` : 'the stdio upstream exited');
      return;
    }
    scheduleRestart(restart);
  }

  function scheduleRestart(restart: NonNullable<StdioSessionOptions['restart']>): void {
    const delay = Math.min(restart.baseMs * 2 ** (crashesInRow - 1), restart.maxMs);
    state = 'restarting';
    nextRestartAt = Date.now() + delay;
    options.onLifecycle('warn', `the stdio upstream exited (crash ${crashesInRow} in a row): restarting in ${delay} ms`);
    ready = new Promise<Child>((resolve, reject) => {
      cancelWait = reject;
      timer = setTimeout(() => {
        nextRestartAt = null;
        start().then(
          (child) => {
            if (state === 'stopped') return void stop(child).finally(() => reject(lost()));
            restarts++;
            current = child;
            state = 'running';
            options.onLifecycle('log', `the stdio upstream was restarted (pid ${child.peer.pid ?? 'unknown'})`);
            resolve(child);
          },
          (error: unknown) => {
            reject(error);
            if (state === 'stopped') return;
            crashesInRow++;
            if (crashesInRow > restart.maxRestarts) {
              state = 'failed';
              options.onLifecycle('warn', `the stdio upstream could not be started ${crashesInRow} times in a row: no longer restarted`);
              return;
            }
            scheduleRestart(restart);
          },
        );
      }, delay);
    });
    ready.catch(() => undefined);
  }

  /** The running child, waiting for a restart under way (bounded by the request's timeout and cancellation). */
  const running = (timeoutMs: number, signal?: AbortSignal): Promise<Child> => {
    if (state === 'stopped' || state === 'failed') return Promise.reject(lost());
    if (state === 'running') return ready;
    return new Promise<Child>((resolve, reject) => {
      const bound = setTimeout(() => reject(new UpstreamExchangeError('timeout', 'the stdio upstream was not back in time')), timeoutMs);
      const abort = () => reject(new UpstreamExchangeError('cancelled', 'cancelled by the caller'));
      signal?.addEventListener('abort', abort, { once: true });
      ready.then(resolve, reject).finally(() => {
        clearTimeout(bound);
        signal?.removeEventListener('abort', abort);
      });
    });
  };

  const first = current.handshake!;
  const relays = options.onNotification !== undefined;
  return {
    protocolVersion: first.protocolVersion,
    capabilities: first.capabilities,
    relaysListChanges: relays,
    relaysResourceUpdates: relays,
    async request(method, params, requestOptions) {
      const child = await running(requestOptions.timeoutMs, requestOptions.signal);
      const result = await child.peer.request(method, params, requestOptions);
      crashesInRow = 0;
      return result;
    },
    close: async () => {
      if (state === 'stopped') return;
      state = 'stopped';
      clearTimeout(timer);
      cancelWait?.(lost());
      const child = current;
      current = undefined;
      if (child) await stop(child);
    },
    process: () => ({
      state,
      pid: state === 'running' ? (current?.peer.pid ?? null) : null,
      restarts,
      crashesInRow,
      nextRestartInMs: nextRestartAt === null ? null : Math.max(0, nextRestartAt - Date.now()),
    }),
  };
}

function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  return Promise.race([work.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
