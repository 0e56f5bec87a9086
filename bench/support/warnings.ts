/**
 * Under sustained load, every SDK Streamable HTTP client transport (1.x and 2.x) passes its one
 * long-lived AbortSignal to each fetch; undici adds an abort listener per Request and removes it
 * only when the Request is garbage-collected, so the count passes 1,500 and Node prints a
 * MaxListenersExceededWarning per added listener. Printing thousands of them would bury the
 * figures (and cost the process a stderr write each): count them instead, print anything else.
 */
const counts = new Map<string, number>();

export function countProcessWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'MaxListenersExceededWarning') {
      counts.set(warning.name, (counts.get(warning.name) ?? 0) + 1);
      return;
    }
    process.stderr.write(`(${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
}

export function warningCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
