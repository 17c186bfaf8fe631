/**
 * The admin HTTP endpoint: `/metrics` (Prometheus exposition), `/health/live` (the process answers) and
 * `/health/ready` (logs recovered and the Kafka listener up: 503 until the broker says so, and again once it
 * starts shutting down, so a load balancer drains it first; 503 too while a log dir is offline, naming it in
 * `offlineLogDirs`, since its partitions stay unavailable until a restart). It listens on `gregor.admin.listener`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerMetrics } from './broker-metrics.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` (`[::1]:9644` for IPv6; an empty host means all interfaces). */
export function parseHostPort(text: string): HostPort {
  const match = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new RangeError(`expected host:port, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2] ?? '', port };
}

export class AdminServer {
  readonly #server: Server;
  readonly #metrics: BrokerMetrics;
  #address: HostPort = { host: '', port: 0 };
  #ready = false;
  #offlineLogDirs: () => readonly string[] = () => [];

  private constructor(metrics: BrokerMetrics) {
    this.#metrics = metrics;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`);
      });
    });
  }

  static async start(listen: HostPort, metrics: BrokerMetrics): Promise<AdminServer> {
    const admin = new AdminServer(metrics);
    await new Promise<void>((resolve, reject) => {
      admin.#server.once('error', reject);
      admin.#server.listen(listen.port, listen.host || undefined, () => {
        admin.#server.off('error', reject);
        resolve();
      });
    });
    const bound = admin.#server.address() as AddressInfo;
    admin.#address = { host: bound.address, port: bound.port };
    return admin;
  }

  /** Where it listens (the port is the bound one when 0 was asked for). */
  get address(): HostPort {
    return this.#address;
  }

  /** Readiness as `/health/ready` reports it. */
  setReady(ready: boolean): void {
    this.#ready = ready;
  }

  /** Where `/health/ready` learns which log dirs are offline. */
  watchLogDirs(offline: () => readonly string[]): void {
    this.#offlineLogDirs = offline;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      const { contentType, body } = await this.#metrics.scrape();
      response.writeHead(200, { 'content-type': contentType }).end(body);
    } else if (path === '/health/live') {
      json(response, 200, { status: 'live' });
    } else if (path === '/health/ready') {
      const offlineLogDirs = this.#offlineLogDirs();
      if (this.#ready && offlineLogDirs.length > 0) json(response, 503, { status: 'log dirs offline', offlineLogDirs });
      else json(response, this.#ready ? 200 : 503, { status: this.#ready ? 'ready' : 'not ready' });
    } else {
      json(response, 404, { error: `no such path ${path}; try /metrics, /health/live, /health/ready` });
    }
  }
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
