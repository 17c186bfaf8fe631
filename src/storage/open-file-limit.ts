/** The process's open-file limit, which bounds how many partitions can be written at once. */
import type { Logger } from 'pino';
import { native } from './native.js';

/** Raises the soft open-file limit to the hard one (each written partition holds a descriptor), as Kafka's
 * operators are told to, and logs the figures; a refusal only leaves the limit as it was. Writers may then
 * hold three quarters of the limit (the engine refuses more as EMFILE), so connections still find descriptors. */
export function raiseOpenFileLimit(logger: Logger): void {
  try {
    const limits = native.raiseOpenFileLimit();
    const figure = (limit: number): number | string => (limit < 0 ? 'unlimited' : limit);
    logger.info({ softBefore: figure(limits.softBefore), soft: figure(limits.soft), hard: figure(limits.hard) }, 'open file limit');
  } catch (error) {
    logger.warn({ err: error }, 'could not raise the open file limit');
  }
}
