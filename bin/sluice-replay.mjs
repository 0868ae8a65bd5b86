#!/usr/bin/env node
// The `sluice-replay` bin. npm links bins without a build step, so this plain-JavaScript shim
// loads the TypeScript entry through Node's built-in type stripping (Node 22.18 or newer).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `sluice-replay needs Node 22.18 or newer (it runs TypeScript directly); this is Node ${process.versions.node}. Run it as npm run replay -- ... (npm uses the project's Node 22).`,
  );
  process.exit(2);
}
await import('../functions/replay-cli.ts');
