import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** test/conformance: its own package.json / package-lock.json pin the runner and Node 22. */
export const HARNESS_DIR = join(__dirname, '..');
const MODULES = join(HARNESS_DIR, 'node_modules');
/** The `node` binary of the npm `node@22` package (the runner needs Node >= 22). */
export const NODE22 = join(MODULES, 'node', 'bin', 'node');
const RUNNER = join(MODULES, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
export const RUNNER_VERSION = '0.1.16';

/**
 * Installs the pinned runner and Node 22 (`npm ci --prefix test/conformance`) unless exactly
 * those are installed already. Nothing is skipped when they are missing: they are installed.
 */
export function ensureConformanceRunner(): void {
  if (installedVersion() !== RUNNER_VERSION || !existsSync(NODE22)) {
    const npm = spawnSync('npm', ['ci', '--prefix', HARNESS_DIR, '--no-audit', '--no-fund'], { encoding: 'utf8', stdio: 'pipe' });
    if (npm.status !== 0) throw new Error(`npm ci --prefix ${HARNESS_DIR} failed (${npm.status}):\n${npm.stdout}\n${npm.stderr}`);
  }
  if (installedVersion() !== RUNNER_VERSION) throw new Error(`@modelcontextprotocol/conformance ${RUNNER_VERSION} is not installed in ${MODULES}`);
  const version = spawnSync(NODE22, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith('v22.')) throw new Error(`${NODE22} is ${version || 'not runnable'}, not Node 22`);
}

function installedVersion(): string | undefined {
  const manifest = join(MODULES, '@modelcontextprotocol', 'conformance', 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : undefined;
}

export interface ScenarioOutcome {
  passed: number;
  failed: number;
  /** The failed checks' ids and messages, for the assertion message. */
  failures: string[];
}
export type SuiteOutcome = Map<string, ScenarioOutcome>;

/** Runs the runner on Node 22 with these arguments; resolves with its output whatever its exit code. */
export function runConformance(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE22, [RUNNER, ...args], { cwd: HARNESS_DIR, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** `conformance server --url <url> --suite all`, its results read back from the checks it wrote. */
export async function runServerSuite(url: string, outputDir: string): Promise<SuiteOutcome> {
  const run = await runConformance(['server', '--url', url, '--suite', 'all', '-o', outputDir]);
  const outcome = readChecks(outputDir, 'server-');
  if (outcome.size === 0) throw new Error(`the conformance runner wrote no results for ${url} (exit ${run.code}):\n${run.output}`);
  return outcome;
}

/** Every `<prefix><scenario>-<timestamp>/checks.json` under dir: SUCCESS and FAILURE counted, as the runner's summary does. */
export function readChecks(dir: string, prefix: string): SuiteOutcome {
  const outcome: SuiteOutcome = new Map();
  for (const entry of readdirSync(dir)) {
    const match = new RegExp(`^${prefix}(.+)-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$`).exec(entry);
    if (!match) continue;
    const checks = JSON.parse(readFileSync(join(dir, entry, 'checks.json'), 'utf8')) as Array<{ id: string; status: string; errorMessage?: string }>;
    const failed = checks.filter((c) => c.status === 'FAILURE');
    outcome.set(match[1], {
      passed: checks.filter((c) => c.status === 'SUCCESS').length,
      failed: failed.length,
      failures: failed.map((c) => `${c.id}: ${c.errorMessage ?? ''}`),
    });
  }
  return outcome;
}

export const totals = (outcome: SuiteOutcome) =>
  [...outcome.values()].reduce((sum, s) => ({ passed: sum.passed + s.passed, failed: sum.failed + s.failed }), { passed: 0, failed: 0 });
