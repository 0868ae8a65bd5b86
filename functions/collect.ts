/**
 * The Cloud Function entry point: registers the HTTP function `collect` with the functions
 * framework. Deployed with entry point `collect`; run locally by `npm start`.
 */
import { http } from '@google-cloud/functions-framework';
import { collectorInstance } from './app/collector-instance.ts';

http('collect', (request, response) => collectorInstance().handle(request, response));
