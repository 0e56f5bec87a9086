import { connectAgent } from '../../test/fixtures/agent-clients';
import { sequential, warmUp, type LoadResult } from './load';
import type { Table } from './report';
import { round } from './stats';

/**
 * tools/call echo with a large argument, so a large result: SDK 1.x agent (2025-11-25) to the
 * SDK 1.x upstream, which answers over SSE (the path whose parse was quadratic), direct and
 * through the gateway, one client, sequential. ~4 MiB stays under the edge's 4 MiB body limit.
 */
export const LARGE_RESULT_SIZES = [1024 * 1024, 4 * 1024 * 1024 - 64 * 1024];

export interface LargeResultFigures {
  bytes: number;
  direct: LoadResult;
  governed: LoadResult;
}

async function series(url: string, bytes: number, calls: number, headers?: Record<string, string>): Promise<LoadResult> {
  const agent = await connectAgent(url, { revision: '2025-11-25', headers, clientInfo: { name: 'warden-bench', version: '0.0.0' } });
  const args = { text: 'x'.repeat(bytes) };
  const call = async () => {
    const result = await agent.callTool('echo', args);
    const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
    if (result.isError || text.length < bytes) throw new Error(`echo of ${bytes} characters came back with ${text.length}`);
  };
  try {
    await warmUp([call], 2);
    return await sequential(call, calls);
  } finally {
    await agent.close();
  }
}

export async function measureLargeResults(directUrl: string, governedUrl: string, headers: Record<string, string>, quick: boolean, log: (line: string) => void): Promise<LargeResultFigures[]> {
  const figures: LargeResultFigures[] = [];
  for (const bytes of LARGE_RESULT_SIZES) {
    const calls = quick ? 3 : bytes > 2 * 1024 * 1024 ? 8 : 15;
    log(`gateway-call: large result ${(bytes / 1024 / 1024).toFixed(2)} MiB, direct and governed`);
    figures.push({ bytes, direct: await series(directUrl, bytes, calls), governed: await series(governedUrl, bytes, calls, headers) });
  }
  return figures;
}

export function largeResultsTable(figures: LargeResultFigures[]): Table {
  const rows: Table['rows'] = [];
  for (const f of figures) {
    const size = `${(f.bytes / 1024 / 1024).toFixed(2)} MiB`;
    rows.push([size, 'direct', f.direct.calls, f.direct.latencyMs.p50, f.direct.latencyMs.max, '', '']);
    rows.push([size, 'gateway FULL', f.governed.calls, f.governed.latencyMs.p50, f.governed.latencyMs.max, round(f.governed.latencyMs.p50 - f.direct.latencyMs.p50), round(f.governed.latencyMs.p50 / f.direct.latencyMs.p50, 2)]);
  }
  return {
    title: 'tools/call echo with a large result: SDK 1.x agent → SDK 1.x upstream answering over SSE, one client, sequential',
    columns: ['result', 'via', 'calls', 'p50 ms', 'max ms', 'Δp50 ms', 'p50 ratio'],
    rows,
  };
}
