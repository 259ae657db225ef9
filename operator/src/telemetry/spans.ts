// The operator's spans are the runtime's (a span per reconcile, its API requests and
// wiring steps as children), with error texts scrubbed like the operator's log lines.
import { scrubSecrets } from '@metrox/telemetry';
import { redactSpanErrors } from '../runtime/tracing.ts';

export { endRequestSpan, inSpan, reconcileAttributes, recordResponseStatus, startRequestSpan, traceReconcile } from '../runtime/tracing.ts';

redactSpanErrors(scrubSecrets);
