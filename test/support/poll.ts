/** Tests poll for conditions with the benches' helper: one deadline loop for both. */
export { pollUntil } from '../../bench/lib/poll.js';
