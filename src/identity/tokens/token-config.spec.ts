import { ConfigError, loadConfig } from '../../config/warden-config';

describe('capability token configuration', () => {
  it('defaults to 15-minute tokens, at most an hour, audience from the root key', () => {
    expect(loadConfig({}).tokens).toEqual({ defaultTtlSeconds: 900, maxTtlSeconds: 3600, audience: undefined });
  });

  it('caps the default lifetime at the configured maximum and takes an audience', () => {
    expect(loadConfig({ WARDEN_TOKEN_MAX_TTL_SECONDS: '300', WARDEN_TOKEN_AUDIENCE: 'warden:prod' }).tokens).toEqual({ defaultTtlSeconds: 300, maxTtlSeconds: 300, audience: 'warden:prod' });
  });

  it.each([['0'], ['86401'], ['1.5'], ['ten']])('refuses WARDEN_TOKEN_MAX_TTL_SECONDS=%s', (value) => {
    expect(() => loadConfig({ WARDEN_TOKEN_MAX_TTL_SECONDS: value })).toThrow(new ConfigError(`WARDEN_TOKEN_MAX_TTL_SECONDS must be an integer from 1 to 86400, got "${value}"`));
  });

  it('refuses an audience with spaces', () => {
    expect(() => loadConfig({ WARDEN_TOKEN_AUDIENCE: 'my warden' })).toThrow(ConfigError);
  });
});
