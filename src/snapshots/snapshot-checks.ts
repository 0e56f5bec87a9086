import {
  canonicalJson,
  fromBase64,
  fromHex,
  READ_MODEL_SNAPSHOT_VERSION,
  rfc9162Hasher,
  toBase64,
  verifyInclusion,
  verifyReadModelSnapshot,
  parseSnapshotBody,
  type EventEnvelope,
  type ReadModelSnapshotBody,
  type SignedReadModelSnapshot,
  type SnapshotCheckpointBinding,
} from '@warden/ledger';
import type { EventStore, RecordedEvent } from '@warden/event-store';
import type { StoredSnapshot } from '@warden/snapshot-store';
import { checkCheckpointEvent } from '../anchor/checkpoint-event';
import type { LedgerIntegrity } from '../ledger/ledger-integrity';
import type { LastOfLog, ResumePoint } from '../ledger/read-model-projector';

/** Why a stored snapshot is not used (the node then replays in full). */
export class SnapshotRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotRefusal';
  }
}

/**
 * Everything a stored snapshot must pass before a single read model is restored from it. Checked
 * against the ledger itself, never against the snapshot's own word:
 *  1. signed (SNAPSHOT_SIGNATURE_DOMAIN) by a node key the root registered and has not revoked;
 *  2. it holds exactly the read models this build snapshots;
 *  3. the event at its position P is in the log with the id and hash it names, and verifies on
 *     its own (hash, signature by a key registered before it, not revoked, row);
 *  4. the checkpoint it names is a CheckpointSigned event in the log, after P, with the hash it
 *     names, verified the same way, whose note is signed by that event's (registered) key for the
 *     log of the event at P, with the size and root it names; and the inclusion proof leads from
 *     the event at P (leaf H(0x00 ‖ hash)) to that root: a signed tree head covers P;
 *  5. the keys it lists as registered (and revoked) by P are the ledger key stream's;
 *  6. every other organisation log it names is bound like P's own (see checkLogBindings).
 * The Merkle root is not recomputed over every leaf (that is the history start-up must not
 * read): the proof is O(log n), and every leaf before P in that log is fixed by the same root.
 */
export async function checkSnapshot(
  stored: StoredSnapshot,
  deps: { events: EventStore; integrity: LedgerIntegrity; projections: readonly string[] },
): Promise<ResumePoint> {
  const snapshot = stored.snapshot;
  const parsed = parseSnapshotBody(snapshot);
  if (!parsed) throw new SnapshotRefusal('the stored snapshot is not a JSON object');
  checkSignature(snapshot, parsed.kid, deps.integrity);
  // From here on, every field is as the node signed it.
  const body = parsed as ReadModelSnapshotBody;
  if (body.v !== READ_MODEL_SNAPSHOT_VERSION) throw new SnapshotRefusal(`snapshot version ${String(body.v)}, this build reads ${READ_MODEL_SNAPSHOT_VERSION}`);
  if (stored.position !== body.position) throw new SnapshotRefusal(`stored at position ${stored.position} but its body says ${body.position}`);
  const names = Object.keys(body.projections ?? {}).sort();
  const wanted = [...deps.projections].sort();
  if (canonicalJson(names) !== canonicalJson(wanted)) throw new SnapshotRefusal(`it holds the read models ${names.join(', ')}; this build snapshots ${wanted.join(', ')}`);

  const atP = await eventAt(deps.events, body.position);
  const env = checkLedgerEvent(atP, body.position, body.event?.id, body.event?.hash, 'the event at the snapshot position', deps.integrity);
  if (env.org !== body.event.org) throw new SnapshotRefusal(`the event at position ${body.position} is of ${env.org}, the snapshot says ${body.event.org}`);
  await checkCheckpointBinding(body.checkpoint, env, deps, { after: body.position });
  const logs = await checkLogBindings(body, env, deps);

  const keys = canonicalJson(deps.integrity.keysAsOf(body.position));
  if (canonicalJson(body.keys ?? null) !== keys) throw new SnapshotRefusal(`the node keys it lists as of position ${body.position} are not those of the ledger's key stream`);
  return {
    position: body.position,
    event: { id: env.id, hash: env.hash, org: env.org },
    states: new Map(Object.entries(body.projections)),
    heads: headsOf(body.heads),
    logs: [{ org: env.org, position: body.position, id: env.id, hash: env.hash }, ...logs],
  };
}

function checkSignature(snapshot: SignedReadModelSnapshot, kid: unknown, integrity: LedgerIntegrity): void {
  const publicKey = typeof kid === 'string' ? integrity.publicKeyOf(kid) : undefined;
  if (!publicKey) {
    const why = typeof kid === 'string' && integrity.isRevoked(kid) ? 'which the root has revoked' : 'which is not a node key the root registered';
    throw new SnapshotRefusal(`signed by ${String(kid)}, ${why}`);
  }
  if (!verifyReadModelSnapshot(snapshot, publicKey)) throw new SnapshotRefusal(`its signature does not verify under ${String(kid)} (the snapshot was altered, or not signed by that key)`);
}

/**
 * 6. Every other organisation log it names: the event it names as that log's last at or before P
 *    is in the log, of that organisation, and verifies; and a signed checkpoint of that log
 *    includes it (checked as in 4). Each log once, never P's own (bound in 4).
 */
