import { existsSync } from 'node:fs';
import type { EventStore } from '@warden/event-store';
import { createKeyFile, developerRootKeyFile, ensureKeysDir, nodeKeyFile, readPrivateKey, readRootPublicKey, rootPublicKeyFile, type PrivateKeyFile, type RootPublicKey } from './key-files';
import { keyStreamState, readKeyStream, registerNodeKey } from './key-registration';
import type { Clock, IdGenerator } from './clock';

/** What the running node trusts and signs with. The root's private key is not in it. */
export interface NodeTrust {
  root: RootPublicKey;
  node: PrivateKeyFile;
  /** Set on the developer default's first start: where it left the root private key. */
  createdRootKeyFile?: string;
  /** What an operator must do (printed at start, never silenced). */
  notices: string[];
}

export interface NodeTrustOptions {
  dataDir: string;
  nodeId: string;
  /** A pinned root key id (WARDEN_ROOT_FINGERPRINT); the root public key file must match it. */
  rootFingerprint?: string;
}

/** Start-up stops with this: the message says what is wrong and what to run. */
export class NodeTrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeTrustError';
  }
}

/**
 * Decides, before anything is replayed or written, whether this node may run on this ledger:
 * - the root public key must exist (it is never regenerated for a ledger that has events) and
 *   must be the key that signed the ledger's first key registration (and the pinned one, if any);
 * - this node's key must be registered by that root and not revoked.
 * Only the developer default (an empty ledger and no root at all) creates a root: its private
 * key is written to <dataDir>/keys/root.key, used once to register the node, and the notices say
 * to move it offline. The node never loads a root private key otherwise.
 */
export async function establishNodeTrust(store: EventStore, options: NodeTrustOptions, clock: Clock, ids: IdGenerator): Promise<NodeTrust> {
  ensureKeysDir(options.dataDir);
  const rootFile = rootPublicKeyFile(options.dataDir);
  const keyEvents = await readKeyStream(store);
  const ledgerEmpty = (await store.readAll({ maxCount: 1 })).length === 0;
  const notices: string[] = [];

  let root = readRootPublicKey(rootFile);
  let developerRoot: PrivateKeyFile | undefined;
  if (!root) {
    if (!ledgerEmpty) {
      const signer = (keyEvents[0]?.data as { kid?: string } | undefined)?.kid;
      throw new NodeTrustError(
        `no root public key at ${rootFile}, but the ledger has events${signer ? ` (its keys were registered by root ${signer})` : ''}: ` +
          'restore that file from your records; warden never creates a new root for an existing ledger',
      );
    }
    const rootKeyFile = developerRootKeyFile(options.dataDir);
    if (existsSync(rootKeyFile)) throw new NodeTrustError(`${rootKeyFile} exists but ${rootFile} does not: restore the public key (\`openssl pkey -in ${rootKeyFile} -pubout\`)`);
    developerRoot = createKeyFile(rootKeyFile, rootFile);
    root = readRootPublicKey(rootFile)!;
  }
  if (options.rootFingerprint !== undefined && options.rootFingerprint !== root.kid) {
    throw new NodeTrustError(`the root public key ${rootFile} is ${root.kid}, not the pinned WARDEN_ROOT_FINGERPRINT ${options.rootFingerprint}`);
  }
  let state;
  try {
    state = keyStreamState(keyEvents, root.publicKey, root.kid);
  } catch (error) {
    throw new NodeTrustError(`${(error as Error).message} (root public key file ${rootFile})`);
  }

  const nodeFile = nodeKeyFile(options.dataDir, options.nodeId);
  const node = readPrivateKey(nodeFile) ?? createKeyFile(nodeFile);
  const kid = node.signer.kid;
  if (state.revoked.has(kid)) {
    throw new NodeTrustError(`this node's key ${kid} (${nodeFile}) was revoked (${state.revoked.get(kid)!.reason}): rotate it with \`warden keys rotate-node --root-key ROOT.key\``);
  }
  if (!state.registered.has(kid)) {
    if (!developerRoot) {
      throw new NodeTrustError(
        `this node's key ${kid} (${nodeFile}) is not registered in the ledger: register it with the root key at hand, ` +
          `\`warden keys register-node --data-dir ${options.dataDir} --node-id ${options.nodeId} --root-key ROOT.key\``,
      );
    }
    await registerNodeKey(store, developerRoot.signer, node.signer, options.nodeId, clock, ids);
  }

  const leftRootKey = developerRootKeyFile(options.dataDir);
  if (developerRoot) {
    notices.push(
      `created the deployment root key ${root.kid}: its PRIVATE key is at ${leftRootKey}. The node does not need it to run. ` +
        'For production, move it offline now (it signs node key registrations only: `warden keys register-node|rotate-node --root-key FILE`), ' +
        `and pin its fingerprint: WARDEN_ROOT_FINGERPRINT=${root.kid} here, \`warden verify --root-fingerprint ${root.kid}\` for auditors.`,
    );
  } else if (existsSync(leftRootKey)) {
    notices.push(`the root private key is still at ${leftRootKey}, beside the ledger it vouches for: move it offline (the node never loads it)`);
  }
  if (options.rootFingerprint === undefined && !developerRoot) {
    notices.push(`root key ${root.kid} is not pinned: set WARDEN_ROOT_FINGERPRINT=${root.kid} so that a replaced root public key stops the node`);
  }
  return { root, node, createdRootKeyFile: developerRoot ? leftRootKey : undefined, notices };
}
