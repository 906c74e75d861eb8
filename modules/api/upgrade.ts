/**
 * Taking a request's connection over from HTTP. restify hands `Connection:
 * Upgrade` requests a stand-in response whose `claimUpgrade()` yields the
 * socket; this wraps it so a handler can still fail with a proper HTTP
 * error (status line, envelope body) until it accepts the upgrade.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { VooduError } from '../../lib/errors.js';
import type { UpgradedConnection } from './contract.js';

/** What restify's upgrade response offers (its types do not say). */
interface RestifyUpgradeResponse {
  claimUpgrade(): { socket: Duplex; head: Buffer };
  statusCode: number;
  emit(event: string): boolean;
}

export function isUpgradeResponse(res: unknown): res is RestifyUpgradeResponse {
  return typeof (res as { claimUpgrade?: unknown } | null)?.claimUpgrade === 'function';
}

/** Docker's own answer to a hijack, so docker-style clients work unchanged. */
const ACCEPT =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

export class Upgrade {
  readonly #res: RestifyUpgradeResponse;
  #conn: UpgradedConnection | undefined;
  #accepted = false;

  constructor(res: RestifyUpgradeResponse) {
    this.#res = res;
  }

  claim(): UpgradedConnection {
    if (this.#conn) throw new VooduError('the upgrade of this request was already claimed');
    const { socket, head } = this.#res.claimUpgrade();
    // A client that resets mid-stream must not take the controller down with an unheard 'error'.
    socket.on('error', () => undefined);
    const self = this;
    this.#conn = {
      socket,
      head,
      accept() {
        if (self.#accepted) return;
        self.#accepted = true;
        self.#res.statusCode = 101;
        socket.write(ACCEPT);
      },
      get accepted() {
        return self.#accepted;
      },
    };
    return this.#conn;
  }

  /** Answers a thrown error: an HTTP response while the socket is still HTTP, else just a cut. */
  fail(status: number, message: string): void {
    const conn = this.#conn ?? this.claim();
    if (this.#accepted) {
      conn.socket.destroy();
      return;
    }
    this.#res.statusCode = status;
    writeHttpError(conn.socket, status, message);
  }

  /** restify logs a request on its response's 'finish', which the upgrade stand-in never emits by itself. */
  finish(): void {
    this.#res.emit('finish');
  }
}

export function writeHttpError(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ status: 'error', error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
