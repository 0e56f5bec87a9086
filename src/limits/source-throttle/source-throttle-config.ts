/** The per-source throttle of rejected requests (WARDEN_REJECTED_PER_SOURCE_PER_MINUTE), parsed once at start-up. */
export interface SourceThrottleConfig {
  /** Rejected requests a source may cause per minute before it is throttled (token bucket; default 600; 0 = off). */
  rejectedPerMinute: number;
  /** Sources tracked at most (least recently rejected dropped first). */
  maxTrackedSources: number;
}

export const DEFAULT_REJECTED_PER_MINUTE = 600;
export const MAX_TRACKED_SOURCES = 50_000;

/** Throws an Error naming the variable and what it must be (loadConfig turns it into a ConfigError). */
export function sourceThrottleConfigFrom(env: NodeJS.ProcessEnv): SourceThrottleConfig {
  const name = 'WARDEN_REJECTED_PER_SOURCE_PER_MINUTE';
  const raw = env[name];
  let rejectedPerMinute = DEFAULT_REJECTED_PER_MINUTE;
  if (raw !== undefined && raw !== '') {
    rejectedPerMinute = Number(raw);
    if (!/^\d+$/.test(raw) || rejectedPerMinute > 1_000_000) throw new Error(`${name} must be an integer from 0 (off) to 1000000, got "${raw}"`);
  }
  return { rejectedPerMinute, maxTrackedSources: MAX_TRACKED_SOURCES };
}
