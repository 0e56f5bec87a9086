import { searchableText } from './searchable-text';

describe('searchableText', () => {
  it('keeps string and number values, not keys', () => {
    expect(searchableText({ note: 'hello world', page: 42, nested: { list: ['a b', true, null] } }, '$.arguments', [])).toBe('hello world\n42\na b');
  });

  it('leaves out every string a finding names, and whatever is below it', () => {
    const args = { to: 'zorya.quill@example.org', body: 'call me', cc: ['x@example.org', 'y'] };
    expect(searchableText(args, '$.arguments', ['$.arguments.to', '$.arguments.cc'])).toBe('call me');
  });

  it('places result findings under the result root', () => {
    const result = { content: [{ type: 'text', text: 'card 4539 1488 0343 6467' }, { type: 'text', text: 'fine' }] };
    expect(searchableText(result, '$', ['$.content[0].text'])).toBe('fine');
  });

  it('leaves out the whole object under a key a detector flagged', () => {
    const args = { 'zorya.quill@example.org': 'value', other: { keep: 'this' } };
    expect(searchableText(args, '$.arguments', ['$.arguments["[REDACTED:email]"]'])).toBe('');
    expect(searchableText({ a: { 'k@example.org': 'v' }, b: 'kept' }, '$.arguments', ['$.arguments.a["[REDACTED:email]"]'])).toBe('kept');
  });

  it('indexes nothing of a payload whose findings were capped', () => {
    expect(searchableText({ a: 'x' }, '$', Array.from({ length: 100 }, (_, i) => `$.b${i}`))).toBe('');
  });

  it('keeps an argument named type', () => {
    expect(searchableText({ type: 'invoice' }, '$.arguments', [])).toBe('invoice');
  });

  it('skips binary content and a result’s structure', () => {
    const result = { content: [{ type: 'image', data: 'iVBORw0KGgo', mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'file:///a', blob: 'AAAA' } }] };
    expect(searchableText(result, '$', [])).toBe('file:///a');
  });
});
