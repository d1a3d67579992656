/** Runs the parse pipeline over one file in a fresh process and prints its peak RSS in bytes (for bench/run.ts). */
import { parsePipeline } from './pipelines';

const file = process.argv[2];
if (!file) throw new Error('usage: rss-child.ts FILE');
parsePipeline(file).then((r) => {
  process.stdout.write(`${JSON.stringify({ ...r, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
});
