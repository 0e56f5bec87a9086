import { createHmac, timingSafeEqual } from 'node:crypto';
import { WardenError } from '../../common/warden-error';

/**
 * The cursor of a list on the aggregated endpoint: which upstream the next page comes from and
 * that upstream's own cursor (null: its first page). Opaque to the agent and tamper-evident:
 * `base64url(JSON) . base64url(HMAC-SHA256)` under a key derived from the deployment secret, so
 * every node of the deployment accepts the cursors of the others. It is bound to the list method,
 * the organisation and the agent: a cursor altered, made up, or presented by anyone else is
 * refused (-32602, EDGE.INVALID_CURSOR) and changes nothing.
 */
export interface AggregatePosition {
  /** The server the page comes from. */
  serverId: string;
  /** That server's own cursor; null for its first page. */
  upstreamCursor: string | null;
}

export interface CursorBinding {
  method: string;
  orgId: string;
  agentId: string;
}

interface Sealed {
  v: 1;
  m: string;
  o: string;
  a: string;
  s: string;
  c: string | null;
}

/** Upstream cursors are opaque strings of their own; one this long is not relayed. */
const MAX_CURSOR_CHARS = 4096;

export class AggregateCursors {
  private readonly key: Buffer;

  constructor(deploymentSecret: Uint8Array) {
    this.key = createHmac('sha256', Buffer.from(deploymentSecret)).update('warden aggregate cursor v1').digest();
  }

  seal(position: AggregatePosition, binding: CursorBinding): string {
    const sealed: Sealed = { v: 1, m: binding.method, o: binding.orgId, a: binding.agentId, s: position.serverId, c: position.upstreamCursor };
    const body = Buffer.from(JSON.stringify(sealed), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The position a cursor names, or EDGE.INVALID_CURSOR when it was not sealed here for this list and agent. */
  open(cursor: unknown, binding: CursorBinding): AggregatePosition {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_CHARS) throw invalidCursor('the cursor is not one this endpoint issued');
    const dot = cursor.indexOf('.');
    const body = cursor.slice(0, dot);
    const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = this.mac(body);
    if (dot <= 0 || mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw invalidCursor('the cursor is not one this endpoint issued');
    let sealed: Sealed;
    try {
      sealed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Sealed;
    } catch {
      throw invalidCursor('the cursor is not one this endpoint issued');
    }
    if (sealed.v !== 1 || typeof sealed.s !== 'string' || (sealed.c !== null && typeof sealed.c !== 'string')) throw invalidCursor('the cursor is not one this endpoint issued');
    if (sealed.m !== binding.method || sealed.o !== binding.orgId || sealed.a !== binding.agentId) {
      throw invalidCursor(`the cursor was issued for another list or agent, not ${binding.method} of this agent`);
    }
    return { serverId: sealed.s, upstreamCursor: sealed.c };
  }

  /** Whether an upstream's cursor can be carried inside one of ours. */
  static carries(upstreamCursor: unknown): upstreamCursor is string {
    return typeof upstreamCursor === 'string' && upstreamCursor.length <= MAX_CURSOR_CHARS / 2;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body, 'utf8').digest();
  }
}

function invalidCursor(message: string): WardenError {
  return new WardenError('bad_request', 'EDGE.INVALID_CURSOR', message, { field: 'cursor' });
}
