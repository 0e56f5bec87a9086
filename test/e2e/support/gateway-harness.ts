import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { startGateway, type RunningGateway } from '../../../src/bootstrap';
import { loadConfig, type WardenConfig } from '../../../src/config/warden-config';
import { CallRecorder } from '../../../src/gateway/tool-call/call-recorder';
import { CreateOrganisationCommand } from '../../../src/tenancy/commands/create-organisation.command';

export { freeLoopbackPort as freePort } from '../../fixtures/loopback-http';
import { freeLoopbackPort as freePort } from '../../fixtures/loopback-http';

export interface Harness {
  gateway: RunningGateway;
  config: WardenConfig;
  url: string;
  dataDir: string;
  adminKey: string;
  orgId: string;
  /** The platform operator's key (printed once on first start). */
  platformKey: string;
  api: AdminApi;
  /** Creates another organisation (as the bootstrap does) and returns its admin API. */
  newOrganisation(name: string): Promise<{ orgId: string; api: AdminApi }>;
  /** Waits until call outcomes queued behind answers have committed (they may trail the answer). */
  settled(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A real gateway on 127.0.0.1 with its ledger in a fresh temporary directory. */
export async function startHarness(env: Record<string, string> = {}, options: { logger?: LoggerService } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-e2e-'));
  const port = await freePort();
  // Scheduled health checks off unless a test asks for them: a check landing while a test has its
  // upstream down on purpose would make the next calls fail fast (UPSTREAM.UNHEALTHY).
  const config = loadConfig({ WARDEN_DATA_DIR: dataDir, WARDEN_PORT: String(port), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_HEALTH_INTERVAL_MS: '0', ...env });
  const gateway = await startGateway(config, { logger: options.logger ?? ['error'] });
  if (!gateway.bootstrap) throw new Error('a fresh ledger must bootstrap an organisation');
  if (!gateway.platformOperator) throw new Error('a fresh ledger must create its platform operator');
  const api = new AdminApi(gateway.url, gateway.bootstrap.adminKey);
  let stopped = false;
  const stop = async () => {
    if (!stopped) await gateway.close();
    stopped = true;
  };
  return {
    gateway,
    config,
    url: gateway.url,
    dataDir,
    adminKey: gateway.bootstrap.adminKey,
    orgId: gateway.bootstrap.orgId,
    platformKey: gateway.platformOperator.platformKey,
    api,
    async newOrganisation(name) {
      const created = await gateway.app.get(CommandBus).execute(new CreateOrganisationCommand(name, { kind: 'system', id: 'test' }));
      return { orgId: created.orgId, api: new AdminApi(gateway.url, created.adminKey) };
    },
    settled: () => gateway.app.get(CallRecorder).settled(),
    stop,
    async cleanup() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(config.vaultKekFile, { force: true }); // the developer-default KEK beside the data directory
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** The command API as an admin drives it: real HTTP, JSON bodies. */
export class AdminApi {
  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, key: string | null = this.key): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json');
    return { status: response.status, body: text ? (json ? JSON.parse(text) : text) : undefined };
  }

  async registerServer(name: string, slug: string, url: string) {
    const res = await this.request('POST', '/v1/servers', { name, slug, url });
    if (res.status !== 201) throw new Error(`register server: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { serverId: string; slug: string; tools: Array<{ name: string; state: string }> };
  }

  async approve(serverId: string, tool: string, riskClass: 'read' | 'write' | 'destructive') {
    const res = await this.request('POST', `/v1/servers/${serverId}/tools/${encodeURIComponent(tool)}/approve`, { riskClass });
    if (res.status !== 200) throw new Error(`approve: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Creates a user with these roles (as this API's admin); returns its id and key. */
  async createUser(name: string, roles: string[]) {
    const res = await this.request('POST', '/v1/users', { name, roles });
    if (res.status !== 201) throw new Error(`create user: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { user: { userId: string; revision: number; roles: string[] }; apiKey: string };
  }

  async registerAgent(name: string, servers?: string[]) {
    const res = await this.request('POST', '/v1/agents', servers ? { name, servers } : { name });
    if (res.status !== 201) throw new Error(`register agent: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { agent: { agentId: string }; apiKey: string };
  }
}
