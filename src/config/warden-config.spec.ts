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
});
