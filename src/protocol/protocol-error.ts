/** The one error the codec throws for bytes it cannot decode: where in the message, and why. */

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  /**
   * @param where the message and byte offset being decoded, e.g. `ProduceRequest v9 at byte 37`
   * @param why what was wrong there, e.g. `needs 4 bytes, 1 left`
   */
  constructor(
    readonly where: string,
    readonly why: string,
  ) {
    super(`${where}: ${why}`);
  }
}
