import { LineFraming } from './line-framing';

describe('LineFraming', () => {
  const framed = (max = 1024) => {
    const lines: string[] = [];
    let oversized = 0;
    const framing = new LineFraming((line) => lines.push(line), max, () => oversized++);
    return { lines, framing, oversized: () => oversized };
  };

  it('cuts lines at each newline, across chunks and several per chunk; a trailing CR is dropped; an unfinished line waits', () => {
    const { lines, framing } = framed();
    framing.push(Buffer.from('{"a":1}\n{"b"'));
    framing.push(Buffer.from(':2}\r\n{"c":3}\n{"d"'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    framing.push(Buffer.from(':4}\n'));
    expect(lines.at(-1)).toBe('{"d":4}');
  });

  it('decodes UTF-8 only once a line is whole (a character split between chunks stays intact)', () => {
    const { lines, framing } = framed();
    const bytes = Buffer.from('"héllo ✓ 𝄞"\n');
    for (let i = 0; i < bytes.length; i++) framing.push(bytes.subarray(i, i + 1));
    expect(lines).toEqual(['"héllo ✓ 𝄞"']);
  });

  it('stays linear: a 4 MiB line in 4,096 small chunks is scanned once and joined once', () => {
    const { lines, framing } = framed(8 * 1024 * 1024);
    const line = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { text: 'x'.repeat(4 * 1024 * 1024) } });
    const bytes = Buffer.from(`${line}\n`);
    const chunk = Math.ceil(bytes.length / 4096);
    let scanned = 0;
    let joins = 0;
    const indexOf = jest.spyOn(Buffer.prototype, 'indexOf').mockImplementation(function (this: Buffer, value: unknown, from?: unknown) {
      scanned += this.length - (typeof from === 'number' ? from : 0);
      return Uint8Array.prototype.indexOf.call(this, value as number, from as number);
    });
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      for (let at = 0; at < bytes.length; at += chunk) framing.push(bytes.subarray(at, at + chunk));
      joins = concat.mock.calls.length;
    } finally {
      indexOf.mockRestore();
      concat.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0] === line).toBe(true);
    expect(scanned).toBeLessThanOrEqual(bytes.length);
    expect(joins).toBe(1);
  });

  it('drops a line longer than the bound whole, up to its newline, and reads the next one', () => {
    const { lines, framing, oversized } = framed(10);
    framing.push(Buffer.from('{"short":1}'.slice(0, 5)));
    framing.push(Buffer.from('x'.repeat(20)));
    framing.push(Buffer.from('still the long line\n{"n":2}\n'));
    framing.push(Buffer.from(`${'y'.repeat(11)}\n{"n":3}\n`));
    expect(lines).toEqual(['{"n":2}', '{"n":3}']);
    expect(oversized()).toBe(2);
  });
});
