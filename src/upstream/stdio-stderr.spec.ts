import { PassThrough } from 'node:stream';
import { forwardStderrLines, redactor } from './stdio-stderr';

describe('stdio stderr', () => {
  it('redacts every secret, longest first, wherever it appears in a line', () => {
    const redact = redactor(['abc', 'abcdef', '']);
    expect(redact('key=abcdef and abc, abcabc')).toBe('key=[redacted] and [redacted], [redacted][redacted]');
  });

  it('forwards stderr line by line, redacted, long lines cut', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    forwardStderrLines(stream, ['s3cr3t-value'], (line) => lines.push(line));
    stream.write('first s3cr3t-');
    stream.write('value here\nsecond\r\n');
    stream.end(`${'x'.repeat(2500)}\n`);
    await new Promise((resolve) => stream.on('end', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.slice(0, 2)).toEqual(['first [redacted] here', 'second']);
    expect(lines[2]).toHaveLength(2001);
    expect(lines.join('\n')).not.toContain('s3cr3t');
  });
});
