import type { EventDraft } from '../envelope';

/** Test-only drafts (not exported from the library index). */
export function draftFixture(overrides: Partial<EventDraft> = {}): EventDraft {
  return {
    id: '019ab8f2-6c3e-7a10-9c4d-2f5e8a1b3c7d',
    type: 'ToolCallDecided',
    stream: 'calls-acme-node1',
    org: 'acme',
    at: '2026-11-25T04:10:57.123456Z',
    actor: { kind: 'agent', id: 'agent-7' },
    data: { tool: 'search', decision: 'allow', ruleIds: ['r1', 'r2'], latencyMs: 12.5 },
    payload: { digest: 'ab'.repeat(32) },
    ...overrides,
  };
}
