import { eligibleVoter, voteWeight } from '../auth/policy.js';
import type { Delegation, UserRecord, Vote, VoteChoice } from '../store/graph-store.js';

export { VOTER_TRUST } from '../auth/policy.js';

export interface TallyRules {
  /** Share of the eligible weight that must take part (votes and delegated weight). */
  readonly quorum: number;
  /** A proposal passes when the weight for it is more than this share of the weight for and against. */
  readonly pass_threshold: number;
}

export interface CountedVote {
  readonly voter_id: string;
  readonly choice: VoteChoice;
  readonly weight: number;
  /** For delegated weight: the chain from the delegator to the one who voted. */
  readonly via?: readonly string[];
}

export interface Tally {
  readonly for: number;
  readonly against: number;
  readonly abstain: number;
  /** Weight that took part, and the eligible weight (every enabled user at TRUSTED or above). */
  readonly participating: number;
  readonly eligible: number;
  readonly participation: number;
  readonly quorum: number;
  readonly quorum_met: boolean;
  readonly pass_threshold: number;
  readonly outcome: 'passed' | 'rejected' | 'expired';
  readonly counted: readonly CountedVote[];
}

/**
 * Counts a proposal's votes. A direct vote weighs the lower of the voter's trust when it voted and at the count. An eligible user who did
 * not vote lends its current trust along its delegation chain to the first user on it who did (a chain
 * that loops, or ends with no vote, counts for nothing); each delegator is counted once, and a direct
 * vote always overrides the voter's own delegation. No quorum: `expired`; quorum and more than
 * `pass_threshold` of the decisive weight (for + against) for it: `passed`; else `rejected`.
 */
export function tally(users: readonly UserRecord[], votes: readonly Vote[], delegations: readonly Delegation[], rules: TallyRules): Tally {
  const active = new Map(users.filter((u) => !u.disabled).map((u) => [u.id, u]));
  const eligible = [...active.values()].filter((u) => eligibleVoter(u));
  const direct = new Map(votes.filter((v) => active.has(v.voter_id)).map((v) => [v.voter_id, v]));
  const delegateOf = new Map(delegations.map((d) => [d.delegator_id, d.delegate_id]));
  // A direct vote weighs the lower of the voter's trust when it voted and now: a voter demoted since counts less.
  const counted: CountedVote[] = [...direct.values()].map((v) => ({ voter_id: v.voter_id, choice: v.choice, weight: voteWeight(v.weight, active.get(v.voter_id) ?? null) }));
  for (const user of eligible) {
    if (direct.has(user.id)) continue;
    const path = [user.id];
    for (let next = delegateOf.get(user.id); next !== undefined && !path.includes(next); next = delegateOf.get(next)) {
      path.push(next);
      const vote = direct.get(next);
      if (vote) {
        counted.push({ voter_id: user.id, choice: vote.choice, weight: user.trust_level, via: path });
        break;
      }
    }
  }
  const sum = (choice: VoteChoice) => counted.filter((c) => c.choice === choice).reduce((n, c) => n + c.weight, 0);
  const totals = { for: sum('for'), against: sum('against'), abstain: sum('abstain') };
  const participating = totals.for + totals.against + totals.abstain;
  const eligibleWeight = eligible.reduce((n, u) => n + u.trust_level, 0);
  const participation = eligibleWeight === 0 ? 0 : Math.min(1, participating / eligibleWeight);
  const quorum_met = eligibleWeight > 0 && participation >= rules.quorum;
  const decisive = totals.for + totals.against;
  const passed = quorum_met && decisive > 0 && totals.for / decisive > rules.pass_threshold;
  return {
    ...totals,
    participating,
    eligible: eligibleWeight,
    participation,
    quorum: rules.quorum,
    quorum_met,
    pass_threshold: rules.pass_threshold,
    outcome: !quorum_met ? 'expired' : passed ? 'passed' : 'rejected',
    counted,
  };
}

/** Whether `delegator` delegating to `delegate` would close a loop through the standing delegations. */
export function delegationLoops(delegations: readonly Delegation[], delegator: string, delegate: string): boolean {
  const delegateOf = new Map(delegations.map((d) => [d.delegator_id, d.delegate_id]));
  const seen = new Set<string>();
  for (let at: string | undefined = delegate; at !== undefined && !seen.has(at); at = delegateOf.get(at)) {
    if (at === delegator) return true;
    seen.add(at);
  }
  return false;
}
