import { Injectable } from '@nestjs/common';
import { WardenError } from '../../common/warden-error';

/** Resources one agent session may be subscribed to at once. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 256;
/** Sessions with subscriptions kept at once; beyond, the oldest session's are forgotten. */
const MAX_SESSIONS = 50_000;

const key = (...parts: string[]) => JSON.stringify(parts);

/**
 * Which 2025 agent sessions subscribed to which resources of which server (`resources/subscribe`),
 * so that `notifications/resources/updated` reaches only them, and which upstream sessions hold
 * each subscription: the upstream is asked to subscribe once per upstream session and URI (the
 * first agent session), and to unsubscribe when the last one leaves. An upstream session is named
 * by its scope: '' for the pooled one, the agent id for an agent's own.
 */
@Injectable()
export class ResourceSubscriptions {
  /** edge session → keys of (serverId, uri) */
  private readonly bySession = new Map<string, Set<string>>();
  /** (serverId, scope, uri) → the edge sessions holding it */
  private readonly holders = new Map<string, Set<string>>();
  /** edge session → its (serverId, scope, uri) holder keys, to forget them together */
  private readonly heldBy = new Map<string, Set<string>>();

  /** Records the subscription; true when the upstream session must be asked (no other session holds it there). */
  subscribe(sessionId: string, serverId: string, scope: string, uri: string): boolean {
    let mine = this.bySession.get(sessionId);
    if (!mine) {
      if (this.bySession.size >= MAX_SESSIONS) this.forget(this.bySession.keys().next().value as string);
      mine = new Set();
      this.bySession.set(sessionId, mine);
    }
    const resource = key(serverId, uri);
    if (!mine.has(resource) && mine.size >= MAX_SUBSCRIPTIONS_PER_SESSION) {
      throw new WardenError('bad_request', 'EDGE.TOO_MANY_SUBSCRIPTIONS', `a session may hold at most ${MAX_SUBSCRIPTIONS_PER_SESSION} resource subscriptions`);
    }
    mine.add(resource);
    const holder = key(serverId, scope, uri);
    let sessions = this.holders.get(holder);
    const first = !sessions || sessions.size === 0;
    if (!sessions) {
      sessions = new Set();
      this.holders.set(holder, sessions);
    }
    sessions.add(sessionId);
    let held = this.heldBy.get(sessionId);
    if (!held) {
      held = new Set();
      this.heldBy.set(sessionId, held);
    }
    held.add(holder);
    return first;
  }

  /** Removes the subscription; true when it was the upstream session's last one for the URI (tell the upstream). */
  unsubscribe(sessionId: string, serverId: string, scope: string, uri: string): boolean {
    this.bySession.get(sessionId)?.delete(key(serverId, uri));
    const holder = key(serverId, scope, uri);
    this.heldBy.get(sessionId)?.delete(holder);
    const sessions = this.holders.get(holder);
    if (!sessions?.delete(sessionId)) return false;
    if (sessions.size > 0) return false;
    this.holders.delete(holder);
    return true;
  }

  /** The URIs some session holds on that upstream session (a 2026-07-28 upstream's listen watches exactly these). */
  urisHeld(serverId: string, scope: string): string[] {
    const uris: string[] = [];
    for (const holder of this.holders.keys()) {
      const [server, held, uri] = JSON.parse(holder) as [string, string, string];
      if (server === serverId && held === scope) uris.push(uri);
    }
    return uris;
  }

  isSubscribed(sessionId: string, serverId: string, uri: string): boolean {
    return this.bySession.get(sessionId)?.has(key(serverId, uri)) ?? false;
  }

  private forget(sessionId: string): void {
    this.bySession.delete(sessionId);
    for (const holder of this.heldBy.get(sessionId) ?? []) {
      const sessions = this.holders.get(holder);
      sessions?.delete(sessionId);
      if (sessions?.size === 0) this.holders.delete(holder);
    }
    this.heldBy.delete(sessionId);
  }
}
