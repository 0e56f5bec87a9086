import type { Decider } from '../../ledger/decider';
import { PAYLOAD_RETENTION_SET, type RetentionEvent } from './retention.events';

export interface SetRetention {
  type: 'SetRetention';
  days: number | null;
}

export interface RetentionState {
  days: number | null;
}

/** Setting the rule in force again records nothing (an idempotent repeat). */
export const retentionDecider: Decider<SetRetention, RetentionEvent, RetentionState> = {
  initialState: () => ({ days: null }),
  evolve(state, event) {
    switch (event.type) {
      case PAYLOAD_RETENTION_SET:
        return { days: event.data.days };
      default: {
        const never: never = event.type;
        return never ?? state;
      }
    }
  },
  decide(command, state) {
    if (command.days === state.days) return [];
    return [{ type: PAYLOAD_RETENTION_SET, data: { days: command.days } }];
  },
};
