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
    // evicted: older items the feed let go (it holds WARDEN_REVIEW_FEED_MAX); the forensic index still has those calls.
    return { reviews: this.reviews.list(user.orgId, filterOf(query)), evicted: this.reviews.evicted(user.orgId) };
  }

  @Post(':callId/review')
  @HttpCode(200)
  async review(@CurrentUser() user: UserPrincipal, @Param('callId') callId: string, @Body() body: ReviewCallDto) {
    if (!this.reviews.get(user.orgId, callId)) throw new WardenError('not_found', 'REVIEW.UNKNOWN', 'no observed call with this id in this organisation', { callId: callId.slice(0, 64) });
    await this.aggregates.handle(reviewDecider, { type: 'ReviewCall', callId, comment: body.comment }, { stream: reviewStream(callId), org: user.orgId, actor: actorOf(user) });
    return this.reviews.get(user.orgId, callId);
  }
}

function filterOf(query: Record<string, unknown>): ReviewFilter {
  const filter: ReviewFilter = {};
  for (const [key, value] of Object.entries(query)) {
    if (!(FILTERS as readonly string[]).includes(key)) throw new WardenError('bad_request', 'VALIDATION.FAILED', `unknown filter ${key} (known: ${FILTERS.join(', ')})`, { field: key });
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw new WardenError('bad_request', 'VALIDATION.FAILED', `${key} must be given once, as text`, { field: key });
    if (key === 'state' && value !== 'open' && value !== 'reviewed') throw new WardenError('bad_request', 'VALIDATION.FAILED', 'state must be open or reviewed', { field: 'state' });
    (filter as Record<string, string>)[key] = value;
  }
  return filter;
}
