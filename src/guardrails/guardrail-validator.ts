import { Injectable } from '@nestjs/common';
import { guardrailSetDigest, parseGuardrailSet, type GuardrailIssue, type GuardrailSet } from '@warden/guardrails';
import { WardenError } from '../common/warden-error';
import { ServersReadModel } from '../registry/servers.read-model';
import { GuardrailsReadModel } from './guardrails.read-model';

export interface ValidatedGuardrailSet {
  set: GuardrailSet;
  digest: string;
  warnings: GuardrailIssue[];
  currentVersion: number;
}

/** Shape, ids, detectors, RE2 patterns (libs/guardrails), then scopes against the organisation: another's server is refused, an unknown one a warning. */
@Injectable()
export class GuardrailValidator {
  constructor(
    private readonly servers: ServersReadModel,
    private readonly guardrails: GuardrailsReadModel,
  ) {}

  validate(org: string, input: unknown): ValidatedGuardrailSet {
    const parsed = parseGuardrailSet(input);
    if (!parsed.ok) throw invalid(parsed.issues);
    const errors: GuardrailIssue[] = [];
    const warnings: GuardrailIssue[] = [];
    const ours = this.servers.list(org);
    parsed.set.rules.forEach((rule, index) => {
      if (rule.server === undefined) return;
      const at = `rules[${index}]`;
      const server = ours.find((s) => s.serverId === rule.server || s.slug === rule.server);
      if (!server && this.servers.findForSystem(rule.server)) {
        errors.push({ code: 'GUARDRAILS.FOREIGN_SERVER', path: `${at}.server`, ruleId: rule.id, message: `server ${rule.server} belongs to another organisation` });
      } else if (!server) {
        warnings.push({ code: 'GUARDRAILS.SERVER_UNKNOWN', path: `${at}.server`, ruleId: rule.id, message: `no server ${rule.server} in this organisation: the rule matches nothing yet` });
      } else if (rule.tool !== undefined && !server.tools.has(rule.tool)) {
        warnings.push({ code: 'GUARDRAILS.TOOL_UNKNOWN', path: `${at}.tool`, ruleId: rule.id, message: `no tool ${rule.tool} on ${rule.server}: the rule matches nothing yet` });
      }
    });
    if (errors.length > 0) throw invalid(errors);
    return { set: parsed.set, digest: guardrailSetDigest(parsed.set), warnings, currentVersion: this.guardrails.currentVersion(org)?.version ?? 0 };
  }
}

function invalid(issues: GuardrailIssue[]): WardenError {
  const first = issues[0];
  return new WardenError('bad_request', first.code === 'GUARDRAILS.FOREIGN_SERVER' ? first.code : 'GUARDRAILS.INVALID', `guardrail set refused: ${first.path ? `${first.path}: ` : ''}${first.message}`, { issues });
}
