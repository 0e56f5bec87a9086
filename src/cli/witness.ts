import { parseArgs } from 'node:util';
import { UsageError } from './cli-errors';
import { Witness } from '../witness/witness';
import { initWitnessDir, loadWitnessConfig, loadWitnessIdentity, WitnessSetupError, WitnessStateFile } from '../witness/witness-files';
import { pollOnce, type PollResult } from '../witness/witness-poll';
import { startWitnessServer } from '../witness/witness-server';

export const WITNESS_USAGE = `usage: warden witness <init|vkey|serve|poll> --dir DIR …

  init --name NAME --dir DIR   a new witness key (DIR/witness.key, 0600) and an empty DIR/witness.json;
                               prints the witness's cosignature/v1 vkey (give it to the gateway: WARDEN_WITNESS_KEYS)
  vkey --dir DIR               prints the vkey again
  serve --dir DIR [--host 127.0.0.1] [--port 7421]
                               C2SP tlog-witness: POST /add-checkpoint (old size, consistency proof, signed checkpoint)
  poll --dir DIR [--once] [--interval-ms 10000] [--json]
                               for each log with a url and apiKey in witness.json: fetch the gateway's latest
                               checkpoint and the consistency proof from the recorded size, cosign, post it back
  witness.json: { "logs": [{ "vkey": "<the log's vkey: GET /v1/log/vkey>", "url": "http://…", "apiKey": "<auditor key>" }] }`;

const now = () => Math.floor(Date.now() / 1000);

/** `warden witness …`. Exit 0 ok, 1 a refusal or failure (poll), 2 bad usage or setup. */
export async function witnessCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      name: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      once: { type: 'boolean' },
      'interval-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [action, ...extra] = positionals;
  if (extra.length > 0 || !values.dir) throw new UsageError(WITNESS_USAGE);
  const dir = values.dir;
  try {
    switch (action) {
      case 'init': {
        if (!values.name) throw new UsageError('init needs --name NAME (the witness key name, e.g. witness.example.com/w1)');
        print(initWitnessDir(dir, values.name).vkey);
        return 0;
      }
      case 'vkey':
        print(loadWitnessIdentity(dir, now).vkey);
        return 0;
      case 'serve':
        return await serve(open(dir), values.host ?? '127.0.0.1', port(values.port), print);
      case 'poll':
        return await poll(open(dir), dir, values, print);
      default:
        throw new UsageError(WITNESS_USAGE);
    }
  } catch (error) {
    if (error instanceof WitnessSetupError) throw new UsageError(error.message);
    throw error;
  }
}

function open(dir: string): Witness {
  return new Witness(loadWitnessIdentity(dir, now), loadWitnessConfig(dir), new WitnessStateFile(dir));
}

function port(text: string | undefined): number {
  if (text === undefined) return 7421;
  const value = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || value > 65535) throw new UsageError('--port is 0–65535');
  return value;
}

async function serve(witness: Witness, host: string, listenPort: number, print: (line: string) => void): Promise<number> {
  const { server, url } = await startWitnessServer(witness, host, listenPort);
  print(`witness ${witness.identity.name} listening on ${url}/add-checkpoint`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

async function poll(witness: Witness, dir: string, values: { once?: boolean; 'interval-ms'?: string; json?: boolean }, print: (line: string) => void): Promise<number> {
  const logs = loadWitnessConfig(dir);
  if (!logs.some((l) => l.url && l.apiKey)) throw new UsageError(`no log in ${dir}/witness.json has a url and an apiKey to poll`);
  const show = (results: PollResult[]) => {
    for (const r of results) print(values.json ? JSON.stringify(r) : `${r.origin}: ${r.outcome}${r.size !== undefined ? ` size ${r.size}` : ''}${r.code ? ` ${r.code}` : ''}${r.detail ? ` — ${r.detail}` : ''}`);
    return results.some((r) => r.outcome === 'refused' || r.outcome === 'failed') ? 1 : 0;
  };
  if (values.once) return show(await pollOnce(witness, logs));
  const interval = Number(values['interval-ms'] ?? 10_000);
  if (!Number.isSafeInteger(interval) || interval < 100) throw new UsageError('--interval-ms is at least 100');
  let stopped = false;
  process.once('SIGTERM', () => (stopped = true));
  process.once('SIGINT', () => (stopped = true));
  while (!stopped) {
    show(await pollOnce(witness, logs));
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  return 0;
}
