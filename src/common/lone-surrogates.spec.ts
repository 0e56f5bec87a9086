import { loneSurrogatePath, mayHoldLoneSurrogate } from './lone-surrogates';

describe('loneSurrogatePath', () => {
  const parsed = (json: string) => JSON.parse(json) as unknown;

  it.each([
    ['a string value', '{"params":{"arguments":{"note":"a\\ud800b"}}}', 'msg.params.arguments.note'],
    ['a low surrogate alone', '{"params":{"name":"\\udc00"}}', 'msg.params.name'],
    ['an array element', '{"result":{"content":[{"text":"ok"},{"text":"x\\udbff"}]}}', 'msg.result.content[1].text'],
    ['a key', '{"params":{"arguments":{"fine":1,"k\\ud800":2}}}', 'msg.params.arguments.<key 2>'],
    ['a key that needs quoting', '{"params":{"_meta":{"io.modelcontextprotocol/x":"\\ud800"}}}', 'msg.params._meta["io.modelcontextprotocol/x"]'],
    ['the method', '{"method":"tools/\\ud800"}', 'msg.method'],
  ])('names where %s holds one, not the text', (_what, json, path) => {
    expect(loneSurrogatePath(parsed(json), 'msg')).toBe(path);
  });

  it('reports the first one in document order', () => {
    expect(loneSurrogatePath(parsed('{"a":{"b":"\\ud800"},"c":"\\ud800"}'), '$')).toBe('$.a.b');
  });

  it.each([
    ['a well-formed pair', '{"a":"\\ud83d\\ude00"}'],
    ['plain text and numbers', '{"a":[1,true,null,"x"]}'],
    ['an escaped backslash before u', '{"a":"\\\\ud800"}'],
  ])('accepts %s', (_what, json) => {
    expect(loneSurrogatePath(parsed(json), '$')).toBeUndefined();
  });

  it('walks deep nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}"\\ud800"${']'.repeat(100_000)}`;
    const path = loneSurrogatePath(parsed(deep), '$')!;
    expect(path.startsWith('$[0][0][0]')).toBe(true);
    expect(path.endsWith('…')).toBe(true);
  });

  it('pre-checks raw JSON text: only a surrogate escape can produce one', () => {
    expect(mayHoldLoneSurrogate('{"a":"\\ud800"}')).toBe(true);
    expect(mayHoldLoneSurrogate('{"a":"\\uDC00"}')).toBe(true);
    expect(mayHoldLoneSurrogate('{"a":"\\u00e9 😀"}')).toBe(false);
  });
});
