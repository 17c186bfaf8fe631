/** One broker setting as a loader found it: Kafka's key, the text given, and where it was given (for messages). */
export interface SourcedSetting {
  readonly key: string;
  readonly value: string;
  /** Where the value was given, for operators: `--override log.dirs=…`, `GREGOR_LOG_DIRS`, `server.properties:12`. */
  readonly origin: string;
}
