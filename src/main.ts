import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/warden-config';
import { startGateway } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`warden: bad configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const gateway = await startGateway(config);
  if (gateway.bootstrap) {
    // Printed once, on the ledger's first start, straight to stdout (never through the logger).
    process.stdout.write(
      [
        '',
        '  warden: first start — created organisation "default".',
        `  organisation id: ${gateway.bootstrap.orgId}`,
        `  bootstrap admin API key (shown once, store it now): ${gateway.bootstrap.adminKey}`,
        '',
      ].join('\n') + '\n',
    );
  }
  process.stdout.write(`warden listening on ${gateway.url} (MCP: ${gateway.url}/mcp, API: ${gateway.url}/v1, docs: ${gateway.url}/docs)\n`);
}

void main();
