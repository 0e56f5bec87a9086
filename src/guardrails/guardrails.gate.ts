import { Injectable } from '@nestjs/common';
import type { GuardrailFinding } from '@warden/guardrails';
import type { GuardrailScan } from './guardrail-scanner';
import { ContentFilterRegistry, type ArgumentFilter, type ArgumentFilterOutcome } from '../gateway/tool-call/content-filters';
import type { CallContext, Decision, Gate, GateVerdict } from '../gateway/tool-call/gate';
import { GateRegistry } from '../gateway/tool-call/gate-registry';
import { GuardrailScanner } from './guardrail-scanner';

const DECISION_OF: Record<GuardrailFinding['action'], { decision: Decision; code: string }> = {
  block: { decision: 'deny', code: 'GUARDRAIL.BLOCKED' },
  warn: { decision: 'observe', code: 'GUARDRAIL.FLAGGED' },
  redact: { decision: 'allow', code: 'GUARDRAIL.REDACTED' },
};

/**
 * Guardrails on a tool call's arguments: a gate (block → deny GUARDRAIL.BLOCKED naming the rule;
 * warn → observe GUARDRAIL.FLAGGED; oversize → the set's decision) and an argument filter that
 * forwards the redacted arguments. Both read the same scan. A prompt's arguments (prompts/get,
 * which no gate judges) get the filter alone, with the verdict it would have given as a gate.
 */
@Injectable()
export class GuardrailsGate implements Gate {
  readonly name = 'guardrails';
  readonly methods = ['tools/call'];

  constructor(
    private readonly scanner: GuardrailScanner,
    gates: GateRegistry,
    filters: ContentFilterRegistry,
  ) {
    gates.register(this);
    const filter: ArgumentFilter = { name: this.name, methods: ['tools/call', 'prompts/get'], filter: (call, args) => this.filter(call, args) };
    filters.registerArgumentFilter(filter);
  }

  evaluate(call: CallContext): GateVerdict {
    if (!call.tool) return { decision: 'allow', gate: this.name, code: 'GATE.NOT_APPLICABLE' };
    return this.verdictOf(this.scanner.arguments(call));
  }

  private verdictOf(scan: GuardrailScan): GateVerdict {
    if (scan.kind === 'none') return { decision: 'allow', gate: this.name, code: 'GUARDRAIL.NONE' };
    if (scan.kind === 'broken') return { decision: 'deny', gate: this.name, code: 'GUARDRAIL.SET_UNUSABLE', detail: `guardrail version ${scan.version} cannot be used, so guarded calls are refused` };
    const { outcome } = scan;
    if (outcome.oversize) {
      const { decision, reason, bytes } = outcome.oversize;
      return decision === 'block'
        ? { decision: 'deny', gate: this.name, code: 'GUARDRAIL.OVERSIZE', detail: `the arguments are too ${reason === 'bytes' ? `large to scan (${bytes} bytes)` : 'deeply nested to scan'}` }
        : { decision: 'observe', gate: this.name, code: 'GUARDRAIL.OVERSIZE_SKIPPED', detail: 'the arguments were not scanned (oversize: skip)' };
    }
    const matches = uniqueRules(outcome.findings).map((f) => ({ rule: f.rule, ...DECISION_OF[f.action] }));
    const findings = outcome.findings.map(({ detector, rule, action, kind, path }) => ({ detector, rule, action, kind, path }));
    const strongest = (['block', 'warn', 'redact'] as const).find((a) => outcome.findings.some((f) => f.action === a));
    if (!strongest) return { decision: 'allow', gate: this.name, code: 'GUARDRAIL.CLEAN' };
    const { decision, code } = DECISION_OF[strongest];
    const first = outcome.findings.find((f) => f.action === strongest)!;
    const detail = strongest === 'block' ? `refused by guardrail rule ${first.rule}: ${first.kind} in ${first.path}` : undefined;
    return { decision, gate: this.name, code, ...(detail ? { detail } : {}), matches, findings };
  }

  private filter(call: CallContext, args: Record<string, unknown>): ArgumentFilterOutcome {
    if (call.method === 'tools/call' && !call.tool) return { arguments: args, rewritten: false };
    const scan = this.scanner.arguments(call);
    const verdicts = call.method === 'tools/call' ? undefined : [this.verdictOf(scan)];
    const refused = verdicts?.[0].decision === 'deny';
    if (scan.kind !== 'scanned' || !scan.outcome.redacted || refused) return { arguments: args, rewritten: false, ...(verdicts ? { verdicts } : {}) };
    return { arguments: scan.outcome.content as Record<string, unknown>, rewritten: true, ...(verdicts ? { verdicts } : {}) };
  }
}

function uniqueRules(findings: GuardrailFinding[]): GuardrailFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.rule) && seen.add(f.rule));
}
