import { signCheckpoint } from '../../checkpoint/checkpoint';
import { cosignatureV1Signer, cosignCheckpoint } from '../../checkpoint/cosignature';
import { formatVerifierKey, ed25519NoteSigner, NOTE_SIG_COSIGNATURE_V1 } from '../../checkpoint/note-keys';
import { toBase64 } from '../../checkpoint/base64';
import type { EventEnvelope } from '../../envelope';
import { fromHex, toBase64Url } from '../../hashing';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from '../../keys';
import { KEY_REGISTERED_TYPE, KEY_STREAM } from '../../key-events';
import { newPayloadSalt, payloadDigest } from '../../payload-digest';
import { MerkleFrontier } from '../../merkle/frontier';
import { rfc9162Hasher } from '../../merkle/default-hasher';
import { chainHeadAfter, sealEvent } from '../../seal';
import { buildExportBundle, type ExportPayload } from '../build-export-bundle';
import type { BundleCheckpointLine } from '../bundle-format';

/** Test-only: a small signed ledger of one organisation with checkpoints and a witness, and its bundle. */
export interface LedgerFixture {
  root: Signer;
  node: Signer;
  witness: { vkey: string; signer: ReturnType<typeof cosignatureV1Signer> };
  org: string;
  origin: string;
  orgEvents: EventEnvelope[];
  keyEvents: EventEnvelope[];
  checkpoints: BundleCheckpointLine[];
  payloads: Map<string, ExportPayload>;
}

let counter = 0;
const id = (): string => `019ad000-0000-7000-8000-${(++counter).toString(16).padStart(12, '0')}`;
const time = (n: number): string => `${new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString().slice(0, 19)}.000000Z`;

/** `calls` tool-call events over two streams, a checkpoint after every `every` org events (each itself a leaf), one erased payload. */
export function ledgerFixture(options: { calls?: number; every?: number } = {}): LedgerFixture {
  const calls = options.calls ?? 12;
  const every = options.every ?? 5;
  const root = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const node = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const witnessPair = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const witnessSigner = cosignatureV1Signer('witness.example/w1', witnessPair, () => 1_764_000_000);
  const org = 'acme';
  const origin = `warden.test/${org}`;
  const heads = new Map<string, EventEnvelope>();
  let clock = 0;
  const seal = (stream: string, type: string, data: Record<string, unknown>, signer: Signer, orgId = org, payload?: { digest: string }): EventEnvelope => {
    const env = sealEvent({ id: id(), type, stream, org: orgId, at: time(clock++), actor: { kind: 'node', id: 'node-1' }, data, payload: payload ?? null }, chainHeadAfter(heads.get(stream)), signer);
    heads.set(stream, env);
    return env;
  };
  const keyEvents = [seal(KEY_STREAM, KEY_REGISTERED_TYPE, { kid: node.kid, publicKey: toBase64Url(node.publicKey), role: 'node', nodeId: 'node-1' }, root, 'platform')];
  const orgEvents: EventEnvelope[] = [];
  const checkpoints: BundleCheckpointLine[] = [];
  const payloads = new Map<string, ExportPayload>();
  const frontier = MerkleFrontier.empty();
  const push = (env: EventEnvelope): void => {
    orgEvents.push(env);
    frontier.append(rfc9162Hasher.hashLeaf(fromHex(env.hash)));
  };
  const checkpoint = (): void => {
    const size = frontier.size;
    let note = signCheckpoint({ origin, size, rootHash: frontier.root(), extensions: [] }, [ed25519NoteSigner(origin, node)]);
    const env = seal(`checkpoints-${org}`, 'CheckpointSigned', { org, size, root: toBase64(frontier.root()), note }, node);
    note = cosignCheckpoint(note, witnessSigner);
    checkpoints.push({ size, eventId: env.id, note });
    push(env);
  };
  for (let i = 0; i < calls; i++) {
    const stream = i % 2 === 0 ? `calls-${org}-node-1` : `agent-a${i % 3}`;
    const content = { arguments: { q: `query ${i}` } };
    const salt = newPayloadSalt();
    const env = seal(stream, 'ToolCallDecided', { tool: 'search', decision: 'allow', n: i }, node, org, i % 3 === 0 ? { digest: payloadDigest(salt, content) } : undefined);
    if (env.payload) payloads.set(env.id, { state: 'present', content, salt });
    push(env);
    if ((orgEvents.length + 1) % every === 0) checkpoint();
  }
  const erasedId = orgEvents.find((e) => e.payload)!.id;
  const erasure = seal(`erasure-${org}`, 'PayloadsErased', { eventIds: [erasedId], reason: 'request #1' }, node);
  push(erasure);
  payloads.set(erasedId, { state: 'erased', erasure });
  checkpoint();
  return {
    root,
    node,
    witness: { vkey: formatVerifierKey('witness.example/w1', NOTE_SIG_COSIGNATURE_V1, witnessPair.publicKey), signer: witnessSigner },
    org,
    origin,
    orgEvents,
    keyEvents,
    checkpoints,
    payloads,
  };
}

export function bundleOf(fixture: LedgerFixture, overrides: { from?: string; to?: string; includePayloads?: boolean } = {}): Record<string, string> {
  return buildExportBundle({
    org: fixture.org,
    origin: fixture.origin,
    rootPublicKey: fixture.root.publicKey,
    createdAt: '2026-12-01T12:00:00.000000Z',
    range: { from: overrides.from, to: overrides.to },
    orgEvents: fixture.orgEvents,
    keyEvents: fixture.keyEvents,
    checkpoints: fixture.checkpoints,
    includePayloads: overrides.includePayloads ?? true,
    payloads: fixture.payloads,
    signer: fixture.node,
  }).files;
}

export { time as fixtureTime };
