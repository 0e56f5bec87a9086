import { connectAgent, surfacingRpcErrors, textOf, type Agent } from '../fixtures/agent-clients';
import { NOTES_INDEX_URI, SUMMARISE_PROMPT } from '../fixtures/content-fixture';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { CapturedLogs } from './support/captured-logs';
import { dataDirFiles } from './support/data-dir-bytes';
import { startHarness, type Harness } from './support/gateway-harness';
import { eventsOfType } from './support/ledger-reader';

// Distinctive values: each is searched for in every byte of the data directory and in the logs.
const AWS_KEY = 'AKIAQX7RZK3MWPLT4N2B';
const EMAIL = 'zorya.quill@example.org';
const CARD = '4539 1488 0343 6467';
const SSN = '219-09-9999';
const PROJECT = 'PRJ-84213';

const RULES = {
  rules: [
    { id: 'no-cloud-keys', detector: 'secrets', where: 'arguments', action: 'block' },
    { id: 'mask-mail-in-notes', detector: 'email', where: 'arguments', action: 'redact', server: 'notes', tool: 'write_note' },
    { id: 'flag-ssn', detector: 'us_ssn', action: 'warn' },
    { id: 'withhold-cards', detector: 'payment_card', where: 'results', action: 'block' },
    { id: 'mask-mail-out', detector: 'email', where: 'results', action: 'redact' },
    { id: 'no-codenames-in-prompts', detector: 'keyword', keywords: ['nightjar'], where: 'arguments', methods: ['prompts/get'], action: 'block' },
    { id: 'project-codes', detector: 'regex', pattern: 'PRJ-[0-9]{5}', kind: 'project_code', where: 'results', action: 'redact' },
  ],
};

type ContentClient = {
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: string }> }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{ messages: Array<{ role: string; content: { type: string; text?: string } }> }>;
};

