import { createHmac } from 'node:crypto';
import { canonicalJson } from '@warden/ledger';

/**
 * The digest an approval binds a call's arguments with: HMAC-SHA256 over the RFC 8785 canonical
 * arguments, keyed by the deployment's secret (the key-hint secret, under its own label), so equal
 * arguments give equal digests on every node of the deployment, and nobody holding only the ledger
 * can test guesses of the arguments against it offline.
 */
export class ArgumentsDigests {
  private readonly key: Buffer;

  constructor(deploymentSecret: Uint8Array) {
    this.key = createHmac('sha256', Buffer.from(deploymentSecret)).update('warden step-up arguments v1').digest();
  }

  of(args: Record<string, unknown>): string {
    return `hmac-sha256:${createHmac('sha256', this.key).update(canonicalJson(args), 'utf8').digest('hex')}`;
  }
}
