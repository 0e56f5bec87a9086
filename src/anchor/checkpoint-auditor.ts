import {
  consistencyProof,
  MemoryNodeStore,
  MerkleFrontier,
  rfc9162Hasher,
  treeHeadFromNodes,
  verifyConsistency,
  type AuditProblem,
  type EventEnvelope,
} from '@warden/ledger';
import { checkCheckpointEvent, isCheckpointEvent, leafDataOf, sameRoot } from './checkpoint-event';

interface RecomputedLog {
  frontier: MerkleFrontier;
  nodes: MemoryNodeStore;
  last?: { size: number; rootHash: Uint8Array; position: number };
}

/**
 * What `warden verify` checks of the Merkle logs: it recomputes every organisation's tree from
 * the log in commit order (fed only events that verified) and checks each CheckpointSigned
 * against it: the note signed by the registered key that signed the event, its root the tree's
 * root at its size, and each checkpoint consistent with the org's previous one (never smaller).
 * Rows moved across streams, or deleted with the stream table edited to match, change an org's
 * leaf order, so the next checkpoint over them no longer matches (CHECKPOINT_MISMATCH). Rows
 * after an org's last checkpoint are covered by none: that stays undetectable until the next.
 */
export class CheckpointAuditor {
  private readonly logs = new Map<string, RecomputedLog>();
  readonly problems: AuditProblem[] = [];
  checkpoints = 0;

  constructor(private readonly publicKeyOf: (kid: string) => Uint8Array | undefined) {}

  feed(position: number, env: EventEnvelope): void {
    const log = this.logOf(env.org);
    if (isCheckpointEvent(env)) this.checkCheckpoint(position, env);
    log.frontier.append(rfc9162Hasher.hashLeaf(leafDataOf(env)), log.nodes.put);
  }

  private checkCheckpoint(position: number, env: EventEnvelope): void {
    const at = { position, eventId: env.id, stream: env.stream, seq: env.seq };
    const problem = (detail: string) => this.problems.push({ ...at, reason: 'CHECKPOINT_MISMATCH', detail });
    const check = checkCheckpointEvent(env, this.publicKeyOf(env.kid));
    if (!check.ok) return void problem(check.detail);
    const log = this.logOf(check.org);
    if (check.size > log.frontier.size) return void problem(`a checkpoint of ${check.org} at size ${check.size}, but the log has only ${log.frontier.size} of its events before it`);
    const root = treeHeadFromNodes(check.size, log.nodes.fetch);
    if (!sameRoot(root, check.rootHash)) {
      return void problem(`the checkpoint of ${check.org} at size ${check.size} does not match the log recomputed in commit order: events of ${check.org} before it were moved, removed or added`);
    }
    const last = log.last;
    if (last) {
      if (check.size < last.size) return void problem(`the checkpoint of ${check.org} at size ${check.size} follows one at size ${last.size} (position ${last.position}): a rollback`);
      const proof = consistencyProof(last.size, check.size, log.nodes.fetch);
      const consistent = verifyConsistency(last.size, check.size, proof, last.rootHash, check.rootHash);
      if (!consistent.ok) return void problem(`the checkpoint of ${check.org} at size ${check.size} is not consistent with the one at size ${last.size}: ${consistent.detail}`);
    }
    log.last = { size: check.size, rootHash: check.rootHash, position };
    this.checkpoints++;
  }

  private logOf(org: string): RecomputedLog {
    let log = this.logs.get(org);
    if (!log) {
      log = { frontier: MerkleFrontier.empty(), nodes: new MemoryNodeStore() };
      this.logs.set(org, log);
    }
    return log;
  }
}
