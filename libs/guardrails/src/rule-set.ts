/** Where a rule looks: the request's arguments, the upstream's result, or both. */
export type GuardrailWhere = 'arguments' | 'results' | 'both';
export type GuardrailAction = 'block' | 'redact' | 'warn';
/** The MCP methods guardrails judge. */
export const GUARDRAIL_METHODS = ['tools/call', 'resources/read', 'prompts/get'] as const;
export type GuardrailMethod = (typeof GUARDRAIL_METHODS)[number];

export interface GuardrailRule {
  id: string;
  /** A built-in detector (secrets, email, …), a group (pii, injection), or `regex` / `keyword`. */
  detector: string;
  /** For `regex`: an RE2 pattern. */
  pattern?: string;
  /** For `regex`: case-insensitive matching. */
  ignoreCase?: boolean;
  /** For `keyword`: whole words, case-insensitive. */
  keywords?: string[];
  /** For `regex` / `keyword`: the `<kind>` in `[REDACTED:<kind>]` (default: the rule id). */
  kind?: string;
  where?: GuardrailWhere;
  /** Default: every method in GUARDRAIL_METHODS. */
  methods?: GuardrailMethod[];
  action: GuardrailAction;
  /** Scope: a server of the organisation (id or slug); with it, optionally one tool. No scope: every server. */
  server?: string;
  tool?: string;
  /** False positives, allowed: exact matched values, or JSON paths (`$.arguments.cc`; a path covers what is below it). */
  except?: { values?: string[]; paths?: string[] };
}

export interface GuardrailSet {
  rules: GuardrailRule[];
  /** What content beyond the size bound gets: `block` (the default) or `skip` (passed unscanned, recorded). */
  oversize?: 'block' | 'skip';
}

export interface GuardrailIssue {
  code: string;
  path: string;
  message: string;
  ruleId?: string;
}
