import type { DomainEvent } from '../../ledger/decider';

/** The deployment's operator credential: only its SHA-256 and keyed hint are recorded. */
export type PlatformOperatorCreated = DomainEvent<'PlatformOperatorCreated', { operatorId: string; keyHash: string; hint: string; label: string }>;

export type PlatformEvent = PlatformOperatorCreated;

export const PLATFORM_OPERATORS_STREAM = 'platform-operators';
