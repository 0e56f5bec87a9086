import { ENVELOPE_VERSION, type ActorKind, type EventEnvelope, type UnsignedEnvelope } from './envelope';
import { isSha256Hex } from './hex-shape';

/**
 * Structural checks of an envelope read from anywhere (store, stream, export). Each returns
 * a sentence naming the first problem, or undefined when the shape is right. Values are not
 * judged here (hash, signature, chain links are the verifiers' business).
 */

const ACTOR_KINDS: ReadonlySet<string> = new Set<ActorKind>(['agent', 'user', 'system', 'node']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export function describeUnsignedMalformation(candidate: unknown): string | undefined {
  if (!isPlainRecord(candidate)) return 'envelope is not an object';
  const e = candidate;
  if (e.v !== ENVELOPE_VERSION) return `v must be ${ENVELOPE_VERSION}`;
  for (const field of ['id', 'type', 'stream', 'org', 'kid'] as const) {
    if (!isNonEmptyString(e[field])) return `${field} must be a non-empty string`;
  }
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0) return 'seq must be an integer >= 0';
  if (typeof e.at !== 'string' || !RFC3339.test(e.at)) return 'at must be an RFC 3339 timestamp';
  const actorProblem = describeActorMalformation(e.actor);
  if (actorProblem) return actorProblem;
  if (!isPlainRecord(e.data)) return 'data must be an object';
  const payloadProblem = describePayloadMalformation(e.payload);
  if (payloadProblem) return payloadProblem;
  if (!isSha256Hex(e.prev)) return 'prev must be 64 lowercase hex characters';
  return undefined;
}

export function describeEnvelopeMalformation(candidate: unknown): string | undefined {
  const problem = describeUnsignedMalformation(candidate);
  if (problem) return problem;
  const e = candidate as Record<string, unknown>;
  if (!isSha256Hex(e.hash)) return 'hash must be 64 lowercase hex characters';
  if (!isNonEmptyString(e.sig)) return 'sig must be a non-empty string';
  return undefined;
}

export function isWellFormedUnsignedEnvelope(candidate: unknown): candidate is UnsignedEnvelope {
  return describeUnsignedMalformation(candidate) === undefined;
}

export function isWellFormedEnvelope(candidate: unknown): candidate is EventEnvelope {
  return describeEnvelopeMalformation(candidate) === undefined;
}

function describeActorMalformation(actor: unknown): string | undefined {
  if (!isPlainRecord(actor)) return 'actor must be an object';
  if (typeof actor.kind !== 'string' || !ACTOR_KINDS.has(actor.kind)) {
    return `actor.kind must be one of ${[...ACTOR_KINDS].join(', ')}`;
  }
  if (!isNonEmptyString(actor.id)) return 'actor.id must be a non-empty string';
  return undefined;
}

/** payload is null (or absent) when the event has no sensitive content, else { digest }. */
function describePayloadMalformation(payload: unknown): string | undefined {
  if (payload === null || payload === undefined) return undefined;
  if (!isPlainRecord(payload)) return 'payload must be null or an object';
  if (!isSha256Hex(payload.digest)) return 'payload.digest must be 64 lowercase hex characters';
  return undefined;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
