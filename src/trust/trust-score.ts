/**
 * The trust score (0–100), a pure function of an agent's recorded behaviour:
 *
 *   score = clamp(base − 4 × denials − 2 × failures, 0, 100)
 *
 * base: the latest admin attestation, or 50 for an agent never attested. denials: its calls
 * decided `deny` among its last TRUST_WINDOW recorded calls since that attestation; failures:
 * its calls that ended in ToolCallFailed among the same window. An attestation starts a new
 * window (it is a fresh judgement). Guardrail findings will add a penalty here (`findings`).
 */
export const TRUST_WINDOW = 100;
export const UNATTESTED_BASE = 50;
export const DENIAL_PENALTY = 4;
export const FAILURE_PENALTY = 2;
export const FINDING_PENALTY = 0; // hook: guardrail findings, once they exist

export type CallMark = 'ok' | 'denied' | 'failed';

export interface TrustInputs {
  base: number;
  attested: boolean;
  calls: number;
  denials: number;
  failures: number;
  findings: number;
}

export function trustScore(inputs: TrustInputs): number {
  const raw = inputs.base - DENIAL_PENALTY * inputs.denials - FAILURE_PENALTY * inputs.failures - FINDING_PENALTY * inputs.findings;
  return Math.max(0, Math.min(100, Math.round(raw)));
}

/** The last TRUST_WINDOW calls of one agent, with running counts (O(1) per event, also during replay). */
export class CallWindow {
  private readonly marks: CallMark[] = [];
  private readonly index = new Map<string, number>();
  private start = 0;
  denials = 0;
  failures = 0;

  get size(): number {
    return this.marks.length - this.start;
  }

  decided(callId: string, denied: boolean): void {
    this.index.set(callId, this.marks.length);
    this.marks.push(denied ? 'denied' : 'ok');
    if (denied) this.denials++;
    if (this.size > TRUST_WINDOW) this.dropOldest();
  }

  failed(callId: string): void {
    const at = this.index.get(callId);
    if (at === undefined || at < this.start || this.marks[at] !== 'ok') return;
    this.marks[at] = 'failed';
    this.failures++;
  }

  /** The live window only (older marks no longer count), as a snapshot keeps it. */
  state(): { marks: CallMark[]; index: Array<[string, number]>; denials: number; failures: number } {
    const index: Array<[string, number]> = [];
    for (const [id, at] of this.index) if (at >= this.start) index.push([id, at - this.start]);
    return { marks: this.marks.slice(this.start), index, denials: this.denials, failures: this.failures };
  }

  static fromState(state: { marks: CallMark[]; index: Array<[string, number]>; denials: number; failures: number }): CallWindow {
    const window = new CallWindow();
    window.marks.push(...state.marks);
    for (const [id, at] of state.index) window.index.set(id, at);
    window.denials = state.denials;
    window.failures = state.failures;
    return window;
  }

  private dropOldest(): void {
    const mark = this.marks[this.start++];
    if (mark === 'denied') this.denials--;
    if (mark === 'failed') this.failures--;
    if (this.start > TRUST_WINDOW * 4) {
      // Compact: keep the live window only.
      const live = this.marks.slice(this.start);
      const shift = this.start;
      this.marks.length = 0;
      this.marks.push(...live);
      for (const [id, at] of this.index) {
        if (at < shift) this.index.delete(id);
        else this.index.set(id, at - shift);
      }
      this.start = 0;
    }
  }
}
