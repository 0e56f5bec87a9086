import type { DomainEvent } from '../ledger/decider';

export type RiskClass = 'read' | 'write' | 'destructive';
export const RISK_CLASSES: readonly RiskClass[] = ['read', 'write', 'destructive'];

/** A tool as the upstream describes it (public metadata, relayed to agents as-is). */
export interface ToolDefinition {
  name: string;
  [key: string]: unknown;
}

/**
 * A stdio upstream as recorded: the command and its fixed arguments, never its environment's
 * values (they are in the vault; only the names are recorded).
 */
export interface StdioRecord {
  command: string;
  args: string[];
  cwd?: string;
  envNames: string[];
}

/** `url` of a stdio server is a label (`stdio:<command>`); `stdio` says what runs. */
export type ServerRegistered = DomainEvent<
  'ServerRegistered',
  { serverId: string; orgId: string; slug: string; name: string; url: string; protocolVersion: string | null; stdio?: StdioRecord }
>;
/** Every discovered tool starts in review: it is not callable until classified and approved. */
export type ToolDiscovered = DomainEvent<'ToolDiscovered', { serverId: string; tool: string; definition: ToolDefinition; definitionDigest: string }>;
export type ToolClassified = DomainEvent<'ToolClassified', { serverId: string; tool: string; riskClass: RiskClass }>;
export type ToolApproved = DomainEvent<'ToolApproved', { serverId: string; tool: string; riskClass: RiskClass }>;

/**
 * Rediscovery found the tool's definition changed (its description, schema or hints): it goes back
 * to review, whatever was approved before (a changed tool is not the tool that was approved).
 */
export type ToolDefinitionChanged = DomainEvent<
  'ToolDefinitionChanged',
  { serverId: string; tool: string; definition: ToolDefinition; definitionDigest: string; previousDigest: string }
>;
/** Rediscovery no longer found the tool: it is gone from listings and calls. */
export type ToolWithdrawn = DomainEvent<'ToolWithdrawn', { serverId: string; tool: string }>;

/** What a health check (connect, list tools) found; anything but healthy makes calls fail at once. */
export type ServerHealthStatus = 'healthy' | 'unreachable' | 'unauthorized' | 'bad_response';
export const SERVER_HEALTH_STATUSES: readonly ServerHealthStatus[] = ['healthy', 'unreachable', 'unauthorized', 'bad_response'];
/** The server's health changed (a check, or a registration while the upstream was down); `reason` is an error code. */
export type ServerHealthChanged = DomainEvent<'ServerHealthChanged', { serverId: string; status: ServerHealthStatus; reason: string }>;


/** Only the fields that changed; a new URL was validated and discovered again (its tool changes follow as events). */
export type ServerUpdated = DomainEvent<'ServerUpdated', { serverId: string; name?: string; url?: string; protocolVersion?: string | null }>;
/** Its tools are not listed or callable and its pooled sessions are closed, until it is enabled. */
export type ServerDisabled = DomainEvent<'ServerDisabled', { serverId: string }>;
export type ServerEnabled = DomainEvent<'ServerEnabled', { serverId: string }>;
/** Final; its slug stays taken so that old names never reach another server. */
export type ServerRemoved = DomainEvent<'ServerRemoved', { serverId: string }>;

export type ServerStatus = 'active' | 'disabled' | 'removed';

export type RegistryEvent =
  | ServerRegistered
  | ToolDiscovered
  | ToolClassified
  | ToolApproved
  | ToolDefinitionChanged
  | ToolWithdrawn
  | ServerUpdated
  | ServerDisabled
  | ServerEnabled
  | ServerRemoved
  | ServerHealthChanged;

export const SERVER_STREAM_PREFIX = 'server-';
export const serverStream = (serverId: string) => `${SERVER_STREAM_PREFIX}${serverId}`;
