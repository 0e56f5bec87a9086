import { randomUUID } from 'node:crypto';

/**
 * Sessions of 2025-revision agents live only at the edge (DESIGN.md §4): they remember the
 * negotiated revision, never identity — every request is still authenticated by its own key,
 * and a session is bound to the agent and endpoint that opened it.
 */
export interface LegacySession {
  id: string;
  agentId: string;
  endpoint: string;
  protocolVersion: string;
  clientInfo: unknown;
  /** What the agent said it can do (sampling, elicitation, roots): server requests are relayed only for these. */
  clientCapabilities: Record<string, unknown>;
  lastSeenMs: number;
}

export class LegacySessions {
  private readonly sessions = new Map<string, LegacySession>();

  constructor(
    private readonly maxSessions = 50_000,
    private readonly idleMs = 60 * 60 * 1000,
  ) {}

  open(agentId: string, endpoint: string, protocolVersion: string, clientInfo: unknown, clientCapabilities: Record<string, unknown>, nowMs: number): LegacySession {
    if (this.sessions.size >= this.maxSessions) this.evictIdle(nowMs);
    if (this.sessions.size >= this.maxSessions) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session = { id: randomUUID(), agentId, endpoint, protocolVersion, clientInfo, clientCapabilities, lastSeenMs: nowMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session, if it exists, is fresh, and belongs to this agent on this endpoint. */
  find(id: string, agentId: string, endpoint: string, nowMs: number): LegacySession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.agentId !== agentId || session.endpoint !== endpoint) return undefined;
    if (nowMs - session.lastSeenMs > this.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenMs = nowMs;
    return session;
  }

  /** The session as it is, without touching its idle clock (for notifications, which are not the agent's activity). */
  peek(id: string): LegacySession | undefined {
    return this.sessions.get(id);
  }

  close(id: string, agentId: string): boolean {
    const session = this.sessions.get(id);
    if (!session || session.agentId !== agentId) return false;
    return this.sessions.delete(id);
  }

  private evictIdle(nowMs: number): void {
    for (const [id, s] of this.sessions) if (nowMs - s.lastSeenMs > this.idleMs) this.sessions.delete(id);
  }
}
