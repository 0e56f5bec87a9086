import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cosignatureV1Verifier } from '@warden/ledger';
import { capabilityTokenConfigFrom, type CapabilityTokenConfig } from '../identity/tokens/token-config';
import { oidcConfigFrom, type OidcConfig } from '../identity/oidc/oidc-config';
import { compileEgressPolicy } from '@warden/egress';
import { approvalsConfigFrom, type ApprovalsConfig } from '../approvals/approvals-config';
import { egressPolicyFrom } from '../upstream/egress-settings';
import { retentionConfigFrom, type RetentionConfig } from '../erasure/retention/retention-config';
import { sourceThrottleConfigFrom, type SourceThrottleConfig } from '../limits/source-throttle/source-throttle-config';

/** Typed configuration, validated once at start-up (DESIGN.md §8). A bad value stops the process. */
export interface WardenConfig {
  host: string;
  port: number;
  dataDir: string;
  /**
   * `sqlite:<file>` on the embedded default. The payload store keeps its tables in the same file,
   * so an event and its payload commit in one transaction.
   */
  eventStoreUrl: string;
  /** `synchronous` pragma of the embedded ledger: FULL survives power loss, NORMAL only crashes. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Identifies this gateway node: tool calls go to stream calls-<org>-<nodeId>. */
  nodeId: string;
  /** Host header values accepted at the MCP edge (DNS-rebinding protection). */
  allowedHosts: string[];
  /** Origin header values accepted at the MCP edge (default: its own loopback origins); a request without Origin is accepted. */
  allowedOrigins: string[];
  /** Bound on one upstream request. */
  upstreamTimeoutMs: number;
  /**
   * How long the edge holds a 2025-11-25 agent's POST response open before closing it early (the
   * agent resumes with Last-Event-ID, README "Resumable streams"); 0 = held until the answer.
   */
  edgeStreamHoldMs: number;
  /** Most items the review feed keeps per organisation (the oldest go first; the ledger and the forensic index keep every call). */
  reviewFeedMax: number;
  /** Most cost buckets (hour × agent × tool × workflow × currency) kept per organisation (the oldest go first). */
  costBucketsMax: number;
  /** Hosts upstreams may be reached on over plain http (WARDEN_EGRESS_ALLOW_HTTP_HOSTS); all others need https. */
  egressAllowHttpHosts: string[];
  /** Hosts, addresses and CIDR ranges allowed although private or loopback (WARDEN_EGRESS_ALLOW_PRIVATE). */
  egressAllowPrivate: string[];
  /** Neither egress setting was given: the developer default (loopback only) applies, and a notice says so. */
  egressLoopbackDefault: boolean;
  /** How often every registered upstream is health-checked (connect, list tools); 0 = never on a schedule. */
  healthIntervalMs: number;
  /** Requests one pooled upstream session carries at once; more wait (WARDEN_POOL_MAX_CONCURRENT). */
  poolMaxConcurrent: number;
  /** A pooled session this busy (active / max, 0..1) is logged as a warning and flagged in the gauge. */
  poolSaturationAlert: number;
  /** Content guardrails scan at most this many bytes of one payload (WARDEN_GUARDRAILS_MAX_BYTES, default 1 MiB); beyond, the set's `oversize` decides. */
  guardrailsMaxBytes: number;
  /** A crashed stdio upstream is restarted after this delay, doubled per crash in a row (WARDEN_STDIO_RESTART_BASE_MS). */
  stdioRestartBaseMs: number;
  /** The longest back-off between restarts of a stdio upstream (WARDEN_STDIO_RESTART_MAX_MS). */
  stdioRestartMaxMs: number;
  /** Crashes in a row after which a stdio upstream is no longer restarted on its own; the next call starts it once more (WARDEN_STDIO_MAX_RESTARTS). */
  stdioMaxRestarts: number;
  /** How long a stopping stdio upstream has after SIGTERM before it gets SIGKILL (WARDEN_STDIO_STOP_GRACE_MS). */
  stdioStopGraceMs: number;
  /** POST /v1/exports answers a bundle of at most this many events as one JSON response (WARDEN_EXPORT_JSON_MAX_EVENTS); larger ranges stream (`warden export`, POST /v1/exports/stream). */
  exportJsonMaxEvents: number;
  /** Records an export reads from the event store at a time (WARDEN_EXPORT_PAGE_RECORDS, default 5,000): its memory bound. */
  exportPageRecords: number;
  /** Set: GET /metrics needs `Authorization: Bearer <token>` (any client). Unset: loopback clients only. */
  metricsToken?: string;
  /**
   * Where the node signs its events: on a worker thread (default; frees the event loop when a
   * core is free) or inline on the event loop (cheaper when every core is busy anyway).
   */
  signing: 'worker' | 'inline';
  /**
   * WARDEN_REPLAY_WORKERS: threads checking hashes and signatures of the read models' catch-up
   * at start (default: the machine's cores, at most 4; 0: on the event loop).
   */
  replayWorkers: number;
  logLevel: string;
  /**
   * The deployment root's key id (`ed25519:<32 hex>`), pinned: the root public key file in the
   * data directory must be this key, or the node does not start. Unset: not pinned (a notice says so).
   */
  rootFingerprint?: string;
  /** Capability tokens for agents at /mcp (lifetimes, audience). */
  tokens: CapabilityTokenConfig;
  /** Signed checkpoints of the Merkle logs (WARDEN_CHECKPOINT_EVERY_EVENTS, WARDEN_CHECKPOINT_EVERY_MS, WARDEN_LOG_ORIGIN). */
  checkpoints: CheckpointConfig;
  /** OIDC sign-in for people at the command API; undefined when not configured. */
  oidc?: OidcConfig;
  /**
   * The vault's key-encryption key: a file outside the data directory (WARDEN_VAULT_KEK_FILE;
   * default `<data dir>-vault-kek.key` beside it), or the key itself from WARDEN_VAULT_KEK
   * (base64 of 32 bytes), which then wins and no file is read or created.
   */
  vaultKekFile: string;
  vaultKek?: string;
  /** Step-up approvals, their webhook, and the trust score's age bound. */
  approvals: ApprovalsConfig;
  /** Payload retention (WARDEN_PAYLOAD_RETENTION_DAYS, WARDEN_RETENTION_INTERVAL_MS). */
  retention: RetentionConfig;
  /** The throttle of sources whose requests /mcp and /v1 keep rejecting. */
  sourceThrottle: SourceThrottleConfig;
  /** Read-model snapshots (WARDEN_SNAPSHOTS, WARDEN_SNAPSHOT_EVERY_EVENTS, WARDEN_SNAPSHOT_EVERY_MS). */
  snapshots: SnapshotConfig;
}

