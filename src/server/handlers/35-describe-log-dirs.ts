/**
 * DescribeLogDirs (35), v0–4: each log dir with its partitions' sizes, its state, and (v4) its capacity. Without
 * DESCRIBE on the cluster Kafka answers no dirs and (v3+) CLUSTER_AUTHORIZATION_FAILED.
 */
import { resolve } from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import { requireAuthorized } from '../request-authorization.js';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages.js';

type DescribeLogDirsResult = DescribeLogDirsResponse.DescribeLogDirsResult;

export const describeLogDirsHandler: Handler<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  handle(request, context) {
    requireAuthorized(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    const wanted = request.topics === null ? undefined : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const byDir = context.replicaManager.partitionsByLogDir();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: context.replicaManager.logManager.logDirs().map((dir) => {
        const topics = new Map<string, DescribeLogDirsResult['topics'][number]>();
        for (const partition of dir.online ? (byDir.get(resolve(dir.path)) ?? []) : []) {
          if (wanted && !wanted.get(partition.topic)?.has(partition.partition)) continue;
          const topic = topics.get(partition.topic) ?? { name: partition.topic, partitions: [] };
          topic.partitions.push({ partitionIndex: partition.partition, partitionSize: BigInt(partition.log.size), offsetLag: 0n, isFutureKey: false });
          topics.set(partition.topic, topic);
        }
        return {
          errorCode: dir.online ? ErrorCode.NONE : ErrorCode.KAFKA_STORAGE_ERROR,
          logDir: dir.path,
          topics: [...topics.values()],
          totalBytes: dir.totalBytes,
          usableBytes: dir.usableBytes,
        };
      }),
    };
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, results: [] }),
};
