import type { DomainEvent } from '../ledger/decider';

/** A reviewer's mark on an observed call (once per call): its own stream, so any node may write it. */
export type CallReviewed = DomainEvent<'CallReviewed', { callId: string; comment: string }>;
export type ReviewEvent = CallReviewed;

export const REVIEW_STREAM_PREFIX = 'review-';
export const reviewStream = (callId: string) => `${REVIEW_STREAM_PREFIX}${callId}`;
