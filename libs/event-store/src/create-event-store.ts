import type { EventStore } from './event-store.port';
import type { SqliteDatabase, SqliteSynchronous } from '@warden/sqlite';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export interface CreateEventStoreOptions {
  /** For sqlite: FULL (default) or NORMAL. */
  synchronous?: SqliteSynchronous;
  /** Open an existing store for reading only (e.g. an offline verifier); appends reject. */
  readonly?: boolean;
  /** For sqlite: an already open database on the URL's file, shared with the payload store. */
  database?: SqliteDatabase;
}

/** Thrown at start-up for an event-store URL this build cannot serve. */
export class EventStoreConfigError extends Error {
  readonly code = 'CONFIG.EVENT_STORE_URL';
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreConfigError';
  }
}

/**
 * Picks the adapter from a config URL (WARDEN_EVENT_STORE):
 *   sqlite:<path>   e.g. sqlite:./data/ledger.db, sqlite:/var/lib/warden/ledger.db, sqlite::memory:
 *   esdb://…        EventStoreDB / KurrentDB: not available in this build
 */
export function createEventStore(url: string, options: CreateEventStoreOptions = {}): EventStore {
  const { scheme, rest } = splitScheme(url);
  switch (scheme) {
    case 'sqlite':
      return new SqliteEventStore({ file: sqlitePath(url, rest), ...options });
    case 'esdb':
    case 'esdb+discover':
    case 'kurrentdb':
    case 'kurrentdb+discover':
      throw new EventStoreConfigError(
        `event store URL scheme "${scheme}:" (EventStoreDB / KurrentDB) is not available in this build; use sqlite:<path>`,
      );
    default:
      throw new EventStoreConfigError(`unknown event store URL scheme "${scheme}:" in "${url}"; expected sqlite:<path>`);
  }
}

/** The file of a sqlite: URL (as createEventStore reads it); undefined for another scheme. */
export function sqliteFileOf(url: string): string | undefined {
  const { scheme, rest } = splitScheme(url);
  return scheme === 'sqlite' ? sqlitePath(url, rest) : undefined;
}

function splitScheme(url: string): { scheme: string; rest: string } {
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(typeof url === 'string' ? url.trim() : '');
  if (!match) throw new EventStoreConfigError(`event store URL "${String(url)}" has no scheme; expected sqlite:<path>`);
  return { scheme: match[1].toLowerCase(), rest: match[2] };
}

function sqlitePath(url: string, rest: string): string {
  // Accept sqlite:///abs/path and sqlite://./rel/path as well as the plain sqlite:<path>.
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path.length === 0) throw new EventStoreConfigError(`event store URL "${url}" has no file path`);
  return path;
}
