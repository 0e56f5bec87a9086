import { Injectable } from '@nestjs/common';
import { compilePolicySet, diffPolicySets, parsePolicySet, policySetDigest, type PolicyDiff, type PolicyIssue, type PolicySet } from '@warden/policy';
import { WardenError } from '../common/warden-error';
import { AgentsReadModel } from '../agents/agents.read-model';
import { ServersReadModel } from '../registry/servers.read-model';
import { PoliciesReadModel } from './policies.read-model';

export interface ValidatedPolicySet {
  set: PolicySet;
  digest: string;
  warnings: PolicyIssue[];
  diff: PolicyDiff;
  currentVersion: number;
}

/**
 * Everything a set must pass before it is applied: its shape (unknown keys refused), unique rule
 * ids, every condition compiled (errors with rule id and position), and its names checked against
 * the organisation: another organisation's server is refused; an unknown server, tool or agent is a warning.
 */
@Injectable()
export class PolicyValidator {
  constructor(
    private readonly servers: ServersReadModel,
    private readonly agents: AgentsReadModel,
    private readonly policies: PoliciesReadModel,
  ) {}

  validate(org: string, input: unknown): ValidatedPolicySet {
    const parsed = parsePolicySet(input);
    if (!parsed.ok) throw invalid(parsed.issues);
    const set = parsed.set;
    const digest = policySetDigest(set);
    const compiled = compilePolicySet(set, { version: 0, digest });
    if (!compiled.ok) throw invalid(compiled.issues);

    const errors: PolicyIssue[] = [];
    const warnings: PolicyIssue[] = [];
    const ours = this.servers.list(org);
    set.rules.forEach((rule, index) => {
      const at = `rules[${index}]`;
      let candidates = ours;
      if (rule.server !== undefined) {
        const server = ours.find((s) => s.serverId === rule.server || s.slug === rule.server);
        if (!server && this.servers.findForSystem(rule.server)) {
          errors.push({ code: 'POLICY.FOREIGN_SERVER', path: `${at}.server`, ruleId: rule.id, message: `server ${rule.server} belongs to another organisation` });
          return;
        }
        if (!server) warnings.push({ code: 'POLICY.SERVER_UNKNOWN', path: `${at}.server`, ruleId: rule.id, message: `no server ${rule.server} in this organisation: the rule matches nothing yet` });
        candidates = server ? [server] : [];
      }
      if (rule.tool !== undefined && candidates.length > 0 && !candidates.some((s) => s.tools.has(rule.tool!))) {
        warnings.push({ code: 'POLICY.TOOL_UNKNOWN', path: `${at}.tool`, ruleId: rule.id, message: `no tool ${rule.tool} on ${rule.server ?? 'any server of this organisation'}: the rule matches nothing yet` });
      }
      if (rule.agent !== undefined && !this.agents.list(org).some((a) => a.agentId === rule.agent || a.name === rule.agent)) {
        warnings.push({ code: 'POLICY.AGENT_UNKNOWN', path: `${at}.agent`, ruleId: rule.id, message: `no agent ${rule.agent} in this organisation: the rule matches nothing yet` });
      }
    });
    if (errors.length > 0) throw invalid(errors);
    const current = this.policies.currentVersion(org);
    return { set, digest, warnings, diff: diffPolicySets(current?.set, set), currentVersion: current?.version ?? 0 };
  }
}

function invalid(issues: PolicyIssue[]): WardenError {
  const first = issues[0];
  return new WardenError('bad_request', first.code === 'POLICY.FOREIGN_SERVER' ? first.code : 'POLICY.INVALID', `policy set refused: ${first.path ? `${first.path}: ` : ''}${first.message}`, { issues });
}
