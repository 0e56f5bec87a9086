#!/usr/bin/env node
import { approvalsCommand, APPROVALS_USAGE } from './approvals';
import { ConfigError } from '../config/warden-config';
import { messageOf, UsageError } from './cli-errors';
import { CHECK_URL_USAGE, checkUrl } from './check-url';
import { EXPORT_USAGE, exportCommand } from './export-command';
import { COSTS_USAGE, costsCommand } from './costs';
import { CREDENTIAL_USAGE, credentialCommand } from './credential';
import { GUARDRAILS_USAGE, guardrailsCommand } from './guardrails';
import { KEYS_USAGE, keysCommand } from './keys';
import { POLICY_USAGE, policyCommand } from './policy';
import { SEARCH_USAGE, searchCommand } from './search';
import { VAULT_USAGE, vaultCommand } from './vault';
import { VERIFY_USAGE, verifyCommand } from './verify-command';
import { VERIFY_EXPORT_USAGE, verifyExportCommand } from './verify-export-command';
import { WITNESS_USAGE, witnessCommand } from './witness';

const print = (line: string) => process.stdout.write(`${line}\n`);

/** The CLI's commands: each takes its own argv and resolves to the exit code. */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  verify: { run: verifyCommand, usage: VERIFY_USAGE },
  keys: { run: (argv) => keysCommand(argv, print), usage: KEYS_USAGE },
  'check-url': { run: (argv) => checkUrl(argv), usage: CHECK_URL_USAGE },
  policy: { run: (argv) => policyCommand(argv, print), usage: POLICY_USAGE },
  vault: { run: (argv) => vaultCommand(argv, print), usage: VAULT_USAGE },
  credential: { run: (argv) => credentialCommand(argv, print), usage: CREDENTIAL_USAGE },
  approvals: { run: (argv) => approvalsCommand(argv, print), usage: APPROVALS_USAGE },
  guardrails: { run: (argv) => guardrailsCommand(argv, print), usage: GUARDRAILS_USAGE },
  export: { run: (argv) => exportCommand(argv, print), usage: EXPORT_USAGE },
  'verify-export': { run: (argv) => verifyExportCommand(argv, print), usage: VERIFY_EXPORT_USAGE },
  witness: { run: (argv) => witnessCommand(argv, print), usage: WITNESS_USAGE },
  costs: { run: (argv) => costsCommand(argv, print), usage: COSTS_USAGE },
  search: { run: (argv) => searchCommand(argv, print), usage: SEARCH_USAGE },
};

const USAGE = Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n\n');

async function main(): Promise<void> {
  // Whatever the CLI creates (keys, a ledger) is its owner's alone.
  process.umask(0o077);
  const [command, ...rest] = process.argv.slice(2);
  try {
    const chosen = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (chosen) process.exitCode = await chosen.run(rest);
    else {
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2;
    }
  } catch (error) {
    process.stderr.write(`warden: ${messageOf(error)}\n`);
    const usage = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.exitCode = usage ? 2 : 1;
  }
}

void main();
