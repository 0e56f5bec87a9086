import { ValidationPipe, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { chmodSync, mkdirSync } from 'node:fs';
import { AppModule } from './app.module';
import { createLogger, PinoNestLogger } from './common/pino-logger';
import { endRequestlessConnectionsOnClose } from './common/requestless-connections';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import type { WardenConfig } from './config/warden-config';
import { McpEdge } from './gateway/edge/mcp-edge';
import { SourceThrottle } from './limits/source-throttle/source-throttle';
import { NODE_TRUST } from './ledger/ledger.module';
import type { NodeTrust } from './ledger/node-trust';
import { PlatformOperatorBootstrap } from './identity/platform/platform-operator.bootstrap';
import { FirstOrganisationBootstrap } from './tenancy/bootstrap-first-organisation';

export interface RunningGateway {
  app: INestApplication;
  url: string;
  /** Present only on the very first start of a ledger. */
  bootstrap?: { orgId: string; adminKey: string };
  /** Present only when the ledger had no platform operator yet (its first start): the operator's key, shown once. */
  platformOperator?: { operatorId: string; platformKey: string };
  /** The root this node trusts, and what an operator must do about its keys. */
  trust: { rootKid: string; createdRootKeyFile?: string; notices: string[] };
  close(): Promise<void>;
}

/** Builds, initialises and starts the gateway; used by main.ts, the e2e tests and the benchmark. */
export async function startGateway(config: WardenConfig, options: { logger?: LoggerService | false | ('error' | 'warn' | 'log')[] } = {}): Promise<RunningGateway> {
  // The data directory is its owner's alone (0700); the files in it are created 0600.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter({ bodyLimit: 1024 * 1024 }), {
    logger: options.logger ?? new PinoNestLogger(createLogger(config.logLevel)),
    abortOnError: false,
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('warden command API').setVersion('0.1.0').addBearerAuth().build(),
  );
  // The OpenAPI document itself at /docs (and /docs.yaml). Swagger UI's static assets need
  // @fastify/static 10, which needs Node 22; any OpenAPI viewer can open the document.
  SwaggerModule.setup('swagger', app, document, { ui: false, jsonDocumentUrl: 'docs', yamlDocumentUrl: 'docs.yaml' });

  // First: a source that keeps being rejected is throttled before any other work (src/limits/source-throttle).
  app.get(SourceThrottle).register(app.getHttpAdapter().getInstance());
  await app.get(McpEdge).register(app.getHttpAdapter().getInstance());
  // Shutdown waits for answers in flight, never for connections that carry no request.
  endRequestlessConnectionsOnClose(app.getHttpAdapter().getInstance());
  await app.init();
  const bootstrap = await app.get(FirstOrganisationBootstrap).ensure();
  const platformOperator = await app.get(PlatformOperatorBootstrap).ensure();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const trust = app.get<NodeTrust>(NODE_TRUST);
  return {
    app,
    url: `http://${host}:${port}`,
    bootstrap,
    platformOperator,
    trust: { rootKid: trust.root.kid, createdRootKeyFile: trust.createdRootKeyFile, notices: [...trust.notices, ...egressNotices(config)] },
    close: () => app.close(),
  };
}

/** The developer default lets upstreams be reached over plain http on loopback: said at every start. */
function egressNotices(config: WardenConfig): string[] {
  if (!config.egressLoopbackDefault) return [];
  return [
    'egress: upstreams on loopback (127.0.0.1, localhost, ::1) may be reached over plain http (the developer default); in production set WARDEN_EGRESS_ALLOW_HTTP_HOSTS and WARDEN_EGRESS_ALLOW_PRIVATE explicitly (empty: https to public addresses only)',
  ];
}
