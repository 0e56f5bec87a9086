import { prefixRange, prefixRanges } from './stream-prefix-reader';

describe('stream name ranges of prefixes', () => {
  it('bounds a prefix by its last code point incremented', () => {
    expect(prefixRange('calls-')).toEqual({ from: 'calls-', to: 'calls.' });
    expect(prefixRange('ké')).toEqual({ from: 'ké', to: 'kê' });
    expect(prefixRange('a\u{1F600}')).toEqual({ from: 'a\u{1F600}', to: 'a\u{1F601}' });
  });

  it('skips the surrogates (no UTF-8 text holds them) and carries past U+10FFFF', () => {
    expect(prefixRange('a\uD7FF')).toEqual({ from: 'a\uD7FF', to: 'a\uE000' });
    expect(prefixRange('a\u{10FFFF}')).toEqual({ from: 'a\u{10FFFF}', to: 'b' });
    expect(prefixRange('\u{10FFFF}')).toBeUndefined();
  });

  it('keeps one range per prefix not inside a shorter one, and none when one has no bound', () => {
    expect(prefixRanges(['agent-', 'agent-a1', 'org-', 'agent-'])).toEqual([
      { from: 'agent-', to: 'agent.' },
      { from: 'org-', to: 'org.' },
    ]);
    expect(prefixRanges(['org-', '\u{10FFFF}'])).toBeUndefined();
  });
});
