import { Injectable } from '@nestjs/common';

/** RFC 5424 severities as MCP names them, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The 2026-07-28 per-request opt-in (deprecated with the rest of logging, SEP-2577). */
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';

export const isLogLevel = (value: unknown): value is LogLevel => typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);

/**
 * Whether a `notifications/message` is at or above `minimum`. A message without a valid level is
 * never relayed under a minimum (it cannot be shown to meet it); with no minimum, every valid one is.
 */
export function meetsLevel(message: Record<string, unknown>, minimum: LogLevel | undefined): boolean {
  const level = (message.params as { level?: unknown } | undefined)?.level;
  if (!isLogLevel(level)) return false;
  return minimum === undefined || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum);
}

/**
 * The level each 2025 agent session asked for with `logging/setLevel`: what warden relays to that
 * session (on a call's stream or its standalone stream) is filtered by it, whatever the upstream
 * was told. Bounded like the sessions themselves; the oldest entry goes first.
 */
@Injectable()
export class SessionLogLevels {
  private readonly levels = new Map<string, LogLevel>();
  private readonly max = 50_000;

  set(sessionId: string, level: LogLevel): void {
    this.levels.delete(sessionId);
    if (this.levels.size >= this.max) {
      const oldest = this.levels.keys().next().value;
      if (oldest !== undefined) this.levels.delete(oldest);
    }
    this.levels.set(sessionId, level);
  }

  get(sessionId: string | undefined): LogLevel | undefined {
    return sessionId === undefined ? undefined : this.levels.get(sessionId);
  }
}
