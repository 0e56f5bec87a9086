import { connectAgent, textOf, type Agent, type AgentToolResult } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { runCli } from './support/tamper';

/** `warden approvals list|approve|deny` against a real gateway over HTTP on 127.0.0.1. */
describe('warden approvals (CLI)', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let agent: Agent;
  let approverKey: string;
  const cli = (key: string, ...args: string[]) => runCli(['approvals', ...args], { env: { WARDEN_API: h.url, WARDEN_KEY: key } });

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_STEP_UP_WAIT_MS: '0' });
    const { serverId } = await h.api.registerServer('Notes', 'notes', upstream.url);
    await h.api.approve(serverId, 'write_note', 'write');
    await h.api.request('PUT', '/v1/policies?baseVersion=0', { defaults: { read: 'allow', write: 'step_up', destructive: 'deny' }, rules: [] });
    const { apiKey } = await h.api.registerAgent('cli-agent');
    approverKey = (await h.api.createUser('Ada', ['approver'])).apiKey;
    agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2026-07-28', headers: { authorization: `Bearer ${apiKey}` } });
  });

  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    await h.cleanup();
    await upstream.close();
  });

  it('lists the pending approval, approves it with a comment, and the retry passes', async () => {
    const args = { id: 'cli', text: 'from the cli' };
    const pending = (await agent.callTool('write_note', args).catch((e: { data: { approvalId: string } }) => e)) as { data: { approvalId: string } };
    const { approvalId } = pending.data;
    const listed = await cli(approverKey, 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).approvals.map((a: { approvalId: string }) => a.approvalId)).toEqual([approvalId]);
    const approved = await cli(approverKey, 'approve', approvalId, '--comment', 'ok from the terminal');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('"state": "approved"');
    expect(eventsOfType(h.dataDir, 'StepUpApproved')[0].data.comment).toBe('ok from the terminal');
    expect(textOf((await agent.callTool('write_note', args)) as AgentToolResult)).toBe('stored note cli');
  });

  it('exits 1 when refused (the owner’s own key: self-approval) and 2 on bad usage', async () => {
    const pending = (await agent.callTool('write_note', { id: 'x', text: 'y' }).catch((e: { data: { approvalId: string } }) => e)) as { data: { approvalId: string } };
    const self = await cli(h.adminKey, 'deny', pending.data.approvalId);
    expect(self.code).toBe(1);
    expect(self.stdout).toContain('APPROVAL.SELF_APPROVAL');
    expect((await cli(approverKey, 'approve', 'not-an-id')).code).toBe(2);
    expect((await cli(approverKey, 'frobnicate')).code).toBe(2);
    expect((await runCli(['approvals', 'list'], { env: { WARDEN_API: h.url } })).code).toBe(2);
    expect(eventsOfType(h.dataDir, 'StepUpDenied')).toHaveLength(0);
  });
});
