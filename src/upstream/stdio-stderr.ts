import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const MAX_LINE = 2000;
export const REDACTED = '[redacted]';

/**
 * A stdio upstream's stderr, line by line, each line with every secret the child was given
 * (its injected environment values) replaced by [redacted], longest first, before anything sees
 * it. Long lines are cut (a child must not flood the log with one line).
 */
export function forwardStderrLines(stream: Readable, secrets: readonly string[], onLine: (line: string) => void): void {
  const redact = redactor(secrets);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    const clean = redact(line);
    onLine(clean.length > MAX_LINE ? `${clean.slice(0, MAX_LINE)}…` : clean);
  });
  lines.on('error', () => undefined);
}

export function redactor(secrets: readonly string[]): (text: string) => string {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
