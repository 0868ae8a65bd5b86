/**
 * `npm start`: the same `collect` function, served by the functions framework's own server on
 * PORT (default 8080), with the configuration's embedded defaults (file://./schemas, local sink).
 */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubsubSink } from './adapters/sink/pubsub-sink.ts';
import { collectorInstance } from './app/collector-instance.ts';
import { messageOf, SluiceError } from './core/errors.ts';
import './collect.ts';

const DEFAULT_PORT = 8080;

async function start(): Promise<void> {
  let collector: ReturnType<typeof collectorInstance>;
  try {
    collector = collectorInstance();
  } catch (error) {
    console.error(error instanceof SluiceError ? error.message : error);
    process.exit(1);
  }
  if (collector.sink instanceof PubsubSink && collector.config.pubsub.emulator_host !== '') {
    // A fresh emulator has no topics; create them so that SLUICE_SINK=pubsub works at once.
    try {
      await collector.sink.createTopicsOnEmulator();
    } catch (error) {
      console.error(
        `cannot reach the Pub/Sub emulator at ${collector.config.pubsub.emulator_host}: ${messageOf(error)}`,
      );
      process.exit(1);
    }
  }
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  const server = getTestServer('collect');
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `port ${port} is in use; set PORT to another port, e.g. PORT=8081 npm start`
        : error,
    );
    process.exit(1);
  });
  server.listen(port, () => {
    const url = `http://localhost:${port}`;
    const { config } = collector;
    const example = JSON.stringify({
      schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
      data: { order_id: 'A-1', total: 30, currency: 'EUR' },
    });
    console.log(`Sluice collector listening on ${url}`);
    console.log(
      `  sink:       ${config.sink === 'local' ? `local (${config.local.dir}/valid.ndjson, ${config.local.dir}/invalid.ndjson)` : `pubsub (topics ${config.valid_topic}, ${config.invalid_topic})`}`,
    );
    console.log(`  registries: ${config.registries.join(', ')}`);
    console.log('Send an event:');
    console.log(`  curl -X POST ${url}/self-describing -H 'Content-Type: application/json' -d '${example}'`);
    if (config.sink === 'local') console.log(`See it:\n  curl ${url}/local/valid`);
  });
  // Flush what is in flight before exiting, so that acknowledged events are not lost.
  const stop = () => server.close(() => void collector.sink.close().finally(() => process.exit(0)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await start();
