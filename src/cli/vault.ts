import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/warden-config';
import { kekFromFile } from '../vault/key-manager/kek-sources';
import { openVaultStore, vaultFile, vaultKeys } from '../vault/open-vault';
import { rotateKek } from '../vault/rotate-kek';
import { UsageError } from './cli-errors';

export const VAULT_USAGE = `usage: warden vault rotate-kek --new-kek FILE [--data-dir DIR]

  rotate-kek --new-kek FILE     re-wrap every credential's data key with the KEK in FILE (created,
                                0600, when it does not exist), in one transaction; the credential
                                ciphertexts are not touched. The current KEK is the one the gateway
                                uses (WARDEN_VAULT_KEK_FILE or WARDEN_VAULT_KEK). Stop the gateway
                                first, then start it with WARDEN_VAULT_KEK_FILE=FILE.
  Exit 0 on success, 1 when refused (the message says why), 2 on bad usage.`;

export async function vaultCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' }, 'new-kek': { type: 'string' } } });
  if (command !== 'rotate-kek') throw new UsageError(`unknown vault command ${command ?? '(none)'}\n\n${VAULT_USAGE}`);
  if (!values['new-kek']) throw new UsageError(`rotate-kek needs --new-kek FILE\n\n${VAULT_USAGE}`);
  const env = { ...process.env };
  if (values['data-dir']) env.WARDEN_DATA_DIR = values['data-dir'];
  const config = loadConfig(env);
  if (!existsSync(vaultFile(config.dataDir))) throw new UsageError(`no vault at ${vaultFile(config.dataDir)}`);
  // The new KEK must live outside the data directory too: checked as the gateway will check it.
  const newFile = resolve(values['new-kek']);
  loadConfig({ ...env, WARDEN_VAULT_KEK: undefined, WARDEN_VAULT_KEK_FILE: newFile });
  const store = openVaultStore(config.dataDir);
  try {
    const current = vaultKeys(config, store);
    const next = kekFromFile(newFile, true);
    const { rewrapped } = await rotateKek(store, current, next.keys);
    out(`re-wrapped ${rewrapped} data key(s): ${current.keyId} → ${next.keys.keyId}${next.created ? ` (new KEK created at ${newFile})` : ''}`);
    out(`start the gateway with WARDEN_VAULT_KEK_FILE=${newFile}; keep the old KEK until it has started, then destroy it`);
    return 0;
  } finally {
    store.close();
  }
}
