import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WardenError } from '../../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { toJsonRpcError } from '../../gateway/edge/jsonrpc-errors';
import { RejectedRequests } from '../../gateway/tool-call/rejected-requests';
import { CLOCK, type Clock } from '../../ledger/clock';
import { WardenMetrics } from '../../metrics/warden-metrics';
import { SourceBuckets } from './source-buckets';

export const SOURCE_THROTTLED = 'LIMIT.SOURCE_THROTTLED';

/** The surfaces the throttle guards, each with its own error shape. */
type Surface = 'mcp' | 'api';

function surfaceOf(url: string): Surface | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path === '/mcp' || path.startsWith('/mcp/')) return 'mcp';
  if (path === '/v1' || path.startsWith('/v1/')) return 'api';
  return undefined;
}

/**
 * A rejection the source caused: a 4xx, except the answers that are ordinary protocol (405: no
 * stream without a session; 409: a concurrent change won) and the throttle's own 429.
 */
const isRejection = (status: number) => status >= 400 && status < 500 && status !== 405 && status !== 409 && status !== 429;

const throttledRequests = new WeakSet<FastifyRequest>();

/**
 * Throttles a source (remote address) whose requests /mcp and /v1 keep rejecting (bad keys or
 * tokens, malformed JSON-RPC, edge refusals): past WARDEN_REJECTED_PER_SOURCE_PER_MINUTE (a
 * token bucket), its requests are answered 429 `LIMIT.SOURCE_THROTTLED` with Retry-After in
 * Fastify's onRequest hook, before authentication, body parsing or any other work. Throttled
 * requests are only counted (RejectedRequests: one RequestsRejected summary per source and
 * minute), never recorded one by one. Other sources are not affected.
 */
@Injectable()
export class SourceThrottle {
  private readonly logger = new Logger('SourceThrottle');
  private readonly buckets?: SourceBuckets;
  private readonly lastNoted = new Map<string, number>();

  constructor(
    @Inject(WARDEN_CONFIG) config: WardenConfig,
    private readonly rejections: RejectedRequests,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: WardenMetrics,
  ) {
    const { rejectedPerMinute, maxTrackedSources } = config.sourceThrottle;
    if (rejectedPerMinute > 0) this.buckets = new SourceBuckets(rejectedPerMinute, maxTrackedSources);
  }

  /** The seam at the HTTP edge: two hooks on the server, registered before any route. */
  register(fastify: FastifyInstance): void {
    const buckets = this.buckets;
    if (!buckets) return;
    fastify.addHook('onRequest', (req, reply, done) => {
      const surface = surfaceOf(req.url);
      const verdict = surface ? buckets.check(req.ip, this.clock.nowMs()) : undefined;
      if (!surface || !verdict?.throttled) return done();
      throttledRequests.add(req);
      this.rejections.count(req.ip, SOURCE_THROTTLED);
      this.metrics.throttled(surface);
      this.refuse(reply, surface, Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)));
    });
    fastify.addHook('onResponse', (req, reply, done) => {
      if (!throttledRequests.has(req) && isRejection(reply.statusCode) && surfaceOf(req.url)) {
        const nowMs = this.clock.nowMs();
        buckets.reject(req.ip, nowMs);
        if (buckets.check(req.ip, nowMs).throttled) this.noteThrottled(req.ip);
      }
      done();
    });
  }

  private refuse(reply: FastifyReply, surface: Surface, retryAfterSeconds: number): void {
    const message = 'too many rejected requests from this address; retry later';
    reply.code(429).header('retry-after', String(retryAfterSeconds));
    if (surface === 'mcp') {
      const error = toJsonRpcError(new WardenError('denied', SOURCE_THROTTLED, message, { retryAfterSeconds }));
      reply.header('content-type', 'application/json').send(JSON.stringify({ jsonrpc: '2.0', id: null, error }));
    } else {
      const problem = { type: 'about:blank', title: 'throttled', status: 429, code: SOURCE_THROTTLED, reason: SOURCE_THROTTLED, detail: message, retryAfterSeconds };
      reply.header('content-type', 'application/problem+json').send(JSON.stringify(problem));
    }
  }

  /** Logged when a source runs out of tokens, at most once a minute per source, never per throttled request. */
  private noteThrottled(source: string): void {
    const nowMs = this.clock.nowMs();
    if (nowMs - (this.lastNoted.get(source) ?? -Infinity) < 60_000) return;
    if (this.lastNoted.size >= 1000) this.lastNoted.clear();
    this.lastNoted.set(source, nowMs);
    this.logger.warn(`throttling ${source}: more than ${this.buckets!.perMinute} rejected requests a minute (${SOURCE_THROTTLED})`);
  }
}
