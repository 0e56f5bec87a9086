import { existsSync } from 'node:fs';
import { resolve, relative, isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from '@warden/ledger';
import { createEventStore, type EventStore } from '@warden/event-store';
import { loadConfig } from '../config/warden-config';
import { UsageError } from './cli-errors';
import { systemClock, uuidV7Ids } from '../ledger/clock';
import {
  createKeyFile,
  ensureKeysDir,
  KeyFileError,
  nodeKeyFile,
  readPrivateKey,
  readRootPublicKey,
  replaceNodeKeyFile,
  rootPublicKeyFile,
  writePublicKey,
} from '../ledger/key-files';
import { keyStreamState, KeyStreamError, readKeyStream, registerNodeKey, revokeKey, rotateNodeKey } from '../ledger/key-registration';

export const KEYS_USAGE = `usage: warden keys <command> [--data-dir DIR] [--node-id ID] …

  init --root-key-out FILE      create the deployment root key at FILE (keep it offline), its public
                                key in DIR/keys/root.key.pub, this node's key, and register the node
  register-node --root-key FILE register this node's key (created if missing) with the root key
  rotate-node --root-key FILE   new node key registered, the old one revoked (stop the node first)
  revoke --root-key FILE --kid KID --reason TEXT
                                revoke a node key: events it signs after this are rejected
  show [--json]                 the root fingerprint and every key of the ledger, with its state

  Every key event is signed by the root and appended to the ledger's platform-keys stream.
  Exit 0 on success, 1 when refused (the message says why), 2 on bad usage.`;

interface Context {
  dataDir: string;
  nodeId: string;
  store: EventStore;
}

export async function keysCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      'data-dir': { type: 'string' },
      'node-id': { type: 'string' },
      'event-store': { type: 'string' },
      'root-key': { type: 'string' },
      'root-key-out': { type: 'string' },
      kid: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const env = { ...process.env };
  if (values['data-dir']) env.WARDEN_DATA_DIR = values['data-dir'];
  if (values['node-id']) env.WARDEN_NODE_ID = values['node-id'];
  if (values['event-store']) env.WARDEN_EVENT_STORE = values['event-store'];
  const config = loadConfig(env);
  const needs = (name: 'root-key' | 'root-key-out' | 'kid' | 'reason'): string => {
    const value = values[name];
    if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`keys ${command} needs --${name}`);
    return value;
  };
  const run = async (action: (ctx: Context) => Promise<void>) => {
    const store = createEventStore(config.eventStoreUrl);
    try {
      await action({ dataDir: config.dataDir, nodeId: config.nodeId, store });
    } finally {
      await store.close();
    }
  };
  switch (command) {
    case 'init': {
      const out_ = resolve(needs('root-key-out'));
      await run((ctx) => init(ctx, out_, out));
      return 0;
    }
    case 'register-node': {
      const root = loadRoot(needs('root-key'), config.dataDir);
      await run(async (ctx) => {
        const node = readPrivateKey(nodeKeyFile(ctx.dataDir, ctx.nodeId)) ?? createKeyFile(nodeKeyFile(ctx.dataDir, ctx.nodeId));
        const outcome = await registerNodeKey(ctx.store, root, node.signer, ctx.nodeId, systemClock, uuidV7Ids);
        out(`${outcome === 'registered' ? 'registered' : 'already registered'}: node ${ctx.nodeId} key ${node.signer.kid}, by root ${root.kid}`);
      });
      return 0;
    }
    case 'rotate-node': {
      const root = loadRoot(needs('root-key'), config.dataDir);
      await run(async (ctx) => {
        const file = nodeKeyFile(ctx.dataDir, ctx.nodeId);
        const old = readPrivateKey(file);
        if (!old) throw new KeyStreamError(`no node key at ${file} to rotate; use keys register-node`);
        const pair = generateEd25519KeyPair();
        await rotateNodeKey(ctx.store, root, old.signer.kid, createEd25519Signer(pair.privateKeyPem), ctx.nodeId, systemClock, uuidV7Ids);
        replaceNodeKeyFile(file, pair);
        out(`rotated: node ${ctx.nodeId} key ${pair.kid} registered, ${old.signer.kid} revoked (kept as ${file}.old); start the node again`);
      });
      return 0;
    }
    case 'revoke': {
      const root = loadRoot(needs('root-key'), config.dataDir);
      const kid = needs('kid');
      const reason = needs('reason');
      await run(async (ctx) => {
        await revokeKey(ctx.store, root, kid, reason, systemClock, uuidV7Ids);
        out(`revoked: ${kid} (${reason})`);
      });
      return 0;
    }
    case 'show': {
      await run((ctx) => show(ctx, values.json ?? false, out));
      return 0;
    }
    default:
      throw new UsageError(command === undefined ? 'keys needs a command' : `unknown keys command "${command}"`);
  }
}

