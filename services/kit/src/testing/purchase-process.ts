// The purchase probe as a service process of its own (runService: signals, stdout logs), for
// the database fault tests: a process that must survive what they do to its connections.
import { runService } from '../service.ts';
import { purchaseProbeDefinition } from './purchase-probe-service.ts';

await runService(purchaseProbeDefinition({ name: 'kit-purchase-process', consumer: process.env.TEST_CONSUMER ?? 'kit-purchase-process', env: process.env }));
