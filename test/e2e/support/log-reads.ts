/** A checkpoint as GET /v1/log/checkpoint serves it. */
export interface ServedCheckpoint {
  size: number;
  note: string;
  cosignatures: Array<{ name: string }>;
}

/** Reads the gateway's transparency log as an auditor: a GET with the auditor's key, its status and JSON body. */
export function logReader(key: () => string) {
  const getJson = async (url: string, path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key()}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** The gateway's latest checkpoint once it is beyond `size` and `ready` accepts it (the anchor trails the writes; polled, not timed). */
  const checkpointBeyond = async (url: string, size: number, ready: (checkpoint: ServedCheckpoint) => boolean = () => true): Promise<ServedCheckpoint> => {
    for (let i = 0; i < 500; i++) {
      const latest = await getJson(url, '/v1/log/checkpoint');
      if (latest.status === 200 && latest.body.size > size && ready(latest.body)) return latest.body as ServedCheckpoint;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no checkpoint beyond ${size} at ${url} that the test waits for`);
  };
  return { getJson, checkpointBeyond };
}