async function init(ctx: Context, rootKeyOut: string, out: (line: string) => void): Promise<void> {
  const publicFile = rootPublicKeyFile(ctx.dataDir);
  if (readRootPublicKey(publicFile)) throw new KeyStreamError(`${publicFile} exists: this deployment has a root already`);
  if ((await readKeyStream(ctx.store)).length > 0) throw new KeyStreamError('the ledger has key events already: it has a root');
  if (existsSync(rootKeyOut)) throw new KeyFileError(`${rootKeyOut} exists; not overwritten`);
  ensureKeysDir(ctx.dataDir);
  const root = createKeyFile(rootKeyOut, publicFile);
  const nodeFile = nodeKeyFile(ctx.dataDir, ctx.nodeId);
  const node = readPrivateKey(nodeFile) ?? createKeyFile(nodeFile);
  await registerNodeKey(ctx.store, root.signer, node.signer, ctx.nodeId, systemClock, uuidV7Ids);
  const inside = !relative(ctx.dataDir, rootKeyOut).startsWith('..') && !isAbsolute(relative(ctx.dataDir, rootKeyOut));
  out(`root key ${root.signer.kid} created at ${rootKeyOut} (0600); public key ${publicFile}`);
  out(`node ${ctx.nodeId} key ${node.signer.kid} registered by the root`);
  out(`pin the root: WARDEN_ROOT_FINGERPRINT=${root.signer.kid}; auditors: warden verify --root-fingerprint ${root.signer.kid}`);
  if (inside) out(`warning: ${rootKeyOut} is inside the data directory: move it offline, the node never needs it`);
}

async function show(ctx: Context, json: boolean, out: (line: string) => void): Promise<void> {
  const root = readRootPublicKey(rootPublicKeyFile(ctx.dataDir));
  if (!root) throw new KeyFileError(`no root public key at ${rootPublicKeyFile(ctx.dataDir)}`);
  const state = keyStreamState(await readKeyStream(ctx.store), root.publicKey, root.kid);
  const node = readPrivateKey(nodeKeyFile(ctx.dataDir, ctx.nodeId));
  const keys = [...state.registered].map(([kid, k]) => ({
    kid,
    nodeId: k.nodeId,
    registeredAt: k.position,
    revoked: state.revoked.get(kid) ?? null,
    thisNode: node?.signer.kid === kid,
  }));
  if (json) {
    out(JSON.stringify({ rootFingerprint: root.kid, keys }));
    return;
  }
  out(`root ${root.kid} (${root.file})`);
  for (const key of keys) {
    const status = key.revoked ? `revoked at position ${key.revoked.position} (${key.revoked.reason})` : 'active';
    out(`  ${key.kid}  node ${key.nodeId}  registered at position ${key.registeredAt}  ${status}${key.thisNode ? '  ← this node' : ''}`);
  }
  if (node && !state.registered.has(node.signer.kid)) out(`  this node's key ${node.signer.kid} is NOT registered: run warden keys register-node --root-key FILE`);
}

/** The root private key: it must be the root this data directory's public key names. */
function loadRoot(file: string, dataDir: string): Signer {
  const key = readPrivateKey(resolve(file));
  if (!key) throw new UsageError(`no root key at ${resolve(file)}`);
  const expected = readRootPublicKey(rootPublicKeyFile(dataDir));
  if (!expected) throw new KeyFileError(`no root public key at ${rootPublicKeyFile(dataDir)}: run warden keys init first`);
  if (expected.kid !== key.signer.kid) throw new KeyStreamError(`${file} is key ${key.signer.kid}, but this deployment's root is ${expected.kid}`);
  return key.signer;
}
