import { ForensicQueryError, type ForensicIndex, type IndexedCall } from '@warden/forensic-index';

export interface ForensicIndexUnderTest {
  index: ForensicIndex;
  /** Closes and reopens the same index (durable adapters keep what was written). */
  reopen(): Promise<ForensicIndex>;
  cleanup(): Promise<void>;
}

const ORG = 'org-a';

export function callOf(n: number, overrides: Partial<IndexedCall> = {}): IndexedCall {
  return {
    callId: `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    org: ORG,
    kind: 'tool_call',
    agentId: n % 2 === 0 ? 'agent-even' : 'agent-odd',
    serverId: 'server-1',
    tool: n % 3 === 0 ? 'write_note' : 'read_note',
    method: 'tools/call',
    target: null,
    decision: n % 4 === 0 ? 'deny' : 'allow',
    reasons: [],
    rules: n % 4 === 0 ? ['no-writes'] : [],
    policyVersion: 1,
    workflow: n < 3 ? 'wf-1' : null,
    aiInvocation: n < 3 ? { workflowId: 'wf-1' } : null,
    at: `2026-12-01T10:00:${String(n).padStart(2, '0')}.000${String(n).padStart(3, '0')}Z`,
    latencyMs: null,
    cost: null,
    findings: [],
    outcome: null,
    events: { decided: `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`, outcome: null },
    ...overrides,
  };
}

const ids = (calls: IndexedCall[]) => calls.map((c) => c.callId);
const textEvent = (n: number) => `0190a0b0-0000-7000-9000-${String(n).padStart(12, '0')}`;

/** The contract every forensic index adapter honours (SQLite now; ClickHouse later). */
export function describeForensicIndexContract(name: string, open: () => Promise<ForensicIndexUnderTest>): void {
  describe(`forensic index contract: ${name}`, () => {
    let t: ForensicIndexUnderTest;
    let index: ForensicIndex;
    beforeEach(async () => {
      t = await open();
      index = t.index;
    });
    afterEach(async () => {
      await t.cleanup();
    });

    /** Ten calls (n = 0..9), each with its arguments' text; n = 1 and 5 completed. */
    const seed = () => {
      const calls = Array.from({ length: 10 }, (_, n) => callOf(n));
      index.write(10, [
        ...calls.map((call) => ({ kind: 'call' as const, call })),
        ...calls.map((call, n) => ({ kind: 'text' as const, org: ORG, callId: call.callId, eventId: call.callId, text: `note number${n} ${n % 2 === 0 ? 'even' : 'odd'} doc-${n}` })),
        { kind: 'outcome', outcome: { org: ORG, callId: calls[1].callId, eventId: textEvent(1), latencyMs: 120, cost: { amount: 0.02, currency: 'USD' }, findings: [], outcome: 'ok' } },
        { kind: 'outcome', outcome: { org: ORG, callId: calls[5].callId, eventId: textEvent(5), latencyMs: 7, cost: null, findings: [{ detector: 'email', rule: 'mask-mail', action: 'redact', kind: 'email', path: '$.content[0].text', where: 'result' }], outcome: 'ok' } },
        { kind: 'text', org: ORG, callId: calls[5].callId, eventId: textEvent(5), text: 'result of five mentions zebra' },
      ]);
      return calls;
    };
    const all = (filter: Parameters<ForensicIndex['search']>[1] = {}) => index.search(ORG, filter, { limit: 100 }).calls;

    it('starts empty, at position 0', () => {
      expect(index.position()).toBe(0);
      expect(index.search(ORG, {}, { limit: 10 })).toEqual({ calls: [], nextCursor: null });
      expect(index.get(ORG, callOf(1).callId)).toBeUndefined();
    });

    it('lists calls newest first, and as a timeline oldest first', () => {
      const calls = seed();
      expect(ids(all())).toEqual(ids([...calls].reverse()));
      expect(ids(index.search(ORG, {}, { limit: 100, order: 'asc' }).calls)).toEqual(ids(calls));
      expect(index.position()).toBe(10);
    });

    it('filters by each indexed column', () => {
      const calls = seed();
      expect(ids(all({ agent: 'agent-even' }))).toEqual(ids([8, 6, 4, 2, 0].map((n) => calls[n])));
      expect(ids(all({ tool: 'write_note' }))).toEqual(ids([9, 6, 3, 0].map((n) => calls[n])));
      expect(ids(all({ decision: 'deny' }))).toEqual(ids([8, 4, 0].map((n) => calls[n])));
      expect(ids(all({ rule: 'no-writes' }))).toEqual(ids([8, 4, 0].map((n) => calls[n])));
      expect(ids(all({ workflow: 'wf-1' }))).toEqual(ids([2, 1, 0].map((n) => calls[n])));
      expect(ids(all({ server: 'server-1' }))).toHaveLength(10);
      expect(all({ server: 'server-2' })).toEqual([]);
      // at of call n is 10:00:n.000n (µs): bounds are inclusive, to the microsecond.
      const atUs = (n: number) => Date.parse(`2026-12-01T10:00:0${n}Z`) * 1000 + n;
      expect(ids(all({ fromUs: atUs(3), toUs: atUs(5) }))).toEqual(ids([5, 4, 3].map((n) => calls[n])));
      expect(ids(all({ fromUs: atUs(3) + 1, toUs: atUs(5) - 1 }))).toEqual(ids([calls[4]]));
      expect(ids(all({ minLatencyMs: 100 }))).toEqual(ids([calls[1]]));
      expect(ids(all({ hasFindings: true }))).toEqual(ids([calls[5]]));
      expect(all({ hasFindings: false })).toHaveLength(9);
      expect(ids(all({ agent: 'agent-odd', tool: 'write_note' }))).toEqual(ids([9, 3].map((n) => calls[n])));
    });

    it('finds calls by the full text of their arguments and results, with the full-text syntax', () => {
      const calls = seed();
      expect(ids(all({ q: 'number7' }))).toEqual(ids([calls[7]]));
      expect(ids(all({ q: '"doc-3"' }))).toEqual(ids([calls[3]]));
      expect(ids(all({ q: 'zebra' }))).toEqual(ids([calls[5]])); // in the result
      expect(ids(all({ q: 'odd AND number5' }))).toEqual(ids([calls[5]]));
      expect(ids(all({ q: 'number1 OR number2' }))).toEqual(ids([calls[2], calls[1]]));
      expect(ids(all({ q: 'even', agent: 'agent-odd' }))).toEqual([]);
      expect(ids(all({ q: 'numb*' }))).toHaveLength(10);
      expect(all({ q: 'absent' })).toEqual([]);
    });

    it('merges an outcome into its call once', () => {
      const calls = seed();
      expect(index.get(ORG, calls[1].callId)).toMatchObject({ latencyMs: 120, cost: { amount: 0.02, currency: 'USD' }, outcome: 'ok', events: { decided: calls[1].callId, outcome: textEvent(1) } });
      index.write(11, [{ kind: 'outcome', outcome: { org: ORG, callId: calls[1].callId, eventId: textEvent(99), latencyMs: 1, cost: null, findings: [], outcome: 'error' } }]);
      expect(index.get(ORG, calls[1].callId)).toMatchObject({ latencyMs: 120, outcome: 'ok' });
      expect(index.get(ORG, calls[5].callId)!.findings).toEqual([expect.objectContaining({ rule: 'mask-mail', where: 'result' })]);
      expect(index.get(ORG, calls[2].callId)).toMatchObject({ latencyMs: null, outcome: null, events: { outcome: null } });
    });

    it('is idempotent: the same writes again change nothing', async () => {
      const calls = seed();
      const before = { all: all(), q: ids(all({ q: 'number4' })) };
      seed();
      expect(all()).toEqual(before.all);
      expect(ids(all({ q: 'number4' }))).toEqual(before.q);
      index = await t.reopen();
      expect(all()).toEqual(before.all);
      expect(ids(all({ q: 'number4' }))).toEqual([calls[4].callId]);
      expect(index.position()).toBe(10);
    });

    it('keeps organisations apart', () => {
      const calls = seed();
      const other = callOf(50, { org: 'org-b' });
      index.write(12, [{ kind: 'call', call: other }, { kind: 'text', org: 'org-b', callId: other.callId, eventId: other.callId, text: 'number7 elsewhere' }]);
      expect(ids(all({ q: 'number7' }))).toEqual([calls[7].callId]);
      expect(index.get(ORG, other.callId)).toBeUndefined();
      expect(index.get('org-b', calls[1].callId)).toBeUndefined();
      expect(ids(index.search('org-b', {}, { limit: 10 }).calls)).toEqual([other.callId]);
      expect(index.payloadEventsMatching(ORG, 'elsewhere', 10)).toEqual([]);
    });

    it('pages with an opaque cursor, and refuses a cursor it did not issue', () => {
      const calls = seed();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = index.search(ORG, {}, { limit: 4, cursor });
        seen.push(...ids(page.calls));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(ids([...calls].reverse()));
      const first = index.search(ORG, {}, { limit: 4 });
      expect(() => index.search(ORG, {}, { limit: 4, cursor: first.nextCursor!, order: 'asc' })).toThrow(ForensicQueryError);
      for (const bad of ['nope', 'e30', '!!!', Buffer.from('[1,2]').toString('base64url')]) {
        expect(() => index.search(ORG, {}, { limit: 4, cursor: bad })).toThrow(expect.objectContaining({ code: 'FORENSICS.INVALID_CURSOR', field: 'cursor' }));
      }
    });

    it('refuses bad full-text syntax as a query error, never an internal one', () => {
      seed();
      for (const q of ['"unterminated', 'AND', 'a NOT', 'colour:red', '(', 'doc-3']) {
        expect(() => all({ q })).toThrow(expect.objectContaining({ name: 'ForensicQueryError', code: 'FORENSICS.INVALID_QUERY', field: 'q' }));
      }
    });

    it('pages a full-text query that matches many calls (more than drive the query) in time order, filters applied', () => {
      const calls = Array.from({ length: 1200 }, (_, n) => callOf(n, { at: new Date(Date.UTC(2026, 11, 1) + n * 1000).toISOString() }));
      index.write(1200, [
        ...calls.map((call) => ({ kind: 'call' as const, call })),
        ...calls.map((call, n) => ({ kind: 'text' as const, org: ORG, callId: call.callId, eventId: call.callId, text: n % 2 === 0 ? 'common word' : 'other' })),
      ]);
      const even = calls.filter((_, n) => n % 2 === 0).reverse();
      const first = index.search(ORG, { q: 'common' }, { limit: 100 });
      expect(ids(first.calls)).toEqual(ids(even.slice(0, 100)));
      const second = index.search(ORG, { q: 'common' }, { limit: 100, cursor: first.nextCursor! });
      expect(ids(second.calls)).toEqual(ids(even.slice(100, 200)));
      expect(ids(index.search(ORG, { q: 'common', tool: 'write_note' }, { limit: 1000 }).calls)).toEqual(ids(even.filter((c) => c.tool === 'write_note')));
      expect(index.search(ORG, { q: 'common', agent: 'agent-odd' }, { limit: 10 }).calls).toEqual([]);
    });

    it('names the payload events a full-text query matches, bounded', () => {
      const calls = seed();
      expect(index.payloadEventsMatching(ORG, 'zebra', 10)).toEqual([textEvent(5)]);
      expect(index.payloadEventsMatching(ORG, 'even', 10).sort()).toEqual(ids([0, 2, 4, 6, 8].map((n) => calls[n])).sort());
      expect(index.payloadEventsMatching(ORG, 'note', 3)).toHaveLength(4); // max + 1: the caller sees there are more
    });

    it('forgets the text of erased payloads, and never indexes it again', () => {
      const calls = seed();
      index.write(20, [{ kind: 'erasure', org: ORG, erasureEventId: 'erasure-1', eventIds: [calls[7].callId, textEvent(5)] }]);
      expect(all({ q: 'number7' })).toEqual([]);
      expect(all({ q: 'zebra' })).toEqual([]);
      expect(ids(all({ q: 'number5' }))).toEqual([calls[5].callId]); // the call's other payload stays
      expect(index.get(ORG, calls[7].callId)).toMatchObject({ callId: calls[7].callId }); // the call stays
      expect(index.erasureOf(ORG, calls[7].callId)).toBe('erasure-1');
      expect(index.erasureOf('org-b', calls[7].callId)).toBeUndefined();
      expect(index.erasureOf(ORG, calls[6].callId)).toBeUndefined();
      index.write(21, [{ kind: 'text', org: ORG, callId: calls[7].callId, eventId: calls[7].callId, text: 'number7 again' }]);
      expect(all({ q: 'number7' })).toEqual([]);
      expect(index.position()).toBe(21);
    });
  });
}
