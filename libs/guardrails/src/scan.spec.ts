import { compileGuardrailSet, guardrailSetDigest, parseGuardrailSet, scanContent, type GuardrailSet } from './index';

const compile = (set: GuardrailSet) => {
  const parsed = parseGuardrailSet(set);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return compileGuardrailSet(parsed.set, { version: 1, digest: guardrailSetDigest(parsed.set) });
};
const LIMITS = { maxBytes: 1 << 20 };
const AWS = 'AKIAIOSFODNN7EXAMPLE';

describe('scanContent', () => {
  it('blocks on a secret in nested arguments, naming the rule and the path, never the value', () => {
    const set = compile({ rules: [{ id: 'no-secrets', detector: 'secrets', action: 'block', where: 'arguments' }] });
    const out = scanContent(set, { method: 'tools/call', where: 'arguments' }, { a: { list: ['x', `key ${AWS}`] } }, '$.arguments', LIMITS);
    expect(out.blockedBy).toBe('no-secrets');
    expect(out.findings).toEqual([{ detector: 'secrets', rule: 'no-secrets', action: 'block', kind: 'aws_access_key', path: '$.arguments.a.list[1]' }]);
    expect(JSON.stringify(out.findings)).not.toContain(AWS);
  });

  it('redacts in place in MCP content and structuredContent, keeping the structure and not mutating the input', () => {
    const set = compile({ rules: [{ id: 'mask-mail', detector: 'email', action: 'redact' }] });
    const result = {
      content: [{ type: 'text', text: 'write to olga@example.com today' }, { type: 'image', data: 'b2xnYUBleGFtcGxlLmNvbQ==', mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'mailto:olga@example.com', text: 'olga@example.com' } }],
      structuredContent: { to: 'olga@example.com' },
    };
    const before = JSON.stringify(result);
    const out = scanContent(set, { method: 'tools/call', where: 'results' }, result, '$', LIMITS);
    expect(out.redacted).toBe(true);
    expect(out.content).toEqual({
      content: [{ type: 'text', text: 'write to [REDACTED:email] today' }, result.content[1], { type: 'resource', resource: { uri: 'mailto:olga@example.com', text: '[REDACTED:email]' } }],
      structuredContent: { to: '[REDACTED:email]' },
    });
    expect(JSON.stringify(result)).toBe(before);
    expect(out.findings.map((f) => f.path)).toEqual(['$.content[0].text', '$.content[2].resource.text', '$.structuredContent.to']);
  });

  it('honours exceptions by value and by path', () => {
    const set = compile({ rules: [{ id: 'mail', detector: 'email', action: 'block', except: { values: ['ok@example.com'], paths: ['$.arguments.cc'] } }] });
    const scan = (args: unknown) => scanContent(set, { method: 'tools/call', where: 'arguments' }, args, '$.arguments', LIMITS);
    expect(scan({ to: 'ok@example.com', cc: ['x@example.org'] }).findings).toEqual([]);
    expect(scan({ to: 'no@example.com' }).blockedBy).toBe('mail');
  });

  it('applies server- and tool-scoped rules only in their scope, and methods and where', () => {
    const set = compile({
      rules: [
        { id: 'tool-only', detector: 'us_ssn', action: 'warn', server: 'notes', tool: 'write_note' },
        { id: 'reads-only', detector: 'us_ssn', action: 'block', methods: ['resources/read'] },
      ],
    });
    const text = { t: 'ssn 123-45-6789' };
    expect(scanContent(set, { method: 'tools/call', where: 'arguments', serverSlug: 'notes', tool: 'write_note' }, text, '$', LIMITS).findings.map((f) => f.rule)).toEqual(['tool-only']);
    expect(scanContent(set, { method: 'tools/call', where: 'arguments', serverSlug: 'notes', tool: 'read_note' }, text, '$', LIMITS).rulesApplied).toBe(0);
    expect(scanContent(set, { method: 'resources/read', where: 'results', serverSlug: 'other' }, text, '$', LIMITS).blockedBy).toBe('reads-only');
  });

  it('runs custom RE2 patterns and keywords, redacting the whole token a match touches', () => {
    const set = compile({
      rules: [
        { id: 'project', detector: 'regex', pattern: 'PRJ-[0-9]{3}', kind: 'project_code', action: 'redact' },
        { id: 'words', detector: 'keyword', keywords: ['Bluebird'], action: 'redact' },
      ],
    });
    const out = scanContent(set, { method: 'tools/call', where: 'arguments' }, { s: 'see PRJ-1234x and bluebird, not bluebirds' }, '$', LIMITS);
    expect(out.content).toEqual({ s: 'see [REDACTED:project_code] and [REDACTED:words], not bluebirds' });
  });

  it('keeps JSON text valid when a custom match sits inside it (the widening stops at quotes and delimiters)', () => {
    const set = compile({ rules: [{ id: 'project', detector: 'regex', pattern: 'PRJ-[0-9]{3}', kind: 'project_code', action: 'redact' }] });
    const out = scanContent(set, { method: 'tools/call', where: 'results' }, { content: [{ type: 'text', text: '{"to":"x","code":"PRJ-123"}' }] }, '$', LIMITS);
    expect(JSON.parse((out.content as { content: Array<{ text: string }> }).content[0].text)).toEqual({ to: 'x', code: '[REDACTED:project_code]' });
  });

  it('scans keys too, and never writes a matching key into a recorded path', () => {
    const block = compile({ rules: [{ id: 'no-secrets', detector: 'secrets', action: 'block' }, { id: 'mail', detector: 'email', action: 'warn' }] });
    const out = scanContent(block, { method: 'tools/call', where: 'arguments' }, { [AWS]: { to: 'a@example.com' } }, '$.arguments', LIMITS);
    expect(out.blockedBy).toBe('no-secrets');
    expect(out.findings.map((f) => f.path)).toEqual(['$.arguments["[REDACTED:aws_access_key]"]', '$.arguments["[REDACTED:aws_access_key]"].to']);
    expect(JSON.stringify(out.findings)).not.toContain(AWS);
    const redact = compile({ rules: [{ id: 'mask', detector: 'secrets', action: 'redact' }] });
    expect(scanContent(redact, { method: 'tools/call', where: 'arguments' }, { [AWS]: 1, keep: 2 }, '$', LIMITS).content).toEqual({ '[REDACTED:aws_access_key]': 1, keep: 2 });
  });

  it('runs the union prefilter with each custom rule’s own case flag', () => {
    const set = compile({
      rules: [
        { id: 'exact', detector: 'regex', pattern: 'ABC-[0-9]{3}', action: 'warn' },
        { id: 'loose', detector: 'regex', pattern: 'xyz-[0-9]{3}', ignoreCase: true, action: 'warn' },
      ],
    });
    const rulesOf = (text: string) => scanContent(set, { method: 'tools/call', where: 'arguments' }, { text }, '$', LIMITS).findings.map((f) => f.rule);
    expect(rulesOf('abc-123 XYZ-456')).toEqual(['loose']);
    expect(rulesOf('ABC-123')).toEqual(['exact']);
    expect(rulesOf('nothing here')).toEqual([]);
  });

  it('decides oversize and over-deep content by the set, never crashing', () => {
    const block = compile({ rules: [{ id: 'm', detector: 'email', action: 'warn' }] });
    const skip = compile({ rules: [{ id: 'm', detector: 'email', action: 'warn' }], oversize: 'skip' });
    const big = { s: 'x'.repeat(2000) };
    expect(scanContent(block, { method: 'tools/call', where: 'arguments' }, big, '$', { maxBytes: 1000 }).oversize).toEqual({ decision: 'block', reason: 'bytes', bytes: 2008 });
    let deep: unknown = 'a@example.com';
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expect(scanContent(skip, { method: 'tools/call', where: 'arguments' }, deep, '$', LIMITS).oversize).toMatchObject({ decision: 'skip', reason: 'depth' });
  });
});

