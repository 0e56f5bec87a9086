import type { EventEnvelope } from '../envelope';
import type { BundleCrypto } from './bundle-crypto';
import { canonicalJson } from '../canonical-json';
import { bytesOfBase64Url, hexOf, utf8 } from './bundle-bytes';
import { checkEnvelopeLine } from './bundle-envelope';
import { BUNDLE_FILES, type BundleManifest } from './bundle-format';
import { fail, type BundleKeyDirectory } from './bundle-keys';

/** The type of a signed erasure (src/erasure): data { eventIds, reason }. */
export const PAYLOADS_ERASED = 'PayloadsErased';

/**
 * payloads.jsonl: one line per exported event that carries a payload, in event order. Its digest
 * is the event's; an erased one carries the signed PayloadsErased event that names it (verified
 * here, wherever it sits in the ledger); a present one carries its content only in a --payloads
 * export, with the salt of its digest, so that the digest is recomputed here (PAYLOAD_DIGEST). An
 * erased payload's salt was deleted with it: its digest can no longer be confirmed by anyone.
 */
export async function checkPayloadLines(
  lines: string[],
  events: Map<string, { env: EventEnvelope; line: number }>,
  manifest: BundleManifest,
  crypto: BundleCrypto,
  keys: BundleKeyDirectory,
): Promise<{ lines: number; present: number; included: number; erased: number }> {
  const file = BUNDLE_FILES.payloads;
  const seen = new Set<string>();
  const counts = { lines: lines.length, present: 0, included: 0, erased: 0 };
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let entry: { eventId?: unknown; digest?: unknown; state?: unknown; content?: unknown; salt?: unknown; erasureEventId?: unknown; erasure?: unknown };
    try {
      entry = JSON.parse(lines[i]);
    } catch {
      return fail('MALFORMED', file, 'the line is not JSON', line);
    }
    const eventId = typeof entry.eventId === 'string' ? entry.eventId : undefined;
    const event = eventId ? events.get(eventId) : undefined;
    if (!event || !event.env.payload) fail('PAYLOAD_MISMATCH', file, 'a payload line for no exported event with a payload', line, eventId);
    if (seen.has(eventId!)) fail('PAYLOAD_MISMATCH', file, 'a second payload line for the event', line, eventId);
    seen.add(eventId!);
    if (entry.digest !== event!.env.payload!.digest) fail('PAYLOAD_MISMATCH', file, `digest ${String(entry.digest)}, the event commits to ${event!.env.payload!.digest}`, line, eventId);
    if (entry.state === 'present') {
      counts.present++;
      if (entry.content !== undefined) counts.included++;
      else if (manifest.payloadsIncluded) fail('PAYLOAD_MISSING', file, 'a --payloads export without the content of a present payload', line, eventId);
      if (entry.content !== undefined && !manifest.payloadsIncluded) fail('PAYLOAD_MISMATCH', file, 'content in an export made without --payloads', line, eventId);
      if (entry.content !== undefined) checkContentDigest(entry.content, entry.salt, event!.env.payload!.digest, crypto, line, eventId!);
      else if (entry.salt !== undefined) fail('PAYLOAD_MISMATCH', file, 'a salt without content', line, eventId);
    } else if (entry.state === 'erased') {
      if (entry.content !== undefined || entry.salt !== undefined) fail('PAYLOAD_MISMATCH', file, 'an erased payload with content or a salt', line, eventId);
      await checkErasure(entry.erasure, entry.erasureEventId, eventId!, manifest.org, crypto, keys, line);
      counts.erased++;
    } else {
      fail('PAYLOAD_MISMATCH', file, 'state is "present" or "erased"', line, eventId);
    }
  }
  for (const [id, { env, line }] of events) {
    if (env.payload && !seen.has(id)) fail('PAYLOAD_MISSING', file, `event ${id} (events.jsonl line ${line}) carries a payload digest, but payloads.jsonl has no line for it`, undefined, id);
  }
  if (counts.lines !== manifest.counts.payloads) fail('MANIFEST', BUNDLE_FILES.manifest, `the manifest counts ${manifest.counts.payloads} payload lines, the file has ${counts.lines}`);
  return counts;
}

/** Minimum salt length, as the ledger's payloadDigest demands (payload-digest.ts). */
const SALT_BYTES = 16;

/** hex sha256(salt ‖ JCS(content)) must be the digest the signed event commits to. */
function checkContentDigest(content: unknown, salt: unknown, digest: string, crypto: BundleCrypto, line: number, eventId: string): void {
  const saltBytes = typeof salt === 'string' ? bytesOfBase64Url(salt) : undefined;
  if (!saltBytes || saltBytes.length < SALT_BYTES) fail('PAYLOAD_DIGEST', BUNDLE_FILES.payloads, `included content needs its salt (base64url, at least ${SALT_BYTES} bytes)`, line, eventId);
  let canonical: Uint8Array;
  try {
    canonical = utf8.encode(canonicalJson(content));
  } catch (error) {
    return fail('PAYLOAD_DIGEST', BUNDLE_FILES.payloads, `the content cannot be canonicalised: ${(error as Error).message}`, line, eventId);
  }
  const salted = new Uint8Array(saltBytes!.length + canonical.length);
  salted.set(saltBytes!);
  salted.set(canonical, saltBytes!.length);
  const recomputed = hexOf(crypto.sha256(salted));
  if (recomputed !== digest) fail('PAYLOAD_DIGEST', BUNDLE_FILES.payloads, `the content and salt hash to ${recomputed}, the event commits to ${digest}: the content was edited`, line, eventId);
}

async function checkErasure(erasure: unknown, erasureEventId: unknown, eventId: string, org: string, crypto: BundleCrypto, keys: BundleKeyDirectory, line: number): Promise<void> {
  const where = (detail: string): never => fail('PAYLOAD_ERASURE', BUNDLE_FILES.payloads, detail, line, eventId);
  if (typeof erasure !== 'object' || erasure === null) where('an erased payload without its PayloadsErased event');
  const checked = checkEnvelopeLine(JSON.stringify(erasure), crypto);
  if (!checked.ok) return where(`its erasure event: ${checked.check}: ${checked.detail}`);
  const { env } = checked;
  const data = env.data as { eventIds?: unknown };
  if (env.type !== PAYLOADS_ERASED || env.id !== erasureEventId || env.org !== org) where(`${String(erasureEventId)} is not a PayloadsErased event of ${org}`);
  if (!Array.isArray(data.eventIds) || !data.eventIds.includes(eventId)) where(`the erasure ${env.id} does not name this event`);
  const key = keys.keys.get(env.kid);
  if (!key || (key.revokedAt !== undefined && env.at > key.revokedAt) || env.at < key.registeredAt) where(`the erasure ${env.id} is signed by ${env.kid}, not a registered key at its time`);
  if (!(await crypto.verifyEd25519(key!.publicKey, checked.hashBytes, checked.signature))) where(`the erasure ${env.id}'s signature does not verify`);
}
