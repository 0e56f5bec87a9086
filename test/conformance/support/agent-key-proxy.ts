import { request } from 'node:http';
import { listenOnLoopback, type LoopbackHttpServer } from '../../fixtures/loopback-http';

/**
 * The conformance runner connects without credentials; warden serves only agents. This loopback
 * proxy adds `Authorization: Bearer <agent key>` to every request and pipes both bodies through
 * unchanged (SSE included). Host and Origin that name the proxy itself are rewritten to the
 * gateway's, so warden sees what the runner meant; any other value (the dns-rebinding scenario's
 * evil.example.com) reaches warden as it was sent.
 */
export async function startAgentKeyProxy(gatewayUrl: string, agentKey: string): Promise<LoopbackHttpServer> {
  const target = new URL(gatewayUrl);
  let own = '';
  const proxy = await listenOnLoopback((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${agentKey}` };
    if (headers.host === own) headers.host = target.host;
    if (headers.origin === `http://${own}`) headers.origin = target.origin;
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }, 0, '');
  own = `127.0.0.1:${proxy.port}`;
  return proxy;
}
