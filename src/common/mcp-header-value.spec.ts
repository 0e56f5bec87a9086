import { decodeMcpHeaderValue, encodeMcpHeaderValue, mcpParamHeaders } from './mcp-header-value';

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

  describe('mcpParamHeaders', () => {
    const schema = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        count: { type: 'integer', 'x-mcp-header': 'Count' },
        dry: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
        target: { type: 'object', properties: { host: { type: 'string', 'x-mcp-header': 'Host' } } },
        text: { type: 'string' },
      },
    };

    it('mirrors the declared primitive arguments, nested ones too, encoding what is not plain ASCII', () => {
      expect(mcpParamHeaders(schema, { region: 'eu-west', count: 3, dry: false, target: { host: 'münchen' }, text: 'not a header' })).toEqual({
        'mcp-param-region': 'eu-west',
        'mcp-param-count': '3',
        'mcp-param-dry-run': 'false',
        'mcp-param-host': `=?base64?${Buffer.from('münchen').toString('base64')}?=`,
      });
    });

    it('emits nothing for absent, null or non-primitive values, nor for a schema without declarations', () => {
      expect(mcpParamHeaders(schema, { region: null, count: 2 ** 60, dry: { no: 1 } })).toEqual({});
      expect(mcpParamHeaders({ type: 'object' }, { region: 'eu' })).toEqual({});
      expect(mcpParamHeaders(undefined, undefined)).toEqual({});
    });
  });
});
