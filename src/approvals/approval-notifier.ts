import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { checkEgressUrl, createEgressDispatcher } from '@warden/egress';
import { request, type Dispatcher } from 'undici';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { egressPolicyFrom } from '../upstream/egress-settings';
import type { StepUpRequested } from './approvals.events';
import { signWebhook } from './webhook-signature';

/**
 * Tells approvers of each step-up request: a signed POST (webhook-signature.ts) to
 * WARDEN_APPROVAL_WEBHOOK_URL, through the same egress guard as upstreams, retried with
 * exponential back-off up to WARDEN_APPROVAL_WEBHOOK_ATTEMPTS. Never in the agent's way: a
 * delivery that fails for good is logged (without the secret) and the approval still stands.
 */
@Injectable()
export class ApprovalNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger('ApprovalNotifier');
  private readonly dispatcher?: Dispatcher;
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(@Inject(WARDEN_CONFIG) private readonly config: WardenConfig) {
    if (config.approvals.webhookUrl) this.dispatcher = createEgressDispatcher(this.policy(), { agent: { keepAliveTimeout: 10_000, connections: 4 } });
  }

  requested(approval: StepUpRequested['data']): void {
    if (!this.dispatcher) return;
    const delivery = this.deliver(JSON.stringify({ type: 'StepUpRequested', ...approval }));
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** Resolves once every delivery started so far has succeeded or given up. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.settled();
    await this.dispatcher?.destroy();
  }

  private policy() {
    return egressPolicyFrom(this.config.egressAllowHttpHosts, this.config.egressAllowPrivate);
  }

  private async deliver(body: string): Promise<void> {
    const { webhookUrl, webhookSecret, webhookAttempts, webhookBackoffMs } = this.config.approvals;
    const allowed = checkEgressUrl(webhookUrl!, this.policy());
    if (!allowed.allowed) {
      this.logger.error(`the approval webhook may not be reached (${allowed.reason}): ${allowed.detail}`);
      return;
    }
    for (let attempt = 1; attempt <= webhookAttempts && !this.closing; attempt++) {
      const outcome = await this.attempt(webhookUrl!, webhookSecret!, body);
      if (outcome === 'ok') return;
      this.logger.warn(`approval webhook attempt ${attempt} of ${webhookAttempts} failed: ${outcome}`);
      if (attempt < webhookAttempts) await new Promise((resolve) => setTimeout(resolve, webhookBackoffMs * 2 ** (attempt - 1)));
    }
    this.logger.error('the approval webhook could not be delivered; approvers can still list pending approvals');
  }

  private async attempt(url: string, secret: string, body: string): Promise<string> {
    try {
      const headers = { 'content-type': 'application/json', ...signWebhook(secret, Math.floor(Date.now() / 1000), body) };
      const response = await request(url, { method: 'POST', body, headers, dispatcher: this.dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 });
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : `HTTP ${response.statusCode}`;
    } catch (error) {
      return (error as Error).name === 'EgressError' ? `refused by the egress guard (${(error as { code?: string }).code ?? 'EGRESS'})` : `${(error as Error).name}: ${(error as Error).message}`;
    }
  }
}
