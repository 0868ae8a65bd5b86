import type { RedriveCounts } from './redrive-run.ts';
import type { ReplayCounts } from './replay-summary.ts';

/** The progress line shown on a terminal: read, now valid, still invalid, rate and elapsed time. */
export function progressLine(counts: Readonly<ReplayCounts>, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const rate = counts.read / seconds;
  const parts = [
    `read ${counts.read}`,
    `now valid ${counts.now_valid}`,
    `still invalid ${counts.still_invalid}`,
    ...(counts.not_replayable > 0 ? [`not replayable ${counts.not_replayable}`] : []),
    ...(counts.failed + counts.retry_later > 0 ? [`to retry ${counts.failed + counts.retry_later}`] : []),
    `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`,
    `${seconds.toFixed(1)}s`,
  ];
  return `replay: ${parts.join(' · ')}`;
}

/** The redrive's progress line: read, published back, failed, rate and elapsed time. */
export function redriveProgressLine(counts: Readonly<RedriveCounts>, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const rate = counts.read / seconds;
  const parts = [
    `read ${counts.read}`,
    `published ${counts.published}`,
    ...(counts.failed > 0 ? [`failed ${counts.failed}`] : []),
    `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`,
    `${seconds.toFixed(1)}s`,
  ];
  return `redrive: ${parts.join(' · ')}`;
}
