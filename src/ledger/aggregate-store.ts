import { Inject, Injectable } from '@nestjs/common';
import type { Actor, EventEnvelope } from '@warden/ledger';
import { EVENT_STORE, type EventStore } from '@warden/event-store';
import { foldEnvelopes, type Decider, type DomainEvent } from './decider';
import { LedgerWriter, type AppendedEvents } from './ledger-writer';
import { ReadModelProjector } from './read-model-projector';

export interface HandleOptions {
  stream: string;
  org: string;
  actor: Actor;
}

/**
 * The shell every command handler uses: load stream → decide → seal → append with the expected
 * revision (optimistic concurrency, no lost update) → wait until read models have seen it.
 */
@Injectable()
export class AggregateStore {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly writer: LedgerWriter,
    private readonly projector: ReadModelProjector,
  ) {}

  /** Returns undefined when the decider decided that nothing happens (an idempotent repeat). */
  async handle<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, command: C, options: HandleOptions): Promise<AppendedEvents | undefined> {
    const recorded = await this.store.readStream(options.stream);
    const state = foldEnvelopes(decider, recorded.map((r) => r.data as EventEnvelope));
    const events = decider.decide(command, state);
    if (events.length === 0) return undefined;
    const appended = await this.writer.append(
      options.stream,
      events.map((e) => ({ type: e.type, org: options.org, actor: options.actor, data: e.data as Record<string, unknown> })),
      recorded.length - 1,
    );
    await this.projector.waitFor(appended.position, options.stream);
    return appended;
  }
}
