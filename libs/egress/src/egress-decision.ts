/** Why an egress target is refused: stable codes, safe to record and to show. */
export type EgressReason =
  | 'EGRESS.INVALID_URL'
  | 'EGRESS.SCHEME'
  | 'EGRESS.CREDENTIALS'
  | 'EGRESS.METADATA'
  | 'EGRESS.BLOCKED_HOST'
  | 'EGRESS.BLOCKED_ADDRESS'
  | 'EGRESS.HTTP_NOT_ALLOWED'
  | 'EGRESS.TOO_MANY_REDIRECTS';

export interface EgressAllowed {
  allowed: true;
  /** The URL as parsed and normalised: use this one, not the raw text. */
  url: URL;
  /** The host as the connection will name it (lower case, no trailing dot, IPv6 without brackets). */
  host: string;
  /** Set when the host is an address literal; a name is checked again at connect time (checkedLookup). */
  address?: string;
}

export interface EgressRefused {
  allowed: false;
  reason: EgressReason;
  detail: string;
}

export type EgressDecision = EgressAllowed | EgressRefused;

/** A refusal as an error (lookups, connects, redirects); `code` is the reason. */
export class EgressError extends Error {
  readonly code: EgressReason;
  constructor(readonly decision: EgressRefused) {
    super(`${decision.reason}: ${decision.detail}`);
    this.name = 'EgressError';
    this.code = decision.reason;
  }
}

export function refused(reason: EgressReason, detail: string): EgressRefused {
  return { allowed: false, reason, detail };
}
