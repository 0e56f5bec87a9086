import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILES, formatBundleFailure, isKeyPin, nodeBundleCrypto, verifyExportBundle, type BundleFiles } from '@warden/ledger';
import { UsageError } from './cli-errors';
import { workerBundleCrypto } from './verify-export-workers';

export const VERIFY_EXPORT_USAGE = `usage: warden verify-export BUNDLE_DIR --root-fingerprint KID-OR-SHA256
                     [--witness-key VKEY]… [--workers N] [--json] [--allow-unsigned-manifest]

  Checks an export bundle offline (no server, no database): every file against the manifest,
  the root key against the pin, the key registrations, every event's hash, signature (by a key
  the root registered and had not revoked) and chain link, every payload line, every checkpoint's
  note signature, that the events rebuild each signed root (inclusion; consecutive checkpoints
  consistent), and every cosignature against the witness keys given (a cosignature by any other
  key fails). Exits 0 when the bundle verifies, 1 at the first failure (named: check, file, line,
  event id), 2 on bad usage. --workers N: threads for the signature checks (default 2; 0 = none).
  The manifest must be signed by a node key of the bundle (format 2); --allow-unsigned-manifest
  accepts a format 1 bundle (made before manifests were signed), reported as unsigned.`;

/** `warden verify-export …`. */
export async function verifyExportCommand(argv: string[], print: (line: string) => void, progress: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'root-fingerprint': { type: 'string' },
      'witness-key': { type: 'string', multiple: true },
      workers: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      'allow-unsigned-manifest': { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(VERIFY_EXPORT_USAGE);
  const pin = values['root-fingerprint'];
  if (pin === undefined || !isKeyPin(pin)) throw new UsageError('--root-fingerprint is required: the root key id (ed25519:<32 hex>) or the 64-hex SHA-256 of the raw root key');
  const dir = resolve(positionals[0]);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a bundle directory`);
  const files: Record<string, Uint8Array | undefined> = {};
  for (const name of Object.values(BUNDLE_FILES)) {
    const path = join(dir, name);
    files[name] = existsSync(path) ? readFileSync(path) : undefined;
  }
  if (!/^[0-8]$/.test(values.workers!)) throw new UsageError('--workers is 0 to 8');
  const workers = Number(values.workers);
  const pool = workers > 0 ? workerBundleCrypto(workers) : undefined;
  const crypto = pool ?? nodeBundleCrypto();
  let witnessKeys = values['witness-key'] ?? [];
  witnessKeys = witnessKeys.map((k) => k.trim());
  let result;
  try {
    result = await verifyExportBundle(files as BundleFiles, {
      rootFingerprint: pin,
      witnessKeys,
      allowUnsignedManifest: values['allow-unsigned-manifest'],
      crypto,
      onProgress: (done, total) => {
        if (total >= 20_000) progress(`warden verify-export: ${done} / ${total} events`);
      },
    });
  } catch (error) {
    if (error instanceof Error && /^witness key /.test(error.message)) throw new UsageError(error.message);
    throw error;
  } finally {
    await pool?.close();
  }
  if (!result.ok) {
    print(values.json ? JSON.stringify(result) : `FAILED: ${formatBundleFailure(result.failure)}`);
    return 1;
  }
  const cosigned = result.checkpoints.filter((c) => c.cosignatures.length > 0).length;
  print(
    values.json
      ? JSON.stringify(result)
      : `OK: ${result.events} events of ${result.org} (leaves ${result.firstLeaf}..${result.firstLeaf + result.events - 1}), ${result.checkpoints.length} checkpoints (${cosigned} cosigned), ${result.payloads.lines} payload lines (${result.payloads.erased} erased, ${result.payloads.included} with content); manifest ${result.manifestSignedBy ? `signed by ${result.manifestSignedBy}` : 'unsigned (format version 1)'}`,
  );
  return 0;
}
