// `npm start`: our production server (features/core/server/host.ts) over every feature router — the same
// list app/api's route.ts files wire for Next. Compiled to .next/stylipp-server/main.mjs by `npm run build`
// (scripts/build-server.ts), so nothing is transpiled at run time.
import { openApiRouter, routers } from '@/app/api/routers';
import { runServer } from '@/features/core/server/host';
import { startBackgroundWork } from './background-work';

await runServer([...routers, openApiRouter]);
// Next loads only when a request needs it (host.ts), so its instrumentation hook cannot start this.
startBackgroundWork();
