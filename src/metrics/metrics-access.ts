import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { WardenError } from '../common/warden-error';

/**
 * Who may read /metrics: with WARDEN_METRICS_TOKEN set, any client that sends it as a bearer
 * token; without, clients on loopback only (a scraper on the same host, or a sidecar). Metrics
 * hold no secret, but they say which servers and tools exist and how busy they are.
 */
export function checkMetricsAccess(token: string | undefined, remoteAddress: string | undefined, authorization: string | undefined): void {
  if (token !== undefined) {
    const given = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (given === undefined || !sameSecret(given, token)) {
      throw new WardenError('unauthenticated', 'METRICS.TOKEN_REQUIRED', 'GET /metrics needs Authorization: Bearer <WARDEN_METRICS_TOKEN>');
    }
    return;
  }
  if (!isLoopback(remoteAddress)) {
    throw new WardenError('forbidden', 'METRICS.LOOPBACK_ONLY', '/metrics is served to loopback clients only; set WARDEN_METRICS_TOKEN to scrape from elsewhere');
  }
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}
