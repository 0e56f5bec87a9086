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

describe('loadConfig: Merkle checkpoints', () => {
  const witness = 'witness.example/w1+8e0adf03+BM2Xe7akWuUKbDefId+7J/KVvXm35t1buxhlGirgBNuI';

  it('defaults to every 1,000 events or 10 s, no origin override, no witnesses', () => {
    expect(loadConfig({}).checkpoints).toEqual({ everyEvents: 1000, everyMs: 10_000, logOrigin: undefined, witnessKeys: [], witnessUrls: [] });
  });

  it('refuses an origin a note key name cannot carry (spaces, plus signs)', () => {
    expect(() => loadConfig({ WARDEN_LOG_ORIGIN: 'my log' })).toThrow(ConfigError);
    expect(() => loadConfig({ WARDEN_LOG_ORIGIN: 'a+b' })).toThrow(/WARDEN_LOG_ORIGIN/);
    expect(loadConfig({ WARDEN_LOG_ORIGIN: 'warden.example.com/prod' }).checkpoints.logOrigin).toBe('warden.example.com/prod');
  });

  it('takes cosignature/v1 witness keys and refuses anything else at start', () => {
    expect(() => loadConfig({ WARDEN_WITNESS_KEYS: 'not-a-key' })).toThrow(/WARDEN_WITNESS_KEYS: "not-a-key"/);
    // A plain Ed25519 note key (type 0x01) is a log's key, not a witness's.
    expect(() => loadConfig({ WARDEN_WITNESS_KEYS: 'log.example+cbe5035b+Ac2Xe7akWuUKbDefId+7J/KVvXm35t1buxhlGirgBNuI' })).toThrow(/not a cosignature\/v1 key/);
    expect(loadConfig({ WARDEN_WITNESS_KEYS: ` ${witness} ` }).checkpoints.witnessKeys).toEqual([witness]);
  });

  it('takes witness add-checkpoint URLs only with witness keys, http(s) and without credentials', () => {
    expect(loadConfig({ WARDEN_WITNESS_KEYS: witness, WARDEN_WITNESS_URLS: 'http://127.0.0.1:7431/add-checkpoint, https://w.example/add-checkpoint' }).checkpoints.witnessUrls).toEqual([
      'http://127.0.0.1:7431/add-checkpoint',
      'https://w.example/add-checkpoint',
    ]);
    expect(() => loadConfig({ WARDEN_WITNESS_URLS: 'https://w.example/add-checkpoint' })).toThrow(/needs WARDEN_WITNESS_KEYS/);
    expect(() => loadConfig({ WARDEN_WITNESS_KEYS: witness, WARDEN_WITNESS_URLS: 'ftp://w.example/' })).toThrow(/must be an http\(s\) URL/);
    expect(() => loadConfig({ WARDEN_WITNESS_KEYS: witness, WARDEN_WITNESS_URLS: 'https://user:pw@w.example/' })).toThrow(/carries no credentials/);
    expect(() => loadConfig({ WARDEN_WITNESS_KEYS: witness, WARDEN_WITNESS_URLS: 'not a url' })).toThrow(/is not a URL/);
  });

  it("accepts the gateway's own loopback origins by default, and only what is configured otherwise", () => {
    expect(loadConfig({ WARDEN_PORT: '7420' }).allowedOrigins).toEqual(
      expect.arrayContaining(['http://127.0.0.1:7420', 'http://localhost:7420', 'http://[::1]:7420', 'http://localhost']),
    );
    expect(loadConfig({ WARDEN_PORT: '7420' }).allowedOrigins).not.toContain('http://evil.example');
    expect(loadConfig({ WARDEN_ALLOWED_ORIGINS: 'https://console.example' }).allowedOrigins).toEqual(['https://console.example']);
  });
});

describe('loadConfig: start-up verification and snapshot encoding threads', () => {
  it('checks the replay on the cores (at most 4) and encodes snapshots on a worker by default; 0 and inline put them on the event loop', () => {
    const defaults = loadConfig({});
    expect(defaults.replayWorkers).toBeGreaterThanOrEqual(1);
    expect(defaults.replayWorkers).toBeLessThanOrEqual(4);
    expect(defaults.snapshots.encoding).toBe('worker');
    expect(loadConfig({ WARDEN_REPLAY_WORKERS: '0', WARDEN_SNAPSHOT_ENCODING: 'inline' })).toMatchObject({ replayWorkers: 0, snapshots: { encoding: 'inline' } });
    expect(() => loadConfig({ WARDEN_REPLAY_WORKERS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ WARDEN_SNAPSHOT_ENCODING: 'gpu' })).toThrow(new ConfigError('WARDEN_SNAPSHOT_ENCODING must be one of worker, inline, got "gpu"'));
  });
});
