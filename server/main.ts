// `npm start`: our production server (features/core/server/host.ts) over the operation table — the same
// one app/api's route.ts files take their handlers from. Compiled to .next/stylipp-server/main.mjs by `npm run build`
// (scripts/build-server.ts), so nothing is transpiled at run time.
import { operationTable } from '@/app/api/operations';
import { runServer } from '@/features/core/server/host';
import { startBackgroundWork } from './background-work';

await runServer(operationTable);
// Next loads only when a request needs it (host.ts), so its instrumentation hook cannot start this.
startBackgroundWork();
