import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs (pino) for Nest. Secrets are redacted by the logger, not by hope: any
 * field named like a credential is censored, and bearer tokens / warden keys inside messages
 * are masked before a line is written.
 */
const REDACT_PATHS = ['authorization', '*.authorization', '*.*.authorization', 'apiKey', '*.apiKey', 'adminKey', '*.adminKey', 'key', '*.key', 'secret', '*.secret', 'password', '*.password', 'token', '*.token'];
const SECRET_IN_TEXT = /(wdn_(?:admin|agent)_)[A-Za-z0-9_-]+|(Bearer\s+)\S+/g;

export function maskSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_m, wardenPrefix: string | undefined, bearer: string | undefined) => `${wardenPrefix ?? bearer}[redacted]`);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'warden' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, traceOrContext?: string, context?: string) {
    this.write('error', message, context ?? traceOrContext);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, context?: string) {
    if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...(message as object) });
    } else {
      this.logger[level]({ context }, maskSecrets(String(message)));
    }
  }
}
