import { existsSync } from 'node:fs';
import { connectAgent, type Agent } from '../../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './gateway-harness';
import { CLI } from './tamper';

export interface RecordedLedger {
  upstream: LegacyMcpServer;
  harness: Harness;
  /** The gateway's data directory, left as the gateway wrote it (not yet stopped: see `record`). */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A real gateway's ledger for the verify suites: an SDK 1.x upstream registered as `notes` with
 * `echo` approved, one agent whose 2025-11-25 session runs `calls`, then whatever `after` does
 * with the gateway still up; then the gateway stops and its data directory is the ledger to tamper.
 */
export async function recordLedger(
  agentName: string,
  calls: (agent: Agent) => Promise<void>,
  after: (harness: Harness) => Promise<void> = async () => undefined,
): Promise<RecordedLedger> {
  if (!existsSync(CLI)) throw new Error(`the compiled CLI ${CLI} is missing: run \`npm run build\` before jest (npm test does)`);
  const upstream = await startLegacyMcpServer();
  const harness = await startHarness();
  const close = async () => {
    await harness.cleanup();
    await upstream.close();
  };
  try {
    const server = await harness.api.registerServer('Notes', 'notes', upstream.url);
    await harness.api.approve(server.serverId, 'echo', 'read');
    const { apiKey } = await harness.api.registerAgent(agentName);
    const agent = await connectAgent(`${harness.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${apiKey}` } });
    try {
      await calls(agent);
    } finally {
      await agent.close();
    }
    await after(harness);
    await harness.stop();
    return { upstream, harness, dataDir: harness.dataDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
