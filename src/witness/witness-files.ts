import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import {
  cosignatureV1SignerFromSeed,
  ed25519NoteVerifier,
  formatNotePrivateKey,
  formatVerifierKey,
  fromBase64,
  NOTE_SIG_COSIGNATURE_V1,
  nodeEd25519,
  parseNotePrivateKey,
  parseVerifierKey,
  toBase64,
  type NoteSigner,
  type NoteVerifier,
  type WitnessedState,
} from '@warden/ledger';

/**
 * A witness's own directory: its key (`witness.key`, 0600, the note private key text), the logs it
 * follows (`witness.json`), and what it last cosigned per log (`state.json`, replaced atomically).
 * Everything here is refused, not repaired: a missing or unreadable file stops the witness.
 */

export class WitnessSetupError extends Error {}

export const WITNESS_KEY_FILE = 'witness.key';
export const WITNESS_CONFIG_FILE = 'witness.json';
export const WITNESS_STATE_FILE = 'state.json';

export interface WitnessedLogConfig {
  /** The checkpoint origin; the log's note key carries the same name. */
  origin: string;
  verifier: NoteVerifier;
  vkey: string;
  /** The gateway to poll (`warden witness poll`), and the key of an auditor (or admin) of the organisation. */
  url?: string;
  apiKey?: string;
}

export interface WitnessIdentity {
  name: string;
  vkey: string;
  signer: NoteSigner;
}

/** `warden witness init`: a new key (never over an existing one) and an empty log list. */
export function initWitnessDir(dir: string, name: string): { vkey: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, WITNESS_KEY_FILE);
  if (existsSync(keyFile)) throw new WitnessSetupError(`${keyFile} exists: a witness keeps its key (remove the directory to start a new witness)`);
  const seed = randomBytes(32);
  writeFileSync(keyFile, `${formatNotePrivateKey(name, NOTE_SIG_COSIGNATURE_V1, seed)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  const configFile = join(dir, WITNESS_CONFIG_FILE);
  if (!existsSync(configFile)) writeFileSync(configFile, `${JSON.stringify({ logs: [] }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { vkey: formatVerifierKey(name, NOTE_SIG_COSIGNATURE_V1, nodeEd25519.fromSeed(seed).publicKey) };
}

export function loadWitnessIdentity(dir: string, now: () => number): WitnessIdentity {
  const keyFile = join(dir, WITNESS_KEY_FILE);
  const text = readPrivate(keyFile, 'the witness key (run `warden witness init` first)');
  let parsed: ReturnType<typeof parseNotePrivateKey>;
  try {
    parsed = parseNotePrivateKey(text.trim());
  } catch {
    throw new WitnessSetupError(`${keyFile} is not a witness key`);
  }
  if (parsed.type !== NOTE_SIG_COSIGNATURE_V1) throw new WitnessSetupError(`${keyFile} is not a cosignature/v1 key`);
  return {
    name: parsed.name,
    vkey: formatVerifierKey(parsed.name, NOTE_SIG_COSIGNATURE_V1, parsed.publicKey),
    signer: cosignatureV1SignerFromSeed(parsed.name, parsed.seed, now),
  };
}

/** `witness.json`: { logs: [{ vkey, origin?, url?, apiKey? }] }; the file must be its owner's alone (it may hold API keys). */
export function loadWitnessConfig(dir: string): WitnessedLogConfig[] {
  const file = join(dir, WITNESS_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readPrivate(file, 'the witness config'));
  } catch (error) {
    if (error instanceof WitnessSetupError) throw error;
    throw new WitnessSetupError(`${file} is not JSON`);
  }
  const logs = (raw as { logs?: unknown })?.logs;
  if (!Array.isArray(logs)) throw new WitnessSetupError(`${file}: { "logs": [ … ] } expected`);
  const seen = new Set<string>();
  return logs.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const where = `${file}: logs[${i}]`;
    const unknownKeys = Object.keys(e).filter((k) => !['vkey', 'origin', 'url', 'apiKey'].includes(k));
    if (unknownKeys.length > 0) throw new WitnessSetupError(`${where}: unknown key ${unknownKeys[0]}`);
    if (typeof e.vkey !== 'string') throw new WitnessSetupError(`${where}: vkey (the log's note verifier key) is required`);
    let verifier: NoteVerifier;
    try {
      verifier = ed25519NoteVerifier(parseVerifierKey(e.vkey));
    } catch (error) {
      throw new WitnessSetupError(`${where}: vkey: ${(error as Error).message}`);
    }
    const origin = e.origin === undefined ? verifier.name : e.origin;
    if (typeof origin !== 'string' || origin.length === 0 || origin.includes('\n')) throw new WitnessSetupError(`${where}: origin is one line`);
    if (seen.has(origin)) throw new WitnessSetupError(`${where}: origin ${origin} is listed twice`);
    seen.add(origin);
    if (e.url !== undefined && (typeof e.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(e.url))) throw new WitnessSetupError(`${where}: url is an http(s) URL`);
    if (e.apiKey !== undefined && (typeof e.apiKey !== 'string' || e.apiKey.length === 0)) throw new WitnessSetupError(`${where}: apiKey is a string`);
    return { origin, verifier, vkey: e.vkey, url: e.url as string | undefined, apiKey: e.apiKey as string | undefined };
  });
}

/** What the witness cosigned last, per origin. */
export class WitnessStateFile {
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, WITNESS_STATE_FILE);
  }

  read(): Map<string, WitnessedState> {
    if (!existsSync(this.file)) return new Map();
    let raw: Record<string, { size: number; root: string }>;
    try {
      raw = JSON.parse(readPrivate(this.file, 'the witness state')).logs;
      const states = new Map<string, WitnessedState>();
      for (const [origin, s] of Object.entries(raw)) {
        if (!Number.isSafeInteger(s.size) || s.size < 0) throw new Error('size');
        const rootHash = fromBase64(s.root);
        if (rootHash.length !== 32) throw new Error('root');
        states.set(origin, { size: s.size, rootHash });
      }
      return states;
    } catch (error) {
      if (error instanceof WitnessSetupError) throw error;
      // A witness that cannot tell what it cosigned must not cosign again: fail closed.
      throw new WitnessSetupError(`${this.file} is unreadable or damaged: the witness stops (it would not know what it cosigned)`);
    }
  }

  /** Written to a temporary file, synced, then renamed over the old state: never half a state. */
  write(states: Map<string, WitnessedState>): void {
    const logs = Object.fromEntries([...states].map(([origin, s]) => [origin, { size: s.size, root: toBase64(s.rootHash) }]));
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ logs }, null, 2)}\n`, { mode: 0o600 });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

function readPrivate(file: string, what: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new WitnessSetupError(`${file} is missing: ${what}`);
  }
  if ((mode & 0o077) !== 0) throw new WitnessSetupError(`${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  return readFileSync(file, 'utf8');
}
