/**
 * The event-store port. It offers only what EventStoreDB / KurrentDB offers, so that every adapter
 * can honour it: append to ONE stream atomically with an expected revision, read a stream, read
 * the global log from a position, and catch-up subscribe to the global log. No multi-stream
 * transactions. Events are opaque JSON to the store: warden's signed envelope is the `data`.
 */
export const EVENT_STORE = Symbol('EVENT_STORE');

/** Revisions are 0-based per stream, as in EventStoreDB. */
export type ExpectedRevision =
  | 'any'           // no check
  | 'no_stream'     // the stream must not exist yet
  | 'stream_exists' // the stream must have at least one event
  | number;         // the revision of the stream's last event

export interface EventToAppend {
  /** uuid (v7 in warden); unique in the whole store. */
  id: string;
  type: string;
  /** JSON-serialisable body; warden stores its signed envelope here. */
  data: unknown;
}

export interface RecordedEvent<T = unknown> {
  id: string;
  type: string;
  stream: string;
  /** 0-based position of the event in its stream. */
  revision: number;
  /** Position in the global log: strictly increasing in commit order (dense in SQLite, not in ESDB). */
  position: number;
  /**
   * Read-only. An adapter may hand a live subscriber of the process that appended the event the
   * very `data` object appended (the embedded store does, for the rows it just committed), never
   * one read from elsewhere.
   */
  data: T;
}

export interface AppendResult {
  /** Revision of the last event written: pass it as the next expectedRevision. */
  nextExpectedRevision: number;
  /** Global position of the last event written. */
  position: number;
}

export interface ReadStreamOptions {
  /** Inclusive; default 0. */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with position > fromPosition. Default: from the start. */
  fromPosition?: number;
  maxCount?: number;
}

/** Server-side filter of a subscription, as EventStoreDB's `streamNameFilter({ prefixes })`. */
export interface SubscriptionFilter {
  /** Deliver only events whose stream name starts with one of these (at least one, non-empty). */
  streamPrefixes: string[];
}

export interface SubscribeOptions {
  /** Exclusive, as in readAll: the stored checkpoint of the subscriber. */
  fromPosition?: number;
  /** Without a filter every event is delivered. With one, the store skips the others itself. */
  filter?: SubscriptionFilter;
  /**
   * Told when the handler throws (the subscription then stops before that event) or reading
   * fails. Default: the adapter logs it to stderr.
   */
  onError?: (error: unknown, event: RecordedEvent | undefined) => void;
}

export type EventHandler = (event: RecordedEvent) => void | Promise<void>;

export interface Subscription {
  /** Resolves once the subscriber has caught up with everything committed when it started. */
  readonly caughtUp: Promise<void>;
  close(): Promise<void>;
}

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  durability?: 'immediate' | 'deferred';
}

export interface EventStore {
  /**
   * Resolves once the events are durable. `durability: 'deferred'` (default 'immediate') lets an
   * adapter make them durable together with a later append, a few milliseconds on at most (the
   * embedded store shares the next fsync): for records nobody waits on. Never less durable.
   */
  appendToStream(stream: string, events: EventToAppend[], options: AppendOptions): Promise<AppendResult>;
  /** Events of one stream in revision order; an unknown stream yields []. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in global commit order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Revision of the stream's last event, or -1 if the stream does not exist. */
  streamRevision(stream: string): Promise<number>;
  /**
   * Catch-up subscription to the global log: delivers every event after fromPosition (that
   * matches the filter, if any) in order, one at a time (the handler is awaited), then keeps
   * delivering new commits live. Throws TypeError for a malformed filter.
   */
  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription;
  close(): Promise<void>;
}
