import { ConfigError, loadConfig } from '../config/warden-config';

describe('approvals settings', () => {
  it('has safe defaults: 30 s wait, 1 h approvals, no self-approval, no webhook, 7-day trust bound', () => {
    expect(loadConfig({}).approvals).toEqual({ stepUpWaitMs: 30_000, approvalTtlMs: 3_600_000, allowSelfApproval: false, webhookAttempts: 5, webhookBackoffMs: 500, trustMaxAgeMs: 604_800_000 });
  });

  it('takes the webhook with its secret', () => {
    const config = loadConfig({ WARDEN_APPROVAL_WEBHOOK_URL: 'https://hooks.example.com/a', WARDEN_APPROVAL_WEBHOOK_SECRET: 'a-long-enough-secret', WARDEN_STEP_UP_ALLOW_SELF_APPROVAL: 'true' });
    expect(config.approvals).toMatchObject({ webhookUrl: 'https://hooks.example.com/a', webhookSecret: 'a-long-enough-secret', allowSelfApproval: true });
  });

  it.each([
    [{ WARDEN_STEP_UP_WAIT_MS: '-1' }, /WARDEN_STEP_UP_WAIT_MS must be an integer/],
    [{ WARDEN_STEP_UP_APPROVAL_TTL_MS: 'soon' }, /WARDEN_STEP_UP_APPROVAL_TTL_MS/],
    [{ WARDEN_STEP_UP_ALLOW_SELF_APPROVAL: 'yes' }, /must be true or false/],
    [{ WARDEN_APPROVAL_WEBHOOK_URL: 'ftp://x' }, /must be an http\(s\) URL/],
    [{ WARDEN_APPROVAL_WEBHOOK_URL: 'https://hooks.example.com/a' }, /WARDEN_APPROVAL_WEBHOOK_SECRET must be set/],
    [{ WARDEN_APPROVAL_WEBHOOK_URL: 'https://hooks.example.com/a', WARDEN_APPROVAL_WEBHOOK_SECRET: 'short' }, /at least 16/],
    [{ WARDEN_TRUST_MAX_AGE_MS: '10' }, /WARDEN_TRUST_MAX_AGE_MS/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts the webhook secret in its error messages', () => {
    expect(() => loadConfig({ WARDEN_APPROVAL_WEBHOOK_URL: 'https://hooks.example.com/a', WARDEN_APPROVAL_WEBHOOK_SECRET: 'tiny-secret' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('tiny-secret') }));
  });
});
