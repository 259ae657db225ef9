// Entry point: `node --import @metrox/kit/preload src/main.ts`.
import { runService } from '@metrox/kit';
import { notificationService } from './service.ts';

await runService(notificationService());
