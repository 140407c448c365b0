namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>
/// The secrets API's tables in the node's <c>policy</c> database, created idempotently by the master's
/// agent (followers and standbys get them by replication). Values and signing keys hold only
/// AES-GCM ciphertext; API keys only their SHA-256.
/// </summary>
public static class Schema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS secrets_accounts (
            account     text PRIMARY KEY,
            signing_key bytea NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS secrets_resources (
            resource_id text PRIMARY KEY,
            account     text NOT NULL REFERENCES secrets_accounts(account),
            kind        text NOT NULL,
            owner_id    text NOT NULL,
            policy_id   text NOT NULL,
            api_key_hash bytea,
            created_at  timestamptz NOT NULL DEFAULT now());
        CREATE INDEX IF NOT EXISTS secrets_resources_account_kind ON secrets_resources (account, kind);
        CREATE TABLE IF NOT EXISTS secrets_memberships (
            role_id   text NOT NULL,
            member_id text NOT NULL,
            policy_id text NOT NULL,
            PRIMARY KEY (role_id, member_id));
        CREATE INDEX IF NOT EXISTS secrets_memberships_member ON secrets_memberships (member_id);
        CREATE TABLE IF NOT EXISTS secrets_permissions (
            resource_id text NOT NULL,
            privilege   text NOT NULL,
            role_id     text NOT NULL,
            policy_id   text NOT NULL,
            PRIMARY KEY (resource_id, privilege, role_id));
        CREATE INDEX IF NOT EXISTS secrets_permissions_role ON secrets_permissions (role_id);
        CREATE TABLE IF NOT EXISTS secrets_values (
            resource_id text NOT NULL,
            version     int NOT NULL,
            sealed      bytea NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (resource_id, version));
        CREATE TABLE IF NOT EXISTS secrets_policy_versions (
            policy_id  text NOT NULL,
            version    int NOT NULL,
            role_id    text NOT NULL,
            method     text NOT NULL,
            sha256     text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (policy_id, version));
        -- Annotations (a variable's kind and mime_type among them, as conjur/kind and conjur/mime_type), the networks a
        -- user or host may authenticate from, and which memberships are an owner's (replaced when the owner changes).
        ALTER TABLE secrets_resources ADD COLUMN IF NOT EXISTS annotations jsonb NOT NULL DEFAULT '{}';
        ALTER TABLE secrets_resources ADD COLUMN IF NOT EXISTS restricted_to text[] NOT NULL DEFAULT '{}';
        ALTER TABLE secrets_memberships ADD COLUMN IF NOT EXISTS ownership boolean NOT NULL DEFAULT false;
        -- Ownership memberships of roles loaded before the column existed (then only policies had one). The account's
        -- admin (its own policy) is left out: nothing holds it by ownership.
        UPDATE secrets_memberships m SET ownership = true FROM secrets_resources r
            WHERE NOT m.ownership AND r.resource_id = m.role_id AND r.kind = 'policy' AND m.member_id = r.owner_id AND m.policy_id = r.policy_id;
        INSERT INTO secrets_memberships (role_id, member_id, policy_id, ownership)
            SELECT r.resource_id, r.owner_id, r.policy_id, true FROM secrets_resources r
            WHERE r.kind IN ('user', 'host', 'group', 'layer') AND r.resource_id <> r.policy_id
              AND NOT EXISTS (SELECT 1 FROM secrets_memberships m WHERE m.role_id = r.resource_id AND m.member_id = r.owner_id)
            ON CONFLICT DO NOTHING;
        """;

    /// <summary>Versions of a variable kept; older ones are deleted on update, as Conjur does.</summary>
    public const int KeptVersions = 20;
}
