import { parseCallQuery, TIMELINE_PARAMETERS } from './call-query';

describe('parseCallQuery', () => {
  it('maps every filter to the index’s, and records all but q and cursor', () => {
    const parsed = parseCallQuery({
      agent: 'a1',
      server: 's1',
      tool: 'echo',
      decision: 'step_up',
      rule: 'r1',
      workflow: 'wf',
      from: '2026-12-01T10:00:00.000001Z',
      to: '2026-12-01T12:00:00+01:00',
      minLatencyMs: '12.5',
      hasFindings: 'false',
      q: '"doc-1"',
      cursor: 'abc',
      limit: '10',
    });
    expect(parsed.filter).toEqual({
      agent: 'a1',
      server: 's1',
      tool: 'echo',
      decision: 'step_up',
      rule: 'r1',
      workflow: 'wf',
      fromUs: Date.parse('2026-12-01T10:00:00Z') * 1000 + 1,
      toUs: Date.parse('2026-12-01T11:00:00Z') * 1000,
      minLatencyMs: 12.5,
      hasFindings: false,
      q: '"doc-1"',
    });
    expect(parsed.page).toEqual({ limit: 10, cursor: 'abc' });
    expect(parsed.recorded).toEqual({ agent: 'a1', server: 's1', tool: 'echo', decision: 'step_up', rule: 'r1', workflow: 'wf', from: '2026-12-01T10:00:00.000001Z', to: '2026-12-01T12:00:00+01:00', minLatencyMs: 12.5, hasFindings: false, limit: 10 });
  });

  it('defaults to a page of 50', () => {
    expect(parseCallQuery({}).page).toEqual({ limit: 50 });
  });

  it.each([
    [{ colour: 'red' }, 'colour'],
    [{ tool: ['a', 'b'] }, 'tool'],
    [{ tool: '' }, 'tool'],
    [{ agent: 'x'.repeat(257) }, 'agent'],
    [{ decision: 'maybe' }, 'decision'],
    [{ from: '2026-12-01' }, 'from'],
    [{ to: '2026-13-01T00:00:00Z' }, 'to'],
    [{ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'from'],
    [{ minLatencyMs: '-1' }, 'minLatencyMs'],
    [{ minLatencyMs: '1e3' }, 'minLatencyMs'],
    [{ hasFindings: 'yes' }, 'hasFindings'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '201' }, 'limit'],
    [{ q: 'x'.repeat(1001) }, 'q'],
  ])('refuses %j naming %s', (query, field) => {
    expect(() => parseCallQuery(query as Record<string, unknown>)).toThrow(expect.objectContaining({ code: 'FORENSICS.INVALID_FILTER', details: { field } }));
  });

  it('takes only a page for a timeline', () => {
    expect(parseCallQuery({ limit: '5' }, TIMELINE_PARAMETERS).page).toEqual({ limit: 5 });
    expect(() => parseCallQuery({ tool: 'echo' }, TIMELINE_PARAMETERS)).toThrow(expect.objectContaining({ details: { field: 'tool' } }));
  });
});
