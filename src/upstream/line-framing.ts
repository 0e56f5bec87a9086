const NEWLINE = 0x0a;

/**
 * Newline-delimited framing (the MCP stdio transport: one UTF-8 JSON message per line). Linear
 * in the input: each chunk is scanned once, only its own bytes; the pieces of an unfinished line
 * are kept as a list and joined once, when its newline arrives (a 4 MiB result in many small
 * chunks costs no rescans). A line longer than `maxLineBytes` is dropped whole, up to its newline
 * (a child must not grow warden's memory without bound): `onOversized` is told, never its content.
 */
export class LineFraming {
  private pieces: Buffer[] = [];
  private pending = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes: number,
    private readonly onOversized: () => void = () => undefined,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const tail = chunk.subarray(start, end);
      start = end + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const size = this.pending + tail.length;
      const line = this.pieces.length === 0 ? tail : Buffer.concat([...this.pieces, tail], size);
      this.pieces = [];
      this.pending = 0;
      if (size > this.maxLineBytes) {
        this.onOversized();
        continue;
      }
      this.onLine(stripCarriageReturn(line.toString('utf8')));
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.subarray(start);
    if (this.pending + rest.length > this.maxLineBytes) {
      this.pieces = [];
      this.pending = 0;
      this.skipping = true;
      this.onOversized();
      return;
    }
    this.pieces.push(rest);
    this.pending += rest.length;
  }
}

const stripCarriageReturn = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
