import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WardenError } from '../common/warden-error';
import { parseStdioLaunch } from './stdio-launch';

const dir = mkdtempSync(join(tmpdir(), 'warden-launch-'));
const bin = join(dir, 'bin');
const tool = join(bin, 'mcp-tool');

describe('parseStdioLaunch', () => {
  beforeAll(() => {
    mkdirSync(bin);
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    writeFileSync(join(bin, 'not-executable'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (input: Parameters<typeof parseStdioLaunch>[0], path = bin) => {
    try {
      parseStdioLaunch(input, path);
    } catch (error) {
      return error instanceof WardenError ? { code: error.code, field: error.details.field } : error;
    }
    return undefined;
  };

  it('keeps an absolute executable, its arguments as they are, and the working directory', () => {
    expect(parseStdioLaunch({ command: tool, args: ['; rm -rf /', '$(id)', ''], cwd: dir }, '')).toEqual({ command: tool, args: ['; rm -rf /', '$(id)', ''], cwd: dir });
  });

  it.each([
    [['--token=abc123'], 'args[0]'],
    [['--api-key', 'abc123'], 'args[1]'],
    [['serve', '--PASSWORD=x'], 'args[1]'],
    [['ghp_abcdefghijklmnopqrstuvwxyz0123456789'], 'args[0]'],
    [['--key=sk-abcdefghijklmnopqrstuvwxyz'], 'args[0]'],
  ])('refuses arguments carrying a credential %j (UPSTREAM.CREDENTIALS_IN_ARGS), naming where, never the value', (args, field) => {
    expect(refusal({ command: tool, args })).toEqual({ code: 'UPSTREAM.CREDENTIALS_IN_ARGS', field });
  });

  it('accepts options that only look related (--token-file, a trailing --token)', () => {
    expect(parseStdioLaunch({ command: tool, args: ['--token-file', '/run/secrets/t', '--verbose', '--token'] }, '').args).toHaveLength(4);
  });

  it('resolves a bare program name on PATH at registration, to its absolute path', () => {
    expect(parseStdioLaunch({ command: 'mcp-tool' }, `relative/bin:${bin}`)).toEqual({ command: tool, args: [] });
  });

  it.each([
    ['a relative path', { command: './mcp-tool' }, 'command', undefined],
    ['a path with a directory', { command: 'bin/mcp-tool' }, 'command', undefined],
    ['a name not on PATH', { command: 'no-such-tool' }, 'command', undefined],
    ['a name only on a relative PATH entry', { command: 'mcp-tool' }, 'command', 'bin'],
    ['a file that is not executable', { command: 'not-executable' }, 'command', undefined],
    ['a directory', { command: '/' }, 'command', undefined],
    ['no command', {}, 'command', undefined],
    ['a command that is not a string', { command: 42 }, 'command', undefined],
    ['args that are not an array', { command: tool, args: 'a b' }, 'args', undefined],
    ['an argument that is not a string', { command: tool, args: ['a', { b: 1 }] }, 'args[1]', undefined],
    ['an argument with NUL', { command: tool, args: ['a\0b'] }, 'args[0]', undefined],
    ['too many arguments', { command: tool, args: Array.from({ length: 65 }, () => 'x') }, 'args', undefined],
    ['a relative cwd', { command: tool, cwd: 'bin' }, 'cwd', undefined],
    ['a cwd that does not exist', { command: tool, cwd: '/no/such/dir' }, 'cwd', undefined],
  ])('refuses %s (UPSTREAM.INVALID_COMMAND)', (_what, input, field, path: string | undefined) => {
    expect(refusal(input as Parameters<typeof parseStdioLaunch>[0], path ?? bin)).toEqual({ code: 'UPSTREAM.INVALID_COMMAND', field });
  });
});
