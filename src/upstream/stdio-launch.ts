import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { WardenError } from '../common/warden-error';
import { isCredentialName, looksLikeSecret } from './url-credentials';

/**
 * How warden starts a stdio upstream: an absolute executable, fixed arguments, a working
 * directory. Never through a shell (so `;`, `|`, `$()` in an argument are just characters), never
 * with anything an agent sent. Its environment comes from the vault (scheme `env`), not from here.
 */
export interface StdioLaunch {
  command: string;
  args: string[];
  cwd?: string;
}

const MAX_ARGS = 64;
const MAX_ARG = 4096;
const MAX_PATH = 1024;

function bad(message: string, field: string): WardenError {
  return new WardenError('bad_request', 'UPSTREAM.INVALID_COMMAND', message, { field });
}

/**
 * Validates a stdio registration. `command` is an absolute path to an executable file, or a bare
 * name (no slash) looked up on warden's PATH now, at registration: the absolute path it resolves
 * to is what is recorded and run, so a later change of PATH never changes what runs. A relative
 * path (`./server`, `bin/server`) is refused: it would depend on warden's working directory.
 */
export function parseStdioLaunch(input: { command?: unknown; args?: unknown; cwd?: unknown }, path = process.env.PATH ?? ''): StdioLaunch {
  const { command, args = [], cwd } = input;
  if (typeof command !== 'string' || command === '' || command.length > MAX_PATH || command.includes('\0')) {
    throw bad('command must be an absolute path to an executable, or a program name found on PATH', 'command');
  }
  const resolved = resolveCommand(command, path);
  if (!Array.isArray(args) || args.length > MAX_ARGS) throw bad(`args must be an array of at most ${MAX_ARGS} strings`, 'args');
  args.forEach((arg: unknown, index) => {
    if (typeof arg !== 'string' || arg.length > MAX_ARG || arg.includes('\0')) throw bad(`args[${index}] must be a string of at most ${MAX_ARG} characters without NUL`, `args[${index}]`);
  });
  const secret = credentialInArgs(args as string[]);
  if (secret !== undefined) {
    throw new WardenError('bad_request', 'UPSTREAM.CREDENTIALS_IN_ARGS', `args[${secret}] carries a credential: the arguments are recorded in the ledger for good; pass secrets as env (the vault)`, {
      field: `args[${secret}]`,
    });
  }
  if (cwd !== undefined) {
    if (typeof cwd !== 'string' || !isAbsolute(cwd) || cwd.length > MAX_PATH || cwd.includes('\0') || !isDirectory(cwd)) {
      throw bad('cwd must be the absolute path of an existing directory', 'cwd');
    }
  }
  return { command: resolved, args: [...(args as string[])], ...(cwd === undefined ? {} : { cwd: cwd as string }) };
}

function resolveCommand(command: string, path: string): string {
  if (isAbsolute(command)) {
    if (!isExecutableFile(command)) throw bad('command is not an executable file', 'command');
    return command;
  }
  if (command.includes('/') || command.includes('\\')) throw bad('command must be an absolute path or a bare program name (a relative path is refused)', 'command');
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue; // a relative PATH entry would depend on warden's working directory
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw bad(`command ${JSON.stringify(command)} was not found on PATH`, 'command');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The index of an argument that carries a credential: `--token=…` / `--api-key …` (an option
 * named like a credential, with its value in the same or the next argument), or a value shaped
 * like a well-known secret. Arguments are recorded in the signed ServerRegistered event, where a
 * secret could never be erased.
 */
function credentialInArgs(args: string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const option = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(args[i]);
    if (option && isCredentialName(option[1]) && (option[2] !== undefined || i + 1 < args.length)) return option[2] !== undefined ? i : i + 1;
    if (looksLikeSecret(option?.[2] ?? args[i])) return i;
  }
  return undefined;
}
