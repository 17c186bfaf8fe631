// The controller over a real etcd, with the cluster metadata of three brokers in this process: partitions
// of a broker that goes offline and back, ISR shrinking, unclean election, and the partitionsChanged hook
// that announces each of those state changes to the brokers' listeners.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterMetadata, type PartitionChange } from '../../src/cluster/cluster-metadata.js';
import { ElectionType } from '../../src/cluster/controller/partition-election.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

describe.skipIf(etcdMissing !== undefined)('the controller', () => {
  const etcd = useEtcd();
  let clusterName: string;
  const dirs: string[] = [];
  const opened = new Set<ClusterMetadata>();

  afterEach(async () => {
    for (const metadata of opened) await metadata.close();
    opened.clear();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Node `nodeId`'s metadata, registered as a broker (its data dir kept across reopenings). */
  async function broker(nodeId: number): Promise<ClusterMetadata> {
    const dir = join(tmpdir(), `gregor-controller-${clusterName}-${nodeId}`);
    if (!dirs.includes(dir)) dirs.push(dir);
    const config = BrokerConfig.create(etcdBrokerSettings(etcd, clusterName, nodeId, { 'log.dir': dir }));
    const metadata = await ClusterMetadata.open(config, config.logDirs);
    opened.add(metadata);
    await metadata.setListeners([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + nodeId, securityProtocol: 'PLAINTEXT' }]);
    return metadata;
  }

  async function stop(metadata: ClusterMetadata): Promise<void> {
    opened.delete(metadata);
    await metadata.close();
  }

  async function startCluster(): Promise<ClusterMetadata[]> {
    clusterName = randomUUID();
    const brokers = [await broker(1), await broker(2), await broker(3)];
    await pollUntil(() => brokers.every((b) => b.controllerId === 1 && b.brokers().length === 3), 'node 1 to be controller of three brokers');
    return brokers;
  }

  function leaders(metadata: ClusterMetadata, topic: string): number[] {
    return metadata.topic(topic)!.partitions.map((p) => p.leader);
  }

  it('takes a dead broker’s partitions offline and gives them back when it returns, announcing each change', async () => {
    const [controller, second] = await startCluster();
    await controller!.createTopic('spread', { assignment: [[1], [2], [3]] });
    const seen: PartitionChange[] = [];
    const brokerSets: number[][] = [];
    await controller!.subscribe({
      partitionsChanged: (_topic, changes) => void seen.push(...changes),
      brokersChanged: (brokers) => void brokerSets.push(brokers.map((b) => b.nodeId)),
    });
    await pollUntil(() => second!.topic('spread') !== undefined, 'the topic on node 2');

    await stop(second!);
    await pollUntil(() => leaders(controller!, 'spread')[1] === -1, 'partition 1 to go offline');
    expect(leaders(controller!, 'spread')).toEqual([1, -1, 3]);
    expect(controller!.topic('spread')!.partitions[1]).toMatchObject({ leaderEpoch: 1, partitionEpoch: 1, isr: [2] });
    expect(seen).toEqual([{ before: expect.objectContaining({ partition: 1, leader: 2, leaderEpoch: 0 }), after: expect.objectContaining({ leader: -1 }) }]);

    const returned = await broker(2);
    await pollUntil(() => leaders(controller!, 'spread')[1] === 2, 'partition 1 back on node 2');
    expect(controller!.topic('spread')!.partitions[1]).toMatchObject({ leaderEpoch: 2, isr: [2] });
    await pollUntil(() => returned.leads('spread', 1), 'node 2 to see that it leads partition 1');
    expect(seen.map((c) => c.after.leader)).toEqual([-1, 2]);
    expect(brokerSets).toEqual([
      [1, 3],
      [1, 2, 3],
    ]);
  }, 60_000);

  it('moves leadership to the next in-sync replica, shrinks the ISR, and elects out of sync only when unclean election is enabled', async () => {
    const [controller, second, third] = await startCluster();
    await controller!.createTopic('clean', { assignment: [[2, 3]] });
    await controller!.createTopic('unclean', { assignment: [[2, 3]], configs: { 'unclean.leader.election.enable': 'true' } });
    await pollUntil(() => third!.topic('unclean') !== undefined, 'the topics on node 3');

    await stop(third!);
    await pollUntil(() => ['clean', 'unclean'].every((topic) => controller!.topic(topic)!.partitions[0]!.isr.length === 1), 'node 3 to leave the ISRs');
    for (const topic of ['clean', 'unclean']) expect(controller!.topic(topic)!.partitions[0]).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2] });

    await stop(second!);
    await pollUntil(() => leaders(controller!, 'clean')[0] === -1 && leaders(controller!, 'unclean')[0] === -1, 'both partitions offline');
    await broker(3);
    // The election is counted when the controller's write returns, which the watch can outrun.
    await pollUntil(() => leaders(controller!, 'unclean')[0] === 3 && controller!.uncleanLeaderElections >= 1, 'node 3 elected uncleanly');
    expect(controller!.topic('unclean')!.partitions[0]).toMatchObject({ leaderEpoch: 2, isr: [3] });
    expect(controller!.uncleanLeaderElections).toBe(1);
    await controller!.settled();
    expect(controller!.topic('clean')!.partitions[0]).toMatchObject({ leader: -1, isr: [2] });
  }, 60_000);

  it('elects the preferred replica when an operator asks the controller (ElectLeaders), once it is back in sync', async () => {
    const [controller, second, third] = await startCluster();
    await controller!.createTopic('preferred', { assignment: [[3, 2]] });
    await pollUntil(() => third!.topic('preferred') !== undefined, 'the topic on node 3');
    await stop(third!);
    await pollUntil(() => leaders(controller!, 'preferred')[0] === 2, 'node 2 to take over');
    await broker(3);
    await pollUntil(() => controller!.brokers().length === 3, 'node 3 back');
    const asked = [{ topic: 'preferred', partition: 0 }];
    // Out of the ISR, node 3 may not lead yet.
    expect(await controller!.electLeaders(ElectionType.PREFERRED, asked)).toEqual([
      { topic: 'preferred', partition: 0, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE },
    ]);
    // Its leader takes it back into the ISR (as a caught-up follower), then the election moves leadership to it.
    const state = second!.topic('preferred')!.partitions[0]!;
    expect(await second!.alterPartition('preferred', 0, state, [2, 3])).toBeDefined();
    await pollUntil(() => controller!.topic('preferred')!.partitions[0]!.isr.length === 2, 'the ISR change on the controller');
    expect(await controller!.electLeaders(ElectionType.PREFERRED, [...asked, { topic: 'preferred', partition: 7 }])).toEqual([
      { topic: 'preferred', partition: 0, errorCode: ErrorCode.NONE },
      { topic: 'preferred', partition: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    await pollUntil(() => leaders(second!, 'preferred')[0] === 3, 'node 3 to lead on node 2');
    expect(second!.topic('preferred')!.partitions[0]).toMatchObject({ leader: 3, leaderEpoch: state.leaderEpoch + 1, isr: [2, 3] });
    expect(await controller!.electLeaders(ElectionType.PREFERRED, undefined)).toContainEqual({
      topic: 'preferred',
      partition: 0,
      errorCode: ErrorCode.ELECTION_NOT_NEEDED,
    });
    await expect(second!.electLeaders(ElectionType.PREFERRED, asked)).rejects.toMatchObject({ code: ErrorCode.NOT_CONTROLLER });
  }, 60_000);

  it('moves leadership off a broker in controlled shutdown while it is still registered, and does not wait where there is nowhere to move', async () => {
    const [controller, second] = await startCluster();
    await controller!.createTopic('replicated', { assignment: [[2, 1]] });
    await controller!.createTopic('single', { assignment: [[2]] });
    await pollUntil(() => second!.topic('single') !== undefined, 'the topics on node 2');
    const liveAtMove: number[][] = [];
    await controller!.subscribe({
      partitionsChanged: (topic, changes) => {
        if (topic.name === 'replicated' && changes.some((c) => c.after.leader === 1)) liveAtMove.push(controller!.brokers().map((b) => b.nodeId));
      },
    });

    expect(await second!.controlledShutdown(5_000)).toBe(true);
    // It returns once its own view has the move; the controller's view may apply it a moment later.
    expect(second!.topic('replicated')!.partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1] });
    await pollUntil(() => liveAtMove.length > 0, 'node 1 to hear of the move');
    expect(liveAtMove).toEqual([[1, 2, 3]]);
    // Nowhere to move: node 2 keeps its single replica until it is gone.
    expect(second!.topic('single')!.partitions[0]).toMatchObject({ leader: 2, leaderEpoch: 0 });
    expect(second!.leads('single', 0)).toBe(true);
    await stop(second!);
    await pollUntil(() => leaders(controller!, 'single')[0] === -1, 'the single replica offline once node 2 is gone');
  }, 60_000);

  it('moves leadership off the controller itself in its controlled shutdown', async () => {
    const [controller, second] = await startCluster();
    await controller!.createTopic('on-controller', { assignment: [[1, 2]] });
    expect(await controller!.controlledShutdown(5_000)).toBe(true);
    expect(controller!.topic('on-controller')!.partitions[0]).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2] });
    await stop(controller!);
    await pollUntil(() => second!.controllerId !== -1 && second!.controllerId !== 1, 'a new controller');
    expect(second!.topic('on-controller')!.partitions[0]!.leader).toBe(2);
  }, 60_000);

  it('hands over to a new controller, which takes the old controller’s own partitions offline', async () => {
    const [controller, second, third] = await startCluster();
    await controller!.createTopic('handover', { assignment: [[1], [2], [3]] });
    await pollUntil(() => third!.topic('handover') !== undefined, 'the topic on node 3');
    await stop(controller!);
    await pollUntil(() => second!.controllerId !== -1 && second!.controllerId !== 1, 'a new controller');
    await pollUntil(() => leaders(second!, 'handover')[0] === -1, 'the old controller’s partition offline');
    expect(leaders(third!, 'handover')).toEqual([-1, 2, 3]);
  }, 60_000);
  it('grows a reassigned partition to target ∪ current, lists it while it runs, and reverts it on a cancel', async () => {
    const [controller, second] = await startCluster();
    await controller!.createTopic('moving', { assignment: [[1], [2]] });
    await pollUntil(() => second!.topic('moving') !== undefined, 'the topic on node 2');
    const move = [{ topic: 'moving', partition: 0, replicas: [3] }];
    await expect(second!.alterPartitionReassignments(move, true)).rejects.toMatchObject({ code: ErrorCode.NOT_CONTROLLER });
    expect(() => second!.listPartitionReassignments(undefined)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_CONTROLLER }));

    const outcomes = await controller!.alterPartitionReassignments(
      [
        ...move,
        { topic: 'moving', partition: 1, replicas: [9] },
        { topic: 'moving', partition: 5, replicas: [1] },
        { topic: 'moving', partition: 1, replicas: null },
      ],
      true,
    );
    expect(outcomes.map((o) => [o.partition, o.errorCode, o.errorMessage])).toEqual([
      [0, ErrorCode.NONE, null],
      [1, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'INVALID_REPLICA_ASSIGNMENT: broker 9 is not registered'],
      [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'UNKNOWN_TOPIC_OR_PARTITION: moving-5'],
      [1, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'NO_REASSIGNMENT_IN_PROGRESS: no partition reassignment is in progress'],
    ]);
    // Answered once the controller's own view has the change.
    expect(controller!.topic('moving')!.partitions[0]).toMatchObject({
      leader: 1,
      leaderEpoch: 0,
      replicas: [3, 1],
      isr: [1],
      addingReplicas: [3],
      removingReplicas: [1],
    });
    // No replica manager runs here, so node 3 never joins the ISR: the reassignment stays in progress.
    await pollUntil(() => second!.topic('moving')!.partitions[0]!.replicas.length === 2, 'the grown replicas on node 2');
    expect(controller!.listPartitionReassignments(undefined)).toEqual([
      { topic: 'moving', partitions: [expect.objectContaining({ partition: 0, replicas: [3, 1] })] },
    ]);
    expect(
      controller!.listPartitionReassignments([
        { topic: 'moving', partitions: [1, 7] },
        { topic: 'absent', partitions: [0] },
      ]),
    ).toEqual([]);

    expect(await controller!.alterPartitionReassignments([{ topic: 'moving', partition: 0, replicas: null }], true)).toEqual([
      { topic: 'moving', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    const reverted = controller!.topic('moving')!.partitions[0]!;
    expect(reverted).toMatchObject({ leader: 1, replicas: [1], isr: [1] });
    expect(reverted.addingReplicas).toBeUndefined();
    expect(controller!.listPartitionReassignments(undefined)).toEqual([]);
  }, 60_000);

  it('completes a reassignment once the added replica is in sync, moving leadership into the target', async () => {
    const [controller, second, third] = await startCluster();
    await controller!.createTopic('completing', { assignment: [[1, 2]] });
    await pollUntil(() => second!.topic('completing') !== undefined, 'the topic on node 2');
    await controller!.alterPartitionReassignments([{ topic: 'completing', partition: 0, replicas: [3, 2] }], true);
    // The leader takes the caught-up replica into the ISR (as its replica manager would): the controller completes.
    const state = controller!.topic('completing')!.partitions[0]!;
    expect(await controller!.alterPartition('completing', 0, state, [1, 2, 3])).toBeDefined();
    await pollUntil(() => third!.topic('completing')!.partitions[0]!.replicas.length === 2, 'the reassignment to complete on node 3');
    expect(third!.topic('completing')!.partitions[0]).toMatchObject({ leader: 3, leaderEpoch: state.leaderEpoch + 1, replicas: [3, 2], isr: [2, 3] });
    expect(third!.topic('completing')!.partitions[0]!.removingReplicas).toBeUndefined();
  }, 60_000);
});
