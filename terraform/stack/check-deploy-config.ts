import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { SluiceError } from '../../functions/core/errors.ts';

/** Settings Cloud Functions would refuse at deploy time, refused at synth time instead. */
export function checkDeployConfig(config: SluiceConfig): void {
  const { deploy } = config;
  const problems: string[] = [];
  if (deploy.concurrency > 1 && Number(deploy.function_cpu) < 1) {
    problems.push(
      `deploy.concurrency is ${deploy.concurrency} but deploy.function_cpu is ${deploy.function_cpu}: an instance with less than 1 vCPU serves one request at a time; set concurrency to 1 or function_cpu to "1" or more`,
    );
  }
  if (deploy.min_instances > deploy.max_instances) {
    problems.push(
      `deploy.min_instances (${deploy.min_instances}) is more than deploy.max_instances (${deploy.max_instances}); raise max_instances or lower min_instances`,
    );
  }
  if (problems.length > 0)
    throw new SluiceError('invalid_stack_config', `cannot build the Sluice stack:\n  - ${problems.join('\n  - ')}`);
}
