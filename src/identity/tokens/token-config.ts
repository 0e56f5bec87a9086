/** Capability tokens' settings (WARDEN_TOKEN_*), parsed by loadConfig once at start-up. */
export interface CapabilityTokenConfig {
  /** Lifetime when the request names none: 15 minutes, or the maximum if that is shorter. */
  defaultTtlSeconds: number;
  /** WARDEN_TOKEN_MAX_TTL_SECONDS: no token lives longer (default 3600). */
  maxTtlSeconds: number;
  /** WARDEN_TOKEN_AUDIENCE: the deployment the tokens are for; default `warden:<root key id>`. */
  audience?: string;
}

const DEFAULT_TTL_SECONDS = 15 * 60;
const DEFAULT_MAX_TTL_SECONDS = 60 * 60;
const LONGEST_MAX_TTL_SECONDS = 24 * 60 * 60;

/** Throws an Error naming the variable and what it must be (loadConfig turns it into a ConfigError). */
export function capabilityTokenConfigFrom(env: NodeJS.ProcessEnv): CapabilityTokenConfig {
  const rawMax = env.WARDEN_TOKEN_MAX_TTL_SECONDS;
  let maxTtlSeconds = DEFAULT_MAX_TTL_SECONDS;
  if (rawMax !== undefined && rawMax !== '') {
    maxTtlSeconds = Number(rawMax);
    if (!Number.isInteger(maxTtlSeconds) || maxTtlSeconds < 1 || maxTtlSeconds > LONGEST_MAX_TTL_SECONDS) {
      throw new Error(`WARDEN_TOKEN_MAX_TTL_SECONDS must be an integer from 1 to ${LONGEST_MAX_TTL_SECONDS}, got "${rawMax}"`);
    }
  }
  const audience = env.WARDEN_TOKEN_AUDIENCE?.trim();
  if (audience !== undefined && audience !== '' && !/^[\x21-\x7e]{1,200}$/.test(audience)) {
    throw new Error(`WARDEN_TOKEN_AUDIENCE must be 1 to 200 printable characters without spaces, got "${audience}"`);
  }
  return {
    defaultTtlSeconds: Math.min(DEFAULT_TTL_SECONDS, maxTtlSeconds),
    maxTtlSeconds,
    audience: audience === '' ? undefined : audience,
  };
}
