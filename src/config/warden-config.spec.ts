import { ConfigError, loadConfig } from './warden-config';

describe('loadConfig', () => {
  it('defaults to the embedded ledger, FULL sync and the signature worker', () => {
    const config = loadConfig({});
    expect(config.eventStoreUrl).toMatch(/^sqlite:.*ledger\.db$/);
    expect(config.sqliteSynchronous).toBe('FULL');
    expect(config.signing).toBe('worker');
  });

  it('takes WARDEN_SIGNING=inline and refuses anything else with a clear message', () => {
    expect(loadConfig({ WARDEN_SIGNING: 'inline' }).signing).toBe('inline');
    expect(() => loadConfig({ WARDEN_SIGNING: 'gpu' })).toThrow(new ConfigError('WARDEN_SIGNING must be one of worker, inline, got "gpu"'));
  });

  it.each([
    ['WARDEN_PORT', '70000'],
    ['WARDEN_SQLITE_SYNCHRONOUS', 'OFF'],
    ['WARDEN_NODE_ID', 'Node 1'],
    ['WARDEN_EVENT_STORE', 'no-scheme'],
    ['WARDEN_UPSTREAM_TIMEOUT_MS', '5'],
    ['WARDEN_EGRESS_ALLOW_PRIVATE', '10.0.0.0/99'],
    ['WARDEN_EGRESS_ALLOW_HTTP_HOSTS', 'http://x/'],
    ['WARDEN_HEALTH_INTERVAL_MS', '-1'],
    ['WARDEN_POOL_SATURATION_ALERT', '1.5'],
    ['WARDEN_POOL_SATURATION_ALERT', '0'],
    ['WARDEN_POOL_MAX_CONCURRENT', '0'],
    ['WARDEN_METRICS_TOKEN', 'short'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });

  it('allows http and private addresses for loopback only by default, and says it is the default', () => {
    expect(loadConfig({})).toMatchObject({ egressAllowHttpHosts: ['127.0.0.1', 'localhost', '::1'], egressAllowPrivate: ['127.0.0.1', 'localhost', '::1'], egressLoopbackDefault: true });
  });

  it('takes the egress settings as given once either is set (empty: https to public addresses only)', () => {
    expect(loadConfig({ WARDEN_EGRESS_ALLOW_HTTP_HOSTS: '' })).toMatchObject({ egressAllowHttpHosts: [], egressAllowPrivate: [], egressLoopbackDefault: false });
    expect(loadConfig({ WARDEN_EGRESS_ALLOW_PRIVATE: '10.1.0.0/16, notes.internal' })).toMatchObject({ egressAllowHttpHosts: [], egressAllowPrivate: ['10.1.0.0/16', 'notes.internal'] });
  });

  it('health checks every 30 s by default (0 turns them off), pool alert at 0.8 of 64', () => {
    expect(loadConfig({})).toMatchObject({ healthIntervalMs: 30000, poolMaxConcurrent: 64, poolSaturationAlert: 0.8, metricsToken: undefined });
    expect(loadConfig({ WARDEN_HEALTH_INTERVAL_MS: '0' }).healthIntervalMs).toBe(0);
  });

  it('keeps the vault KEK outside the data directory: default beside it, and a KEK file inside it refused', () => {
    expect(loadConfig({ WARDEN_DATA_DIR: '/srv/warden/data' }).vaultKekFile).toBe('/srv/warden/data-vault-kek.key');
    expect(loadConfig({ WARDEN_DATA_DIR: '/srv/d', WARDEN_VAULT_KEK_FILE: '/etc/warden/kek' }).vaultKekFile).toBe('/etc/warden/kek');
    expect(() => loadConfig({ WARDEN_DATA_DIR: '/srv/d', WARDEN_VAULT_KEK_FILE: '/srv/d/keys/kek' })).toThrow(/must be outside the data directory/);
    expect(() => loadConfig({ WARDEN_DATA_DIR: '/srv/d', WARDEN_VAULT_KEK_FILE: '/srv/d' })).toThrow(ConfigError);
    expect(loadConfig({ WARDEN_DATA_DIR: '/srv/d', WARDEN_VAULT_KEK_FILE: '/srv/d2/kek' }).vaultKekFile).toBe('/srv/d2/kek');
    expect(() => loadConfig({ WARDEN_VAULT_KEK: 'x', WARDEN_VAULT_KEK_FILE: '/etc/kek' })).toThrow('set WARDEN_VAULT_KEK or WARDEN_VAULT_KEK_FILE, not both');
  });
});
