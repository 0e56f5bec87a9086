import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A target from the issue, checked against a figure measured in this run. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

/** What one benchmark writes to bench/results/<bench>.json. */
export interface BenchReport {
  bench: string;
  startedAt: string;
  seconds: number;
  environment: Environment;
  parameters: Record<string, unknown>;
  figures: unknown;
  tables: Table[];
  targets: TargetCheck[];
  notes: string[];
}

export interface Environment {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
}

export function environment(): Environment {
  const list = cpus();
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: list.length, cpuModel: list[0]?.model ?? 'unknown' };
}

export function target(name: string, targetText: string, measured: string, pass: boolean): TargetCheck {
  return { name, target: targetText, measured, pass };
}

export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.bench}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Plain-text rendering: each table with aligned columns, then the targets with PASS / MISS. */
export function renderReport(report: BenchReport): string {
  const out: string[] = [`== ${report.bench} (${report.seconds.toFixed(1)} s) ==`];
  for (const table of report.tables) out.push('', renderTable(table));
  if (report.targets.length > 0) {
    out.push('', 'targets:');
    const width = Math.max(...report.targets.map((t) => `${t.name} ${t.target}`.length));
    for (const t of report.targets) out.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${`${t.name} ${t.target}`.padEnd(width)}  measured ${t.measured}`);
  }
  for (const note of report.notes) out.push(`  note: ${note}`);
  return out.join('\n');
}

export function renderTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(formatCell))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  // Text columns (no numbers in them) read better left-aligned; figures right-aligned.
  const textual = table.columns.map((_, i) => i === 0 || table.rows.every((row) => typeof row[i] === 'string' && !/^[\d.,+−-]+$/.test(row[i] as string)));
  const line = (row: Array<string | number>) =>
    row.map((cell, i) => (textual[i] ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ').trimEnd();
  return [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function formatCell(value: string | number): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (Number.isInteger(value) || abs >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(abs >= 10 ? 1 : 2);
}
