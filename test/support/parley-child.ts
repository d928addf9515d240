/**
 * A Parley in a process of its own (for tests that kill one with SIGKILL): started on the
 * database in DATABASE_URL, it sends its URL and worker pid to the parent and runs until killed.
 */
import { startTestParley } from './parley.js';

const parley = await startTestParley({ databaseUrl: process.env.DATABASE_URL!, llm: 'none' });
process.send?.({ url: parley.url, pid: process.pid });
process.on('message', (message) => {
  if (message === 'stop') void parley.close().then(() => process.exit(0));
});
