import { ROLES, type Role } from '../principal';

/** OIDC sign-in for people (WARDEN_OIDC_*), parsed by loadConfig once at start-up. Absent: OIDC is off. */
export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** The claim holding the provider's groups or roles (a string or an array of strings). */
  roleClaim: string;
  /** The claim naming the warden organisation (its id) the person acts in. */
  orgClaim: string;
  /** Provider role → warden role. Values not in it grant nothing. */
  roleMap: ReadonlyMap<string, Role>;
  algorithms: string[];
  /** How long the JWKS is kept before it is fetched again, and the least time between two fetches. */
  jwksCacheMaxAgeMs: number;
  jwksCooldownMs: number;
}

/** Asymmetric algorithms only: an HMAC (HS*) or `none` would let anyone holding public material sign. */
const ACCEPTABLE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const trimmed = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function msFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = trimmed(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 86_400_000) throw new Error(`${name} must be an integer number of milliseconds from 0 to 86400000, got "${raw}"`);
  return value;
}

/** `warden-admins=admin,sec=investigator`: each value must be a warden role. */
export function parseRoleMap(raw: string | undefined): Map<string, Role> {
  const map = new Map<string, Role>();
  if (raw === undefined) return map;
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    const from = entry.slice(0, at).trim();
    const to = entry.slice(at + 1).trim();
    if (at <= 0 || from === '' || !(ROLES as readonly string[]).includes(to)) {
      throw new Error(`WARDEN_OIDC_ROLE_MAP entries must be <provider role>=<${ROLES.join('|')}>, got "${entry}"`);
    }
    if (map.has(from) && map.get(from) !== to) throw new Error(`WARDEN_OIDC_ROLE_MAP maps "${from}" twice`);
    map.set(from, to as Role);
  }
  return map;
}

/**
 * Undefined when none of issuer, audience and JWKS URL is set; all three or none. The JWKS is
 * fetched over https (plain http only on a loopback address, for a provider on the same machine).
 */
export function oidcConfigFrom(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const issuer = trimmed(env, 'WARDEN_OIDC_ISSUER');
  const audience = trimmed(env, 'WARDEN_OIDC_AUDIENCE');
  const jwksUrl = trimmed(env, 'WARDEN_OIDC_JWKS_URL');
  if (issuer === undefined && audience === undefined && jwksUrl === undefined) return undefined;
  if (issuer === undefined || audience === undefined || jwksUrl === undefined) {
    throw new Error('OIDC needs WARDEN_OIDC_ISSUER, WARDEN_OIDC_AUDIENCE and WARDEN_OIDC_JWKS_URL together (or none of them)');
  }
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new Error(`WARDEN_OIDC_JWKS_URL must be a URL, got "${jwksUrl}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new Error(`WARDEN_OIDC_JWKS_URL must be https (http only on a loopback address), got "${jwksUrl}"`);
  }
  const algorithms = trimmed(env, 'WARDEN_OIDC_ALGORITHMS')?.split(',').map((s) => s.trim()).filter(Boolean) ?? DEFAULT_ALGORITHMS;
  const refused = algorithms.filter((a) => !ACCEPTABLE_ALGORITHMS.includes(a));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new Error(`WARDEN_OIDC_ALGORITHMS must be a list of ${ACCEPTABLE_ALGORITHMS.join(', ')}; refused: ${refused.join(', ') || '(empty)'}`);
  }
  return {
    issuer,
    audience,
    jwksUrl: url.href,
    roleClaim: trimmed(env, 'WARDEN_OIDC_ROLE_CLAIM') ?? 'roles',
    orgClaim: trimmed(env, 'WARDEN_OIDC_ORG_CLAIM') ?? 'org',
    roleMap: parseRoleMap(trimmed(env, 'WARDEN_OIDC_ROLE_MAP')),
    algorithms,
    jwksCacheMaxAgeMs: msFrom(env, 'WARDEN_OIDC_JWKS_CACHE_MS', 10 * 60_000),
    jwksCooldownMs: msFrom(env, 'WARDEN_OIDC_JWKS_COOLDOWN_MS', 30_000),
  };
}
