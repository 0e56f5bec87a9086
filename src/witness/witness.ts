import { decideWitnessCheckpoint, type WitnessDecision, type WitnessedState } from '@warden/ledger';
import type { WitnessIdentity, WitnessedLogConfig, WitnessStateFile } from './witness-files';

export type WitnessOutcome = WitnessDecision | { ok: false; code: 'WITNESS.UNKNOWN_LOG'; detail: string; recordedSize: 0 };

/**
 * The witness: for a checkpoint of a log it follows, decide (libs/ledger), and when it cosigns,
 * record the new size and root durably BEFORE the cosignature leaves. One decision at a time, so
 * two requests for one log cannot both start from the same recorded size.
 */
export class Witness {
  private readonly logs: Map<string, WitnessedLogConfig>;
  private readonly states: Map<string, WitnessedState>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly identity: WitnessIdentity,
    logs: readonly WitnessedLogConfig[],
    private readonly stateFile: WitnessStateFile,
  ) {
    this.logs = new Map(logs.map((l) => [l.origin, l]));
    this.states = stateFile.read();
  }

  log(origin: string): WitnessedLogConfig | undefined {
    return this.logs.get(origin);
  }

  recorded(origin: string): WitnessedState | undefined {
    return this.states.get(origin);
  }

  /** tlog-witness add-checkpoint: `oldSize` and its proof, the signed checkpoint note. */
  add(origin: string, oldSize: number, proof: readonly Uint8Array[], note: string): Promise<WitnessOutcome> {
    const run = this.queue.then(() => this.decide(origin, oldSize, proof, note));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private decide(origin: string, oldSize: number, proof: readonly Uint8Array[], note: string): WitnessOutcome {
    const log = this.logs.get(origin);
    if (!log) return { ok: false, code: 'WITNESS.UNKNOWN_LOG', detail: `this witness does not follow the log ${JSON.stringify(origin.slice(0, 200))}`, recordedSize: 0 };
    const decision = decideWitnessCheckpoint({ log: log.verifier, origin: log.origin, recorded: this.states.get(origin), oldSize, proof, note }, this.identity.signer);
    if (decision.ok) {
      const next = new Map(this.states);
      next.set(origin, decision.next);
      this.stateFile.write(next);
      this.states.set(origin, decision.next);
    }
    return decision;
  }
}

/** The origin line of a note (its first line), for routing before anything is verified. */
export function originOf(note: string): string {
  const end = note.indexOf('\n');
  return end < 0 ? note : note.slice(0, end);
}
