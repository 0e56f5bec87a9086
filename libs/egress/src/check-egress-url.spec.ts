import { checkEgressUrl } from './check-egress-url';
import type { EgressPolicy } from './egress-policy';

const NONE: EgressPolicy = {};
const LOOPBACK_TESTS: EgressPolicy = { allowHttpHosts: ['127.0.0.1', '[::1]', 'notes.localhost'], allowAddresses: ['127.0.0.1', '::1'], allowPrivateHosts: ['notes.localhost'] };
const OFFICE: EgressPolicy = { allowAddresses: ['10.20.0.0/16', 'fd12:3456::/32'], allowPrivateHosts: ['mcp.corp'] };

type Row = [url: string, expected: string, policy?: EgressPolicy];

const OK = 'allowed';
const BLOCKED = 'EGRESS.BLOCKED_ADDRESS';
const META = 'EGRESS.METADATA';
const HOST = 'EGRESS.BLOCKED_HOST';
const HTTP = 'EGRESS.HTTP_NOT_ALLOWED';
const CREDS = 'EGRESS.CREDENTIALS';
const SCHEME = 'EGRESS.SCHEME';
const INVALID = 'EGRESS.INVALID_URL';

const ROWS: Row[] = [
  // public https targets
  ['https://example.com/mcp', OK],
  ['https://EXAMPLE.com/mcp', OK],
  ['https://example.com./mcp', OK],
  ['https://mcp.example.org:8443/x?y=1', OK],
  ['https://api.github.com', OK],
  ['https://8.8.8.8/', OK],
  ['https://1.1.1.1:443/', OK],
  ['https://[2606:4700:4700::1111]/', OK],
  ['https://[2001:4860:4860::8888]/', OK],
  ['https://[::ffff:8.8.8.8]/', OK],
  ['https://[64:ff9b::808:808]/', OK],
  ['https://[2002:808:808::1]/', OK],
  ['https://xn--80ak6aa92e.com/', OK],
  ['https://münchen.de/', OK],
  ['https://a_b.example.com/', OK],
  ['https://1.0x7f/', OK], // 1.0.0.127, public
  ['https://100.63.255.255/', OK],
  ['https://100.128.0.0/', OK],
  ['https://172.15.255.255/', OK],
  ['https://172.32.0.0/', OK],
  ['https://192.169.0.1/', OK],
  ['https://198.17.255.255/', OK],
  ['https://198.20.0.0/', OK],
  ['https://223.255.255.255/', OK],
  ['https://11.0.0.1/', OK],
  ['https://example.com/#frag', OK],
  ['https://localhost.example.com/', OK],
  ['https://metadata.example.com/', OK],
  // scheme
  ['ftp://example.com/', SCHEME],
  ['file:///etc/passwd', SCHEME],
  ['gopher://127.0.0.1:6379/_INFO', SCHEME],
  ['ws://example.com/', SCHEME],
  ['wss://example.com/', SCHEME],
  ['javascript:alert(1)', SCHEME],
  ['data:text/plain,hi', SCHEME],
  ['dict://127.0.0.1:11211/', SCHEME],
  ['ldap://example.com/', SCHEME],
  // plain http
  ['http://example.com/', HTTP],
  ['http://8.8.8.8/', HTTP],
  ['HTTP://EXAMPLE.COM/', HTTP],
  ['http://[2606:4700:4700::1111]/', HTTP],
  ['http://127.0.0.1:3001/mcp', OK, LOOPBACK_TESTS],
  ['http://127.1:3001/mcp', OK, LOOPBACK_TESTS],
  ['http://[::1]:3001/mcp', OK, LOOPBACK_TESTS],
  ['http://notes.localhost/mcp', OK, LOOPBACK_TESTS],
  ['http://example.com/', HTTP, LOOPBACK_TESTS],
  ['http://127.0.0.2/', BLOCKED, LOOPBACK_TESTS],
  ['https://127.0.0.2/', BLOCKED, LOOPBACK_TESTS],
  ['https://127.0.0.1/', OK, LOOPBACK_TESTS],
  ['http://10.20.1.1/', HTTP, OFFICE],
  ['https://10.20.1.1/', OK, OFFICE],
  ['https://10.21.0.1/', BLOCKED, OFFICE],
  ['https://[fd12:3456::1]/', OK, OFFICE],
  ['https://[fd12:3457::1]/', BLOCKED, OFFICE],
  ['https://mcp.corp/', OK, OFFICE],
  ['https://other.corp/', HOST, OFFICE],
  ['https://169.254.169.254/', META, { allowAddresses: ['169.254.0.0/16'] }],
  ['https://metadata.google.internal/', META, { allowPrivateHosts: ['metadata.google.internal'] }],
  // credentials and userinfo tricks
  ['https://user:pass@example.com/', CREDS],
  ['https://user@example.com/', CREDS],
  ['https://:pass@example.com/', CREDS],
  ['http://good.com@127.0.0.1/', CREDS],
  ['https://example.com%2F@127.0.0.1/', CREDS],
  ['https://example.com:443@169.254.169.254/', CREDS],
  ['http://127.0.0.1#@good.com/', BLOCKED],
  ['https://127.0.0.1?@good.com/', BLOCKED],
  ['https://127.0.0.1\\@good.com/', BLOCKED],
  // loopback in every spelling
  ['https://127.0.0.1/', BLOCKED],
  ['https://127.0.0.1:7420/', BLOCKED],
  ['https://127.255.255.254/', BLOCKED],
  ['https://2130706433/', BLOCKED],
  ['https://0x7f000001/', BLOCKED],
  ['https://017700000001/', BLOCKED],
  ['https://0177.0.0.1/', BLOCKED],
  ['https://0177.1/', BLOCKED],
  ['https://0x7f.1/', BLOCKED],
  ['https://0x7F.0x0.0x0.0x1/', BLOCKED],
  ['https://127.1/', BLOCKED],
  ['https://127.0.1/', BLOCKED],
  ['https://127.000.000.001/', BLOCKED],
  ['https://127.0.0.1./', BLOCKED],
  ['https://%31%32%37.0.0.1/', BLOCKED],
  ['https://%31%32%37%2e%30%2e%30%2e%31/', BLOCKED],
  ['https://１２７.０.０.１/', BLOCKED],
  ['https://①②⑦.0.0.1/', BLOCKED],
  ['https://[::1]/', BLOCKED],
  ['https://[0:0:0:0:0:0:0:1]/', BLOCKED],
  ['https://[::ffff:127.0.0.1]/', BLOCKED],
  ['https://[::ffff:7f00:1]/', BLOCKED],
  ['https://[0:0:0:0:0:ffff:127.0.0.1]/', BLOCKED],
  ['https://[::FFFF:7F00:1]/', BLOCKED],
  ['https://[::127.0.0.1]/', BLOCKED],
  ['https://[::7f00:1]/', BLOCKED],
  ['https://[::ffff:0:7f00:1]/', BLOCKED],
  ['https://[64:ff9b::127.0.0.1]/', BLOCKED],
  ['https://[64:ff9b::7f00:1]/', BLOCKED],
  ['https://[64:ff9b:1::8.8.8.8]/', BLOCKED],
  ['https://[2002:7f00:1::]/', BLOCKED],
  ['https://[2002:7f00:0001:0:0:0:0:1]/', BLOCKED],
  ['https://[2001::1]/', BLOCKED],
  ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', BLOCKED],
  ['https://[fe80::1%25eth0]/', INVALID],
  ['https://[fe80::1%eth0]/', INVALID],
  // names that only mean something locally
  ['https://localhost/', HOST],
  ['https://LOCALHOST/', HOST],
  ['https://localhost./', HOST],
  ['https://localhost../', HOST],
  ['https://api.localhost/', HOST],
  ['https://a.b.localhost/', HOST],
  ['https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/', HOST],
  ['https://%6c%6f%63%61%6c%68%6f%73%74/', HOST],
  ['https://printer.local/', HOST],
  ['https://db.internal/', HOST],
  ['https://router.home.arpa/', HOST],
  ['https://box.localdomain/', HOST],
  ['https://nas.lan/', HOST],
  ['https://intranet-wiki/', HOST],
  ['https://wiki/', OK, { allowPrivateHosts: ['wiki'] }],
  ['https://[::8.8.8.8]/', BLOCKED],
  // private, shared and special ranges
  ['https://10.0.0.1/', BLOCKED],
  ['https://10.255.255.255/', BLOCKED],
  ['https://012.0.0.1/', BLOCKED],
  ['https://167772161/', BLOCKED],
  ['https://172.16.0.1/', BLOCKED],
  ['https://172.31.255.255/', BLOCKED],
  ['https://192.168.0.1/', BLOCKED],
  ['https://192.168.1.1:8080/', BLOCKED],
  ['https://0xc0a80001/', BLOCKED],
  ['https://[::ffff:192.168.0.1]/', BLOCKED],
  ['https://[::ffff:c0a8:1]/', BLOCKED],
  ['https://[64:ff9b::10.0.0.1]/', BLOCKED],
  ['https://[2002:a00:1::]/', BLOCKED],
  ['https://100.64.0.1/', BLOCKED],
  ['https://100.127.255.255/', BLOCKED],
  ['https://169.254.0.1/', BLOCKED],
  ['https://169.254.255.255/', BLOCKED],
  ['https://192.0.0.8/', BLOCKED],
  ['https://192.0.2.1/', BLOCKED],
  ['https://198.51.100.7/', BLOCKED],
  ['https://203.0.113.9/', BLOCKED],
  ['https://192.88.99.1/', BLOCKED],
  ['https://198.18.0.1/', BLOCKED],
  ['https://198.19.255.255/', BLOCKED],
  ['https://224.0.0.1/', BLOCKED],
  ['https://239.255.255.250/', BLOCKED],
  ['https://240.0.0.1/', BLOCKED],
  ['https://255.255.255.254/', BLOCKED],
  ['https://255.255.255.255/', BLOCKED],
  ['https://4294967295/', BLOCKED],
  ['https://0.0.0.0/', BLOCKED],
  ['https://0/', BLOCKED],
  ['https://0.1.2.3/', BLOCKED],
  ['https://[::]/', BLOCKED],
  ['https://[0::0]/', BLOCKED],
  ['https://[fc00::1]/', BLOCKED],
  ['https://[fd00::1]/', BLOCKED],
  ['https://[fdff:ffff::1]/', BLOCKED],
  ['https://[fe80::1]/', BLOCKED],
  ['https://[febf::1]/', BLOCKED],
  ['https://[fec0::1]/', BLOCKED],
  ['https://[ff02::1]/', BLOCKED],
  ['https://[ff05::2]/', BLOCKED],
  ['https://[2001:db8::1]/', BLOCKED],
  ['https://[3fff::1]/', BLOCKED],
  ['https://[2001:2::1]/', BLOCKED],
  ['https://[2001:10::1]/', BLOCKED],
  ['https://[100::1]/', BLOCKED],
  ['https://[5f00::1]/', BLOCKED],
  ['https://[4000::1]/', BLOCKED],
  ['https://[e000::1]/', BLOCKED],
  // cloud metadata, every spelling
  ['http://169.254.169.254/latest/meta-data/', META],
  ['https://169.254.169.254/', META],
  ['https://2852039166/', META],
  ['https://0xa9fea9fe/', META],
  ['https://0251.0376.0251.0376/', META],
  ['https://169.254.43518/', META],
  ['https://0xa9.0xfe.0xa9.0xfe/', META],
  ['https://[::ffff:169.254.169.254]/', META],
  ['https://[::ffff:a9fe:a9fe]/', META],
  ['https://[64:ff9b::169.254.169.254]/', META],
  ['https://[2002:a9fe:a9fe::]/', META],
  ['https://[::169.254.169.254]/', META],
  ['https://169.254.170.2/v2/credentials', META],
  ['https://[fd00:ec2::254]/', META],
  ['https://[FD00:EC2:0:0:0:0:0:254]/', META],
  ['https://100.100.100.200/latest/meta-data', META],
  ['https://168.63.129.16/', META],
  ['https://metadata.google.internal/computeMetadata/v1/', META],
  ['https://METADATA.GOOGLE.INTERNAL./', META],
  ['https://metadata.goog/', META],
  ['https://metadata/', META],
  ['https://instance-data/', META],
  ['https://instance-data.ec2.internal/', META],
  ['https://metadata.tencentyun.com/', META],
  ['https://%6detadata.google.internal/', META],
  // not URLs, or hosts that are not names
  ['', INVALID],
  ['   ', INVALID],
  ['example.com', INVALID],
  ['//example.com/', INVALID],
  ['https://', INVALID],
  ['https:///path', HOST], // the parser reads host "path"
  ['https://exa mple.com/', INVALID],
  ['https://ex%00ample.com/', INVALID],
  ['https://256.0.0.1/', INVALID],
  ['https://1.2.3.4.5/', INVALID],
  ['https://0x100000000/', INVALID],
  ['https://a.b.c.0x7f/', INVALID],
  ['https://127.0.0.1:99999/', INVALID],
  ['https://xn--/', INVALID],
  ['https://a..b/', INVALID],
  ['https://-bad.example/', INVALID],
  ['https://%5B::1%5D/', INVALID],
  [`https://${'a'.repeat(64)}.com/`, INVALID],
];

