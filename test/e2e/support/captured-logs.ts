import { createLogger, PinoNestLogger } from '../../../src/common/pino-logger';

/** The gateway's real structured logger (pino, with its redaction), writing into memory for a test to search. */
export class CapturedLogs {
  private readonly lines: string[] = [];
  readonly logger = new PinoNestLogger(createLogger('info', { write: (line: string) => void this.lines.push(line) }));

  text(): string {
    return this.lines.join('');
  }

  /** Parsed lines whose message contains `fragment`. */
  matching(fragment: string): Array<{ level: number; msg: string; context?: string }> {
    return this.lines.map((line) => JSON.parse(line)).filter((entry) => typeof entry.msg === 'string' && entry.msg.includes(fragment));
  }
}
