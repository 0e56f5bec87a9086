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
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
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