describe('checkEgressUrl', () => {
  it('has a table of at least 150 URLs, refused and allowed', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(150);
    expect(ROWS.filter(([, expected]) => expected === OK).length).toBeGreaterThanOrEqual(30);
  });

  it.each(ROWS)('%s → %s', (url, expected, policy = NONE) => {
    const decision = checkEgressUrl(url, policy);
    expect(decision.allowed ? OK : `${decision.reason}`).toBe(expected);
    if (!decision.allowed) expect(decision.detail.length).toBeGreaterThan(0);
  });

  it('hands back the normalised URL and host, and the address of a literal', () => {
    const literal = checkEgressUrl('http://0x7f.1:3001/mcp', LOOPBACK_TESTS);
    expect(literal).toMatchObject({ allowed: true, host: '127.0.0.1', address: '127.0.0.1' });
    if (literal.allowed) expect(literal.url.href).toBe('http://127.0.0.1:3001/mcp');
    const name = checkEgressUrl('https://Example.COM./mcp', NONE);
    expect(name).toMatchObject({ allowed: true, host: 'example.com' });
    expect(name.allowed && name.address).toBe(undefined);
  });

  it('names the range in the detail, through the embedding', () => {
    const decision = checkEgressUrl('https://[::ffff:10.1.2.3]/', NONE);
    expect(decision).toMatchObject({ allowed: false, reason: BLOCKED });
    expect(!decision.allowed && decision.detail).toMatch(/IPv4-mapped 10\.1\.2\.3: private/);
  });

  it('refuses a policy it cannot read instead of ignoring the entry', () => {
    expect(() => checkEgressUrl('https://example.com/', { allowAddresses: ['10.0.0.0/33'] })).toThrow(/allowAddresses entry "10.0.0.0\/33"/);
    expect(() => checkEgressUrl('https://example.com/', { allowAddresses: ['localhost'] })).toThrow(TypeError);
    expect(() => checkEgressUrl('https://example.com/', { allowHttpHosts: ['http://x/'] })).toThrow(/allowHttpHosts/);
  });
});
