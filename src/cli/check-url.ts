import { lookup, type LookupAddress } from 'node:dns';
import { parseArgs } from 'node:util';
import { checkAddress, checkEgressUrl, compileEgressPolicy, type EgressDecision, type EgressPolicy } from '@warden/egress';

export const CHECK_URL_USAGE = `usage: warden check-url URL [--allow-http-host HOST]… [--allow-address ADDR[/PREFIX]]… [--allow-private-host HOST]… [--resolve] [--json]

  Says whether warden's egress guard would let a request go to URL, and why not, without
  connecting anywhere. DNS is consulted only with --resolve (the system resolver, every address
  it answers is checked). Exits 0 when allowed, 1 when refused, 2 on bad usage.`;

export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

const systemResolveAll: ResolveAll = (host) =>
  new Promise((resolve, reject) => lookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  resolveAll?: ResolveAll;
}

interface Report {
  allowed: boolean;
  reason?: string;
  detail?: string;
  url?: string;
  host?: string;
  address?: string;
  dns: 'not consulted' | 'not needed' | { addresses: string[] } | { error: string };
}

/** `warden check-url`: the egress decision for operators. Returns the exit code. */
export async function checkUrl(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let values: { 'allow-http-host'?: string[]; 'allow-address'?: string[]; 'allow-private-host'?: string[]; resolve?: boolean; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'allow-http-host': { type: 'string', multiple: true },
        'allow-address': { type: 'string', multiple: true },
        'allow-private-host': { type: 'string', multiple: true },
        resolve: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    io.stdout.write(`${CHECK_URL_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) return usage(io, positionals.length === 0 ? 'a URL to check is required' : 'check one URL at a time');
  const policy: EgressPolicy = { allowHttpHosts: values['allow-http-host'], allowAddresses: values['allow-address'], allowPrivateHosts: values['allow-private-host'] };
  try {
    compileEgressPolicy(policy);
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  const report = await decide(positionals[0], policy, values.resolve === true, io.resolveAll ?? systemResolveAll);
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describe(report)}\n`);
  return report.allowed ? 0 : 1;
}

async function decide(raw: string, policy: EgressPolicy, resolve: boolean, resolveAll: ResolveAll): Promise<Report> {
  const decision: EgressDecision = checkEgressUrl(raw, policy);
  if (!decision.allowed) return { allowed: false, reason: decision.reason, detail: decision.detail, dns: 'not consulted' };
  const base = { url: decision.url.href, host: decision.host, ...(decision.address ? { address: decision.address } : {}) };
  if (decision.address) return { allowed: true, ...base, dns: 'not needed' };
  if (!resolve) return { allowed: true, ...base, dns: 'not consulted' };
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(decision.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { allowed: false, ...base, reason: 'EGRESS.UNRESOLVED', detail: `${decision.host} does not resolve (${code})`, dns: { error: code } };
  }
  const dns = { addresses: addresses.map((a) => a.address) };
  const rules = compileEgressPolicy(policy);
  for (const { address } of addresses) {
    const blocked = checkAddress(decision.host, address, rules);
    if (blocked) return { allowed: false, ...base, reason: blocked.reason, detail: blocked.detail, dns };
  }
  if (addresses.length === 0) return { allowed: false, ...base, reason: 'EGRESS.UNRESOLVED', detail: `${decision.host} resolved to no address`, dns };
  return { allowed: true, ...base, dns };
}

function describe(report: Report): string {
  const dns =
    report.dns === 'not consulted'
      ? report.allowed
        ? `DNS not consulted (pass --resolve to check what ${report.host} resolves to now; warden checks again at every connection)`
        : ''
      : report.dns === 'not needed'
        ? 'an address literal: no DNS involved'
        : 'addresses' in report.dns
          ? `resolved now to ${report.dns.addresses.join(', ') || 'nothing'}`
          : `resolution failed (${report.dns.error})`;
  const head = report.allowed ? `allowed: ${report.url}` : `refused: ${report.reason} — ${report.detail}`;
  return dns ? `${head}\n  ${dns}` : head;
}

function usage(io: Io, message: string): number {
  io.stderr.write(`warden check-url: ${message}\n${CHECK_URL_USAGE}\n`);
  return 2;
}