export interface SnapshotConfig {
  /** 'off': start-up always replays in full and no snapshot is taken (default 'on'). */
  enabled: boolean;
  /** A snapshot once the read models applied this many events since the last one (default 10,000)… */
  everyEvents: number;
  /** …or this long after the last one if anything new was applied (default 60 s; 0: by count only). */
  everyMs: number;
  /** WARDEN_SNAPSHOT_ENCODING: 'worker' (default) encodes and hashes a snapshot off the event loop; 'inline' on it (to measure). */
  encoding: 'worker' | 'inline';
}

export interface CheckpointConfig {
  /** A log that grew by this many events gets a signed checkpoint (default 1,000). */
  everyEvents: number;
  /** …or this long after it grew (default 10 s; 0: by count only). */
  everyMs: number;
  /** The deployment part of checkpoint origins, `<logOrigin>/<org>`; default `warden.local/<root key id>`. */
  logOrigin?: string;
  /** Witnesses whose cosignature/v1 cosignatures are accepted (WARDEN_WITNESS_KEYS: vkeys, comma-separated). */
  witnessKeys: string[];
  /**
   * tlog-witness `add-checkpoint` endpoints the node pushes each new checkpoint to
   * (WARDEN_WITNESS_URLS, comma-separated); their cosignatures are accepted like any other
   * (WARDEN_WITNESS_KEYS), and they are reached through the egress guard.
   */
  witnessUrls: string[];
}

export const WARDEN_CONFIG = Symbol('WARDEN_CONFIG');

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function listFrom(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function fractionFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new ConfigError(`${name} must be a number above 0 and at most 1 (a share of the pool), got "${raw}"`);
  return value;
}

const LOOPBACK_EGRESS = ['127.0.0.1', 'localhost', '::1'];

function egressFrom(env: NodeJS.ProcessEnv): Pick<WardenConfig, 'egressAllowHttpHosts' | 'egressAllowPrivate' | 'egressLoopbackDefault'> {
  // Set, even to nothing, is explicit: WARDEN_EGRESS_ALLOW_HTTP_HOSTS= means https everywhere.
  const explicit = (name: string) => (env[name] === undefined ? undefined : env[name]!.split(',').map((s) => s.trim()).filter(Boolean));
  const http = explicit('WARDEN_EGRESS_ALLOW_HTTP_HOSTS');
  const priv = explicit('WARDEN_EGRESS_ALLOW_PRIVATE');
  const config = {
    egressAllowHttpHosts: http ?? (priv === undefined ? LOOPBACK_EGRESS : []),
    egressAllowPrivate: priv ?? (http === undefined ? LOOPBACK_EGRESS : []),
    egressLoopbackDefault: http === undefined && priv === undefined,
  };
  try {
    compileEgressPolicy(egressPolicyFrom(config.egressAllowHttpHosts, config.egressAllowPrivate));
  } catch (error) {
    throw new ConfigError(`WARDEN_EGRESS_ALLOW_HTTP_HOSTS / WARDEN_EGRESS_ALLOW_PRIVATE: ${error instanceof Error ? error.message : String(error)}`);
  }
  return config;
}

function metricsTokenFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.WARDEN_METRICS_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError('WARDEN_METRICS_TOKEN must be at least 16 characters without spaces');
  return raw;
}

function rootFingerprintFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.WARDEN_ROOT_FINGERPRINT?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^ed25519:[0-9a-f]{32}$/.test(raw)) throw new ConfigError(`WARDEN_ROOT_FINGERPRINT must be a key id such as ed25519:<32 hex digits> (printed at first start and by \`warden keys show\`), got "${raw}"`);
  return raw;
}

/** A settings section parsed in its own module: its error becomes a ConfigError. */
function section<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** The vault's KEK must not sit in the data directory: a copy of that directory must not open the credentials. */
function vaultKekFrom(env: NodeJS.ProcessEnv, dataDir: string): { vaultKekFile: string; vaultKek?: string } {
  const vaultKekFile = resolve(env.WARDEN_VAULT_KEK_FILE || join(dirname(dataDir), `${basename(dataDir)}-vault-kek.key`));
  const inside = relative(dataDir, vaultKekFile);
  if (inside === '' || (!inside.startsWith('..') && !inside.startsWith('/'))) {
    throw new ConfigError(`WARDEN_VAULT_KEK_FILE must be outside the data directory ${dataDir} (a copy of the data must not open the vault), got "${vaultKekFile}"`);
  }
  const raw = env.WARDEN_VAULT_KEK?.trim();
  if (raw === undefined || raw === '') return { vaultKekFile };
  if (env.WARDEN_VAULT_KEK_FILE) throw new ConfigError('set WARDEN_VAULT_KEK or WARDEN_VAULT_KEK_FILE, not both');
  return { vaultKekFile, vaultKek: raw };
}

function checkpointConfigFrom(env: NodeJS.ProcessEnv): CheckpointConfig {
  const logOrigin = env.WARDEN_LOG_ORIGIN;
  // The origin is a note key name too: no spaces, no plus, no control characters; and a line of its own.
  if (logOrigin !== undefined && !/^[^\s+\u0000-\u001f\u007f]{1,200}$/u.test(logOrigin)) {
    throw new ConfigError(`WARDEN_LOG_ORIGIN must be a log name without spaces or plus signs (e.g. warden.example.com/prod), got "${logOrigin}"`);
  }
  return {
    everyEvents: intFrom(env, 'WARDEN_CHECKPOINT_EVERY_EVENTS', 1000, 1, 1_000_000_000),
    everyMs: intFrom(env, 'WARDEN_CHECKPOINT_EVERY_MS', 10_000, 0, 86_400_000),
    logOrigin,
    witnessKeys: witnessKeysFrom(env),
    witnessUrls: witnessUrlsFrom(env),
  };
}

function witnessUrlsFrom(env: NodeJS.ProcessEnv): string[] {
  const urls = listFrom(env, 'WARDEN_WITNESS_URLS') ?? [];
  for (const raw of urls) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`WARDEN_WITNESS_URLS: "${raw}" is not a URL (e.g. https://witness.example/add-checkpoint)`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`WARDEN_WITNESS_URLS: "${raw}" must be an http(s) URL`);
    if (url.username || url.password) throw new ConfigError('WARDEN_WITNESS_URLS: a witness URL carries no credentials');
  }
  if (urls.length > 0 && (listFrom(env, 'WARDEN_WITNESS_KEYS') ?? []).length === 0) {
    throw new ConfigError('WARDEN_WITNESS_URLS needs WARDEN_WITNESS_KEYS: the cosignatures the witnesses return are accepted only from known keys');
  }
  return urls;
}

