import { SseParser } from '../src/upstream/sse-events';
import type { BenchOptions } from './support/bench-options';
import { hostTicks, otherCores, waitForQuietHost } from './support/host-load';
import { environment, target, type BenchReport, type Table } from './support/report';
import { median, round } from './support/stats';

/**
 * The upstream hop's SSE parser alone (src/upstream/sse-events.ts): MB/s for one large JSON-RPC
 * answer (1 MiB and 4 MiB) arriving in chunks of 64 B, 16 KiB (undici's usual read size) and
 * 64 KiB, against the same event pushed as one chunk (the baseline of the same run). A parser
 * that rescans its buffer per chunk is quadratic: 4 MiB would take ~16× the time of 1 MiB, not ~4×.
 */
export const SSE_PARSE_BENCH = 'sse-parse';

const SIZES = [1024 * 1024, 4 * 1024 * 1024];
const CHUNKS = [64, 16 * 1024, 64 * 1024];

interface Run {
  bytes: number;
  chunk: number | 'whole';
  medianMs: number;
  mbPerSecond: number;
  charsScannedPerChar: number;
  otherCoresBusy: number | null;
}

function wireEvent(bytes: number): string {
  const text = 'warden sse bench 0123456789 '.repeat(Math.ceil(bytes / 28)).slice(0, bytes);
  return `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } })}\n\n`;
}

function split(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

function measure(wire: string, chunks: string[], repeats: number): { medianMs: number; scanned: number } {
  const times: number[] = [];
  let scanned = 0;
  for (let r = 0; r < repeats; r++) {
    const parser = new SseParser();
    const start = performance.now();
    let events = 0;
    for (const chunk of chunks) events += parser.push(chunk).length;
    times.push(performance.now() - start);
    if (events !== 1) throw new Error(`expected one event from ${wire.length} characters, got ${events}`);
    scanned = parser.charsScanned;
  }
  return { medianMs: median(times), scanned };
}

export async function runSseParseBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const repeats = options.quick ? 3 : 9;
  const budget = { remainingMs: 10_000 };
  const runs: Run[] = [];
  for (const bytes of SIZES) {
    const wire = wireEvent(bytes);
    measure(wire, split(wire, 16 * 1024), 2); // warm-up
    for (const chunk of ['whole' as const, ...CHUNKS]) {
      options.log(`sse-parse: ${bytes / 1024 / 1024} MiB in ${chunk === 'whole' ? 'one chunk' : `${chunk}-character chunks`}`);
      await waitForQuietHost(budget, options.log);
      const before = hostTicks();
      const cpuBefore = process.cpuUsage();
      const { medianMs, scanned } = measure(wire, chunk === 'whole' ? [wire] : split(wire, chunk), repeats);
      const cpu = process.cpuUsage(cpuBefore);
      runs.push({ bytes, chunk, medianMs: round(medianMs), mbPerSecond: round(wire.length / 1e6 / (medianMs / 1000), 1), charsScannedPerChar: round(scanned / wire.length), otherCoresBusy: otherCores(before, hostTicks(), (cpu.user + cpu.system) / 1000) });
    }
  }
  const of = (bytes: number, chunk: Run['chunk']) => runs.find((r) => r.bytes === bytes && r.chunk === chunk)!;
  const table: Table = {
    title: `SseParser.push, one JSON-RPC answer per run (median of ${repeats})`,
    columns: ['event', 'chunks', 'ms', 'MB/s', 'vs one chunk', 'chars scanned / char', 'other procs (cores)'],
    rows: runs.map((r) => [
      `${r.bytes / 1024 / 1024} MiB`,
      r.chunk === 'whole' ? 'one chunk (baseline)' : `${r.chunk} B`,
      r.medianMs,
      r.mbPerSecond,
      round(r.mbPerSecond / of(r.bytes, 'whole').mbPerSecond),
      r.charsScannedPerChar,
      r.otherCoresBusy ?? '',
    ]),
  };
  const growth = of(SIZES[1], 64).medianMs / of(SIZES[0], 64).medianMs;
  return {
    bench: SSE_PARSE_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { sizes: SIZES, chunks: CHUNKS, repeats },
    figures: runs,
    tables: [table],
    targets: [
      target('linear parse: 4 MiB vs 1 MiB in 64 B chunks', 'time ≤ 6× (quadratic: ~16×)', `${round(growth, 1)}×`, growth <= 6),
      target('every character scanned once', '1.00 chars scanned per char', String(Math.max(...runs.map((r) => r.charsScannedPerChar))), runs.every((r) => r.charsScannedPerChar <= 1)),
    ],
    notes: ['the parser alone, in this process; the gateway path adds undici, JSON.parse and the relay'],
  };
}
