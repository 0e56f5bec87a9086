import { Injectable } from '@nestjs/common';
import type { CallContext, ContentFinding, GateVerdict } from './gate';

/** What an argument filter gives the pipeline: the arguments to forward (rewritten, or the same object). */
export interface ArgumentFilterOutcome {
  arguments: Record<string, unknown>;
  rewritten: boolean;
  /** For a method no gate judges (a prompt's arguments): the filter's own verdicts (a deny refuses the request). */
  verdicts?: GateVerdict[];
}

/** What a result filter gives the pipeline: the result the agent sees, or a refusal to hand it over. */
export interface ResultFilterOutcome {
  result: Record<string, unknown>;
  rewritten: boolean;
  findings: ContentFinding[];
  /** The result is withheld: the agent gets this error instead (a code and the rule ids, never the content). */
  withheld?: { code: string; detail: string; rules: string[] };
  /** A code for a flagged (passed) result. */
  code?: string;
}

/** Rewrites a call's arguments after the gates allowed it and before it is forwarded. */
export interface ArgumentFilter {
  readonly name: string;
  readonly methods: readonly string[];
  filter(call: CallContext, args: Record<string, unknown>): ArgumentFilterOutcome;
}

/** Judges and rewrites an upstream's result before the agent sees it. */
export interface ResultFilter {
  readonly name: string;
  readonly methods: readonly string[];
  filter(call: CallContext, result: Record<string, unknown>): ResultFilterOutcome;
}

/**
 * The content hooks of the pipeline, beside the GateRegistry: filters a capability module
 * registers (guardrails) run on arguments before the upstream and on results before the agent.
 */
@Injectable()
export class ContentFilterRegistry {
  private readonly argumentFilters: ArgumentFilter[] = [];
  private readonly resultFilters: ResultFilter[] = [];

  registerArgumentFilter(filter: ArgumentFilter): void {
    if (this.argumentFilters.some((f) => f.name === filter.name)) throw new Error(`argument filter ${filter.name} registered twice`);
    this.argumentFilters.push(filter);
  }

  registerResultFilter(filter: ResultFilter): void {
    if (this.resultFilters.some((f) => f.name === filter.name)) throw new Error(`result filter ${filter.name} registered twice`);
    this.resultFilters.push(filter);
  }

  /** Every argument filter of the method in turn; each sees the previous one's arguments. */
  filterArguments(call: CallContext, args: Record<string, unknown>): ArgumentFilterOutcome {
    let current: ArgumentFilterOutcome = { arguments: args, rewritten: false };
    for (const f of this.argumentFilters) {
      if (!f.methods.includes(call.method)) continue;
      const next = f.filter(call, current.arguments);
      const verdicts = [...(current.verdicts ?? []), ...(next.verdicts ?? [])];
      current = { arguments: next.arguments, rewritten: current.rewritten || next.rewritten, ...(verdicts.length > 0 ? { verdicts } : {}) };
    }
    return current;
  }

  /** Every result filter of the method in turn; the first withholding stops the chain. */
  filterResult(call: CallContext, result: Record<string, unknown>): ResultFilterOutcome {
    let current: ResultFilterOutcome = { result, rewritten: false, findings: [] };
    for (const f of this.resultFilters) {
      if (!f.methods.includes(call.method)) continue;
      const next = f.filter(call, current.result);
      current = { ...next, rewritten: current.rewritten || next.rewritten, findings: [...current.findings, ...next.findings], code: next.code ?? current.code };
      if (current.withheld) break;
    }
    return current;
  }
}
