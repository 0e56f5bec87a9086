import type { EventEnvelope } from '@warden/ledger';

/**
 * A pure decider per aggregate (the Emmett shape): decide(command, state) → events and
 * evolve(state, event) → state. No Nest, no I/O; the command handler is a thin shell around it.
 */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

export interface Decider<C, E extends DomainEvent, S> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): E[];
}

/** Folds recorded envelopes into state, ignoring types the decider does not know. */
export function foldEnvelopes<E extends DomainEvent, S>(
  decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>,
  envelopes: EventEnvelope[],
): S {
  return envelopes.reduce((state, env) => decider.evolve(state, { type: env.type, data: env.data } as E), decider.initialState());
}
