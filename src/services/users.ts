import { generateApiKey } from '../auth/api-keys.js';
import { hashPassword } from '../auth/passwords.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
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

  constructor(deps: { store: GraphStore }) {
    this.store = deps.store;
  }

  private checkGrant(actor: Caller, trust: number): void {
    if (trust > actor.trust_level) throw new ForbiddenError(`trust_level ${trust} is above your trust level ${actor.trust_level}`, trust, actor.trust_level);
  }

  async create(actor: Caller, input: CreateUserInput): Promise<UserRecord> {
    this.checkGrant(actor, input.trust_level);
    const password_hash = input.password === undefined ? null : await hashPassword(input.password);
    return this.store.createUser({ name: input.name, role: input.role, trust_level: input.trust_level, password_hash }, { actor_id: actor.id });
  }

  async get(id: string): Promise<UserRecord> {
    const user = await this.store.getUser(id);
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  list(): Promise<UserRecord[]> {
    return this.store.listUsers();
  }

  async update(actor: Caller, id: string, input: UpdateUserInput): Promise<UserRecord> {
    const current = await this.get(id);
    if (input.trust_level !== undefined) this.checkGrant(actor, input.trust_level);
    // Lowering or changing someone above you is changing what they could do: not yours to decide.
    this.checkGrant(actor, current.trust_level);
    const password_hash = input.password === undefined ? undefined : await hashPassword(input.password);
    return this.store.updateUser(
      id,
      {
        ...(input.role === undefined ? {} : { role: input.role }),
        ...(input.trust_level === undefined ? {} : { trust_level: input.trust_level }),
        ...(input.disabled === undefined ? {} : { disabled: input.disabled }),
        ...(password_hash === undefined ? {} : { password_hash }),
        reason: input.reason,
      },
      { actor_id: actor.id },
    );
  }

  async trustHistory(id: string): Promise<TrustChange[]> {
    await this.get(id);
    return this.store.getTrustHistory(id);
  }

  /** A new API key for a user. The key is in the result once and nowhere else. */
  async createKey(actor: Caller, userId: string, label: string): Promise<{ key: ApiKeyRecord; api_key: string }> {
    const user = await this.get(userId);
    this.checkGrant(actor, user.trust_level);
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
    const user = await this.create(system, { name: 'admin', role: 'admin', trust_level: 100 });
    const { api_key } = await this.createKey(system, user.id, 'bootstrap');
    return { user, api_key };
  }
}
