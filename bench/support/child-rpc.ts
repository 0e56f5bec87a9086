import { fork, type ChildProcess } from 'node:child_process';
import { countProcessWarnings } from './warnings';

/**
 * A tiny request/response protocol over the IPC channel of a forked benchmark child: the parent
 * asks (`call(op, arg)`), the child answers from its handler table. The child announces itself
 * with `ready` (or `failed`) once it serves.
 */
type ParentMessage = { kind: 'call'; id: number; op: string; arg?: unknown };
type ChildMessage =
  | { kind: 'ready'; info: unknown }
  | { kind: 'failed'; error: string }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

export type Handlers = Record<string, (arg: unknown) => unknown>;

/** Child side: answer the parent's calls; `stop` is expected to end the process. */
export function serveParent(start: () => Promise<{ info: unknown; handlers: Handlers }>): void {
  const send = (message: ChildMessage) => process.send?.(message);
  if (!process.send) {
    process.stderr.write('this is a benchmark child: start it with child_process.fork\n');
    process.exit(2);
  }
  countProcessWarnings();
  start().then(
    ({ info, handlers }) => {
      process.on('message', (message: ParentMessage) => {
        if (message?.kind !== 'call') return;
        const handler = handlers[message.op];
        Promise.resolve()
          .then(() => {
            if (!handler) throw new Error(`unknown op ${message.op}`);
            return handler(message.arg);
          })
          .then(
            (value) => send({ kind: 'reply', id: message.id, ok: true, value: value ?? null }),
            (error: unknown) => send({ kind: 'reply', id: message.id, ok: false, error: String((error as Error)?.stack ?? error) }),
          );
      });
      send({ kind: 'ready', info });
    },
    (error: unknown) => {
      send({ kind: 'failed', error: String((error as Error)?.stack ?? error) });
      setTimeout(() => process.exit(1), 100);
    },
  );
  // The parent went away: do not linger.
  process.on('disconnect', () => process.exit(0));
}

/** Parent side handle of one benchmark child. */
export class BenchChild<Info> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly info: Info,
  ) {
    child.on('message', (message: ChildMessage) => {
      if (message?.kind !== 'reply') return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error));
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values()) waiter.reject(new Error(`benchmark child exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** Forks `file` and waits (bounded) for its `ready` message. */
  static async start<Info>(file: string, options: { args?: string[]; env?: NodeJS.ProcessEnv; execArgv?: string[]; timeoutMs?: number } = {}): Promise<BenchChild<Info>> {
    const child = fork(file, options.args ?? [], {
      env: options.env ?? process.env,
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const info = await new Promise<Info>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${file}: not ready within ${options.timeoutMs ?? 30_000} ms`));
      }, options.timeoutMs ?? 30_000);
      const onMessage = (message: ChildMessage) => {
        if (message?.kind === 'ready') done(() => resolve(message.info as Info));
        else if (message?.kind === 'failed') done(() => reject(new Error(`${file} failed to start: ${message.error}`)));
      };
      const onExit = (code: number | null) => done(() => reject(new Error(`${file} exited (${code}) before it was ready`)));
      const done = (settle: () => void) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        settle();
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
    return new BenchChild<Info>(child, info);
  }

  call<T>(op: string, arg?: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error('benchmark child has exited'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ kind: 'call', id, op, arg } satisfies ParentMessage);
    });
  }

  /** Asks the child to stop (it exits by itself), then makes sure it is gone. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
