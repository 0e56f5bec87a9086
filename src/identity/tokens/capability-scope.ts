/** What a capability token allows, as the gateway checks it on each request (no signature, no secret). */
export interface CapabilityScope {
  jti: string;
  /** The one server id the token is for. */
  server: string;
  /** The upstream names of the tools it allows on that server. */
  tools: readonly string[];
}

/** A bearer credential shaped like a compact JWS (three base64url parts); warden API keys never are. */
export function looksLikeJwt(bearer: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(bearer);
}
