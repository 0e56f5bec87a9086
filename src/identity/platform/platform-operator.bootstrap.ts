import { Inject, Injectable } from '@nestjs/common';
import { issueApiKey } from '../../common/api-keys';
import { KeyHints } from '../../common/key-hints';
import { PLATFORM_ORG } from '../../gateway/tool-call/tool-call.events';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ID_GENERATOR, type IdGenerator } from '../../ledger/clock';
import { platformOperatorDecider } from './platform-operator.decider';
import { PLATFORM_OPERATORS_STREAM } from './platform.events';
import { PlatformOperatorsReadModel } from './platform-operators.read-model';

export interface CreatedPlatformOperator {
  operatorId: string;
  /** Shown once. */
  platformKey: string;
}

/**
 * First start (of a ledger without a platform operator): creates the deployment's operator
 * credential. Runs after the read models have replayed the log, so it happens once per ledger.
 */
@Injectable()
export class PlatformOperatorBootstrap {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly operators: PlatformOperatorsReadModel,
    private readonly hints: KeyHints,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async ensure(): Promise<CreatedPlatformOperator | undefined> {
    if (this.operators.count() > 0) return undefined;
    const operatorId = this.ids.next();
    const key = issueApiKey('platform', this.hints);
    await this.aggregates.handle(
      platformOperatorDecider,
      { type: 'CreatePlatformOperator', operatorId, keyHash: key.hash, hint: key.hint, label: 'bootstrap' },
      { stream: PLATFORM_OPERATORS_STREAM, org: PLATFORM_ORG, actor: { kind: 'system', id: 'bootstrap' } },
    );
    return { operatorId, platformKey: key.key };
  }
}
