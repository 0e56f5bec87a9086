import { createHmac } from 'node:crypto';

/**
 * The approval webhook's signature: `X-Warden-Signature: sha256=<hex>`, HMAC-SHA256 under the
 * configured secret over `<timestamp>.<body>`, with the same timestamp (Unix seconds) in
 * `X-Warden-Timestamp`, so that a receiver can refuse an old or replayed delivery.
 */
export function signWebhook(secret: string, timestamp: number, body: string): Record<string, string> {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return { 'x-warden-timestamp': String(timestamp), 'x-warden-signature': `sha256=${mac}` };
}
