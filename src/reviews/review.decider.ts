import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { ReviewEvent } from './reviews.events';

export type ReviewCall = { type: 'ReviewCall'; callId: string; comment: string };

/** An observed call is reviewed once; a second review is a conflict, and changes nothing. */
export const reviewDecider: Decider<ReviewCall, ReviewEvent, { reviewed: boolean }> = {
  initialState: () => ({ reviewed: false }),
  evolve: () => ({ reviewed: true }),
  decide(command, state) {
    if (state.reviewed) throw new WardenError('conflict', 'REVIEW.ALREADY_REVIEWED', 'this call was already reviewed', { callId: command.callId });
    return [{ type: 'CallReviewed', data: { callId: command.callId, comment: command.comment } }];
  },
};
