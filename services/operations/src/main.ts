// Entry point: `node --import @metrox/kit/preload src/main.ts`.
import { runService } from '@metrox/kit';
import { operationsService } from './service.ts';

await runService(operationsService());
