import { SdkHttpError } from '@modelcontextprotocol/client';
import { openSseSession } from './sse-session';
import { openStreamableSession } from './streamable-session';
import type { UpstreamSession, UpstreamSessionOptions } from './upstream-session';

/**
 * Opens a session on the upstream's transport: Streamable HTTP, or the deprecated HTTP+SSE
 * transport of 2024-11-05 servers. As the transport spec's backwards-compatibility rule says, a
 * 4xx answer to the Streamable HTTP POST means "try GET for an SSE stream that names an endpoint".
 */
export async function openUpstreamSession(url: URL, options: UpstreamSessionOptions): Promise<UpstreamSession> {
  try {
    return await openStreamableSession(url, options);
  } catch (error) {
    if (!(error instanceof SdkHttpError) || error.status < 400 || error.status >= 500 || error.status === 401) throw error;
    return openSseSession(url, options).catch(() => Promise.reject(error));
  }
}
