import { costsTable } from './costs';

const answer = { by: 'tool', since: '2026-11-24T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z', rows: [{ key: { serverId: 's-1', tool: 'search' }, currency: 'USD', amount: 0.02, calls: 1 }] };

describe('warden costs table', () => {
  it('says when the gateway let older buckets go, and up to when sums may be short', () => {
    const lines = costsTable({ ...answer, evicted: { buckets: 3, through: '2026-11-25T10:00:00.000Z' } });
    expect(lines.at(-1)).toBe('note: 3 older cost buckets were let go (WARDEN_COST_BUCKETS_MAX): sums up to 2026-11-25T10:00:00.000Z may be short');
  });

  it('says nothing of it when none went (or the gateway is older and does not say)', () => {
    for (const a of [{ ...answer, evicted: { buckets: 0, through: null } }, answer]) expect(costsTable(a).some((l) => l.startsWith('note:'))).toBe(false);
  });
});
