import { WardenError } from '../../common/warden-error';
import type { Decider } from '../../ledger/decider';
import type { PlatformEvent } from './platform.events';

export type PlatformOperatorCommand = { type: 'CreatePlatformOperator'; operatorId: string; keyHash: string; hint: string; label: string };

export interface PlatformOperatorsState {
  operatorIds: Set<string>;
}

export const platformOperatorDecider: Decider<PlatformOperatorCommand, PlatformEvent, PlatformOperatorsState> = {
  initialState: () => ({ operatorIds: new Set() }),
  evolve(state, event) {
    return { operatorIds: new Set([...state.operatorIds, event.data.operatorId]) };
  },
  decide(command, state) {
    if (state.operatorIds.has(command.operatorId)) throw new WardenError('conflict', 'PLATFORM.OPERATOR_EXISTS', 'platform operator already exists');
    const { operatorId, keyHash, hint, label } = command;
    return [{ type: 'PlatformOperatorCreated', data: { operatorId, keyHash, hint, label } }];
  },
};
