import type { UserCommand } from './user.decider';
import { userDecider as decider } from './user.decider';
import type { UserEvent } from './users.events';

const created: UserEvent = {
  type: 'UserCreated',
  data: { userId: 'u1', orgId: 'o1', name: 'ada', roles: ['operator'], keyId: 'k1', keyHash: 'h1', hint: 'wdn_user_#0', expiresAt: null },
};
const given = (events: UserEvent[]) => events.reduce(decider.evolve, decider.initialState());
const decide = (command: UserCommand, events: UserEvent[]) => decider.decide(command, given(events));

describe('user decider', () => {
  it('creates a user once', () => {
    const { type: _t, ...data } = { type: 'CreateUser' as const, ...created.data };
    expect(decide({ type: 'CreateUser', ...data }, [])).toEqual([created]);
    expect(() => decide({ type: 'CreateUser', ...data }, [created])).toThrow(expect.objectContaining({ code: 'USERS.EXISTS' }));
  });

  it('changes roles, and nothing happens when they are the same', () => {
    expect(decide({ type: 'ChangeRoles', roles: ['auditor', 'approver'] }, [created])).toEqual([
      { type: 'UserRolesChanged', data: { userId: 'u1', orgId: 'o1', roles: ['auditor', 'approver'] } },
    ]);
    expect(decide({ type: 'ChangeRoles', roles: ['operator'] }, [created])).toEqual([]);
  });

  it('refuses a change made against a stale revision (CONFLICT.STALE_REVISION), accepts the current one', () => {
    const changed: UserEvent = { type: 'UserRolesChanged', data: { userId: 'u1', orgId: 'o1', roles: ['admin'] } };
    expect(() => decide({ type: 'ChangeRoles', roles: ['auditor'], expectedRevision: 0 }, [created, changed])).toThrow(
      expect.objectContaining({ code: 'CONFLICT.STALE_REVISION', details: { expectedRevision: 0, revision: 1 } }),
    );
    expect(decide({ type: 'ChangeRoles', roles: ['auditor'], expectedRevision: 1 }, [created, changed])).toHaveLength(1);
  });

  it('refuses every change of a revoked user, naming the state (no reactivation)', () => {
    const revoked: UserEvent = { type: 'UserRevoked', data: { userId: 'u1', orgId: 'o1' } };
    for (const command of [
      { type: 'ChangeRoles', roles: ['admin'] },
      { type: 'RevokeUser' },
      { type: 'RotateKey', keyId: 'k2', keyHash: 'h2', hint: 'x', expiresAt: null },
    ] as UserCommand[]) {
      expect(() => decide(command, [created, revoked])).toThrow(expect.objectContaining({ code: 'USERS.REVOKED', details: { state: 'revoked' } }));
    }
  });

  it('refuses changes of a user that does not exist', () => {
    expect(() => decide({ type: 'RevokeUser' }, [])).toThrow(expect.objectContaining({ code: 'USERS.UNKNOWN' }));
  });
});
