import type { GatewayStoreStats } from '../gateway-child';
import { round } from './stats';

/** Means over a series from the gateway's own histograms (ms): decision durable, upstream answer, the whole call inside the gateway. */
export interface InsideMs {
  decisionCommit: number;
  upstream: number;
  call: number;
}

/** The gateway's own means between two `stats` samples of a benchmark gateway child. */
export function insideMsBetween(before: GatewayStoreStats['timings'], after: GatewayStoreStats['timings']): InsideMs {
  const mean = (key: keyof GatewayStoreStats['timings']) => {
    const count = after[key].count - before[key].count;
    return count > 0 ? round(((after[key].sum - before[key].sum) / count) * 1000, 3) : 0;
  };
  return { decisionCommit: mean('decisionCommit'), upstream: mean('upstream'), call: mean('call') };
}
