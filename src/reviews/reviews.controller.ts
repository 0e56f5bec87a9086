import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { AggregateStore } from '../ledger/aggregate-store';
import { ReviewCallDto } from './dto/review-call.dto';
import { reviewDecider } from './review.decider';
import { reviewStream } from './reviews.events';
import { ReviewsReadModel, type ReviewFilter } from './reviews.read-model';

const FILTERS = ['agent', 'server', 'rule', 'state'] as const;
const PAGE = ['cursor', 'limit'] as const;
export const DEFAULT_REVIEW_PAGE = 100;
export const MAX_REVIEW_PAGE = 1000;

/** The review feed of observed calls, and reviewers' marks (CallReviewed). */
@ApiTags('reviews')
@Roles('approver', 'investigator', 'admin')
@Controller('v1/reviews')
export class ReviewsController {
  constructor(
    private readonly reviews: ReviewsReadModel,
    private readonly aggregates: AggregateStore,
  ) {}

  @Get()
  list(@CurrentUser() user: UserPrincipal, @Query() query: Record<string, unknown>) {
    const { filter, page } = queryOf(query);
    const { items, next } = this.reviews.page(user.orgId, filter, page);
    // evicted: older items the feed let go (it holds WARDEN_REVIEW_FEED_MAX); the forensic index still has those calls.
    return { reviews: items, nextCursor: next === null ? null : cursorOf(next), evicted: this.reviews.evicted(user.orgId) };
  }

  @Post(':callId/review')
  @HttpCode(200)
  async review(@CurrentUser() user: UserPrincipal, @Param('callId') callId: string, @Body() body: ReviewCallDto) {
    if (!this.reviews.get(user.orgId, callId)) throw new WardenError('not_found', 'REVIEW.UNKNOWN', 'no observed call with this id in this organisation', { callId: callId.slice(0, 64) });
    await this.aggregates.handle(reviewDecider, { type: 'ReviewCall', callId, comment: body.comment }, { stream: reviewStream(callId), org: user.orgId, actor: actorOf(user) });
    return this.reviews.get(user.orgId, callId);
  }
}

/** Filters and the page; anything unknown or malformed is a 400 naming the field, and changes nothing. */
function queryOf(query: Record<string, unknown>): { filter: ReviewFilter; page: { after: number; limit: number } } {
  const filter: ReviewFilter = {};
  const page = { after: 0, limit: DEFAULT_REVIEW_PAGE };
  for (const [key, value] of Object.entries(query)) {
    if (!(FILTERS as readonly string[]).includes(key) && !(PAGE as readonly string[]).includes(key)) {
      throw new WardenError('bad_request', 'VALIDATION.FAILED', `unknown parameter ${key} (known: ${[...FILTERS, ...PAGE].join(', ')})`, { field: key });
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw new WardenError('bad_request', 'VALIDATION.FAILED', `${key} must be given once, as text`, { field: key });
    if (key === 'state' && value !== 'open' && value !== 'reviewed') throw new WardenError('bad_request', 'VALIDATION.FAILED', 'state must be open or reviewed', { field: 'state' });
    if (key === 'limit') {
      if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_REVIEW_PAGE) {
        throw new WardenError('bad_request', 'VALIDATION.FAILED', `limit must be an integer from 1 to ${MAX_REVIEW_PAGE}`, { field: 'limit' });
      }
      page.limit = Number(value);
    } else if (key === 'cursor') {
      page.after = afterOf(value);
    } else {
      (filter as Record<string, string>)[key] = value;
    }
  }
  return { filter, page };
}

/** The cursor is opaque to clients: `r` and the ordinal the next page starts from. */
function cursorOf(ordinal: number): string {
  return `r${ordinal}`;
}

function afterOf(cursor: string): number {
  const ordinal = /^r(\d{1,15})$/.exec(cursor);
  if (!ordinal) throw new WardenError('bad_request', 'VALIDATION.FAILED', 'cursor must be a nextCursor this list returned', { field: 'cursor' });
  return Number(ordinal[1]);
}
