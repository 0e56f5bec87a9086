import { WrongExpectedRevisionError } from './event-store.errors';
import { assertExpectedRevision, isExpectedRevision } from './expected-revision';

describe('assertExpectedRevision', () => {
  it.each([
    ['any', -1], ['any', 3],
    ['no_stream', -1],
    ['stream_exists', 0], ['stream_exists', 7],
    [0, 0], [5, 5], [-1, -1],
  ] as const)('accepts expected %p when the stream is at %p', (expected, current) => {
    expect(() => assertExpectedRevision('s', expected, current)).not.toThrow();
  });

  it.each([
    ['no_stream', 0],
    ['stream_exists', -1],
    [0, -1], [0, 1], [4, 5], [-1, 0],
  ] as const)('rejects expected %p when the stream is at %p', (expected, current) => {
    let caught: unknown;
    try {
      assertExpectedRevision('s-1', expected, current);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WrongExpectedRevisionError);
    expect(caught).toMatchObject({ stream: 's-1', expected, actual: current, code: 'LEDGER.WRONG_EXPECTED_REVISION' });
  });
});

describe('isExpectedRevision', () => {
  it.each(['any', 'no_stream', 'stream_exists', -1, 0, 12])('accepts %p', (value) => {
    expect(isExpectedRevision(value)).toBe(true);
  });
  it.each(['none', -2, 1.5, Number.NaN, null, undefined, '3'])('rejects %p', (value) => {
    expect(isExpectedRevision(value)).toBe(false);
  });
});