function witnessKeysFrom(env: NodeJS.ProcessEnv): string[] {
  const keys = listFrom(env, 'WARDEN_WITNESS_KEYS') ?? [];
  for (const key of keys) {
    try {
      cosignatureV1Verifier(key);
    } catch (error) {
      throw new ConfigError(`WARDEN_WITNESS_KEYS: "${key}" is not a cosignature/v1 verifier key (<name>+<key id>+<base64 of 0x04 ‖ Ed25519 key>): ${(error as Error).message}`);
    }
  }
  return keys;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WardenConfig {
  const host = env.WARDEN_HOST ?? '127.0.0.1';
  const port = intFrom(env, 'WARDEN_PORT', 7420, 0, 65535);
  const dataDir = resolve(env.WARDEN_DATA_DIR ?? './data');
  const eventStoreUrl = env.WARDEN_EVENT_STORE ?? `sqlite:${resolve(dataDir, 'ledger.db')}`;
  if (!/^[a-z][a-z0-9+.-]*:/.test(eventStoreUrl)) {
    throw new ConfigError(`WARDEN_EVENT_STORE must be a URL such as sqlite:./data/ledger.db, got "${eventStoreUrl}"`);
  }
  const synchronous = (env.WARDEN_SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new ConfigError(`WARDEN_SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${synchronous}"`);
  }
  const nodeId = env.WARDEN_NODE_ID ?? 'node-1';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(nodeId)) {
    throw new ConfigError(`WARDEN_NODE_ID must match [a-z0-9][a-z0-9-]{0,62}, got "${nodeId}"`);
  }
  const defaultHosts = ['127.0.0.1', 'localhost', '[::1]'].flatMap((h) => [h, `${h}:${port}`]);
  return {
    host,
    port,
    dataDir,
    eventStoreUrl,
    sqliteSynchronous: synchronous,
    nodeId,
    allowedHosts: listFrom(env, 'WARDEN_ALLOWED_HOSTS') ?? defaultHosts,
    // Default: the gateway's own loopback origins (a browser page it serves itself), nothing else.
    allowedOrigins: listFrom(env, 'WARDEN_ALLOWED_ORIGINS') ?? ['127.0.0.1', 'localhost', '[::1]'].flatMap((h) => [`http://${h}`, `http://${h}:${port}`]),
    upstreamTimeoutMs: intFrom(env, 'WARDEN_UPSTREAM_TIMEOUT_MS', 30000, 100, 600000),
    edgeStreamHoldMs: intFrom(env, 'WARDEN_EDGE_STREAM_HOLD_MS', 0, 0, 3600000),
    reviewFeedMax: intFrom(env, 'WARDEN_REVIEW_FEED_MAX', 10_000, 1, 10_000_000),
    costBucketsMax: intFrom(env, 'WARDEN_COST_BUCKETS_MAX', 100_000, 1, 100_000_000),
    ...egressFrom(env),
    healthIntervalMs: intFrom(env, 'WARDEN_HEALTH_INTERVAL_MS', 30000, 0, 86_400_000),
    poolMaxConcurrent: intFrom(env, 'WARDEN_POOL_MAX_CONCURRENT', 64, 1, 10_000),
    poolSaturationAlert: fractionFrom(env, 'WARDEN_POOL_SATURATION_ALERT', 0.8),
    guardrailsMaxBytes: intFrom(env, 'WARDEN_GUARDRAILS_MAX_BYTES', 1 << 20, 1024, 64 << 20),
    stdioRestartBaseMs: intFrom(env, 'WARDEN_STDIO_RESTART_BASE_MS', 250, 1, 600_000),
    stdioRestartMaxMs: intFrom(env, 'WARDEN_STDIO_RESTART_MAX_MS', 30_000, 1, 3_600_000),
    stdioMaxRestarts: intFrom(env, 'WARDEN_STDIO_MAX_RESTARTS', 8, 0, 1000),
    stdioStopGraceMs: intFrom(env, 'WARDEN_STDIO_STOP_GRACE_MS', 2_000, 1, 60_000),
    exportJsonMaxEvents: intFrom(env, 'WARDEN_EXPORT_JSON_MAX_EVENTS', 10_000, 1, 1_000_000),
    exportPageRecords: intFrom(env, 'WARDEN_EXPORT_PAGE_RECORDS', 5_000, 1, 100_000),
    metricsToken: metricsTokenFrom(env),
    signing: oneOf(env, 'WARDEN_SIGNING', ['worker', 'inline'] as const, 'worker'),
    replayWorkers: intFrom(env, 'WARDEN_REPLAY_WORKERS', Math.min(4, availableParallelism()), 0, 64),
    logLevel: env.WARDEN_LOG_LEVEL ?? 'info',
    rootFingerprint: rootFingerprintFrom(env),
    tokens: section(() => capabilityTokenConfigFrom(env)),
    checkpoints: checkpointConfigFrom(env),
    oidc: section(() => oidcConfigFrom(env)),
    ...vaultKekFrom(env, dataDir),
    approvals: section(() => approvalsConfigFrom(env)),
    retention: section(() => retentionConfigFrom(env)),
    sourceThrottle: section(() => sourceThrottleConfigFrom(env)),
    snapshots: {
      enabled: oneOf(env, 'WARDEN_SNAPSHOTS', ['on', 'off'] as const, 'on') === 'on',
      everyEvents: intFrom(env, 'WARDEN_SNAPSHOT_EVERY_EVENTS', 10_000, 1, 1_000_000_000),
      everyMs: intFrom(env, 'WARDEN_SNAPSHOT_EVERY_MS', 60_000, 0, 86_400_000),
      encoding: oneOf(env, 'WARDEN_SNAPSHOT_ENCODING', ['worker', 'inline'] as const, 'worker'),
    },
  };
}
