import type { RegisteredServer, RegisteredTool } from './servers.read-model';

/** The API's view of a server: the read model without its internal maps. */
export function serverView(server: RegisteredServer) {
  const { tools, ...rest } = server;
  return { ...rest, tools: [...tools.values()].map(toolView) };
}

export function toolView(tool: RegisteredTool) {
  return { name: tool.name, state: tool.state, riskClass: tool.riskClass, definitionDigest: tool.definitionDigest, definition: tool.definition };
}

export function slugFrom(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug || 'server';
}
