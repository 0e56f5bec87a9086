import { Injectable } from '@nestjs/common';
import { ContentFilterRegistry, type ResultFilter, type ResultFilterOutcome } from '../gateway/tool-call/content-filters';
import type { CallContext } from '../gateway/tool-call/gate';
import { GuardrailScanner } from './guardrail-scanner';

/** Guardrails on results before the agent sees them: block → withheld (GUARDRAIL.RESULT_WITHHELD), redact → rewritten, warn → flagged. */
@Injectable()
export class GuardrailsResultFilter implements ResultFilter {
  readonly name = 'guardrails';
  readonly methods = ['tools/call', 'resources/read', 'prompts/get'];

  constructor(
    private readonly scanner: GuardrailScanner,
    filters: ContentFilterRegistry,
  ) {
    filters.registerResultFilter(this);
  }

  filter(call: CallContext, result: Record<string, unknown>): ResultFilterOutcome {
    const pass: ResultFilterOutcome = { result, rewritten: false, findings: [] };
    const scan = this.scanner.result(call, result);
    if (scan.kind === 'none') return pass;
    if (scan.kind === 'broken') return { ...pass, withheld: { code: 'GUARDRAIL.SET_UNUSABLE', detail: `guardrail version ${scan.version} cannot be used, so the result is withheld`, rules: [] } };
    const { outcome } = scan;
    if (outcome.oversize) {
      return outcome.oversize.decision === 'block'
        ? { ...pass, withheld: { code: 'GUARDRAIL.RESULT_OVERSIZE', detail: 'the result is too large to scan, so it is withheld', rules: [] } }
        : { ...pass, code: 'GUARDRAIL.OVERSIZE_SKIPPED' };
    }
    const findings = outcome.findings.map(({ detector, rule, action, kind, path }) => ({ detector, rule, action, kind, path }));
    if (outcome.blockedBy) {
      const rules = [...new Set(outcome.findings.filter((f) => f.action === 'block').map((f) => f.rule))];
      return { ...pass, findings, withheld: { code: 'GUARDRAIL.RESULT_WITHHELD', detail: `the result was withheld by guardrail rule ${outcome.blockedBy}`, rules } };
    }
    const flagged = outcome.findings.some((f) => f.action === 'warn');
    return { result: outcome.content as Record<string, unknown>, rewritten: outcome.redacted, findings, ...(flagged ? { code: 'GUARDRAIL.FLAGGED' } : {}) };
  }
}
