import { meetsLevel, SessionLogLevels } from './log-levels';

const message = (level: unknown) => ({ method: 'notifications/message', params: { level, data: 'x' } });

describe('meetsLevel', () => {
  it('passes a message at or above the minimum and stops one below', () => {
    expect(meetsLevel(message('warning'), 'warning')).toBe(true);
    expect(meetsLevel(message('emergency'), 'warning')).toBe(true);
    expect(meetsLevel(message('info'), 'warning')).toBe(false);
  });

  it('passes every valid level without a minimum, and never a message without a valid level', () => {
    expect(meetsLevel(message('debug'), undefined)).toBe(true);
    expect(meetsLevel(message('loud'), undefined)).toBe(false);
    expect(meetsLevel({ method: 'notifications/message' }, 'debug')).toBe(false);
  });
});

describe('SessionLogLevels', () => {
  it('keeps the last level a session set, and none for other sessions', () => {
    const levels = new SessionLogLevels();
    levels.set('s1', 'info');
    levels.set('s1', 'error');
    expect(levels.get('s1')).toBe('error');
    expect(levels.get('s2')).toBeUndefined();
    expect(levels.get(undefined)).toBeUndefined();
  });
});
