import { decodeMcpHeaderValue, encodeMcpHeaderValue } from './mcp-header-value';

describe('MCP routing header values', () => {
  it.each(['echo', 'read_note', 'file:///tmp/a b.txt', 'a\tb'])('passes plain ASCII through: %j', (value) => {
    expect(encodeMcpHeaderValue(value)).toBe(value);
    expect(decodeMcpHeaderValue(value)).toBe(value);
  });

  it.each(['', ' padded', 'trailing ', 'naïve', '日本語', 'line\nbreak', '=?base64?aGk=?='])('encodes and round-trips %j', (value) => {
    const encoded = encodeMcpHeaderValue(value);
    expect(encoded).toMatch(/^=\?base64\?[A-Za-z0-9+/]*={0,2}\?=$/);
    expect(decodeMcpHeaderValue(encoded)).toBe(value);
  });

  it('decodes what the SDK client emits for a non-ASCII name', () => {
    expect(decodeMcpHeaderValue('=?base64?w6ljaG8=?=')).toBe('écho');
  });

  it.each(['=?base64?not base64!?=', '=?base64?abc?=', '=?base64?/w==?='])('refuses a malformed sentinel %j', (header) => {
    expect(decodeMcpHeaderValue(header)).toBeUndefined();
  });
});
