/** The broker coordinating a group, as FindCoordinator through one broker names it once it can (in a cluster the first ask creates __consumer_offsets). */
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { pollUntil } from './poll.js';

export async function coordinatorOf(bootstrap: string, groupId: string, timeoutMs = 30_000): Promise<number> {
  let nodeId = -1;
  await pollUntil(
    async () => {
      const client = await RawClient.connect(bootstrap);
      try {
        const answer = await client.request(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0, coordinatorKeys: [] });
        nodeId = answer.errorCode === ErrorCode.NONE ? answer.nodeId : -1;
      } finally {
        client.close();
      }
      return nodeId !== -1;
    },
    `FindCoordinator to name the coordinator of ${groupId}`,
    { timeoutMs },
  );
  return nodeId;
}
