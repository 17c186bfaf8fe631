import { MultipleErrors, NetworkError, ProtocolError, ResponseError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { resolveBrokers } from '../../src/cli/brokers.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE, explainError } from '../../src/cli/errors.js';
import { parsePosition } from '../../src/cli/offsets.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';

describe('explainError', () => {
  it("names the Kafka error inside the client's nested errors and says what to do", () => {
    const response = new ResponseError(19, 7, { '/topics/0': [36, "Topic 'orders' already exists."] }, {});
    const explained = explainError(new MultipleErrors('failed after retries', [response]), { topic: 'orders' });
    expect(explained.message).toBe("TOPIC_ALREADY_EXISTS: Topic 'orders' already exists.");
    expect(explained.hint).toContain('gregor topic delete orders');
    expect(explained.exitCode).toBe(EXIT_FAILURE);
    expect(explained.kafkaErrors).toEqual(['TOPIC_ALREADY_EXISTS']);
  });

  it('reads a bare protocol error and our own KafkaError', () => {
    expect(explainError(new ProtocolError('GROUP_ID_NOT_FOUND')).kafkaErrors).toEqual(['GROUP_ID_NOT_FOUND']);
    const own = explainError(new KafkaError(ErrorCode.INVALID_CONFIG, 'bad value'));
    expect(own.message).toBe('INVALID_CONFIG: bad value');
  });

  it('turns a refused connection into advice about --brokers', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const explained = explainError(new MultipleErrors('x', [new NetworkError('Connection failed', { cause: refused })]), { brokers: ['127.0.0.1:1'] });
    expect(explained.message).toBe('cannot reach 127.0.0.1:1 (ECONNREFUSED)');
    expect(explained.hint).toMatch(/--brokers/);
  });

  it('spells out what a generic client error wraps', () => {
    const wrapped = new MultipleErrors('Producing messages failed.', [new Error('zstd is not supported in the current Node.js version')]);
    expect(explainError(wrapped).message).toBe('Producing messages failed: zstd is not supported in the current Node.js version');
    expect(explainError(new Error('plain')).message).toBe('plain');
  });

  it('keeps the exit code of a usage error', () => {
    expect(explainError(new CliError('bad', 'fix it', EXIT_USAGE))).toEqual({ message: 'bad', hint: 'fix it', exitCode: EXIT_USAGE, kafkaErrors: [] });
  });
});

describe('resolveBrokers', () => {
  it('takes the flag, then GREGOR_BROKERS, then 127.0.0.1:9092', () => {
    expect(resolveBrokers('a:1,b:2', { GREGOR_BROKERS: 'c:3' })).toEqual(['a:1', 'b:2']);
    expect(resolveBrokers(undefined, { GREGOR_BROKERS: 'c:3' })).toEqual(['c:3']);
    expect(resolveBrokers(undefined, {})).toEqual(['127.0.0.1:9092']);
    expect(() => resolveBrokers('nohost', {})).toThrow(/host:port/);
  });
});

describe('parsePosition', () => {
  it('reads start, end, offsets, -N and @timestamp', () => {
    expect(parsePosition('start')).toEqual({ kind: 'start' });
    expect(parsePosition('end')).toEqual({ kind: 'end' });
    expect(parsePosition('42')).toEqual({ kind: 'offset', offset: 42n });
    expect(parsePosition('-3')).toEqual({ kind: 'last', count: 3n });
    expect(parsePosition('@1700000000000')).toEqual({ kind: 'timestamp', timestamp: 1_700_000_000_000n });
    expect(() => parsePosition('soon')).toThrow(CliError);
  });
});
