// Entry point: `node --import @metrox/kit/preload src/main.ts`.
import { runService } from '@metrox/kit';
import { transactionService } from './service.ts';

await runService(transactionService());
