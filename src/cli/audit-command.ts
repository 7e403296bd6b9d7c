import { ConfigError } from '../errors.js';
import type { AuditVerification } from '../services/audit-checkpoints.js';
import { clientOf, print, show, type ApiTarget } from './http.js';

/** `forge audit verify`: the audit chain recomputed and checked against its signed checkpoint; exit 1 when not intact. */
export async function auditCommand(sub: string | undefined, target: ApiTarget): Promise<void> {
  if (sub !== 'verify') throw new ConfigError([{ field: 'audit', message: `unknown subcommand "${sub ?? ''}"; use verify` }]);
  const result = await clientOf(target).GET('/v2/system/audit-log', { params: { query: { verify: 'true', limit: 1 } } });
  if (!result.data) return show(result);
  const verification = result.data.verification as unknown as AuditVerification;
  print(verification);
  if (verification.ok) {
    const cp = verification.checkpoint;
    console.error(`audit log intact: ${verification.checked} entries chained${cp ? `, checkpoint at entry ${cp.seq} (${cp.at}) matches` : ', no checkpoint yet'}`);
  } else {
    for (const problem of verification.problems) console.error(`audit log: ${problem}`);
    process.exitCode = 1;
  }
}
