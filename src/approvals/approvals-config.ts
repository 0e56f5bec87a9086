/** Step-up approvals' and trust's settings (WARDEN_STEP_UP_*, WARDEN_APPROVAL_WEBHOOK_*, WARDEN_TRUST_*), parsed once at start-up. */
export interface ApprovalsConfig {
  /** WARDEN_STEP_UP_WAIT_MS: how long an agent's request waits for an approver (default 30 s; 0 = answer pending at once). */
  stepUpWaitMs: number;
  /** WARDEN_STEP_UP_APPROVAL_TTL_MS: an approval request (and an approval not yet used) expires after this (default 1 h). */
  approvalTtlMs: number;
  /** WARDEN_STEP_UP_ALLOW_SELF_APPROVAL: the agent's owner may approve its calls (default false). */
  allowSelfApproval: boolean;
  /** WARDEN_APPROVAL_WEBHOOK_URL: approvers are told of each request there (signed); unset = no webhook. */
  webhookUrl?: string;
  /** WARDEN_APPROVAL_WEBHOOK_SECRET: the HMAC-SHA256 key of the webhook's signature (required with the URL). */
  webhookSecret?: string;
  /** WARDEN_APPROVAL_WEBHOOK_ATTEMPTS: attempts per notification, with exponential back-off (default 5). */
  webhookAttempts: number;
  /** WARDEN_APPROVAL_WEBHOOK_BACKOFF_MS: the first back-off (doubled per attempt; default 500 ms). */
  webhookBackoffMs: number;
  /** WARDEN_TRUST_MAX_AGE_MS: a trust score not updated for longer is stale, and a rule that reads it denies (default 7 days). */
  trustMaxAgeMs: number;
}

const DAY_MS = 86_400_000;

/** Throws an Error naming the variable and what it must be (loadConfig turns it into a ConfigError). */
export function approvalsConfigFrom(env: NodeJS.ProcessEnv): ApprovalsConfig {
  const webhookUrl = nonEmpty(env.WARDEN_APPROVAL_WEBHOOK_URL);
  const webhookSecret = nonEmpty(env.WARDEN_APPROVAL_WEBHOOK_SECRET);
  if (webhookUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(webhookUrl);
    } catch {
      throw new Error(`WARDEN_APPROVAL_WEBHOOK_URL must be an http(s) URL, got "${webhookUrl}"`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`WARDEN_APPROVAL_WEBHOOK_URL must be an http(s) URL, got "${webhookUrl}"`);
    if (webhookSecret === undefined || webhookSecret.length < 16) throw new Error('WARDEN_APPROVAL_WEBHOOK_SECRET must be set (at least 16 characters) when WARDEN_APPROVAL_WEBHOOK_URL is');
  }
  return {
    stepUpWaitMs: int(env, 'WARDEN_STEP_UP_WAIT_MS', 30_000, 0, 600_000),
    approvalTtlMs: int(env, 'WARDEN_STEP_UP_APPROVAL_TTL_MS', 3_600_000, 1_000, 30 * DAY_MS),
    allowSelfApproval: bool(env, 'WARDEN_STEP_UP_ALLOW_SELF_APPROVAL'),
    ...(webhookUrl !== undefined ? { webhookUrl, webhookSecret } : {}),
    webhookAttempts: int(env, 'WARDEN_APPROVAL_WEBHOOK_ATTEMPTS', 5, 1, 20),
    webhookBackoffMs: int(env, 'WARDEN_APPROVAL_WEBHOOK_BACKOFF_MS', 500, 1, 60_000),
    trustMaxAgeMs: int(env, 'WARDEN_TRUST_MAX_AGE_MS', 7 * DAY_MS, 1_000, 365 * DAY_MS),
  };
}

const nonEmpty = (raw: string | undefined) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim());

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}