describe('parseGuardrailSet', () => {
  it('refuses unknown keys, duplicate ids, unknown detectors and non-RE2 patterns, with paths', () => {
    const parsed = parseGuardrailSet({
      rules: [
        { id: 'a', detector: 'regex', pattern: '(a)\\1', action: 'block' },
        { id: 'a', detector: 'nope', action: 'block', colour: 'red' },
        { id: 'b', detector: 'regex', pattern: '(?=x)', action: 'warn' },
        { id: 'c', detector: 'regex', pattern: 'x*', action: 'warn' },
        { id: 'd', detector: 'email', action: 'explode', tool: 't' },
      ],
    });
    expect(parsed.ok).toBe(false);
    const codes = !parsed.ok ? parsed.issues.map((i) => `${i.path} ${i.code}`) : [];
    expect(codes).toEqual([
      'rules[0].pattern GUARDRAILS.BAD_PATTERN',
      'rules[1].id GUARDRAILS.DUPLICATE_ID',
      'rules[1].colour GUARDRAILS.UNKNOWN_KEY',
      'rules[1].detector GUARDRAILS.UNKNOWN_DETECTOR',
      'rules[2].pattern GUARDRAILS.BAD_PATTERN',
      'rules[3].pattern GUARDRAILS.BAD_PATTERN',
      'rules[4].action GUARDRAILS.INVALID',
      'rules[4].tool GUARDRAILS.INVALID',
    ]);
  });
});
