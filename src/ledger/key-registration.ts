import { KEY_REGISTERED_TYPE, KEY_STREAM, toBase64Url, type EventEnvelope, type Signer } from '@warden/ledger';
import type { EventStore } from '@warden/event-store';
import { LedgerWriter } from './ledger-writer';
import type { Clock, IdGenerator } from './clock';

export interface KeyRegisteredData {
  kid: string;
  /** base64url of the raw 32-byte Ed25519 public key */
  publicKey: string;
  role: 'node';
  nodeId: string;
}

/**
 * Node keys are trusted because a KeyRegistered event signed by the deployment's root key says so
 * (DESIGN.md §3). Idempotent: registers the node key once, on the node's first start.
 */
export async function ensureNodeKeyRegistered(
  store: EventStore,
  root: Signer,
  node: Signer,
  nodeId: string,
  clock: Clock,
  ids: IdGenerator,
): Promise<void> {
  const events = await store.readStream(KEY_STREAM);
  const known = events.some((e) => {
    const env = e.data as EventEnvelope<KeyRegisteredData>;
    return env.type === KEY_REGISTERED_TYPE && env.data.kid === node.kid;
  });
  if (known) return;
  const rootWriter = new LedgerWriter(store, root, clock, ids);
  const data: KeyRegisteredData = { kid: node.kid, publicKey: toBase64Url(node.publicKey), role: 'node', nodeId };
  await rootWriter.append(KEY_STREAM, [
    { type: KEY_REGISTERED_TYPE, org: 'platform', actor: { kind: 'system', id: 'root' }, data: data as unknown as Record<string, unknown> },
  ]);
}
