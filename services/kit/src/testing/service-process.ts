// A kit service as its own process, for the shutdown test: started with the preload,
// stopped with SIGTERM like Kubernetes does.
import { runService } from '../service.ts';

await runService({
  name: 'kit-process-test',
  version: '1.0.0',
  ports: { http: 0, grpc: 0 },
  routes(app) {
    app.get('/v1/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      return { slow: true };
    });
  },
});
