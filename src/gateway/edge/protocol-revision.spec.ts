import { checkSessionVersionHeader } from './protocol-revision';

describe('checkSessionVersionHeader', () => {
  it('accepts the session’s own revision, and no header', () => {
    expect(() => checkSessionVersionHeader('2025-11-25', '2025-11-25')).not.toThrow();
    expect(() => checkSessionVersionHeader(undefined, '2025-06-18')).not.toThrow();
  });

  it.each(['2025-06-18', '2025-03-26', '1999-01-01', 'garbage'])('refuses %p on a 2025-11-25 session, naming both', (sent) => {
    expect(() => checkSessionVersionHeader(sent, '2025-11-25')).toThrow(
      expect.objectContaining({ code: 'EDGE.HEADER_MISMATCH', details: { header: 'MCP-Protocol-Version', mismatch: { header: sent, session: '2025-11-25' } } }),
    );
  });
});
