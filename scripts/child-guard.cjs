// Preloaded (node --require) into every child of runNodeBounded (scripts/run-node-bounded.ts). It ends the
// child in the two cases where it would otherwise outlive its purpose:
// - it has recorded a failure (a non-zero process.exitCode, which is how serverless reports any error) but an
//   open handle keeps it alive: after a failed build serverless-esbuild leaves esbuild's service process
//   running, so `serverless package` printed its error and then never exited;
// - its parent is gone (interrupted by Ctrl-C: the child leads its own process group, out of the terminal's
//   reach), when it ends its whole group.
// The timer is unref'd, so it never keeps a healthy child alive.
'use strict';

/** Time to finish writing its error report after setting exitCode (serverless takes well under 1 s). */
const FAILURE_GRACE_MS = 2000;
const POLL_MS = 200;

const parent = process.ppid;
let failedAt;
setInterval(() => {
  if (process.ppid !== parent) {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      // Not a process-group leader (preloaded by something else): end this process alone.
      process.exit(1);
    }
  }
  if (!process.exitCode) return;
  failedAt ??= Date.now();
  if (Date.now() - failedAt >= FAILURE_GRACE_MS) process.exit();
}, POLL_MS).unref();
