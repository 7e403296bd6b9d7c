import { generateApiKey } from '../auth/api-keys.js';
import { hashPassword } from '../auth/passwords.js';
import { checkGrant, mayKnowUser } from '../auth/policy.js';
import { NotFoundError } from '../errors.js';
import type { GateAuthority, GovernanceGate } from '../governance/gate.js';
import type { ApiKeyRecord, Caller, GraphStore, Role, TrustChange, UserRecord } from '../store/graph-store.js';

export interface CreateUserInput {
  readonly name: string;
  readonly role: Role;
  readonly trust_level: number;
  readonly password?: string;
}

export interface UpdateUserInput {
  readonly role?: Role;
  readonly trust_level?: number;
  readonly disabled?: boolean;
  readonly password?: string;
  readonly reason: string;
}

/**
 * Users and their credentials. Nobody grants a trust level above their own; every change is audited with
 * its actor, and trust changes keep their history.
 */
export class UserService {
  private readonly store: GraphStore;
  private readonly gate: Pick<GovernanceGate, 'authority' | 'check' | 'record'>;

  constructor(deps: { store: GraphStore; gate: UserService['gate'] }) {
    this.store = deps.store;
    this.gate = deps.gate;
  }

  /**
   * A new user. Nobody grants a trust above their own; at or above the governance gate it takes a passed
   * proposal or an admin's emergency (`authority`). @throws ForbiddenError, GovernanceRequiredError
   */
  async create(actor: Caller, input: CreateUserInput, authority?: GateAuthority): Promise<UserRecord> {
    checkGrant(actor, input.trust_level);
    const change = { what: `a new user ${input.name}`, entity_type: 'user', trust: input.trust_level } as const;
    const admission = await this.gate.authority(actor, change, authority);
    this.gate.check(change, undefined, admission);
    const password_hash = input.password === undefined ? null : await hashPassword(input.password);
    const user = await this.store.createUser({ name: input.name, role: input.role, trust_level: input.trust_level, password_hash }, { actor_id: actor.id });
    await this.gate.record(change, user.id, undefined, admission);
    return user;
  }

  async get(id: string): Promise<UserRecord> {
    const user = await this.store.getUser(id);
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  list(): Promise<UserRecord[]> {
    return this.store.listUsers();
  }

  /**
   * The names of the users of `ids` the reader may know (`mayKnowUser`: at or below its trust), each once;
   * an id of nobody, or of a user above the reader, is left out as if absent.
   */
  async names(reader: Pick<Caller, 'trust_level'>, ids: readonly string[]): Promise<Array<{ id: string; name: string }>> {
    const users = await Promise.all([...new Set(ids)].map((id) => this.store.getUser(id)));
    return users.filter((u): u is UserRecord => u !== null && mayKnowUser(reader.trust_level, u)).map((u) => ({ id: u.id, name: u.name }));
  }

  /**
   * Changes a user. A trust raise to or above the governance gate takes a passed proposal or an admin's
   * emergency; the gate is checked against the trust the change replaces inside the store's transaction,
   * so two raises cannot race past it. @throws ForbiddenError, GovernanceRequiredError
   */
  async update(actor: Caller, id: string, input: UpdateUserInput, authority?: GateAuthority): Promise<UserRecord> {
    const current = await this.get(id);
    if (input.trust_level !== undefined) checkGrant(actor, input.trust_level);
    // Lowering or changing someone above you is changing what they could do: not yours to decide.
    checkGrant(actor, current.trust_level);
    const trust = input.trust_level;
    const change = trust === undefined ? null : ({ what: `raising user ${current.name}`, entity_type: 'user', entity_id: id, trust } as const);
    const admission = change ? await this.gate.authority(actor, change, authority) : null;
    const password_hash = input.password === undefined ? undefined : await hashPassword(input.password);
    let from: number | undefined;
    const updated = await this.store.updateUser(
      id,
      {
        ...(input.role === undefined ? {} : { role: input.role }),
        ...(input.trust_level === undefined ? {} : { trust_level: input.trust_level }),
        ...(input.disabled === undefined ? {} : { disabled: input.disabled }),
        ...(password_hash === undefined ? {} : { password_hash }),
        reason: input.reason,
        ...(change && admission
          ? {
              check: (before: UserRecord) => {
                checkGrant(actor, before.trust_level);
                from = before.trust_level;
                this.gate.check(change, before.trust_level, admission);
              },
            }
          : {}),
      },
      { actor_id: actor.id },
    );
    if (change && admission) await this.gate.record(change, id, from, admission);
    return updated;
  }

  async trustHistory(id: string): Promise<TrustChange[]> {
    await this.get(id);
    return this.store.getTrustHistory(id);
  }

  /** A new API key for a user. The key is in the result once and nowhere else. */
  async createKey(actor: Caller, userId: string, label: string): Promise<{ key: ApiKeyRecord; api_key: string }> {
    const user = await this.get(userId);
    checkGrant(actor, user.trust_level);
    const generated = generateApiKey();
    const key = await this.store.createApiKey({ id: generated.id, user_id: userId, label, prefix: generated.prefix, hash: generated.hash }, { actor_id: actor.id });
    return { key, api_key: generated.key };
  }

  async keys(userId: string): Promise<ApiKeyRecord[]> {
    await this.get(userId);
    return this.store.listApiKeys(userId);
  }

  revokeKey(actor: Caller, keyId: string): Promise<ApiKeyRecord> {
    return this.store.revokeApiKey(keyId, { actor_id: actor.id });
  }

  /**
   * On a store with no users: creates `admin` (role admin, trust 100) with an API key, and returns the key
   * (for the caller to write where only the operator can read it). Null when users exist.
   */
  async bootstrapAdmin(): Promise<{ user: UserRecord; api_key: string } | null> {
    if ((await this.store.listUsers()).length > 0) return null;
    const system: Caller = { id: 'system', roles: ['admin'], trust_level: 100 };
    // The founding act of an empty store: there is nobody yet to propose or vote, so the gate has no one to ask.
    const user = await this.store.createUser({ name: 'admin', role: 'admin', trust_level: 100, password_hash: null }, { actor_id: system.id });
    const { api_key } = await this.createKey(system, user.id, 'bootstrap');
    return { user, api_key };
  }
}
