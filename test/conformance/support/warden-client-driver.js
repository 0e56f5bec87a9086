#!/usr/bin/env node
'use strict';
/**
 * The client under test for `conformance client --command`: warden itself. The runner starts a
 * mock MCP server for one scenario and runs this driver with the server's URL as its last
 * argument; the driver registers that server in a running warden (WARDEN_URL, WARDEN_ADMIN_KEY),
 * so warden connects to it as an MCP client (initialize, tools/list), approves its tools, and
 * calls each one through warden as an agent would (WARDEN_AGENT_KEY), with the real SDK client.
 * Plain CommonJS, run by the Node the test runs on, so it needs no build step.
 */
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');

const ARGUMENTS_BY_TOOL = { add_numbers: { a: 5, b: 3 } };

async function api(method, path, body) {
  const response = await fetch(`${process.env.WARDEN_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${process.env.WARDEN_ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

async function main() {
  const serverUrl = process.argv[process.argv.length - 1];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? 'scenario';
  const slug = `${scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now().toString(36)}`.slice(0, 60);
  const server = await api('POST', '/v1/servers', { name: `conformance ${scenario}`, slug, url: serverUrl });
  for (const tool of server.tools) await api('POST', `/v1/servers/${server.serverId}/tools/${encodeURIComponent(tool.name)}/approve`, { riskClass: 'read' });
  const agent = new Client({ name: 'warden-conformance-agent', version: '1.0.0' });
  await agent.connect(new StreamableHTTPClientTransport(new URL(`${process.env.WARDEN_URL}/mcp/${slug}`), { requestInit: { headers: { authorization: `Bearer ${process.env.WARDEN_AGENT_KEY}` } } }));
  const { tools } = await agent.listTools();
  for (const tool of tools) {
    const result = await agent.callTool({ name: tool.name, arguments: ARGUMENTS_BY_TOOL[tool.name] ?? {} });
    process.stdout.write(`${tool.name}: ${JSON.stringify(result.content)}\n`);
  }
  await agent.close();
}

main().catch((error) => {
  process.stderr.write(`warden-client-driver: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
