import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { fingerprintOf, isKeyPin, matchesKeyPin, publicKeyFromPem, type KeyFingerprint } from '@warden/ledger';
import { createEventStore, EventStoreConfigError } from '@warden/event-store';
import { SqlitePayloadAudit } from '@warden/payload-store';
import { loadConfig } from '../config/warden-config';
import { keysDir } from '../ledger/key-files';
import { messageOf, UsageError } from './cli-errors';
import { verifyLedger, type VerifyReport } from './verify-ledger';
import { verifyPayloads, type PayloadsReport } from './verify-payloads';

export const VERIFY_USAGE = `usage: warden verify [--data-dir DIR] [--event-store URL] [--root-key FILE.pub]
                     [--root-fingerprint KID-OR-SHA256] [--payloads [--payload-key FILE]]
                     [--workers N] [--json]

  Checks every signature and every stream's hash chain of the ledger, and that no row was
  deleted, inserted or reordered. Prints the root key's fingerprint: pin it with
  --root-fingerprint (its kid, or the hex SHA-256 of the raw key), from a copy kept apart from
  the ledger, or a forger who replaced ledger and key file alike passes. --payloads also reads
  every payload back: present (or erased by a PayloadsErased event of its organisation), and,
  with the payload master key (<data>/keys/payload-master.key, or --payload-key FILE), decrypting
  to content whose salted digest is the envelope's; without the key, presence only. Exits 0 when the whole
  ledger verifies, 1 at the first bad event (named with its position, id, stream, seq and
  reason), when the root key does not match the pin, or when the ledger cannot be read, 2 on
  bad usage or when there is no data directory, ledger file or root key where it looks.`;

const CAP_NOTE = 'at least';

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'event-store': { type: 'string' },
      'root-key': { type: 'string' },
      'root-fingerprint': { type: 'string' },
      payloads: { type: 'boolean', default: false },
      'payload-key': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const pin = values['root-fingerprint'];
  if (pin !== undefined && !isKeyPin(pin)) {
    throw new UsageError('--root-fingerprint must be a key id (ed25519:<32 hex>) or the 64-hex SHA-256 of the raw root public key');
  }
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
  const fingerprint = fingerprintOf(rootPublicKey);
  if (pin !== undefined && !matchesKeyPin(rootPublicKey, pin)) {
    // Before the ledger is even opened: this is not the deployment the auditor pinned.
    throw new Error(
      `root key mismatch: ${rootKeyFile} is ${fingerprint.kid} (sha256 ${fingerprint.sha256}), not the pinned ${pin.trim()}; the ledger was not checked`,
    );
  }
  const ledgerFile = sqliteFileOf(config.eventStoreUrl);
  if (ledgerFile !== undefined && !existsSync(ledgerFile)) {
    throw new UsageError(`no ledger at ${ledgerFile}${defaultedStore ? ' (pass --data-dir DIR or --event-store sqlite:FILE)' : ''}`);
  }
  if (values['payload-key'] !== undefined && !values.payloads) throw new UsageError('--payload-key needs --payloads');
  if (values.payloads && ledgerFile === undefined) throw new UsageError('--payloads reads the embedded payload store: it needs a sqlite: ledger');
  const payloadKey = values.payloads ? loadPayloadKey(values['payload-key'], config.dataDir) : undefined;
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
    const payloads = payloadKey ? await checkPayloads(store, ledgerFile!, payloadKey) : undefined;
    const rootKey = { ...fingerprint, pinned: pin !== undefined };
    const ok = report.ok && (payloads?.ok ?? true);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ ...report, ok, rootKey, ...(payloads && { payloads }), eventsPerSecond: rateOf(report) })}\n`
        : textReport(report, rootKey, payloads),
    );
    return ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

interface PayloadKey {
  file: string;
  /** undefined: no key file at the default place, so presence only. */
  key?: Buffer;
}

function loadPayloadKey(given: string | undefined, dataDir: string): PayloadKey {
  const file = resolve(given ?? join(keysDir(dataDir), 'payload-master.key'));
  if (!existsSync(file)) {
    if (given !== undefined) throw new UsageError(`no payload key at ${file}`);
    return { file };
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new UsageError(`${file} does not hold a 32-byte base64 payload master key`);
  return { file, key };
}

async function checkPayloads(store: Parameters<typeof verifyPayloads>[0], ledgerFile: string, payloadKey: PayloadKey): Promise<PayloadsReport & { keyFile: string }> {
  const audit = new SqlitePayloadAudit(ledgerFile, payloadKey.key); // a wrong key: MasterKeyMismatchError, exit 1
  try {
    return { ...(await verifyPayloads(store, audit)), keyFile: payloadKey.file };
  } finally {
    payloadKey.key?.fill(0);
    audit.close();
  }
}

function payloadLines(payloads: PayloadsReport & { keyFile: string }): string[] {
  const how = payloads.decrypted ? 'read back with the payload key, digests verified' : `presence only: no payload key at ${payloads.keyFile}, nothing decrypted`;
  const counts = `${payloads.referenced} referenced, ${payloads.present} present, ${payloads.erased} erased by PayloadsErased events`;
  if (payloads.ok) return [`payloads OK (${how}): ${counts}`];
  const p = payloads.problems[0];
  return [
    `payloads FAILED (${how}): first bad payload of event ${p.eventId}${p.position === undefined ? '' : ` (position ${p.position})`}: ${p.reason} — ${p.detail}`,
    `${payloads.problemsCapped ? `${CAP_NOTE} ` : ''}${payloads.problems.length} payload problem(s); ${counts}`,
  ];
}

function rateOf(report: VerifyReport): number {
  return Math.round(report.events / Math.max(report.seconds, 1e-9));
}

function textReport(report: VerifyReport, rootKey: KeyFingerprint & { pinned: boolean }, payloads?: PayloadsReport & { keyFile: string }): string {
  const lines: string[] = [];
  if (report.ok) {
    lines.push(
      `ledger OK: ${report.events} events in ${report.streams} streams, ${report.keys} keys, every signature and chain link verified (${report.seconds.toFixed(2)} s, ${rateOf(report)} events/s)`,
    );
  } else {
    const p = report.firstProblem!;
    const names = [p.eventId && `id ${p.eventId}`, p.stream && `${p.stream}@${p.seq ?? '?'}`].filter(Boolean).join(', ');
    lines.push(`ledger FAILED: first bad event at position ${p.position}${names ? ` (${names})` : ''}: ${p.reason} — ${p.detail}`);
    lines.push(`${report.problemsCapped ? `${CAP_NOTE} ` : ''}${report.problems.length} problem(s) in ${report.events} events checked`);
  }
  if (payloads) lines.push(...payloadLines(payloads));
  lines.push(
    rootKey.pinned
      ? `root key ${rootKey.kid} (sha256 ${rootKey.sha256}): matches the pinned fingerprint`
      : `root key ${rootKey.kid} (sha256 ${rootKey.sha256}): NOT pinned — an auditor must pass --root-fingerprint from a copy kept apart from this ledger`,
  );
  return `${lines.join('\n')}\n`;
}

/** The file of a sqlite: event-store URL (as createEventStore reads it), or undefined. */
function sqliteFileOf(url: string): string | undefined {
  const match = /^sqlite:(?:\/\/)?(.+)$/i.exec(url.trim());
  return match && match[1] !== ':memory:' ? resolve(match[1]) : undefined;
}
