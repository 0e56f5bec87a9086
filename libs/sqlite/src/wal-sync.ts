import { closeSync, fdatasyncSync, openSync } from 'node:fs';

/** Makes what was written to a file durable: fdatasync unless given (a seam for tests of a failing disk). */
export type SyncFile = (fd: number) => void;

/**
 * What `synchronous = FULL` does at every commit, done by warden when it chooses: SQLite runs the
 * connection under NORMAL (in WAL mode a commit then writes its frames to the WAL; the WAL is
 * synced before each checkpoint and the database after it), and sync() fdatasyncs the WAL file.
 * One fdatasync covers every frame written before it, so the transactions committed since the
 * last sync survive power loss once it returns, as under FULL. It runs on the calling thread:
 * measured here, handing it to libuv's thread pool made a governed call slower (two wake-ups
 * instead of one on a loaded 2-core host).
 *
 * SQLite never removes the WAL file while a connection to the database is open (it does on the
 * last close), so the descriptor opened at the first sync stays the WAL's until close().
 */
export class WalSync {
  private fd: number | undefined;

  constructor(private readonly walFile: string, private readonly syncFile: SyncFile = fdatasyncSync) {}

  /** Returns once every frame written to the WAL so far is on stable storage; throws if it cannot. */
  sync(): void {
    this.fd ??= openSync(this.walFile, 'r');
    this.syncFile(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
