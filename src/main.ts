import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/warden-config';
import { startGateway } from './bootstrap';
import { KeyFileError } from './ledger/key-files';
import { KeyStreamError } from './ledger/key-registration';
import { LedgerIntegrityError } from './ledger/ledger-integrity';
import { NodeTrustError } from './ledger/node-trust';
import { VaultKeyError } from './vault/key-manager/key-manager.port';

/** Start-up refusals that say what is wrong and what to do: printed as they are, no stack. */
const REFUSALS = [NodeTrustError, LedgerIntegrityError, KeyStreamError, KeyFileError, VaultKeyError];

async function main(): Promise<void> {
  // Whatever the process creates (ledger, keys, logs) is its owner's alone.
  process.umask(0o077);
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
  let gateway;
  try {
    gateway = await startGateway(config);
  } catch (error) {
    const refusal = REFUSALS.some((kind) => error instanceof kind);
    process.stderr.write(`warden: cannot start: ${refusal ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    process.exit(1);
  }
  for (const notice of gateway.trust.notices) process.stderr.write(`warden: ${notice}\n`);
  if (gateway.platformOperator) {
    // Printed once, when the ledger gets its platform operator, straight to stdout (never through the logger).
    process.stdout.write(
      `\n  warden: platform operator API key (creates and suspends organisations; shown once, store it now): ${gateway.platformOperator.platformKey}\n`,
    );
  }
  if (gateway.bootstrap) {
    // Printed once, on the ledger's first start, straight to stdout (never through the logger).
    process.stdout.write(
      [
        '',
        '  warden: first start — created organisation "default".',
        `  organisation id: ${gateway.bootstrap.orgId}`,
        `  bootstrap admin API key (shown once, store it now): ${gateway.bootstrap.adminKey}`,
        `  root key fingerprint (pin it: WARDEN_ROOT_FINGERPRINT, warden verify --root-fingerprint): ${gateway.trust.rootKid}`,
        '',
      ].join('\n') + '\n',
    );
  }
  process.stdout.write(`warden listening on ${gateway.url} (MCP: ${gateway.url}/mcp, API: ${gateway.url}/v1, docs: ${gateway.url}/docs)\n`);
}

void main();