async function checkLogBindings(body: ReadModelSnapshotBody, atP: EventEnvelope, deps: { events: EventStore; integrity: LedgerIntegrity }): Promise<LastOfLog[]> {
  if (!Array.isArray(body.logs)) throw new SnapshotRefusal('its organisation logs are not a list');
  const seen = new Set<string>([atP.org]);
  const logs: LastOfLog[] = [];
  for (const binding of body.logs) {
    const log = binding?.log;
    if (typeof log !== 'string' || seen.has(log)) throw new SnapshotRefusal(`it binds the log ${String(log)} twice, or a log that is not a name`);
    seen.add(log);
    const last = binding.event;
    if (!last || !Number.isSafeInteger(last.position) || last.position > body.position) throw new SnapshotRefusal(`the last event it names of log ${log} is not at or before the snapshot position ${body.position}`);
    const what = `the last event of log ${log}`;
    const env = checkLedgerEvent(await eventAt(deps.events, last.position), last.position, last.id, last.hash, what, deps.integrity);
    if (env.org !== log) throw new SnapshotRefusal(`${what}: the event at position ${last.position} is of ${env.org}`);
    await checkCheckpointBinding(binding, env, deps, {});
    logs.push({ org: log, position: last.position, id: env.id, hash: env.hash });
  }
  return logs;
}

async function checkCheckpointBinding(
  cp: SnapshotCheckpointBinding | undefined,
  bound: EventEnvelope,
  deps: { events: EventStore; integrity: LedgerIntegrity },
  options: { after?: number },
): Promise<void> {
  if (!cp || typeof cp !== 'object') throw new SnapshotRefusal('it names no checkpoint');
  if (options.after !== undefined && !(cp.eventPosition > options.after)) throw new SnapshotRefusal(`its checkpoint event at position ${cp.eventPosition} is not after the snapshot position ${options.after}`);
  const recorded = await eventAt(deps.events, cp.eventPosition);
  const env = checkLedgerEvent(recorded, cp.eventPosition, cp.eventId, cp.eventHash, `the checkpoint event of log ${String(cp.log)}`, deps.integrity);
  const check = checkCheckpointEvent(env, deps.integrity.publicKeyOf(env.kid));
  if (!check.ok) throw new SnapshotRefusal(`the event at position ${cp.eventPosition} is not a valid signed checkpoint: ${check.detail}`);
  const atP = bound;
  if (check.org !== atP.org || cp.log !== atP.org) throw new SnapshotRefusal(`the checkpoint is of log ${check.org}, the event it binds of ${atP.org}`);
  if (check.note.slice(0, check.note.indexOf('\n')) !== cp.origin) throw new SnapshotRefusal(`the checkpoint's origin is not ${cp.origin}`);
  if (check.size !== cp.size || toBase64(check.rootHash) !== cp.rootHash) throw new SnapshotRefusal(`the checkpoint says size ${check.size}, root ${toBase64(check.rootHash)}; the snapshot ${cp.size}, ${cp.rootHash}`);
  let proof: Uint8Array[];
  try {
    proof = cp.proof.map((p) => fromBase64(p));
  } catch {
    throw new SnapshotRefusal('its inclusion proof is not base64');
  }
  const included = verifyInclusion(rfc9162Hasher.hashLeaf(fromHex(atP.hash)), cp.leafIndex, cp.size, proof, check.rootHash);
  if (!included.ok) {
    const which = options.after !== undefined ? 'the event at the snapshot position' : `the last event of log ${cp.log}`;
    throw new SnapshotRefusal(`${which} is not in the checkpoint's tree: ${included.code} — ${included.detail}`);
  }
}

function checkLedgerEvent(recorded: RecordedEvent | undefined, position: number, id: unknown, hash: unknown, what: string, integrity: LedgerIntegrity): EventEnvelope {
  if (!recorded) throw new SnapshotRefusal(`${what}: the ledger has no event at position ${position}`);
  const env = recorded.data as EventEnvelope;
  if (env?.id !== id || env?.hash !== hash) throw new SnapshotRefusal(`${what}: the ledger's event at position ${position} is ${String(env?.id)} with hash ${String(env?.hash)}, the snapshot names ${String(id)} with hash ${String(hash)}`);
  const problem = integrity.problemOf(recorded);
  if (problem) throw new SnapshotRefusal(`${what} at position ${position} does not verify: ${problem.reason} — ${problem.detail}`);
  return env;
}

async function eventAt(events: EventStore, position: number): Promise<RecordedEvent | undefined> {
  if (!Number.isSafeInteger(position) || position < 1) throw new SnapshotRefusal(`position ${String(position)} is not a log position`);
  const [recorded] = await events.readAll({ fromPosition: position - 1, maxCount: 1 });
  return recorded?.position === position ? recorded : undefined;
}

function headsOf(heads: unknown): Array<[string, { seq: number; hash: string }]> {
  if (!Array.isArray(heads)) throw new SnapshotRefusal('its stream heads are not a list');
  return heads.map((entry) => {
    const [stream, head] = Array.isArray(entry) ? entry : [];
    if (typeof stream !== 'string' || !Number.isSafeInteger(head?.seq) || typeof head?.hash !== 'string') throw new SnapshotRefusal('a stream head is not [stream, { seq, hash }]');
    return [stream, { seq: head.seq, hash: head.hash }];
  });
}
