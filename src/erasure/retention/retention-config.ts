/** Payload retention's settings, parsed once at start-up (loadConfig turns a thrown Error into a ConfigError). */
export interface RetentionConfig {
  /** WARDEN_PAYLOAD_RETENTION_DAYS: erase payloads older than this many days in organisations without their own rule (unset: keep). */
  defaultDays?: number;
  /** WARDEN_RETENTION_INTERVAL_MS: how often the sweep runs (default 1 h; 0: never on its own). */
  intervalMs: number;
}

export const MAX_RETENTION_DAYS = 36_500;

export function retentionConfigFrom(env: NodeJS.ProcessEnv): RetentionConfig {
  const days = env.WARDEN_PAYLOAD_RETENTION_DAYS?.trim();
  let defaultDays: number | undefined;
  if (days !== undefined && days !== '') {
    if (!/^[1-9][0-9]{0,4}$/.test(days) || Number(days) > MAX_RETENTION_DAYS) throw new Error(`WARDEN_PAYLOAD_RETENTION_DAYS must be a whole number of days, 1–${MAX_RETENTION_DAYS}, got "${days}"`);
    defaultDays = Number(days);
  }
  const interval = env.WARDEN_RETENTION_INTERVAL_MS?.trim();
  let intervalMs = 3_600_000;
  if (interval !== undefined && interval !== '') {
    if (!/^[0-9]{1,9}$/.test(interval) || Number(interval) > 604_800_000) throw new Error(`WARDEN_RETENTION_INTERVAL_MS must be 0–604800000, got "${interval}"`);
    intervalMs = Number(interval);
  }
  return { ...(defaultDays !== undefined ? { defaultDays } : {}), intervalMs };
}
