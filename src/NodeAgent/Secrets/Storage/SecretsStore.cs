using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Secrets.Crypto;
using Conjur.EventSourced.NodeAgent.Secrets.Policy;
using Npgsql;
using NpgsqlTypes;

namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>
/// The secrets API's reads and writes against this node's own Postgres (<c>policy</c> database): the
/// master's writable one, or a follower's read-only replica. Writes are only ever called on the master.
/// </summary>
public sealed class SecretsStore : IAsyncDisposable
{
    // The caller's roles: itself and, transitively, every role it was granted (groups, the policies it owns).
    private const string RolesCte = """
        WITH RECURSIVE r(id) AS (
            SELECT $1::text
            UNION SELECT m.role_id FROM secrets_memberships m JOIN r ON m.member_id = r.id)
        """;

    private readonly NpgsqlDataSource _db;
    private readonly DataCipher _cipher;
    private readonly ConcurrentDictionary<string, byte[]> _signingKeys = new(StringComparer.Ordinal);
    private volatile bool _schemaReady;

    public SecretsStore(ClusterConfig config, NodeConfig node, DataCipher cipher)
    {
        _cipher = cipher;
        // The secrets role on the local socket: no superuser, so no database login can read a file of this host.
        var cs = PostgresTools.LocalConnectionString(config, node, "policy", ClusterSecrets.SecretsDatabaseUser, timeoutSeconds: 3, pooling: true, applicationName: "secrets-api");
        _db = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(cs) { MaxPoolSize = 40, CommandTimeout = 10 }.ConnectionString).Build();
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    /// <summary>Creates the tables if needed: on the master only (a replica is read-only).</summary>
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_schemaReady)
        {
            return;
        }
        await using var cmd = _db.CreateCommand(Schema.Sql);
        await cmd.ExecuteNonQueryAsync(ct);
        _schemaReady = true;
    }

    /// <summary>The account's token signing key, decrypted; cached (it never changes once made).</summary>
    public async Task<byte[]?> SigningKeyAsync(string account, CancellationToken ct)
    {
        if (_signingKeys.TryGetValue(account, out var key))
        {
            return key;
        }
        var sealedKey = await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand("SELECT signing_key FROM secrets_accounts WHERE account = $1");
            cmd.Parameters.AddWithValue(account);
            return await cmd.ExecuteScalarAsync(ct) as byte[];
        });
        if (sealedKey is null)
        {
            return null;
        }
        key = _cipher.Open(sealedKey, DataCipher.SigningKeyBinding(account));
        _signingKeys[account] = key;
        return key;
    }

    /// <summary>The stored hash of a role's API key, null when the role does not exist or has none.</summary>
    public Task<byte[]?> ApiKeyHashAsync(string roleId, CancellationToken ct) => QueryOrMissingAsync(async () =>
    {
        await using var cmd = _db.CreateCommand("SELECT api_key_hash FROM secrets_resources WHERE resource_id = $1");
        cmd.Parameters.AddWithValue(roleId);
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    });

    /// <summary>Creates an account, its signing key, its root policy and its admin user; returns the admin's API key.</summary>
    public async Task<string> CreateAccountAsync(string account, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        var apiKey = ApiKeys.Generate();
        var admin = $"{account}:user:admin";
        var root = $"{account}:policy:root";
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand("INSERT INTO secrets_accounts (account, signing_key) VALUES ($1, $2) ON CONFLICT DO NOTHING", conn, tx))
        {
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.AddWithValue(_cipher.Seal(RandomNumberGenerator.GetBytes(32), DataCipher.SigningKeyBinding(account)));
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                throw new AccountExistsException(account);
            }
        }
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO secrets_resources (resource_id, account, kind, owner_id, policy_id, api_key_hash) VALUES
                ($1, $3, 'user', $2, $1, $4),
                ($2, $3, 'policy', $1, $2, NULL)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(admin);
            cmd.Parameters.AddWithValue(root);
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.AddWithValue(ApiKeys.Hash(apiKey));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        // The admin belongs to no policy (its own id stands in), so replacing the root policy never removes it or its ownership.
        await Exec(conn, tx, "INSERT INTO secrets_memberships (role_id, member_id, policy_id) VALUES ($1, $2, $2)", ct, root, admin);
        await tx.CommitAsync(ct);
        return apiKey;
    }

    /// <summary>Variables as <paramref name="roleId"/> sees them, with the latest version's (or <paramref name="version"/>'s) sealed value.</summary>
    public async Task<IReadOnlyList<VariableRead>> ReadVariablesAsync(string roleId, IReadOnlyList<string> resourceIds, int? version, CancellationToken ct)
    {
        var found = await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand(RolesCte + """
                SELECT res.resource_id,
                       res.owner_id IN (SELECT id FROM r) AS owns,
                       ARRAY(SELECT DISTINCT p.privilege FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.role_id IN (SELECT id FROM r)) AS privileges,
                       v.version, v.sealed
                FROM secrets_resources res
                LEFT JOIN LATERAL (SELECT version, sealed FROM secrets_values sv
                                   WHERE sv.resource_id = res.resource_id AND ($3::int IS NULL OR sv.version = $3)
                                   ORDER BY version DESC LIMIT 1) v ON true
                WHERE res.resource_id = ANY($2) AND res.kind = 'variable'
                """);
            cmd.Parameters.AddWithValue(roleId);
            cmd.Parameters.AddWithValue(resourceIds.ToArray());
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            var rows = new Dictionary<string, VariableRead>(StringComparer.Ordinal);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                var owns = r.GetBoolean(1);
                var privileges = await r.GetFieldValueAsync<string[]>(2, ct);
                rows[id] = new VariableRead(id, true, owns || privileges.Length > 0, owns || privileges.Contains("execute"),
                    await r.IsDBNullAsync(3, ct) ? null : r.GetInt32(3), await r.IsDBNullAsync(4, ct) ? null : await r.GetFieldValueAsync<byte[]>(4, ct));
            }
            return rows;
        }) ?? [];
        return resourceIds.Select(id => found.TryGetValue(id, out var v) ? v : new VariableRead(id, false, false, false, null, null)).ToList();
    }

    /// <summary>Whether a resource exists, and the caller's privileges on it (all of them when it owns it).</summary>
    public async Task<(bool Exists, IReadOnlySet<string> Privileges)> PrivilegesAsync(string roleId, string resourceId, CancellationToken ct)
    {
        var result = await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand(RolesCte + """
                SELECT res.owner_id IN (SELECT id FROM r),
                       ARRAY(SELECT DISTINCT p.privilege FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.role_id IN (SELECT id FROM r))
                FROM secrets_resources res WHERE res.resource_id = $2
                """);
            cmd.Parameters.AddWithValue(roleId);
            cmd.Parameters.AddWithValue(resourceId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct))
            {
                return ((bool, IReadOnlySet<string>)?)null;
            }
            IReadOnlySet<string> privileges = r.GetBoolean(0)
                ? PolicyParser.Privileges.Append("create").ToHashSet(StringComparer.Ordinal)
                : (await r.GetFieldValueAsync<string[]>(1, ct)).ToHashSet(StringComparer.Ordinal);
            return (true, privileges);
        });
        return result ?? (false, new HashSet<string>());
    }

    /// <summary>Stores a new version (sealed by the caller), keeping the last <see cref="Schema.KeptVersions"/>; returns its number.</summary>
    public async Task<int> AddVersionAsync(string resourceId, byte[] plaintext, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        int version;
        // Updates of one variable queue on its row: version numbers never collide.
        await using (var cmd = new NpgsqlCommand("""
            SELECT coalesce((SELECT max(version) FROM secrets_values WHERE resource_id = $1), 0) + 1
            FROM secrets_resources WHERE resource_id = $1 FOR UPDATE
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(resourceId);
            version = (int)(await cmd.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException($"{resourceId} vanished"));
        }
        await Exec(conn, tx, "INSERT INTO secrets_values (resource_id, version, sealed) VALUES ($1, $2, $3)", ct,
            resourceId, version, _cipher.Seal(plaintext, DataCipher.VariableBinding(resourceId, version)));
        await Exec(conn, tx, "DELETE FROM secrets_values WHERE resource_id = $1 AND version <= $2", ct, resourceId, version - Schema.KeptVersions);
        await tx.CommitAsync(ct);
        return version;
    }

    public byte[] Open(VariableRead v) => _cipher.Open(v.Sealed!, DataCipher.VariableBinding(v.ResourceId, v.Version!.Value));

    /// <summary>Resources of an account (of one kind) that the caller owns or holds a privilege on, as Conjur lists them.</summary>
    public async Task<IReadOnlyList<Dictionary<string, object?>>> VisibleResourcesAsync(string roleId, string account, string? kind, CancellationToken ct)
    {
        return await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand(RolesCte + """
                SELECT res.resource_id, res.owner_id, res.policy_id, res.created_at,
                       coalesce((SELECT json_agg(json_build_object('privilege', p.privilege, 'role', p.role_id, 'policy', p.policy_id) ORDER BY p.role_id, p.privilege)
                                 FROM secrets_permissions p WHERE p.resource_id = res.resource_id), '[]')::text,
                       coalesce((SELECT json_agg(json_build_object('version', v.version, 'expires_at', NULL) ORDER BY v.version)
                                 FROM secrets_values v WHERE v.resource_id = res.resource_id), '[]')::text
                FROM secrets_resources res
                WHERE res.account = $2 AND ($3::text IS NULL OR res.kind = $3)
                  AND (res.owner_id IN (SELECT id FROM r)
                       OR EXISTS (SELECT 1 FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.role_id IN (SELECT id FROM r)))
                ORDER BY res.resource_id
                """);
            cmd.Parameters.AddWithValue(roleId);
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            var list = new List<Dictionary<string, object?>>();
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                var item = new Dictionary<string, object?>
                {
                    ["created_at"] = await r.GetFieldValueAsync<DateTimeOffset>(3, ct),
                    ["id"] = id,
                    ["owner"] = r.GetString(1),
                    ["policy"] = r.GetString(2),
                    ["permissions"] = System.Text.Json.JsonDocument.Parse(r.GetString(4)).RootElement.Clone(),
                    ["annotations"] = Array.Empty<object>(),
                };
                if (id.Split(':')[1] == "variable")
                {
                    item["secrets"] = System.Text.Json.JsonDocument.Parse(r.GetString(5)).RootElement.Clone();
                }
                list.Add(item);
            }
            return list;
        }) ?? [];
    }

    /// <summary>Loads a parsed policy into policy <paramref name="policyId"/>; returns the new roles' API keys and the policy's version.</summary>
    public async Task<(IReadOnlyList<(string Id, string ApiKey)> Created, int Version)> LoadPolicyAsync(
        string policyId, PolicyDocument doc, bool replace, string loadedBy, string yaml, string method, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        var account = policyId.Split(':')[0];
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Loads of one policy queue on its row.
        await Exec(conn, tx, "SELECT 1 FROM secrets_resources WHERE resource_id = $1 FOR UPDATE", ct, policyId);
        var declared = doc.Declarations.Select(d => d.Id).ToArray();
        if (replace)
        {
            // Whatever this policy declared before and no longer does goes, with its values, grants and permissions.
            var gone = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT resource_id FROM secrets_resources WHERE policy_id = $1 AND resource_id <> $1 AND NOT (resource_id = ANY($2))", conn, tx))
            {
                cmd.Parameters.AddWithValue(policyId);
                cmd.Parameters.AddWithValue(declared);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    gone.Add(r.GetString(0));
                }
            }
            var goneIds = gone.ToArray();
            await Exec(conn, tx, "DELETE FROM secrets_values WHERE resource_id = ANY($1)", ct, goneIds);
            await Exec(conn, tx, "DELETE FROM secrets_permissions WHERE resource_id = ANY($1) OR role_id = ANY($1) OR policy_id = $2", ct, goneIds, policyId);
            await Exec(conn, tx, "DELETE FROM secrets_memberships WHERE role_id = ANY($1) OR member_id = ANY($1) OR policy_id = $2", ct, goneIds, policyId);
            await Exec(conn, tx, "DELETE FROM secrets_resources WHERE resource_id = ANY($1)", ct, goneIds);
        }
        var created = new List<(string, string)>();
        foreach (var d in doc.Declarations)
        {
            var apiKey = PolicyDocument.HasApiKey(d.Kind) ? ApiKeys.Generate() : null;
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO secrets_resources (resource_id, account, kind, owner_id, policy_id, api_key_hash)
                VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT DO NOTHING
                """, conn, tx);
            cmd.Parameters.AddWithValue(d.Id);
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.AddWithValue(d.Kind);
            cmd.Parameters.AddWithValue(d.Policy);
            cmd.Parameters.Add(new NpgsqlParameter { Value = apiKey is null ? DBNull.Value : ApiKeys.Hash(apiKey), NpgsqlDbType = NpgsqlDbType.Bytea });
            if (await cmd.ExecuteNonQueryAsync(ct) == 1 && apiKey is not null)
            {
                created.Add((d.Id, apiKey));
            }
            if (d.Kind == "policy")
            {
                // The enclosing policy's members own what the nested policy holds.
                await Exec(conn, tx, "INSERT INTO secrets_memberships (role_id, member_id, policy_id) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING", ct, d.Id, d.Policy);
            }
        }
        var referenced = doc.Grants.SelectMany(g => new[] { (g.Role, g.Line), (g.Member, g.Line) })
            .Concat(doc.Permits.SelectMany(p => new[] { (p.Role, p.Line), (p.Resource, p.Line) })).ToList();
        var ids = referenced.Select(x => x.Item1).Distinct().ToArray();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT resource_id FROM secrets_resources WHERE resource_id = ANY($1)", conn, tx))
        {
            cmd.Parameters.AddWithValue(ids);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                existing.Add(r.GetString(0));
            }
        }
        if (referenced.FirstOrDefault(x => !existing.Contains(x.Item1)) is { Item1: not null } missing)
        {
            throw new PolicyException($"{missing.Item1} is not declared in this policy and does not exist", missing.Line, 1);
        }
        foreach (var g in doc.Grants)
        {
            await Exec(conn, tx, "INSERT INTO secrets_memberships (role_id, member_id, policy_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", ct, g.Role, g.Member, g.Policy);
        }
        foreach (var p in doc.Permits)
        {
            await Exec(conn, tx, "INSERT INTO secrets_permissions (resource_id, privilege, role_id, policy_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", ct, p.Resource, p.Privilege, p.Role, p.Policy);
        }
        int version;
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO secrets_policy_versions (policy_id, version, role_id, method, sha256)
            SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM secrets_policy_versions WHERE policy_id = $1
            RETURNING version
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(policyId);
            cmd.Parameters.AddWithValue(loadedBy);
            cmd.Parameters.AddWithValue(method);
            cmd.Parameters.AddWithValue(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(yaml))).ToLowerInvariant());
            version = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        await tx.CommitAsync(ct);
        return (created, version);
    }

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A replica that has not received the schema yet (no account was ever created) reads as empty.</summary>
    private static async Task<T?> QueryOrMissingAsync<T>(Func<Task<T?>> query)
    {
        try
        {
            return await query();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return default;
        }
    }
}
