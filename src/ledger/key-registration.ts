import { KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE, KEY_STREAM, toBase64Url, verifyEnvelope, type EventEnvelope, type Signer } from '@warden/ledger';
import type { EventStore, RecordedEvent } from '@warden/event-store';
import { LedgerWriter, type NewLedgerEvent } from './ledger-writer';
import type { Clock, IdGenerator } from './clock';

/** Key stream events (DESIGN.md §3) are written only with the deployment's root key at hand. */
export interface KeyRegisteredData {
  kid: string;
  /** base64url of the raw 32-byte Ed25519 public key */
  publicKey: string;
  role: 'node';
  nodeId: string;
}

export interface KeyRevokedData {
  kid: string;
  reason: string;
  /** The key that replaces it, when the revocation is a rotation. */
  supersededBy?: string;
}

export interface KeyStreamState {
  /** Signer of the stream's first event: the root the ledger was started with. */
  rootKid?: string;
  /** Revision of the stream's last event, -1 when empty. */
  revision: number;
  registered: Map<string, { nodeId: string; position: number }>;
  revoked: Map<string, { reason: string; position: number }>;
}

export class KeyStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyStreamError';
  }
}

/**
 * The key stream as the root signed it. Every event must verify under the given root public key:
 * a key event that does not is an error, never skipped (a forged registration must not pass).
 */
export function keyStreamState(events: RecordedEvent[], rootPublicKey: Uint8Array, rootKid: string): KeyStreamState {
  const state: KeyStreamState = { rootKid: (events[0]?.data as EventEnvelope | undefined)?.kid, revision: events.length - 1, registered: new Map(), revoked: new Map() };
  if (state.rootKid !== undefined && state.rootKid !== rootKid) {
    throw new KeyStreamError(`this ledger's keys were registered by root ${state.rootKid}, but the root public key given is ${rootKid}`);
  }
  for (const recorded of events) {
    const env = recorded.data as EventEnvelope<Record<string, unknown>>;
    const check = verifyEnvelope(env, (kid) => (kid === rootKid ? rootPublicKey : undefined));
    if (!check.ok) {
      throw new KeyStreamError(`${KEY_STREAM}@${recorded.revision} (position ${recorded.position}, id ${recorded.id}) does not verify under the root key ${rootKid}: ${check.reason} — ${check.detail}`);
    }
    if (env.type === KEY_REGISTERED_TYPE) {
      const data = env.data as unknown as KeyRegisteredData;
      state.registered.set(data.kid, { nodeId: data.nodeId, position: recorded.position });
    } else if (env.type === KEY_REVOKED_TYPE) {
      const data = env.data as unknown as KeyRevokedData;
      state.revoked.set(data.kid, { reason: data.reason, position: recorded.position });
    }
  }
  return state;
}

export function readKeyStream(store: EventStore): Promise<RecordedEvent[]> {
  return store.readStream(KEY_STREAM);
}

function keyRegistered(node: { kid: string; publicKey: Uint8Array }, nodeId: string): NewLedgerEvent {
  const data: KeyRegisteredData = { kid: node.kid, publicKey: toBase64Url(node.publicKey), role: 'node', nodeId };
  return { type: KEY_REGISTERED_TYPE, org: 'platform', actor: { kind: 'system', id: 'root' }, data: data as unknown as Record<string, unknown> };
}

function keyRevoked(data: KeyRevokedData): NewLedgerEvent {
  return { type: KEY_REVOKED_TYPE, org: 'platform', actor: { kind: 'system', id: 'root' }, data: data as unknown as Record<string, unknown> };
}

/** Appends root-signed key events at the stream's expected revision (two operators cannot interleave). */
async function appendKeyEvents(store: EventStore, root: Signer, events: NewLedgerEvent[], expectedRevision: number, clock: Clock, ids: IdGenerator): Promise<void> {
  const writer = new LedgerWriter(store, root, clock, ids);
  await writer.append(KEY_STREAM, events, expectedRevision);
}

/** Registers a node key (idempotent: an already registered, unrevoked key is left as it is). */
export async function registerNodeKey(
  store: EventStore,
  root: Signer,
  node: { kid: string; publicKey: Uint8Array },
  nodeId: string,
  clock: Clock,
  ids: IdGenerator,
): Promise<'registered' | 'already-registered'> {
  const state = keyStreamState(await readKeyStream(store), root.publicKey, root.kid);
  if (state.revoked.has(node.kid)) throw new KeyStreamError(`key ${node.kid} was revoked (${state.revoked.get(node.kid)!.reason}); a revoked key is never registered again`);
  if (state.registered.has(node.kid)) return 'already-registered';
  await appendKeyEvents(store, root, [keyRegistered(node, nodeId)], state.revision, clock, ids);
  return 'registered';
}

/** Rotation: the new key registered and the old one revoked, in one append. */
export async function rotateNodeKey(
  store: EventStore,
  root: Signer,
  oldKid: string,
  node: { kid: string; publicKey: Uint8Array },
  nodeId: string,
  clock: Clock,
  ids: IdGenerator,
): Promise<void> {
  const state = keyStreamState(await readKeyStream(store), root.publicKey, root.kid);
  const events = [keyRegistered(node, nodeId)];
  if (state.registered.has(oldKid) && !state.revoked.has(oldKid)) events.push(keyRevoked({ kid: oldKid, reason: 'rotated', supersededBy: node.kid }));
  await appendKeyEvents(store, root, events, state.revision, clock, ids);
}

export async function revokeKey(store: EventStore, root: Signer, kid: string, reason: string, clock: Clock, ids: IdGenerator): Promise<void> {
  const state = keyStreamState(await readKeyStream(store), root.publicKey, root.kid);
  if (!state.registered.has(kid)) throw new KeyStreamError(`no registered key ${kid}`);
  if (state.revoked.has(kid)) throw new KeyStreamError(`key ${kid} is already revoked`);
  await appendKeyEvents(store, root, [keyRevoked({ kid, reason })], state.revision, clock, ids);
}
