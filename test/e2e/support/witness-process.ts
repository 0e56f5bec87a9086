import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, REPO_ROOT } from './tamper';

export interface WitnessProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `warden witness serve` as a child process on 127.0.0.1 (the compiled CLI). */
export function startWitnessProcess(dir: string, port: number): Promise<WitnessProcess> {
  const child = spawn(process.execPath, [CLI, 'witness', 'serve', '--dir', dir, '--port', String(port)], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/[^\s]+)\/add-checkpoint/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        resolve({ url: match[1], child, output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the witness exited (${code}) before listening: ${output}`)));
  });
}
