/**
 * The Cloud Function entry point: registers the HTTP function `collect` with the functions
 * framework. Deployed with entry point `collect`; run locally by `npm start`.
 */
import { http } from '@google-cloud/functions-framework';
import { RETRY_AFTER_SECONDS } from './app/collector-handler.ts';
import { collectorInstance } from './app/collector-instance.ts';
import { GracefulShutdown } from './app/graceful-shutdown.ts';
import { capFrameworkBodyParsing } from './app/http/framework-body-limit.ts';

// Before the runtime builds the framework's server (after loading this module): see the file.
capFrameworkBodyParsing();

/**
 * Created with the collector on the first request: by then the framework's server is listening
 * and has registered its own signal handlers, which this takes over (see graceful-shutdown.ts).
 */
let shutdown: GracefulShutdown | undefined;

http('collect', (request, response) => {
  const collector = collectorInstance();
  if (shutdown === undefined) {
    shutdown = new GracefulShutdown({ close: () => collector.sink.close(), retryAfterSeconds: RETRY_AFTER_SECONDS });
    shutdown.install();
  }
  return shutdown.track(response, request.method ?? 'GET', () => collector.handle(request, response));
});
