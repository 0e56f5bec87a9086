#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { publicKeyFromPem } from '@warden/ledger';
import { createEventStore, EventStoreConfigError } from '@warden/event-store';
import { ConfigError, loadConfig } from '../config/warden-config';
import { keysDir } from '../ledger/key-files';
import { verifyLedger } from './verify-ledger';
import { CHECK_URL_USAGE, checkUrl } from './check-url';

const USAGE = `usage: warden verify [--data-dir DIR] [--event-store URL] [--root-key FILE.pub] [--workers N] [--json]

  Checks every signature and every stream's hash chain of the ledger, and that no row was
  deleted, inserted or reordered. Exits 0 when the whole ledger verifies, 1 at the first bad
  event (named with its position, id, stream, seq and reason) or when the ledger cannot be read,
  2 on bad usage or when there is no data directory, ledger file or root key where it looks.`;
const USAGES = `${USAGE}\n\n${CHECK_URL_USAGE}`;

async function verify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'event-store': { type: 'string' },
      'root-key': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const env = { ...process.env };
  if (values['data-dir']) env.WARDEN_DATA_DIR = values['data-dir'];
  if (values['event-store']) env.WARDEN_EVENT_STORE = values['event-store'];
  const config = loadConfig(env);
  const defaultedStore = env.WARDEN_EVENT_STORE === undefined;
  if ((values['root-key'] === undefined || defaultedStore) && !existsSync(config.dataDir)) {
    throw new UsageError(`no data directory at ${config.dataDir}${values['data-dir'] ? '' : ' (pass --data-dir DIR)'}`);
  }
  const rootKeyFile = resolve(values['root-key'] ?? join(keysDir(config.dataDir), 'root.key.pub'));
  if (!existsSync(rootKeyFile)) {
    throw new UsageError(`no root public key at ${rootKeyFile}${values['root-key'] ? '' : ' (pass --root-key FILE.pub, the deployment root key)'}`);
  }
  let rootPublicKey: Uint8Array;
  try {
    rootPublicKey = publicKeyFromPem(readFileSync(rootKeyFile, 'utf8'));
  } catch (error) {
    throw new UsageError(`${rootKeyFile} is not an Ed25519 public key: ${messageOf(error)}`);
  }
  const ledgerFile = sqliteFileOf(config.eventStoreUrl);
  if (ledgerFile !== undefined && !existsSync(ledgerFile)) {
    throw new UsageError(`no ledger at ${ledgerFile}${defaultedStore ? ' (pass --data-dir DIR or --event-store sqlite:FILE)' : ''}`);
  }
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new UsageError('--workers must be an integer from 0 to 64');

  let store: ReturnType<typeof createEventStore>;
  try {
    store = createEventStore(config.eventStoreUrl, { readonly: true });
  } catch (error) {
    if (error instanceof EventStoreConfigError) throw new UsageError(error.message);
    throw new Error(`cannot read the ledger ${ledgerFile ?? config.eventStoreUrl}: ${messageOf(error)}`);
  }
  const bar = !values.json && process.stderr.isTTY ? new SingleBar({ format: 'verifying {bar} {value} events ({speed}/s)', stream: process.stderr }) : undefined;
  let barStarted = false;
  const started = performance.now();
  try {
    const report = await verifyLedger(store, {
      rootPublicKey,
      workers,
      onProgress: (done) => {
        if (!bar) return;
        if (!barStarted && done >= 10_000) {
          bar.start(0, 0, { speed: 0 });
          barStarted = true;
        }
        if (barStarted) {
          bar.setTotal(done);
          bar.update(done, { speed: Math.round(done / ((performance.now() - started) / 1000)) });
        }
      },
    });
    if (barStarted) bar?.stop();
    const rate = Math.round(report.events / Math.max(report.seconds, 1e-9));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, eventsPerSecond: rate })}\n`);
    } else if (report.ok) {
      process.stdout.write(`ledger OK: ${report.events} events in ${report.streams} streams, ${report.keys} keys, every signature and chain link verified (${report.seconds.toFixed(2)} s, ${rate} events/s)\n`);
    } else {
      const p = report.firstProblem!;
      const names = [p.eventId && `id ${p.eventId}`, p.stream && `${p.stream}@${p.seq ?? '?'}`].filter(Boolean).join(', ');
      process.stdout.write(
        `ledger FAILED: first bad event at position ${p.position}${names ? ` (${names})` : ''}: ${p.reason} — ${p.detail}\n` +
          `${report.problems.length} problem(s) in ${report.events} events checked\n`,
      );
    }
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** Bad usage, or nothing to verify where the options point: exit 2. */
class UsageError extends Error {}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The file of a sqlite: event-store URL (as createEventStore reads it), or undefined. */
function sqliteFileOf(url: string): string | undefined {
  const match = /^sqlite:(?:\/\/)?(.+)$/i.exec(url.trim());
  return match && match[1] !== ':memory:' ? resolve(match[1]) : undefined;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if (command === 'verify') process.exitCode = await verify(rest);
    else if (command === 'check-url') process.exitCode = await checkUrl(rest);
    else {
      process.stderr.write(`${USAGES}\n`);
      process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2;
    }
  } catch (error) {
    process.stderr.write(`warden: ${messageOf(error)}\n`);
    const usage = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.exitCode = usage ? 2 : 1;
  }
}

void main();