/** Guardrails end to end: real MCP clients of both generations, a real upstream, the real SQLite ledger. */
describe('content guardrails', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let agentKey: string;
  const agents: Agent[] = [];
  const logs = new CapturedLogs();

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_GUARDRAILS_MAX_BYTES: '4096' }, { logger: logs.logger });
    const { serverId } = await h.api.registerServer('Notes', 'notes', upstream.url);
    for (const tool of ['echo', 'read_note', 'write_note']) await h.api.approve(serverId, tool, 'read');
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await upstream.close();
  });

  const connect = async (revision: '2025-11-25' | '2026-07-28') => {
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent;
  };
  const lastOf = (type: string) => eventsOfType(h.dataDir, type).at(-1)!;

  it('refuses a set with a non-RE2 pattern or an unknown detector, with paths, and writes nothing', async () => {
    const bad = await h.api.request('PUT', '/v1/guardrails?baseVersion=0', { rules: [{ id: 'x', detector: 'regex', pattern: '(a)\\1', action: 'block' }, { id: 'y', detector: 'telepathy', action: 'warn' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.data?.reason ?? bad.body.code).toBe('GUARDRAILS.INVALID');
    expect(JSON.stringify(bad.body)).toContain('rules[0].pattern');
    expect(eventsOfType(h.dataDir, 'GuardrailSetApplied')).toEqual([]);
    expect(await h.api.request('GET', '/v1/guardrails')).toMatchObject({ status: 200, body: { version: 0, set: null } });
  });

  it('applies a set as one signed GuardrailSetApplied on guardrails-<org>; a stale base version is refused', async () => {
    const validated = await h.api.request('POST', '/v1/guardrails/validate', RULES);
    expect(validated).toMatchObject({ status: 200, body: { valid: true, currentVersion: 0 } });
    const applied = await h.api.request('PUT', '/v1/guardrails?baseVersion=0', RULES);
    expect(applied).toMatchObject({ status: 200, body: { version: 1, applied: true, digest: validated.body.digest } });
    const stale = await h.api.request('PUT', '/v1/guardrails?baseVersion=0', { rules: [] });
    expect(stale.status).toBe(409);
    const events = eventsOfType(h.dataDir, 'GuardrailSetApplied');
    expect(events.map((e) => [e.stream, e.data.version, e.data.digest])).toEqual([[`guardrails-${h.orgId}`, 1, applied.body.digest]]);
    expect(events[0].sig).toBeTruthy();
  });

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    describe(`an agent on ${revision}`, () => {
      it('block on arguments: refused naming the rule, never the content; nothing reaches the upstream', async () => {
        const a = await connect(revision);
        const before = upstream.requests.withRpcMethod('tools/call').length;
        const refusal = await surfacingRpcErrors(() => a.callTool('echo', { nested: { list: ['ok', `key=${AWS_KEY}`] } })).catch((e: unknown) => e);
        expect(refusal).toMatchObject({ code: -32003, data: { reason: 'GUARDRAIL.BLOCKED', gate: 'guardrails', decision: 'deny', rules: ['no-cloud-keys'] } });
        expect(JSON.stringify(refusal)).not.toContain(AWS_KEY);
        expect(upstream.requests.withRpcMethod('tools/call').length).toBe(before);
        const decided = lastOf('ToolCallDecided');
        expect(decided.data.findings).toEqual([
          { detector: 'secrets', rule: 'no-cloud-keys', action: 'block', kind: 'aws_access_key', path: '$.arguments.nested.list[1]', payloadDigest: decided.payload!.digest },
        ]);
      });

      it('redact on arguments: the upstream gets the rewritten arguments; the decision says so', async () => {
        const a = await connect(revision);
        const id = `note-${revision}`;
        await a.callTool('write_note', { id, text: `mail ${EMAIL} please` });
        expect(upstream.notes.get(id)).toBe('mail [REDACTED:email] please');
        const decided = lastOf('ToolCallDecided');
        expect(decided.data).toMatchObject({ decision: 'allow', argumentsRedacted: true, findings: [{ rule: 'mask-mail-in-notes', action: 'redact', path: '$.arguments.text', kind: 'email' }] });
        expect(decided.data.reasons).toContainEqual({ gate: 'guardrails', code: 'GUARDRAIL.REDACTED', decision: 'allow', matches: [{ rule: 'mask-mail-in-notes', decision: 'allow', code: 'GUARDRAIL.REDACTED' }] });
      });

      it('warn: the call passes, flagged (observe) in the decision and in the outcome', async () => {
        const a = await connect(revision);
        const result = await a.callTool('echo', { text: `ssn ${SSN}` });
        expect(JSON.parse(textOf(result))).toEqual({ text: `ssn ${SSN}` });
        const decided = lastOf('ToolCallDecided');
        expect(decided.data.decision).toBe('observe');
        expect(decided.data.reasons).toContainEqual(expect.objectContaining({ gate: 'guardrails', code: 'GUARDRAIL.FLAGGED', decision: 'observe' }));
        await h.settled();
        const completed = lastOf('ToolCallCompleted');
        expect(completed.data).toMatchObject({ callId: decided.data.callId, filterCode: 'GUARDRAIL.FLAGGED', findings: [{ rule: 'flag-ssn', path: '$.content[0].text', payloadDigest: completed.payload!.digest }] });
      });

      it('redact on results: valid JSON text and valid MCP content, custom RE2 rules too', async () => {
        const a = await connect(revision);
        const result = await a.callTool('echo', { to: EMAIL, code: PROJECT });
        expect(result.content).toHaveLength(1);
        expect(result.content[0].type).toBe('text');
        expect(JSON.parse(textOf(result))).toEqual({ to: '[REDACTED:email]', code: '[REDACTED:project_code]' });
        await h.settled();
        expect(lastOf('ToolCallCompleted').data).toMatchObject({ resultFiltered: 'redacted' });
      });

      it('block on results: the result is withheld with GUARDRAIL.RESULT_WITHHELD naming the rule', async () => {
        const a = await connect(revision);
        upstream.notes.set('card', `card ${CARD}`);
        const refusal = await surfacingRpcErrors(() => a.callTool('read_note', { id: 'card' })).catch((e: unknown) => e);
        expect(refusal).toMatchObject({ data: { reason: 'GUARDRAIL.RESULT_WITHHELD', rules: ['withhold-cards'] } });
        expect(JSON.stringify(refusal)).not.toContain('4539');
        await h.settled();
        expect(lastOf('ToolCallCompleted').data).toMatchObject({ resultFiltered: 'withheld', filterCode: 'GUARDRAIL.RESULT_WITHHELD' });
      });

      it('results of resource reads and prompts are filtered too', async () => {
        const a = await connect(revision);
        upstream.notes.set(EMAIL, 'x');
        upstream.notes.set('q', `call ${EMAIL}`);
        const client = a.raw as unknown as ContentClient;
        const read = await surfacingRpcErrors(() => client.readResource({ uri: NOTES_INDEX_URI }));
        expect(read.contents[0].uri).toBe(NOTES_INDEX_URI);
        expect(read.contents[0].text).toContain('[REDACTED:email]');
        expect(read.contents[0].text).not.toContain(EMAIL);
        const prompt = await surfacingRpcErrors(() => client.getPrompt({ name: SUMMARISE_PROMPT, arguments: { id: 'q' } }));
        expect(prompt.messages[0]).toEqual({ role: 'user', content: { type: 'text', text: 'Summarise: call [REDACTED:email]' } });
        upstream.notes.delete(EMAIL);
      });

      it('a prompt’s arguments are judged before the upstream sees them: a block refuses the request', async () => {
        const a = await connect(revision);
        const client = a.raw as unknown as ContentClient;
        const before = upstream.requests.withRpcMethod('prompts/get').length;
        await expect(surfacingRpcErrors(() => client.getPrompt({ name: SUMMARISE_PROMPT, arguments: { id: 'Nightjar' } }))).rejects.toMatchObject({
          data: { reason: 'GUARDRAIL.BLOCKED', gate: 'guardrails', rules: ['no-codenames-in-prompts'] },
        });
        expect(upstream.requests.withRpcMethod('prompts/get').length).toBe(before);
        await h.settled();
        expect(lastOf('McpRequestRelayed').data).toMatchObject({
          method: 'prompts/get',
          outcome: 'GUARDRAIL.BLOCKED',
          decision: 'deny',
          argumentFindings: [{ rule: 'no-codenames-in-prompts', path: '$.arguments.id', kind: 'no_codenames_in_prompts' }],
        });
      });
    });
  }

  it('oversize arguments are the set’s decision (block by default), recorded, never a crash', async () => {
    const a = await connect('2025-11-25');
    const before = upstream.requests.withRpcMethod('tools/call').length;
    await expect(surfacingRpcErrors(() => a.callTool('echo', { text: 'x'.repeat(5000) }))).rejects.toMatchObject({ data: { reason: 'GUARDRAIL.OVERSIZE', gate: 'guardrails' } });
    expect(upstream.requests.withRpcMethod('tools/call').length).toBe(before);
    expect(lastOf('ToolCallDecided').data.reasons).toContainEqual({ gate: 'guardrails', code: 'GUARDRAIL.OVERSIZE', decision: 'deny' });
  });

  it('the matched values are in no byte of the data directory and in no log line', async () => {
    await h.settled();
    const everything = [...dataDirFiles(h.dataDir).map((f) => f.bytes.toString('latin1')), logs.text()];
    for (const secret of [AWS_KEY, EMAIL, CARD, SSN, PROJECT]) {
      expect(everything.filter((text) => text.includes(secret))).toHaveLength(0);
    }
  });
});
