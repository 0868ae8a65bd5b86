/**
 * `npm start`: the same `collect` function, served by the functions framework's own server on
 * PORT (default 8080), with the configuration's embedded defaults (file://./schemas, local sink).
 */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { SluiceError } from './core/errors.ts';
import { collectorInstance } from './app/collector-instance.ts';
import './collect.ts';

const DEFAULT_PORT = 8080;

function start(): void {
  let collector;
  try {
    collector = collectorInstance();
  } catch (error) {
    console.error(error instanceof SluiceError ? error.message : error);
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  const server = getTestServer('collect');
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(error.code === 'EADDRINUSE' ? `port ${port} is in use; set PORT to another port, e.g. PORT=8081 npm start` : error);
    process.exit(1);
  });
  server.listen(port, () => {
    const url = `http://localhost:${port}`;
    console.log(`Sluice collector listening on ${url}`);
    console.log(`  sink:       ${collector.config.sink}`);
    console.log(`  registries: ${collector.config.registries.join(', ')}`);
    console.log(`Try: curl ${url}/health`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

start();
