import { Inject, Injectable } from '@nestjs/common';
import { scanContent, type ScanOutcome, type ScanTarget } from '@warden/guardrails';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import type { CallContext } from '../gateway/tool-call/gate';
import { GuardrailsReadModel } from './guardrails.read-model';

/** What the organisation's guardrails make of one payload. */
export type GuardrailScan = { kind: 'none' } | { kind: 'broken'; version: number } | { kind: 'scanned'; version: number; outcome: ScanOutcome };

/**
 * Scans a call's arguments or an upstream's result with the set in force for the agent's
 * organisation. The scan of a call's arguments is kept for that call (the gate judges it, the
 * argument filter rewrites from it), so arguments are walked once.
 */
@Injectable()
export class GuardrailScanner {
  private readonly argumentScans = new WeakMap<CallContext, GuardrailScan>();

  constructor(
    private readonly guardrails: GuardrailsReadModel,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
  ) {}

  arguments(call: CallContext): GuardrailScan {
    let scan = this.argumentScans.get(call);
    if (!scan) {
      scan = this.scan(call, 'arguments', call.arguments ?? {}, '$.arguments');
      this.argumentScans.set(call, scan);
    }
    return scan;
  }

  result(call: CallContext, result: unknown): GuardrailScan {
    return this.scan(call, 'results', result, '$');
  }

  private scan(call: CallContext, where: ScanTarget['where'], content: unknown, root: string): GuardrailScan {
    const inForce = this.guardrails.current(call.agent.orgId);
    if (!inForce) return { kind: 'none' };
    if (inForce.kind === 'broken') return { kind: 'broken', version: inForce.version };
    const target: ScanTarget = {
      method: call.method,
      where,
      ...(call.server ? { serverId: call.server.serverId, serverSlug: call.server.slug } : {}),
      ...(call.toolName !== undefined ? { tool: call.toolName } : {}),
    };
    return { kind: 'scanned', version: inForce.compiled.version, outcome: scanContent(inForce.compiled, target, content, root, { maxBytes: this.config.guardrailsMaxBytes }) };
  }
}
