import {
  aggregatedPromptName,
  namespacedPromptResult,
  namespacedReadResult,
  namespacedTemplates,
  parseWardenUri,
  splitAggregatedName,
  wardenUri,
} from './aggregate-names';

describe('names on the aggregated endpoint', () => {
  it.each([
    'test://static-text',
    'file:///home/a b/x.txt',
    'https://example.com/a/../b?q=1&r=%2F#frag',
    'notes://index',
    'warden://other/nested://x',
    'urn:isbn:0451450523',
  ])('a resource URI survives the round trip: %s', (uri) => {
    const namespaced = wardenUri('docs', uri);
    expect(namespaced.startsWith('warden://docs/')).toBe(true);
    expect(parseWardenUri(namespaced)).toEqual({ slug: 'docs', name: uri });
  });

  it('a namespaced template expands to the namespaced expansion of the upstream template, whatever the value', () => {
    const [{ uriTemplate }] = namespacedTemplates('docs', [{ uriTemplate: 'test://template/{id}/data', name: 't' }]);
    expect(uriTemplate).toBe('warden://docs/test://template/{id}/data');
    // RFC 6570 simple expansion percent-encodes reserved characters of the value: 'a/b' -> 'a%2Fb'.
    const expanded = (uriTemplate as string).replace('{id}', encodeURIComponent('a/b'));
    expect(parseWardenUri(expanded)).toEqual({ slug: 'docs', name: 'test://template/a%2Fb/data' });
  });

  it.each(['test://x', 'warden://', 'warden:///x', 'warden://docs', 'warden://docs/', 42, undefined])('%p is not a warden URI', (uri) => {
    expect(parseWardenUri(uri)).toBeUndefined();
  });

  it('a prompt is <slug>__<name>; the first __ separates, so upstream names may contain __', () => {
    expect(aggregatedPromptName('docs', 'my__prompt')).toBe('docs__my__prompt');
    expect(splitAggregatedName('docs__my__prompt')).toEqual({ slug: 'docs', name: 'my__prompt' });
    for (const bad of ['plain', '__x', 'docs__', '', null]) expect(splitAggregatedName(bad)).toBeUndefined();
  });

  it('rewrites the URIs a read result and a prompt result embed, and nothing else', () => {
    expect(namespacedReadResult('s', { contents: [{ uri: 'a://1', text: 't' }, { blob: 'AA==' }] })).toEqual({
      contents: [{ uri: 'warden://s/a://1', text: 't' }, { blob: 'AA==' }],
    });
    const prompt = namespacedPromptResult('s', {
      description: 'd',
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: 'a://1', text: 'x' } } },
        { role: 'user', content: { type: 'resource_link', uri: 'a://2', name: 'n' } },
        { role: 'user', content: { type: 'text', text: 'a://3' } },
      ],
    });
    expect(prompt).toEqual({
      description: 'd',
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: 'warden://s/a://1', text: 'x' } } },
        { role: 'user', content: { type: 'resource_link', uri: 'warden://s/a://2', name: 'n' } },
        { role: 'user', content: { type: 'text', text: 'a://3' } },
      ],
    });
  });
});
