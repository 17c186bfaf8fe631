import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

describe('createLogger', () => {
  it('writes JSON lines at or above the configured level', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', destination: out.stream });
    log.info('hidden');
    log.child({ component: 'storage' }).warn({ key: 'process.roles' }, 'unknown broker config');
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, component: 'storage', key: 'process.roles', msg: 'unknown broker config', pid: process.pid });
    expect(typeof lines[0].time).toBe('string');
  });

  it('renders human-readable lines when asked (as on a terminal)', () => {
    const out = capture();
    createLogger({ level: 'info', pretty: true, destination: out.stream }).info({ port: 9092 }, 'broker started');
    const text = out.text();
    expect(text).toContain('broker started');
    expect(text).toContain('port: 9092');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('rejects an unknown level', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(/log level must be one of/);
  });
});
