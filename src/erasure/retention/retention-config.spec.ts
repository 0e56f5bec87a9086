import { v7 as uuidv7 } from 'uuid';
import { retentionConfigFrom } from './retention-config';
import { retentionDecider } from './retention.decider';
import { uuidV7Floor } from './retention-sweep';

describe('retention settings', () => {
  it('defaults to no deployment rule and an hourly sweep', () => {
    expect(retentionConfigFrom({})).toEqual({ intervalMs: 3_600_000 });
    expect(retentionConfigFrom({ WARDEN_PAYLOAD_RETENTION_DAYS: '30', WARDEN_RETENTION_INTERVAL_MS: '0' })).toEqual({ defaultDays: 30, intervalMs: 0 });
  });

  it.each(['0', '-1', '1.5', 'thirty', '36501', '030'])('refuses WARDEN_PAYLOAD_RETENTION_DAYS=%s, naming the variable', (value) => {
    expect(() => retentionConfigFrom({ WARDEN_PAYLOAD_RETENTION_DAYS: value })).toThrow(/WARDEN_PAYLOAD_RETENTION_DAYS/);
  });

  it('refuses a bad WARDEN_RETENTION_INTERVAL_MS', () => {
    expect(() => retentionConfigFrom({ WARDEN_RETENTION_INTERVAL_MS: '1h' })).toThrow(/WARDEN_RETENTION_INTERVAL_MS/);
  });
});

describe('uuidV7Floor', () => {
  it('sorts after every uuidv7 of an earlier millisecond and before every one of that millisecond or later', () => {
    const t = Date.UTC(2026, 10, 1, 12, 0, 0, 5);
    const floor = uuidV7Floor(t);
    expect(uuidv7({ msecs: t - 1 }) < floor).toBe(true);
    expect(uuidv7({ msecs: t }) > floor).toBe(true);
    expect(uuidv7({ msecs: t + 1 }) > floor).toBe(true);
  });
});

describe('retentionDecider', () => {
  it('records a change, and nothing when the rule is already in force', () => {
    const state = retentionDecider.evolve(retentionDecider.initialState(), { type: 'PayloadRetentionSet', data: { days: 30 } });
    expect(retentionDecider.decide({ type: 'SetRetention', days: 30 }, state)).toEqual([]);
    expect(retentionDecider.decide({ type: 'SetRetention', days: null }, state)).toEqual([{ type: 'PayloadRetentionSet', data: { days: null } }]);
    expect(retentionDecider.decide({ type: 'SetRetention', days: null }, retentionDecider.initialState())).toEqual([]);
  });
});
